/**
 * Fixes that apply as printed (docs/DESIGN.md, "verify report"): the helpers the checks use to build
 * a failing check's `fix` — AWS CLI commands, shell-quoted, with complete policy documents — and the
 * one function that writes the longer documents to local files.
 *
 * Decisions, so every check's fix reads the same way:
 *
 * - Commands are for the `aws` CLI (v1 or v2) as a user types them in a POSIX shell, one complete
 *   command per string, run in the order printed: `aws iam put-role-policy --role-name R
 *   --policy-name P --policy-document file://verify-fixes/role.personalize.s3.json`. An argument is
 *   single-quoted unless it is made only of characters no shell treats specially; a single quote
 *   inside becomes `'\''`. `--region` appears only where it decides something: `create-bucket`
 *   (where the bucket lives) and KMS (the key's region). IAM is global; S3 follows the bucket.
 * - Policy documents are complete (`Version` 2012-10-17, or a bucket policy's own 2008-10-17, and
 *   `Statement`), never a bare statement list. A resource policy is written whole: the policy there
 *   now with its statements kept, statements with our Sids replaced, ours added (core's
 *   mergeBucketPolicy). Because a bucket (or a key) has one policy, every check that fixes the same
 *   policy prints the same merged document, covering all of them: running one, or all, leaves the
 *   policy with everything the failing checks need.
 * - A document of at most INLINE_LIMIT characters (compact JSON) goes inline, single-quoted. A longer
 *   one is a file under `verify-fixes/` (`fix.files: [{ path, content }]`): the command names it as
 *   `file://verify-fixes/NAME.json`, relative to the directory the commands run in. The report always
 *   carries the content; the verifier itself never writes anywhere. The CLI calls writeFixFiles()
 *   after the run, which writes those files (only when a failing check has one) into `--fix-dir`
 *   (default `verify-fixes`), rewrites the paths in the report when the directory differs, and
 *   returns what it wrote so the CLI can say "wrote verify-fixes/NAME.json".
 * - A check is only given commands that make it pass: where a command could not (an explicit Deny,
 *   a bucket in another region, the environment contradicting the outputs, an SCP), the fix has a
 *   summary that says what to do and why no command does it, and no commands.
 * - `pulumi`, where the stack would make the same change: one sentence naming the component or the
 *   config key, e.g. "the stack's ServiceRole … declares this trust policy: `pulumi up` restores it".
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { isAbsolute, join } from "node:path";
import type { Fix, FixFile, Report } from "./model";

/** The directory the commands' `file://` arguments name, relative to where they run. */
export const DEFAULT_FIX_DIR = "verify-fixes";
/** Longer documents (compact JSON) are written to a file instead of going inline. */
export const INLINE_LIMIT = 1000;

