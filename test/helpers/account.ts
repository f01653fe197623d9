/**
 * An emulator account set up as the infra program declares (through the SDK, by the local harness),
 * plus helpers to run the verifier against it as the backend identity.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { setUpLocalAccount } from "../../local/account";
import { stackOutputsJson } from "../../local/apply";
import type { CheckResult } from "../../verify/model";
import { type VerifyRun, runVerify } from "../../verify/run";
import type { EmulatorContext } from "./emulator";

export const ROLE = {
  personalize: "roadmapx-ai-dev-personalize",
  sagemaker: "roadmapx-ai-dev-sagemaker",
  comprehend: "roadmapx-ai-dev-comprehend",
};

export interface Deployed {
  env: NodeJS.ProcessEnv;
  credentials: { accessKeyId: string; secretAccessKey: string };
  outputsFile: string;
  outputs: Record<string, unknown>;
}

export async function deploy(ctx: EmulatorContext, config: Record<string, string> = {}): Promise<Deployed> {
  const { applied, backendCredentials } = await setUpLocalAccount({
    clients: ctx.clients,
    config: { "aws:region": "us-east-1", ...config },
  });
  const outputsFile = join(mkdtempSync(join(tmpdir(), "roadmapx-verify-")), "stack-outputs.json");
  writeFileSync(outputsFile, stackOutputsJson(applied.outputs));
  return {
    // A clean environment: nothing of the developer's shell leaks into what verify resolves.
    env: { AWS_ENDPOINT_URL: ctx.emulator.endpoint, AWS_REGION: "us-east-1", AI_STACK_OUTPUTS: outputsFile },
    credentials: backendCredentials,
    outputsFile,
    outputs: applied.outputs as unknown as Record<string, unknown>,
  };
}

export interface VerifyAsOptions {
  env?: NodeJS.ProcessEnv;
  only?: string[];
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** --principal: the identity the backend runs as, when it is not the caller. */
  principal?: string;
}

export function verifyAs(d: Deployed, options: VerifyAsOptions = {}): Promise<VerifyRun> {
  return runVerify({
    env: { ...d.env, ...options.env },
    only: options.only,
    principal: options.principal,
    clientOptions: { credentials: options.credentials ?? d.credentials, maxAttempts: 1 },
  });
}

export function check(run: VerifyRun, id: string): CheckResult {
  const found = run.report.checks.find((c) => c.id === id);
  if (!found) throw new Error(`no check ${id} in the report`);
  return found;
}

/** Asserts the check's status and returns it; on failure shows the whole check. */
export function expectStatus(run: VerifyRun, id: string, status: CheckResult["status"]): CheckResult {
  const c = check(run, id);
  expect(c.status, `${id}: ${JSON.stringify(c, null, 2)}`).to.equal(status);
  return c;
}

/** Everything said about a check, for matching messages. */
export function textOf(c: CheckResult): string {
  return [c.message, ...(c.explain ?? []), c.remediation ?? ""].join("\n");
}
