/**
 * `roadmapx-ai verify --format table|json|sarif|junit|html` and `--output`: SARIF validated against
 * the official SARIF 2.1.0 JSON schema, JUnit parsed by a real XML parser, the table's wrapping, the
 * HTML's escaping and the picture's edges (the browser test is report-html.test.ts), and the CLI's
 * flags run in-process (no build, no AWS: the one run talks to a closed port).
 *
 * test/fixtures/sarif-schema-2.1.0.json is the OASIS schema, unchanged: oasis-tcs/sarif-spec,
 * sarif-2.1/schema/sarif-schema-2.1.0.json (sha256 c3b4bb2d6093897483348925aaa73af03b3e3f4bd4ca38cef26dcb4212a2682e,
 * "id" https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json).
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Ajv from "ajv-draft-04";
import addFormats from "ajv-formats";
import { expect } from "chai";
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { main } from "../../cli/main";
import { FORMATS, renderReport } from "../../verify/formats";
import type { CheckResult, Report } from "../../verify/model";
import { renderJson, renderTable, wrap } from "../../verify/render";
import { EDGE_RULES, escapeHtml, graphOf, renderHtml } from "../../verify/render-html";
import { renderJunit } from "../../verify/render-junit";
import { SARIF_LEVEL, renderSarif } from "../../verify/render-sarif";
import { BACKEND, CALLER, HOSTILE, KEY, PASS_ROLE_FIX, reportOf, roleArn, sampleReport } from "./sample-report";

const ROOT = join(__dirname, "..", "..");
const VERSION = (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string }).version;

const result = (over: Partial<CheckResult>): CheckResult => ({
  id: "x",
  title: "X",
  severity: "error",
  status: "pass",
  risk: "things break",
  message: "fine",
  ...over,
});

// ---------------------------------------------------------------------------------------------

interface SarifLog {
  $schema: string;
  version: string;
  runs: Array<{
    tool: { driver: { name: string; version: string; informationUri: string; rules: SarifRule[] } };
    invocations: Array<{
      executionSuccessful: boolean;
      toolExecutionNotifications: Array<{ level: string; message: { text: string }; associatedRule: { id: string } }>;
    }>;
    results: SarifResult[];
  }>;
}
interface SarifRule {
  id: string;
  name: string;
  shortDescription: { text: string };
  fullDescription: { text: string };
  help: { text: string; markdown: string };
  defaultConfiguration: { level: string };
  properties: Record<string, unknown>;
}
interface SarifResult {
  ruleId: string;
  ruleIndex: number;
  kind: string;
  level: string;
  message: { text: string };
  locations: Array<{ logicalLocations: Array<{ fullyQualifiedName: string; kind: string }> }>;
  properties: { status: string; risk: string; fix?: { summary: string; commands: string[]; pulumi?: string } };
}

const schema = JSON.parse(readFileSync(join(ROOT, "test", "fixtures", "sarif-schema-2.1.0.json"), "utf8")) as Record<string, unknown>;
const ajv = new Ajv({ allErrors: true, strict: false });
addFormats(ajv);
const validateSarif = ajv.compile(schema);

function sarifOf(report: Report): SarifLog {
  const text = renderSarif(report);
  const log = JSON.parse(text) as SarifLog;
  const valid = validateSarif(log);
  expect(valid, ajv.errorsText(validateSarif.errors, { separator: "\n" })).to.equal(true);
  return log;
}

describe("verify --format sarif", () => {
  it("is valid SARIF 2.1.0 by the official JSON schema, for a report with every status", () => {
    const log = sarifOf(sampleReport());
    expect(log.version).to.equal("2.1.0");
    expect(log.$schema).to.equal("https://json.schemastore.org/sarif-2.1.0.json");
    expect(log.runs).to.have.length(1);
  });

  it("the schema really is checked: a log with a bad level or no tool is refused", () => {
    const log = JSON.parse(renderSarif(sampleReport())) as SarifLog;
    const first = log.runs[0]?.results[0] as SarifResult;
    first.level = "critical";
    expect(validateSarif(log)).to.equal(false);
    expect(validateSarif({ version: "2.1.0", runs: [{}] })).to.equal(false);
  });

  it("names the tool and its version, and has one rule per check id, in report order, with title, risk and help", () => {
    const report = sampleReport();
    const run = sarifOf(report).runs[0];
    expect(run?.tool.driver).to.include({ name: "roadmapx-ai verify", version: VERSION, informationUri: "https://github.com/roadmapx/roadmapx-ai" });
    const rules = run?.tool.driver.rules ?? [];
    expect(rules.map((r) => r.id)).to.deep.equal(report.checks.map((c) => c.id));
    for (const [i, rule] of rules.entries()) {
      const c = report.checks[i] as CheckResult;
      expect(rule.shortDescription.text).to.equal(c.title);
      expect(rule.fullDescription.text, rule.id).to.include(c.risk);
      expect(rule.help.text, rule.id).to.include(c.risk);
      expect(rule.help.markdown, rule.id).to.include(c.risk);
      expect(rule.defaultConfiguration.level).to.equal({ error: "error", warn: "warning", info: "note" }[c.severity]);
      expect(rule.name).to.match(/^[A-Z][A-Za-z0-9]*$/);
    }
    expect(rules.find((r) => r.id === "bucket.personalize-policy.confused-deputy")?.name).to.equal("BucketPersonalizePolicyConfusedDeputy");
    const passRole = rules.find((r) => r.id === "caller.pass-role.personalize");
    for (const command of PASS_ROLE_FIX.commands) expect(passRole?.help.markdown).to.include(command);
  });

  it("severity maps to levels as Prowler maps its own: error → error, warn → warning, info → note", () => {
    expect(SARIF_LEVEL).to.deep.equal({ error: "error", warn: "warning", info: "note" });
  });

  it("has results only for checks that did not pass: fail at its level, warnings as warning or note, an unevaluated check as open", () => {
    const report = sampleReport();
    const run = sarifOf(report).runs[0];
    const results = run?.results ?? [];
    expect(results.map((r) => [r.ruleId, r.kind, r.level])).to.deep.equal([
      ["bucket.tls-only", "fail", "warning"],
      ["bucket.versioning", "fail", "note"],
      ["role.sagemaker.s3", "fail", "error"],
      ["caller.pass-role.personalize", "fail", "error"],
      ["kms.sagemaker", "open", "none"],
    ]);
    for (const r of results) {
      expect(r.ruleIndex, r.ruleId).to.equal(report.checks.findIndex((c) => c.id === r.ruleId));
      expect(r.properties.risk).to.equal(report.checks[r.ruleIndex]?.risk);
    }
    // The error is also a tool execution notification, and the run did not succeed.
    expect(run?.invocations[0]?.executionSuccessful).to.equal(false);
    expect(run?.invocations[0]?.toolExecutionNotifications.map((n) => [n.level, n.associatedRule.id])).to.deep.equal([["error", "kms.sagemaker"]]);
  });

  it("a result's message is the check's sentence and the fix summary; its location is the resource; the fix commands are in its properties", () => {
    const failed = sarifOf(sampleReport()).runs[0]?.results.find((r) => r.ruleId === "caller.pass-role.personalize") as SarifResult;
    expect(failed.message.text).to.equal(
      `${BACKEND} may not pass roadmapx-ai-dev-personalize to personalize.amazonaws.com ${HOSTILE}. Fix: ${PASS_ROLE_FIX.summary}`,
    );
    expect(failed.locations).to.deep.equal([{ logicalLocations: [{ fullyQualifiedName: BACKEND, kind: "resource" }] }]);
    expect(failed.properties.fix).to.deep.equal(PASS_ROLE_FIX);
    expect(failed.properties.status).to.equal("fail");
    // Documents the commands read from files travel with the fix.
    const withFile = sarifOf(sampleReport()).runs[0]?.results.find((r) => r.ruleId === "role.sagemaker.s3");
    expect(withFile?.properties.fix).to.deep.equal(sampleReport().checks.find((c) => c.id === "role.sagemaker.s3")?.fix);
    // A check without a resource is located at the account.
    const unlocated = sarifOf(reportOf([result({ status: "fail", message: "no" })])).runs[0]?.results[0];
    expect(unlocated?.locations[0]?.logicalLocations[0]?.fullyQualifiedName).to.equal("account 123456789012 (us-east-1)");
  });

  it("an all-pass report is valid with no results and a successful invocation; the output is deterministic", () => {
    const report = reportOf([result({ id: "credentials" }), result({ id: "bucket.exists", status: "skip", message: "skipped" })]);
    const run = sarifOf(report).runs[0];
    expect(run?.results).to.deep.equal([]);
    expect(run?.invocations[0]?.executionSuccessful).to.equal(true);
    expect(renderSarif(sampleReport())).to.equal(renderSarif(sampleReport()));
  });
});

// ---------------------------------------------------------------------------------------------

type Attrs = Record<string, string>;
const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: "",
  parseAttributeValue: false,
  parseTagValue: false,
  trimValues: false,
  // Character references (&#10; in attributes) decoded, as every XML parser does.
  htmlEntities: true,
  isArray: (name) => name === "testcase" || name === "property",
});

interface ParsedCase {
  classname: string;
  name: string;
  failure?: Attrs & { "#text"?: string };
  error?: Attrs & { "#text"?: string };
  skipped?: Attrs | string;
  "system-out"?: string;
}

function junitOf(report: Report): { suites: Attrs; suite: Attrs & { properties: { property: Attrs[] } }; cases: ParsedCase[] } {
  const xml = renderJunit(report);
  expect(XMLValidator.validate(xml), "well-formed XML").to.equal(true);
  const doc = parser.parse(xml) as { testsuites: Attrs & { testsuite: Attrs & { properties: { property: Attrs[] }; testcase: ParsedCase[] } } };
  const suite = doc.testsuites.testsuite;
  return { suites: doc.testsuites, suite, cases: suite.testcase };
}

describe("verify --format junit", () => {
  it("is well-formed XML with one test suite and one test case per check, named by id and title, classed by the id's first segment", () => {
    const report = sampleReport();
    const { suites, suite, cases } = junitOf(report);
    expect(renderJunit(report).startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites ')).to.equal(true);
    expect(suites.name).to.equal("roadmapx-ai verify");
    expect(suite.name).to.equal("roadmapx-ai verify");
    expect(cases.map((c) => c.name)).to.deep.equal(report.checks.map((c) => `${c.id}: ${c.title}`));
    expect(cases.map((c) => c.classname)).to.deep.equal(report.checks.map((c) => `verify.${c.id.split(".")[0]}`));
    expect(cases.find((c) => c.name.startsWith("caller.pass-role.personalize:"))?.classname).to.equal("verify.caller");
  });

  it("counts tests, failures, errors and skips on both the suites and the suite, with the report's time", () => {
    const { suites, suite } = junitOf(sampleReport());
    for (const element of [suites, suite]) {
      expect(element).to.include({ tests: String(sampleReport().checks.length), failures: "2", errors: "1", skipped: "1", time: "1.25" });
    }
    const properties = Object.fromEntries(suite.properties.property.map((p) => [p.name, p.value]));
    expect(properties).to.include({ accountId: "123456789012", region: "us-east-1", callerArn: CALLER, ok: "false", warnings: "2" });
  });

  it("fail is a <failure> with the why, risk and fix as text; error an <error>; skip <skipped/>; warn passes with a <system-out>", () => {
    const report = sampleReport();
    const { cases } = junitOf(report);
    const byId = (id: string) => cases.find((c) => c.name.startsWith(`${id}:`)) as ParsedCase;
    const failed = byId("caller.pass-role.personalize");
    expect(failed.failure?.message).to.equal(report.checks.find((c) => c.id === "caller.pass-role.personalize")?.message);
    const text = failed.failure?.["#text"] ?? "";
    expect(text).to.include("why: no statement of role roadmapx-backend allows iam:PassRole");
    expect(text).to.include(`risk: ${report.checks.find((c) => c.id === "caller.pass-role.personalize")?.risk}`);
    expect(text).to.include('fix: Attach the application policy, or add:\n[{"Sid":"PassPersonalizeRole"');
    expect(text).to.include(`run: ${PASS_ROLE_FIX.summary}`);
    for (const command of PASS_ROLE_FIX.commands) expect(text).to.include(command);
    expect(text).to.include(`pulumi: ${PASS_ROLE_FIX.pulumi}`);
    expect(failed).not.to.have.property("error");
    // A document a fix command reads from a file is in the text, whole.
    const file = report.checks.find((c) => c.id === "role.sagemaker.s3")?.fix?.files?.[0];
    expect(byId("role.sagemaker.s3").failure?.["#text"]).to.include(`file ${file?.path} (the commands read it):\n${file?.content.trimEnd()}`);

    const errored = byId("kms.sagemaker");
    expect(errored.error?.message).to.match(/^the verifier may not call kms:GetKeyPolicy/);
    expect(errored.error?.["#text"]).to.include("risk: SageMaker cannot decrypt");
    expect(errored).not.to.have.property("failure");

    expect(byId("iam.cross-check")).to.have.property("skipped");
    expect(byId("iam.cross-check")).not.to.have.property("failure");

    const warned = byId("bucket.tls-only");
    expect(warned).not.to.have.property("failure");
    expect(warned["system-out"]).to.match(/^WARN \(warn-severity, does not fail the run at --fail-on error\): nothing in the bucket policy/);
    expect(warned["system-out"]).to.include("risk: ");
    expect(byId("bucket.versioning")["system-out"]).to.match(/^INFO /);

    const passed = byId("credentials");
    for (const child of ["failure", "error", "skipped", "system-out"]) expect(passed).not.to.have.property(child);
  });

  it("escapes everything: markup, quotes, line breaks in attributes, and characters XML cannot carry", () => {
    const nasty = `${HOSTILE} ]]> \u0001bell\u0007 & done`;
    const { cases } = junitOf(reportOf([result({ id: "a.b", title: `T <${nasty}>`, status: "fail", message: `line one\nline two ${nasty}`, risk: nasty })]));
    const c = cases[0] as ParsedCase;
    const expected = nasty.replace("\u0001", "\uFFFD").replace("\u0007", "\uFFFD");
    expect(c.name).to.equal(`a.b: T <${expected}>`);
    expect(c.failure?.message).to.equal(`line one\nline two ${expected}`);
    expect(c.failure?.["#text"]).to.include(`risk: ${expected}`);
    expect(renderJunit(reportOf([result({ message: HOSTILE, status: "fail" })]))).not.to.include("<script>");
  });
});

// ---------------------------------------------------------------------------------------------

describe("verify --format table: long cells wrap", () => {
  const long =
    `the verifier may not call iam:GetRole on arn:aws:iam::123456789012:role/${"very-long-role-name-".repeat(4)}end ${"and then some more words ".repeat(6)}`.trim();

  it("wraps an Action needed cell to the width instead of cutting it, continuation lines under the column", () => {
    const table = renderTable(
      reportOf([result({ id: "credentials", title: "AWS credentials" }), result({ id: "role.x.s3", title: "Role S3", status: "error", message: long })]),
      {
        colour: false,
        width: 80,
      },
    );
    const lines = table.split("\n");
    expect(table).not.to.include("...");
    const start = lines.findIndex((l) => l.startsWith("Role S3 (role.x.s3)"));
    const column = "AWS credentials (credentials)  PASS    ".length;
    expect(lines[start]?.slice(0, column)).to.equal("Role S3 (role.x.s3)            ERROR   ");
    const cell: string[] = [];
    for (let i = start; lines[i] !== ""; i++) {
      const line = lines[i] as string;
      expect(line.length, line).to.be.at.most(80);
      if (i > start) expect(line.slice(0, column).trim(), "continuation lines are blank left of the column").to.equal("");
      cell.push(line.slice(column));
    }
    expect(cell.length).to.be.greaterThan(2);
    // Nothing lost: the wrapped lines joined again are the sentence (the ARN broken where it had to be).
    expect(cell.join(" ").replace(/\s+/g, "")).to.equal(long.replace(/\s+/g, ""));
  });

  it("wraps to 100 columns by default, the Component column giving way before the Action needed one gets narrow", () => {
    const report = sampleReport();
    const table = renderTable(report, { colour: false, details: false });
    for (const line of table.split("\n").slice(2, -3)) expect(line.length, line).to.be.at.most(100);
    expect(table).to.match(/^Personalize's bucket statements pinned to this\s+PASS\s+None$/m);
    expect(table).to.match(/^\(bucket\.personalize-policy\.confused-deputy\)$/m);
    // A wide terminal gets everything on one line per check.
    const wide = renderTable(report, { colour: false, details: false, width: 200 });
    expect(wide.split("\n").filter((l) => /\s(PASS|FAIL|WARN|INFO|ERROR|skip)\s/.test(l))).to.have.length(report.checks.length);
  });

  it("wrap() breaks at spaces, inside a word only when it must, and keeps every character", () => {
    expect(wrap("aa bb cc", 5)).to.deep.equal(["aa bb", "cc"]);
    expect(wrap("abcdefgh ij", 3)).to.deep.equal(["abc", "def", "gh", "ij"]);
    expect(wrap("", 10)).to.deep.equal([""]);
    expect(wrap("exactly10!", 10)).to.deep.equal(["exactly10!"]);
  });

  it("shows the risk for every problem, and a fix's commands one per line under run:, then pulumi", () => {
    const report = sampleReport();
    const lines = renderTable(report, { colour: false }).split("\n");
    const at = lines.indexOf(lines.find((l) => l.startsWith("FAIL caller.pass-role.personalize: ")) as string);
    const risk = report.checks.find((c) => c.id === "caller.pass-role.personalize")?.risk;
    expect(lines.slice(at + 1, at + 9)).to.deep.equal([
      "    why: no statement of role roadmapx-backend allows iam:PassRole on roadmapx-ai-dev-personalize",
      `    risk: ${risk}`,
      "    fix: Attach the application policy, or add:",
      '         [{"Sid":"PassPersonalizeRole","Effect":"Allow","Action":"iam:PassRole"}]',
      `    run: ${PASS_ROLE_FIX.summary}`,
      `         ${PASS_ROLE_FIX.commands[0]}`,
      `         ${PASS_ROLE_FIX.commands[1]}`,
      `    pulumi: ${PASS_ROLE_FIX.pulumi}`,
    ]);
    for (const id of ["bucket.tls-only", "bucket.versioning", "kms.sagemaker"]) {
      const head = lines.findIndex((l) => l.includes(` ${id}: `) && /^(WARN|INFO|ERROR) /.test(l));
      expect(
        lines.slice(head + 1).find((l) => l.startsWith("    risk: ")),
        id,
      ).to.equal(`    risk: ${report.checks.find((c) => c.id === id)?.risk}`);
    }
    // Passing and skipped checks have no details.
    expect(lines.filter((l) => l.startsWith("    risk: "))).to.have.length(5);
  });
});

// ---------------------------------------------------------------------------------------------

describe("verify --format html (markup; the browser test is report-html.test.ts)", () => {
  it("escapes every string from the report: a <script> in a message is text, never an element", () => {
    const html = renderHtml(sampleReport());
    expect(html).not.to.include("<script");
    expect(html).not.to.include("<img");
    expect(html).to.include(escapeHtml(HOSTILE));
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).to.equal("&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;");
  });

  it("loads nothing: no script, no external URL in any src, href or url(), and a CSP that forbids the rest", () => {
    const html = renderHtml(sampleReport());
    expect(html).to.include(`<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">`);
    for (const [, value] of html.matchAll(/\b(?:src|href)="([^"]*)"/g)) expect(value, "a link inside the page").to.match(/^#/);
    for (const [, value] of html.matchAll(/url\(([^)]*)\)/g)) expect(value, "a reference inside the page").to.match(/^#/);
    expect(html).not.to.match(/<link\b|@import|@font-face/);
  });

  it("lists every check with its status, and shows why, risk and fix commands for a failure", () => {
    const report = sampleReport();
    const html = renderHtml(report);
    for (const c of report.checks) expect(html, c.id).to.include(`<tr id="check-${c.id}" class="check ${c.status}" data-check="${c.id}">`);
    const start = html.indexOf('<tr id="check-caller.pass-role.personalize"');
    const row = html.slice(start, html.indexOf("</tr>", start));
    expect(row).to.include("<h4>Why</h4>");
    expect(row).to.include(escapeHtml(report.checks.find((c) => c.id === "caller.pass-role.personalize")?.risk ?? "?"));
    expect(row).to.include(`<pre class="commands"><code>${PASS_ROLE_FIX.commands.map(escapeHtml).join("\n")}</code></pre>`);
    expect(row).to.include(escapeHtml(PASS_ROLE_FIX.pulumi));
    const file = report.checks.find((c) => c.id === "role.sagemaker.s3")?.fix?.files?.[0];
    expect(html).to.include(`<details class="fix-file"><summary>${file?.path}</summary><pre><code>${escapeHtml(file?.content ?? "?")}</code></pre></details>`);
  });

  it("draws one edge per check the mapping names, failing (fail or error) ones marked, from the right node to the right node", () => {
    const { edges, nodes } = graphOf(sampleReport());
    const drawn = Object.fromEntries(edges.map((e) => [e.check.id, `${e.from} -> ${e.to} ${e.state}`]));
    expect(drawn).to.deep.include({
      "bucket.personalize-policy": "service.personalize -> bucket passing",
      "role.personalize.trust": "service.personalize -> role.personalize passing",
      "role.sagemaker.s3": "role.sagemaker -> bucket failing",
      "role.personalize.s3": "role.personalize -> bucket passing",
      "caller.pass-role.personalize": "backend -> role.personalize failing",
      "caller.pass-role.sagemaker": "backend -> role.sagemaker passing",
      "kms.personalize": "role.personalize -> key passing",
      "kms.sagemaker": "role.sagemaker -> key failing",
    });
    expect(nodes.find((n) => n.key === "backend")?.detail).to.equal(BACKEND);
    expect(nodes.find((n) => n.key === "role.personalize")?.detail).to.equal(roleArn("personalize"));
    expect(nodes.find((n) => n.key === "key")?.detail).to.equal(KEY);
    const html = renderHtml(sampleReport());
    expect(html).to.match(
      /<path class="edge failing" data-check="caller\.pass-role\.personalize" data-from="backend" data-to="role\.personalize" d="[^"]+" marker-end="url\(#arrow-failing\)"\/>/,
    );
    expect(html).to.match(/<path class="edge failing" data-check="kms\.sagemaker" /);
    expect(html).to.match(/<path class="edge passing" data-check="role\.personalize\.trust" /);
  });

  it("the mapping table: app.* from the backend, pass-role from the caller unless another principal is named, no key without a KMS resource", () => {
    expect(EDGE_RULES.map((r) => r.check.source)).to.include.members(["^role\\.(\\w+)\\.trust$", "^caller\\.pass-role\\.(\\w+)$", "^app\\.s3$"]);
    const asCaller = graphOf(
      reportOf([
        result({ id: "caller.pass-role.sagemaker", resource: CALLER }),
        result({ id: "app.s3", resource: CALLER, status: "fail" }),
        result({ id: "app.comprehend", resource: CALLER }),
        result({ id: "kms.personalize", status: "skip", message: "no SSE-KMS" }),
        result({ id: "role.comprehend.exists", resource: roleArn("comprehend"), status: "fail" }),
        result({ id: "bucket.exists", resource: "arn:aws:s3:::b" }),
      ]),
    );
    expect(asCaller.edges.map((e) => `${e.check.id}: ${e.from} -> ${e.to} ${e.state}`)).to.deep.equal([
      "caller.pass-role.sagemaker: caller -> role.sagemaker passing",
      "app.s3: caller -> bucket failing",
      "app.comprehend: caller -> service.comprehend passing",
    ]);
    expect(asCaller.nodes.map((n) => n.key)).to.deep.equal(["caller", "service.comprehend", "role.sagemaker", "role.comprehend", "bucket"]);
    // A node whose own check failed is marked too.
    expect(asCaller.nodes.find((n) => n.key === "role.comprehend")?.state).to.equal("failing");
    expect(asCaller.nodes.find((n) => n.key === "bucket")?.state).to.equal(undefined);
    const withBackend = graphOf(
      reportOf([result({ id: "app.personalize", resource: BACKEND, status: "warn" }), result({ id: "kms.sagemaker", resource: KEY })]),
    );
    expect(withBackend.edges.map((e) => `${e.from} -> ${e.to} ${e.state}`)).to.deep.equal([
      "backend -> service.personalize warning",
      "role.sagemaker -> key passing",
    ]);
  });
});

// ---------------------------------------------------------------------------------------------

describe("renderReport and FORMATS", () => {
  it("names the five formats and renders each; table takes the options, json is renderJson", () => {
    const report = sampleReport();
    expect([...FORMATS]).to.deep.equal(["table", "json", "sarif", "junit", "html"]);
    expect(renderReport(report, "json")).to.equal(renderJson(report));
    expect(renderReport(report, "table", { width: 120 })).to.equal(renderTable(report, { colour: false, width: 120 }));
    expect(renderReport(report, "sarif")).to.equal(renderSarif(report));
    expect(renderReport(report, "junit")).to.equal(renderJunit(report));
    expect(renderReport(report, "html")).to.equal(renderHtml(report));
  });
});

// ---------------------------------------------------------------------------------------------

/** Runs `roadmapx-ai verify ARGS` in this process, with only the given AWS_*, AI_* and S3_* variables. */
async function verifyCli(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const saved = { ...process.env };
  for (const key of Object.keys(process.env)) {
    if ((key.startsWith("AWS_") && key !== "AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED") || key.startsWith("AI_") || key === "S3_BUCKET_NAME") {
      delete process.env[key];
    }
  }
  Object.assign(process.env, env);
  const out: string[] = [];
  const err: string[] = [];
  const writes = { stdout: process.stdout.write, stderr: process.stderr.write };
  process.stdout.write = ((chunk: string | Uint8Array) => out.push(String(chunk)) > 0) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array) => err.push(String(chunk)) > 0) as typeof process.stderr.write;
  try {
    const code = await main(["verify", ...args]);
    return { code, stdout: out.join(""), stderr: err.join("") };
  } finally {
    process.stdout.write = writes.stdout;
    process.stderr.write = writes.stderr;
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
    Object.assign(process.env, saved);
  }
}