/** Characters no POSIX shell treats specially in a word. */
const SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** One shell word: as it is when it is safe, else single-quoted (a `'` inside becomes `'\''`). */
export function shellQuote(arg: string): string {
  if (arg !== "" && SAFE.test(arg)) return arg;
  return `'${arg.replaceAll("'", `'\\''`)}'`;
}

/** A JSON argument: an inline document or a file the command reads. */
export interface DocumentArg {
  /** The word as it goes into the command (already quoted). */
  word: string;
  file?: FixFile | undefined;
}

/** File names the verifier makes are these characters only (no separators, no `..`). */
export function fixFileName(...parts: string[]): string {
  const name = parts
    .map((p) => p.replace(/[^A-Za-z0-9._-]+/g, "-").replace(/^[.-]+|-+$/g, ""))
    .filter(Boolean)
    .join(".");
  return `${name.replace(/\.{2,}/g, ".")}.json`;
}

/**
 * A complete document for a `--policy-document` / `--policy` / `--…-configuration` argument:
 * inline (compact, quoted) when short, else a file (pretty-printed) named `file://verify-fixes/NAME`.
 */
export function documentArg(document: unknown, fileName: string, limit = INLINE_LIMIT): DocumentArg {
  const compact = JSON.stringify(document);
  if (compact.length <= limit) return { word: shellQuote(compact) };
  const path = `${DEFAULT_FIX_DIR}/${fileName}`;
  return { word: `file://${path}`, file: { path, content: `${JSON.stringify(document, null, 2)}\n` } };
}

/** A command from its words: plain strings are quoted as needed, DocumentArgs are used as they are. */
export function command(...words: (string | DocumentArg)[]): string {
  return words.map((w) => (typeof w === "string" ? shellQuote(w) : w.word)).join(" ");
}

/** Builds a Fix: commands in order, the files they read, the summary and the Pulumi way. */
export function fixOf(summary: string, steps: (string | { command: string; files: FixFile[] })[], pulumi?: string): Fix {
  const commands: string[] = [];
  const files: FixFile[] = [];
  for (const step of steps) {
    if (typeof step === "string") commands.push(step);
    else {
      commands.push(step.command);
      for (const f of step.files) if (!files.some((g) => g.path === f.path)) files.push(f);
    }
  }
  return { summary, commands, ...(files.length ? { files } : {}), ...(pulumi ? { pulumi } : {}) };
}

/** A command step with the files its document arguments need. */
export function step(...words: (string | DocumentArg)[]): { command: string; files: FixFile[] } {
  return { command: command(...words), files: words.flatMap((w) => (typeof w !== "string" && w.file ? [w.file] : [])) };
}

/** A fix that no command gives: what to do, in one sentence. */
export function noCommand(summary: string, pulumi?: string): Fix {
  return { summary, commands: [], ...(pulumi ? { pulumi } : {}) };
}

/** The fixes the runner keeps in the report: those of checks that did not pass. */
function failingFixes(report: Report): Fix[] {
  return report.checks.flatMap((c) => (c.fix && c.status !== "pass" && c.status !== "skip" ? [c.fix] : []));
}

/**
 * Writes the files the failing checks' commands read into `dir` (created when needed; nothing is
 * written, not even the directory, when no failing check has a file) and returns their paths as the
 * commands name them. When `dir` is not the default, the report's file paths and commands are
 * rewritten to name `dir` (call it before rendering). A relative `dir` is taken from `cwd`, where the
 * commands will run. Two checks fixing the same policy carry the same file with the same content;
 * different contents under one name are a bug and throw.
 */
export function writeFixFiles(report: Report, dir: string = DEFAULT_FIX_DIR, cwd: string = process.cwd()): string[] {
  const base = dir.replace(/(.)\/+$/, "$1");
  const fixes = failingFixes(report).filter((f) => f.files?.length);
  if (fixes.length === 0) return [];
  const moved = (path: string) => (base === DEFAULT_FIX_DIR ? path : `${base}/${path.slice(DEFAULT_FIX_DIR.length + 1)}`);
  const contents = new Map<string, string>();
  for (const fix of fixes) {
    for (const file of fix.files ?? []) {
      const path = file.path.startsWith(`${DEFAULT_FIX_DIR}/`) ? moved(file.path) : file.path;
      const earlier = contents.get(path);
      if (earlier !== undefined && earlier !== file.content) throw new Error(`two fixes write different documents to ${path}`);
      contents.set(path, file.content);
      file.path = path;
    }
    if (base !== DEFAULT_FIX_DIR) {
      fix.commands = fix.commands.map((c) =>
        c.replace(new RegExp(`file://${DEFAULT_FIX_DIR}/([A-Za-z0-9._-]+)`, "g"), (_, name: string) => shellQuote(`file://${base}/${name}`)),
      );
    }
  }
  mkdirSync(isAbsolute(base) ? base : join(cwd, base), { recursive: true });
  for (const [path, content] of contents) writeFileSync(isAbsolute(path) ? path : join(cwd, path), content);
  return [...contents.keys()];
}
