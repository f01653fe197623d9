/**
 * The report as JUnit XML (`--format junit`), for CI test reports: one test suite, one test case per
 * check (`classname` "verify.<first id segment>", `name` "<id>: <title>"). Status fail is a
 * <failure>, status error (could not be evaluated) an <error>, skip <skipped/>. A warning (status
 * warn: a warn- or info-severity condition that does not hold) does not fail the build by default
 * (`--fail-on error`), so it is a passing test case whose <system-out> says WARN or INFO, with the
 * same why, risk and fix text a failure has. Every string is XML-escaped.
 */
import type { CheckResult, Report } from "./model";

/** Characters XML 1.0 cannot carry at all (even escaped): C0 controls but tab, LF and CR; lone surrogates; U+FFFE/U+FFFF. */
// eslint-disable-next-line no-control-regex
const NOT_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Text content: &, < and > escaped (> too, so that "]]>" never appears). */
export function xmlText(text: string): string {
  return text.replace(NOT_XML, "\uFFFD").replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** An attribute value in double quotes: also the quotes, and line breaks and tabs as references so parsers keep them. */
export function xmlAttribute(text: string): string {
  return xmlText(text).replace(/"/g, "&quot;").replace(/'/g, "&apos;").replace(/\n/g, "&#10;").replace(/\r/g, "&#13;").replace(/\t/g, "&#9;");
}

function attributes(values: Record<string, string | number>): string {
  return Object.entries(values)
    .map(([name, value]) => ` ${name}="${xmlAttribute(String(value))}"`)
    .join("");
}

/** What a person reads under a failing (or warning) test case: the sentence, why, risk, and the fix. */
export function problemText(c: CheckResult): string {
  const lines = [c.message];
  if (c.resource) lines.push(`resource: ${c.resource}`);
  for (const why of c.explain ?? []) lines.push(`why: ${why}`);
  lines.push(`risk: ${c.risk}`);
  if (c.remediation) lines.push(`fix: ${c.remediation}`);
  if (c.fix) {
    lines.push(`run: ${c.fix.summary}`, ...c.fix.commands.map((command) => `  ${command}`));
    for (const file of c.fix.files ?? []) lines.push(`file ${file.path} (the commands read it):`, file.content.trimEnd());
    if (c.fix.pulumi) lines.push(`pulumi: ${c.fix.pulumi}`);
  }
  return lines.join("\n");
}

function testCase(c: CheckResult): string {
  const head = `    <testcase${attributes({ classname: `verify.${c.id.split(".")[0] ?? c.id}`, name: `${c.id}: ${c.title}` })}`;
  switch (c.status) {
    case "pass":
      return `${head}/>`;
    case "skip":
      return `${head}>\n      <skipped${attributes({ message: c.message })}/>\n    </testcase>`;
    case "fail":
      return `${head}>\n      <failure${attributes({ message: c.message, type: `${c.severity}-severity check failed` })}>${xmlText(problemText(c))}</failure>\n    </testcase>`;
    case "error":
      return `${head}>\n      <error${attributes({ message: c.message, type: "could not be evaluated" })}>${xmlText(problemText(c))}</error>\n    </testcase>`;
    case "warn": {
      const label = c.severity === "info" ? "INFO" : "WARN";
      return `${head}>\n      <system-out>${xmlText(`${label} (${c.severity}-severity, does not fail the run at --fail-on error): ${problemText(c)}`)}</system-out>\n    </testcase>`;
    }
  }
}

export function renderJunit(report: Report): string {
  const s = report.summary;
  const count = (status: CheckResult["status"]) => report.checks.filter((c) => c.status === status).length;
  const counts = { tests: report.checks.length, failures: count("fail"), errors: count("error"), skipped: count("skip"), time: s.seconds.toFixed(2) };
  const target = report.target;
  const properties: Array<[string, string]> = [
    ["accountId", target.accountId],
    ["region", target.region],
    ...(target.endpoint ? ([["endpoint", target.endpoint]] as Array<[string, string]>) : []),
    ...(target.callerArn ? ([["callerArn", target.callerArn]] as Array<[string, string]>) : []),
    ["ok", String(report.ok)],
    ["warnings", String(count("warn"))],
    ["awsCalls", String(s.awsCalls)],
  ];
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites${attributes({ name: "roadmapx-ai verify", ...counts })}>`,
    `  <testsuite${attributes({ name: "roadmapx-ai verify", ...counts })}>`,
    "    <properties>",
    ...properties.map(([name, value]) => `      <property${attributes({ name, value })}/>`),
    "    </properties>",
    ...report.checks.map(testCase),
    "  </testsuite>",
    "</testsuites>",
    "",
  ].join("\n");
}
