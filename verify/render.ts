/**
 * The report for people (the checklist table users know: Component | Status | Action needed, with a
 * reason per failure) and for machines (exactly one JSON document).
 */
import type { CheckResult, Report, Status } from "./model";

export function renderJson(report: Report): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}

const LABEL: Record<Status, string> = { pass: "PASS", fail: "FAIL", warn: "WARN", skip: "skip", error: "ERROR" };
const COLOUR: Record<Status, string> = { pass: "32", fail: "31", warn: "33", skip: "90", error: "35" };

function actionNeeded(c: CheckResult): string {
  if (c.status === "pass") return "None";
  if (c.status === "skip") return "—";
  let first = (c.remediation ?? c.message).split("\n")[0] ?? "";
  if (first.endsWith(":")) first = `${first.slice(0, -1)} (see below)`;
  return first.length > 90 ? `${first.slice(0, 87)}...` : first;
}

/** Info-severity findings are not warnings: label them as such. */
function label(c: CheckResult): string {
  return c.severity === "info" && c.status === "warn" ? "INFO" : LABEL[c.status];
}

function pad(text: string, width: number): string {
  return text.length >= width ? text : text + " ".repeat(width - text.length);
}

export interface RenderOptions {
  /** ANSI colours (only on a TTY, and never with NO_COLOR). */
  colour: boolean;
  /** Print why and fix lines for problems (default true). */
  details?: boolean;
}

export function renderTable(report: Report, options: RenderOptions): string {
  const paint = (status: Status, text: string) => (options.colour ? `\x1b[${COLOUR[status]}m${text}\x1b[0m` : text);
  const rows = report.checks.map((c) => ({ c, component: `${c.title} (${c.id})` }));
  const width = Math.max("Component".length, ...rows.map((r) => r.component.length));
  const lines: string[] = [];
  const target = report.target;
  lines.push(
    `roadmapx-ai verify: account ${target.accountId || "?"}, ${target.region}${target.endpoint ? `, endpoint ${target.endpoint}` : ""}` +
      `${target.callerArn ? `, as ${target.callerArn}` : ""}`,
  );
  lines.push("");
  lines.push(`${pad("Component", width)}  Status  Action needed`);
  lines.push(`${"-".repeat(width)}  ------  ${"-".repeat(13)}`);
  for (const { c, component } of rows) {
    lines.push(`${pad(component, width)}  ${paint(c.status, pad(label(c), 6))}  ${actionNeeded(c)}`);
  }
  if (options.details !== false) {
    const problems = report.checks.filter((c) => c.status === "fail" || c.status === "warn" || c.status === "error");
    if (problems.length) lines.push("");
    for (const c of problems) {
      lines.push(`${paint(c.status, label(c))} ${c.id}: ${c.message}`);
      for (const why of c.explain ?? []) lines.push(`    why: ${why}`);
      if (c.remediation) {
        const [first, ...rest] = c.remediation.split("\n");
        lines.push(`    fix: ${first}`);
        for (const line of rest) lines.push(`         ${line}`);
      }
    }
  }
  const s = report.summary;
  lines.push("");
  lines.push(
    `${report.ok ? "Ready" : "Not ready"}: ${s.pass} pass, ${s.fail} fail, ${s.warn} warn, ${s.skip} skip, ${s.error} error ` +
      `(${s.awsCalls} read-only AWS call${s.awsCalls === 1 ? "" : "s"}, ${s.seconds.toFixed(2)} s)`,
  );
  return `${lines.join("\n")}\n`;
}
