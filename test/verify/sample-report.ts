/**
 * Reports for the format tests (formats.unit.test.ts, report-html.test.ts): every real check id,
 * title, severity and risk (verify/checks), with statuses, resources and fixes chosen to cover each
 * branch of each renderer. No AWS.
 */
import { CHECKS } from "../../verify/checks";
import type { CheckResult, Report } from "../../verify/model";

export const ACCOUNT = "123456789012";
export const CALLER = `arn:aws:iam::${ACCOUNT}:user/deployer`;
export const BACKEND = `arn:aws:iam::${ACCOUNT}:role/roadmapx-backend`;
export const BUCKET = "roadmapx-files";
export const KEY = `arn:aws:kms:us-east-1:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
export const roleArn = (svc: string) => `arn:aws:iam::${ACCOUNT}:role/roadmapx-ai-dev-${svc}`;

/** Markup in a message: every format must carry it as text. */
export const HOSTILE = `<script>window.pwned = 1</script><img src="https://example.invalid/x.png"> & "quotes" 'too'`;

export const PASS_ROLE_FIX = {
  summary: `attach the stack's application policy arn:aws:iam::${ACCOUNT}:policy/roadmapx-ai-dev-application to role roadmapx-backend`,
  commands: [
    `aws iam attach-role-policy --role-name roadmapx-backend --policy-arn arn:aws:iam::${ACCOUNT}:policy/roadmapx-ai-dev-application`,
    `aws iam get-role-policy --role-name roadmapx-backend --policy-name check-only`,
  ],
  pulumi: "the stack's application policy (output appPolicyArn) grants it: attach it to the backend's role",
};

/** Status and details per check id; the rest pass. */
const OVERRIDES: Record<string, Partial<CheckResult>> = {
  "caller.pass-role.personalize": {
    status: "fail",
    message: `${BACKEND} may not pass roadmapx-ai-dev-personalize to personalize.amazonaws.com ${HOSTILE}`,
    explain: ["no statement of role roadmapx-backend allows iam:PassRole on roadmapx-ai-dev-personalize"],
    remediation: 'Attach the application policy, or add:\n[{"Sid":"PassPersonalizeRole","Effect":"Allow","Action":"iam:PassRole"}]',
    fix: PASS_ROLE_FIX,
  },
  "role.sagemaker.s3": {
    status: "fail",
    message: "roadmapx-ai-dev-sagemaker may not s3:PutObject on models/*",
    fix: {
      summary: "put the inline policy roadmapx-ai-s3 on role roadmapx-ai-dev-sagemaker",
      commands: [
        "aws iam put-role-policy --role-name roadmapx-ai-dev-sagemaker --policy-name roadmapx-ai-s3 --policy-document file://verify-fixes/role.sagemaker.s3.json",
      ],
      files: [{ path: "verify-fixes/role.sagemaker.s3.json", content: '{\n  "Version": "2012-10-17",\n  "Statement": [{ "Sid": "<Models>" }]\n}\n' }],
    },
  },
  "kms.sagemaker": {
    status: "error",
    message: `the verifier may not call kms:GetKeyPolicy on ${KEY} (AccessDenied); grant it that read permission`,
  },
  "bucket.tls-only": {
    status: "warn",
    message: `nothing in the bucket policy of ${BUCKET} denies aws:SecureTransport=false`,
    remediation: "Add to the bucket policy:\n{...}",
  },
  "bucket.versioning": { status: "warn", message: `versioning is not enabled on ${BUCKET}` },
  "iam.cross-check": { status: "skip", message: "skipped: iam:SimulatePrincipalPolicy is not implemented at this endpoint" },
};

function resourceOf(id: string): string | undefined {
  if (id === "bucket.exists") return `arn:aws:s3:::${BUCKET}`;
  if (id.startsWith("bucket.")) return BUCKET;
  const role = /^role\.(\w+)\./.exec(id);
  if (role) return roleArn(role[1] ?? "");
  if (id.startsWith("caller.pass-role.") || id.startsWith("app.")) return BACKEND;
  if (id.startsWith("kms.")) return KEY;
  return undefined;
}

export function reportOf(checks: CheckResult[], over: Partial<Report> = {}): Report {
  const count = (s: CheckResult["status"]) => checks.filter((c) => c.status === s).length;
  return {
    schemaVersion: 1,
    ok: !checks.some((c) => c.severity === "error" && (c.status === "fail" || c.status === "error")),
    target: { accountId: ACCOUNT, region: "us-east-1", endpoint: "http://127.0.0.1:5000", callerArn: CALLER },
    summary: { pass: count("pass"), fail: count("fail"), warn: count("warn"), skip: count("skip"), error: count("error"), awsCalls: 27, seconds: 1.25 },
    checks,
    ...over,
  };
}

/** Every check of the checklist: one fail (with a fix and markup in its message), one error, two warnings, one skip. */
export function sampleReport(): Report {
  const checks = CHECKS.map((c): CheckResult => {
    const resource = resourceOf(c.id);
    return {
      id: c.id,
      title: c.title,
      severity: c.severity,
      status: "pass",
      risk: c.risk,
      ...(resource ? { resource } : {}),
      message: `${c.title}: holds`,
      ...OVERRIDES[c.id],
    };
  });
  return reportOf(checks);
}
