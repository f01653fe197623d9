/**
 * The report as SARIF 2.1.0 (`--format sarif`), for code-scanning dashboards such as GitHub's: one
 * run, one rule per check id (the rule id is the check id, stable: docs/DESIGN.md), one result per
 * check that did not pass (fail, warn, or error). There is no source file to point at: each result's
 * location is a logical location, the AWS resource the check is about. Deterministic: the same report
 * gives the same bytes (no timestamps but the report's own).
 */
import { VERSION } from "../cli/version";
import type { CheckResult, Report, Severity } from "./model";

/** The schema URI SARIF consumers expect in `$schema` (a name only: nothing fetches it). */
export const SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json";
/** The package.json repository, where the check ids are documented (docs/DESIGN.md). */
const INFORMATION_URI = "https://github.com/roadmapx/roadmapx-ai";
const DESIGN_URI = `${INFORMATION_URI}/blob/main/docs/DESIGN.md#check-ids-stable-add-more-never-rename`;

type Level = "error" | "warning" | "note" | "none";

/**
 * A check's severity as a SARIF level, the way Prowler maps its own: critical and high → "error",
 * medium → "warning", low and informational → "note". Our error-severity checks are Prowler's high
 * (a service fails), warn is medium (hardening), info is low.
 */
export const SARIF_LEVEL: Record<Severity, Exclude<Level, "none">> = { error: "error", warn: "warning", info: "note" };
/** GitHub code scanning's `security-severity` (a CVSS-like score), as Prowler gives high, medium and low. */
const SECURITY_SEVERITY: Record<Severity, string> = { error: "7.0", warn: "4.0", info: "2.0" };

/** `bucket.personalize-policy` → `BucketPersonalizePolicy`: the rule's name, for people. */
function ruleName(id: string): string {
  return id
    .split(/[.\-_]/)
    .filter(Boolean)
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join("");
}

/** The text as a sentence: with a final full stop. */
function sentence(text: string): string {
  return /[.!?]$/.test(text) ? text : `${text}.`;
}

function fixLines(c: CheckResult): string[] {
  if (!c.fix) return [];
  return [`Fix: ${c.fix.summary}`, ...c.fix.commands, ...(c.fix.pulumi ? [`Pulumi: ${c.fix.pulumi}`] : [])];
}

function help(c: CheckResult): { text: string; markdown: string } {
  const text = [`Holds when: ${c.title}.`, `Risk when it does not: ${c.risk}`];
  const markdown = [`**Holds when:** ${c.title}.`, "", `**Risk when it does not:** ${c.risk}`];
  if (c.remediation) {
    text.push(`What to do: ${c.remediation}`);
    markdown.push("", "**What to do:**", "", "```", c.remediation, "```");
  }
  if (c.fix) {
    text.push(...fixLines(c));
    markdown.push("", `**Fix:** ${c.fix.summary}`);
    if (c.fix.commands.length) markdown.push("", "```sh", ...c.fix.commands, "```");
    if (c.fix.pulumi) markdown.push("", `**Pulumi:** ${c.fix.pulumi}`);
  }
  markdown.push("", `Check ids: [docs/DESIGN.md](${DESIGN_URI}).`);
  return { text: text.join("\n"), markdown: markdown.join("\n") };
}

function rule(c: CheckResult) {
  return {
    id: c.id,
    name: ruleName(c.id),
    shortDescription: { text: c.title },
    fullDescription: { text: `${c.title}. Risk when it does not hold: ${c.risk}` },
    helpUri: DESIGN_URI,
    help: help(c),
    defaultConfiguration: { level: SARIF_LEVEL[c.severity] },
    properties: {
      tags: ["security", "aws", `severity/${c.severity}`],
      "security-severity": SECURITY_SEVERITY[c.severity],
      severity: c.severity,
      risk: c.risk,
    },
  };
}

/** Where the result is: the resource the check is about, else the account the run looked at. */
function location(c: CheckResult, report: Report) {
  const where = c.resource ?? (report.target.accountId ? `account ${report.target.accountId} (${report.target.region})` : report.target.region);
  return { logicalLocations: [{ fullyQualifiedName: where, kind: "resource" }] };
}

/**
 * A failed condition is a result of kind "fail" at its rule's level. A check that could not be
 * evaluated (status error, exit 3) is of kind "open", which SARIF requires at level "none"; the run's
 * invocation then also carries it as an error notification and is not executionSuccessful.
 */
function result(c: CheckResult, index: number, report: Report) {
  const evaluated = c.status !== "error";
  return {
    ruleId: c.id,
    ruleIndex: index,
    kind: evaluated ? "fail" : "open",
    level: evaluated ? SARIF_LEVEL[c.severity] : ("none" as Level),
    message: { text: c.fix ? `${sentence(c.message)} Fix: ${c.fix.summary}` : c.message },
    locations: [location(c, report)],
    partialFingerprints: { "roadmapxCheck/v1": `${c.id}|${c.resource ?? ""}` },
    properties: {
      status: c.status,
      severity: c.severity,
      risk: c.risk,
      ...(c.resource ? { resource: c.resource } : {}),
      ...(c.remediation ? { remediation: c.remediation } : {}),
      ...(c.explain?.length ? { explain: c.explain } : {}),
      ...(c.fix
        ? {
            fix: {
              summary: c.fix.summary,
              commands: c.fix.commands,
              ...(c.fix.pulumi ? { pulumi: c.fix.pulumi } : {}),
              ...(c.fix.files?.length ? { files: c.fix.files } : {}),
            },
          }
        : {}),
    },
  };
}

export function renderSarif(report: Report): string {
  const problems = report.checks.map((c, index) => ({ c, index })).filter(({ c }) => c.status === "fail" || c.status === "warn" || c.status === "error");
  const unevaluated = report.checks.filter((c) => c.status === "error");
  const log = {
    $schema: SARIF_SCHEMA,
    version: "2.1.0",
    runs: [
      {
        tool: {
          driver: {
            name: "roadmapx-ai verify",
            version: VERSION,
            semanticVersion: VERSION,
            informationUri: INFORMATION_URI,
            rules: report.checks.map(rule),
          },
        },
        invocations: [
          {
            executionSuccessful: unevaluated.length === 0,
            toolExecutionNotifications: unevaluated.map((c) => ({
              level: "error",
              message: { text: `${c.id} could not be evaluated: ${c.message}` },
              associatedRule: { id: c.id, index: report.checks.indexOf(c) },
            })),
          },
        ],
        results: problems.map(({ c, index }) => result(c, index, report)),
        properties: { ok: report.ok, target: report.target, summary: report.summary },
      },
    ],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
}
