/**
 * The report for people (the checklist table users know: Component | Status | Action needed, with a
 * reason per failure) and for machines (exactly one JSON document). The other formats (SARIF, JUnit,
 * HTML) are in render-*.ts; formats.ts picks one by name.
 */
import type { CheckResult, Report, Status } from "./model";

export function renderJson(report: Report): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}

const LABEL: Record<Status, string> = { pass: "PASS", fail: "FAIL", warn: "WARN", skip: "skip", error: "ERROR" };
const COLOUR: Record<Status, string> = { pass: "32", fail: "31", warn: "33", skip: "90", error: "35" };

/** The terminal width when none is known (output piped or written to a file). */
export const DEFAULT_WIDTH = 100;
/** The Action needed column is never narrower than this, however narrow the terminal. */
const MIN_ACTION_WIDTH = 20;
/** The Component column gives way (wraps) before the Action needed column gets narrower than this. */
const PREFERRED_ACTION_WIDTH = 40;
/** Between the columns: two spaces, the six-character status, two spaces. */
const STATUS_COLUMNS = 2 + 6 + 2;

function actionNeeded(c: CheckResult): string {
  if (c.status === "pass") return "None";
  if (c.status === "skip") return "—";
  let first = (c.remediation ?? c.message).split("\n")[0] ?? "";
  if (first.endsWith(":")) first = `${first.slice(0, -1)} (see below)`;
  return first;
}

/** Info-severity findings are not warnings: label them as such. */
function label(c: CheckResult): string {
  return c.severity === "info" && c.status === "warn" ? "INFO" : LABEL[c.status];
}

function pad(text: string, width: number): string {
  return text.length >= width ? text : text + " ".repeat(width - text.length);
}

/**
 * Breaks `text` into lines of at most `width` characters: at spaces where it can, inside a word (a
 * long ARN) where it must. Only spaces are dropped: the lines joined by spaces give the words back.
 */
export function wrap(text: string, width: number): string[] {
  const max = Math.max(1, Math.floor(width));
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(" ")) {
    if (word === "") continue;
    let rest = word;
    for (;;) {
      if (line === "") {
        if (rest.length <= max) {
          line = rest;
          break;
        }
        lines.push(rest.slice(0, max));
        rest = rest.slice(max);
      } else if (line.length + 1 + rest.length <= max) {
        line = `${line} ${rest}`;
        break;
      } else {
        lines.push(line);
        line = "";
      }
    }
  }
  lines.push(line);
  return lines;
}

export interface RenderOptions {
  /** ANSI colours (only on a TTY, and never with NO_COLOR). */
  colour: boolean;
  /** Print why, risk and fix lines for problems (default true). */
  details?: boolean;
  /** Terminal width the table wraps its cells to (`process.stdout.columns` on a TTY); default 100. */
  width?: number | undefined;
}

/** Lines of a multi-line value under a label: `    fix: first` then the rest aligned under it. */
function labelled(lines: string[], name: string, text: string): void {
  const [first, ...rest] = text.split("\n");
  const head = `    ${name}: `;
  lines.push(`${head}${first ?? ""}`);
  for (const line of rest) lines.push(`${" ".repeat(head.length)}${line}`);
}

export function renderTable(report: Report, options: RenderOptions): string {
  const paint = (status: Status, text: string) => (options.colour ? `\x1b[${COLOUR[status]}m${text}\x1b[0m` : text);
  const total = options.width !== undefined && options.width > 0 ? options.width : DEFAULT_WIDTH;
  const rows = report.checks.map((c) => ({ c, component: `${c.title} (${c.id})`, action: actionNeeded(c) }));
  const natural = Math.max("Component".length, ...rows.map((r) => r.component.length));
  const naturalAction = Math.max("Action needed".length, ...rows.map((r) => r.action.length));
  // Everything on one line when it fits; else the Component column gives way down to its heading's
  // width before the Action needed column gets narrower than PREFERRED_ACTION_WIDTH.
  const width =
    natural + STATUS_COLUMNS + naturalAction <= total
      ? natural
      : Math.min(natural, Math.max("Component".length, total - STATUS_COLUMNS - PREFERRED_ACTION_WIDTH));
  const actionWidth = Math.max(MIN_ACTION_WIDTH, total - STATUS_COLUMNS - width);
  const lines: string[] = [];
  const target = report.target;
  lines.push(
    `roadmapx-ai verify: account ${target.accountId || "?"}, ${target.region}${target.endpoint ? `, endpoint ${target.endpoint}` : ""}` +
      `${target.callerArn ? `, as ${target.callerArn}` : ""}`,
  );
  lines.push("");
  lines.push(`${pad("Component", width)}  Status  Action needed`);
  lines.push(`${"-".repeat(width)}  ------  ${"-".repeat(13)}`);
  for (const { c, component, action } of rows) {
    const left = wrap(component, width);
    const right = wrap(action, actionWidth);
    for (let i = 0; i < Math.max(left.length, right.length); i++) {
      const status = i === 0 ? paint(c.status, pad(label(c), 6)) : " ".repeat(6);
      const cell = right[i] ?? "";
      lines.push(cell ? `${pad(left[i] ?? "", width)}  ${status}  ${cell}` : `${pad(left[i] ?? "", width)}  ${status}`.trimEnd());
    }
  }
  if (options.details !== false) {
    const problems = report.checks.filter((c) => c.status === "fail" || c.status === "warn" || c.status === "error");
    if (problems.length) lines.push("");
    for (const c of problems) {
      lines.push(`${paint(c.status, label(c))} ${c.id}: ${c.message}`);
      for (const why of c.explain ?? []) lines.push(`    why: ${why}`);
      if (c.risk) labelled(lines, "risk", c.risk);
      if (c.remediation) labelled(lines, "fix", c.remediation);
      if (c.fix) {
        // The commands one per line, as printed they run: copy the block under "run:".
        labelled(lines, "run", [c.fix.summary, ...c.fix.commands].join("\n"));
        if (c.fix.pulumi) labelled(lines, "pulumi", c.fix.pulumi);
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
