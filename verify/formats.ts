/** The report formats of `roadmapx-ai verify --format` (docs/DESIGN.md, "verify report"), by name, and writing one to a file. */
import { randomBytes } from "node:crypto";
import { renameSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import type { Report } from "./model";
import { type RenderOptions, renderJson, renderTable } from "./render";
import { renderHtml } from "./render-html";
import { renderJunit } from "./render-junit";
import { renderSarif } from "./render-sarif";

export const FORMATS = ["table", "json", "sarif", "junit", "html"] as const;
export type Format = (typeof FORMATS)[number];

export function isFormat(name: string): name is Format {
  return (FORMATS as readonly string[]).includes(name);
}

/** The report as text in that format; only the table reads the options (colour, details, width). */
export function renderReport(report: Report, format: Format, options: Partial<RenderOptions> = {}): string {
  switch (format) {
    case "table":
      return renderTable(report, { colour: false, ...options });
    case "json":
      return renderJson(report);
    case "sarif":
      return renderSarif(report);
    case "junit":
      return renderJunit(report);
    case "html":
      return renderHtml(report);
  }
}

/**
 * Writes a rendered report to `file` atomically: into a temporary file in the same directory, then
 * renamed over `file`, so a reader (a CI upload step, a browser) never sees half a report. Returns the
 * absolute path written.
 */
export function writeReportFile(file: string, text: string): string {
  const path = resolve(file);
  const temporary = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`);
  try {
    writeFileSync(temporary, text, { flag: "wx" });
    renameSync(temporary, path);
  } catch (err) {
    rmSync(temporary, { force: true });
    throw err;
  }
  return path;
}