/** An endpoint nothing listens on: credentials is an error (exit 3), everything else skipped. */
const CLOSED = {
  AWS_ENDPOINT_URL: "http://127.0.0.1:9",
  AWS_REGION: "eu-west-1",
  AWS_ACCESS_KEY_ID: "AKIDEXAMPLE",
  AWS_SECRET_ACCESS_KEY: "x",
  S3_BUCKET_NAME: "roadmapx-files",
};

describe("roadmapx-ai verify --format, --json, --output (the CLI, in-process)", function () {
  this.timeout(30_000);

  it("--json and --format sarif together are a usage error (exit 2) that says why, before any AWS call", async () => {
    const run = await verifyCli(["--json", "--format", "sarif"]);
    expect(run.code).to.equal(2);
    expect(run.stdout).to.equal("");
    expect(run.stderr).to.equal("roadmapx-ai verify: --json is the same as --format json, which conflicts with --format sarif: give one of them\n");
    const table = await verifyCli(["--format", "table", "--json"]);
    expect(table.code).to.equal(2);
    expect(table.stderr).to.include("conflicts with --format table");
  });

  it("an unknown --format is a usage error naming the choices", async () => {
    const run = await verifyCli(["--format", "xml"]);
    expect(run.code).to.equal(2);
    expect(run.stderr).to.include("Allowed choices are table, json, sarif, junit, html");
  });

  it("--json is --format json (and both together agree): the same one JSON document", async () => {
    const runs = [await verifyCli(["--json", "--only", "credentials"], CLOSED), await verifyCli(["--format", "json", "--only", "credentials"], CLOSED)];
    runs.push(await verifyCli(["--format", "json", "--json", "--only", "credentials"], CLOSED));
    const documents = runs.map((run) => {
      expect(run.code, run.stderr).to.equal(3);
      const report = JSON.parse(run.stdout) as Report;
      report.summary.seconds = 0;
      return report;
    });
    expect(documents[0]?.checks.map((c) => [c.id, c.status])).to.deep.equal([["credentials", "error"]]);
    expect(documents[1]).to.deep.equal(documents[0]);
    expect(documents[2]).to.deep.equal(documents[0]);
  });

  it("--output writes the report there atomically, says where on stderr in one line, and keeps the verdict's exit code", async () => {
    const dir = mkdtempSync(join(tmpdir(), "roadmapx-verify-output-"));
    try {
      const file = join(dir, "verify.sarif");
      const run = await verifyCli(["--format", "sarif", "--output", file, "--only", "credentials,bucket.exists"], CLOSED);
      expect(run.code).to.equal(3);
      expect(run.stdout).to.equal("");
      expect(run.stderr).to.equal(`roadmapx-ai verify: wrote the sarif report to ${file} (Not ready: 0 pass, 0 fail, 0 warn, 1 skip, 1 error)\n`);
      const log = JSON.parse(readFileSync(file, "utf8")) as SarifLog;
      expect(validateSarif(log)).to.equal(true);
      expect(log.runs[0]?.tool.driver.rules.map((r) => r.id)).to.deep.equal(["credentials", "bucket.exists"]);
      // Written again over the old one: still only the report, no temporary file left behind.
      const again = await verifyCli(["--format", "junit", "--output", file, "--only", "credentials"], CLOSED);
      expect(again.code).to.equal(3);
      expect(readdirSync(dir)).to.deep.equal(["verify.sarif"]);
      expect(readFileSync(file, "utf8")).to.match(/^<\?xml /);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("--output into a directory that does not exist is a usage error before any AWS call", async () => {
    const run = await verifyCli(["--output", join(tmpdir(), "roadmapx-no-such-dir", "x", "report.html"), "--format", "html"], CLOSED);
    expect(run.code).to.equal(2);
    expect(run.stdout).to.equal("");
    expect(run.stderr).to.match(
      /^roadmapx-ai verify: --output: cannot write .*report\.html: the directory .*roadmapx-no-such-dir\/x does not exist or is not writable\n$/,
    );
  });
});
