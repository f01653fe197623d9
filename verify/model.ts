/**
 * The verifier's vocabulary: a check is a small definition (id, title, severity, the risk it guards
 * against) plus an evaluation that returns one result with a specific sentence about the resource.
 * The JSON report is the contract of docs/DESIGN.md ("verify report").
 */
import type { Facts } from "./facts";

export type Severity = "error" | "warn" | "info";
export type Status = "pass" | "fail" | "warn" | "skip" | "error";

/** A failing check's remediation, in a form that applies as printed (docs/DESIGN.md, "verify report"). */
export interface Fix {
  /** One sentence: what the commands change. */
  summary: string;
  /**
   * AWS CLI commands that, run in order as printed, make the check pass: complete policy documents
   * (with Version), a bucket policy merged with the statements it already has.
   */
  commands: string[];
  /** What to change in the Pulumi stack instead, where the stack would do it. */
  pulumi?: string | undefined;
  /**
   * Documents too long for a shell line, which the commands read as `file://<path>` (verify/fix.ts):
   * the path relative to where the commands run, and the complete content. The CLI writes them.
   */
  files?: FixFile[] | undefined;
}

/** A document a fix command reads from a file (verify/fix.ts: writeFixFiles). */
export interface FixFile {
  path: string;
  content: string;
}

export interface CheckResult {
  id: string;
  title: string;
  severity: Severity;
  status: Status;
  /** What goes wrong in production when this check fails. */
  risk: string;
  /** The ARN or name the sentence is about. */
  resource?: string;
  /** One specific sentence: what holds, or what does not and why. */
  message: string;
  /** What to do: the exact statement to add, or the config/CLI step. */
  remediation?: string;
  /** The evidence: which statement allowed or denied what, near misses, read problems. */
  explain?: string[];
  /** For a failing check: the commands that fix it. */
  fix?: Fix;
}

/** What an evaluation returns; the runner adds id, title and severity. */
export interface Outcome {
  /** Whether the condition holds; "skip" when it does not apply; "error" when it could not be evaluated. */
  verdict: "holds" | "broken" | "skip" | "error";
  resource?: string | undefined;
  message: string;
  remediation?: string | undefined;
  explain?: string[] | undefined;
  fix?: Fix | undefined;
}

export interface CheckDefinition {
  id: string;
  title: string;
  severity: Severity;
  /** What goes wrong in production when this check fails. */
  risk: string;
  /**
   * Checks that must pass first (ids from CHECK_IDS): when one does not, this check is skipped and
   * says which, instead of re-deriving the prerequisite. They run even when `--only` leaves them out.
   */
  requires?: readonly string[];
  evaluate(facts: Facts): Promise<Outcome>;
}

export interface Report {
  schemaVersion: 1;
  ok: boolean;
  target: { accountId: string; region: string; endpoint?: string; callerArn?: string };
  summary: { pass: number; fail: number; warn: number; skip: number; error: number; awsCalls: number; seconds: number };
  checks: CheckResult[];
}

/** A failed condition reads as "fail" for error-severity checks and "warn" for the others. */
export function statusOf(severity: Severity, verdict: Outcome["verdict"]): Status {
  switch (verdict) {
    case "holds":
      return "pass";
    case "skip":
      return "skip";
    case "error":
      return "error";
    case "broken":
      return severity === "error" ? "fail" : "warn";
  }
}
