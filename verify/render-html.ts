/**
 * The report as one self-contained HTML page (`--format html`, and what `npm start` writes): the
 * verdict, a picture of who may do what (an inline SVG: the caller or backend, the services, the
 * roles, the bucket and the key, one arrow per check that proves an access, failing arrows red and
 * dashed), and the checklist with the why, the risk and the fix of every problem.
 *
 * Nothing is loaded from anywhere: no script, no font, no image, no stylesheet but the inline one,
 * and a Content-Security-Policy that forbids the rest. Every string from the report is HTML-escaped.
 */
import { VERSION } from "../cli/version";
import type { CheckResult, Report, Status } from "./model";

/** Text or a double-quoted attribute value, escaped: the report's strings never become markup. */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");
}

// ---------------------------------------------------------------------------------------------
// The picture: which check proves which access.

/**
 * Each edge of the picture and the check that proves it: `from` and `to` name nodes, with `$1` the
 * check id's captured service. "principal" is whoever the check's resource names (the caller, or the
 * backend's --principal when that differs); "backend" is the backend node when there is one, else
 * the caller (the backend runs as the caller unless --principal says otherwise).
 */
export const EDGE_RULES: ReadonlyArray<{ check: RegExp; from: string; to: string; verb: string }> = [
  { check: /^role\.(\w+)\.trust$/, from: "service.$1", to: "role.$1", verb: "assume" },
  { check: /^role\.(\w+)\.s3$/, from: "role.$1", to: "bucket", verb: "read/write" },
  { check: /^bucket\.personalize-policy$/, from: "service.personalize", to: "bucket", verb: "bucket policy" },
  { check: /^caller\.pass-role\.(\w+)$/, from: "principal", to: "role.$1", verb: "pass role" },
  { check: /^kms\.(\w+)$/, from: "role.$1", to: "key", verb: "use key" },
  { check: /^app\.s3$/, from: "backend", to: "bucket", verb: "read/write" },
  { check: /^app\.(\w+)$/, from: "backend", to: "service.$1", verb: "call" },
];

/** Checks about a node itself (does it exist, do the credentials work): a failure marks the node. */
const NODE_RULES: ReadonlyArray<{ check: RegExp; node: string }> = [
  { check: /^credentials$/, node: "caller" },
  { check: /^bucket\.exists$/, node: "bucket" },
  { check: /^role\.(\w+)\.exists$/, node: "role.$1" },
];

const SERVICE_NAME: Record<string, string> = { personalize: "Personalize", sagemaker: "SageMaker", comprehend: "Comprehend" };
const serviceName = (svc: string) => SERVICE_NAME[svc] ?? svc;
/** The columns, left to right: who acts, the services, the roles they assume, what they reach. */
const COLUMN_OF = (key: string): number => (key === "caller" || key === "backend" ? 0 : key.startsWith("service.") ? 1 : key.startsWith("role.") ? 2 : 3);
/** Top to bottom inside a column. */
const ORDER = ["caller", "backend", "personalize", "sagemaker", "comprehend", "bucket", "key"];
const orderOf = (key: string) => {
  const i = ORDER.indexOf(key.replace(/^(service|role)\./, ""));
  return i < 0 ? ORDER.length : i;
};

type EdgeState = "passing" | "failing" | "warning" | "skipped";
const STATE_OF: Record<Status, EdgeState> = { pass: "passing", fail: "failing", error: "failing", warn: "warning", skip: "skipped" };
const STATUS_LABEL: Record<Status, string> = { pass: "PASS", fail: "FAIL", warn: "WARN", skip: "skip", error: "ERROR" };

interface GraphNode {
  key: string;
  title: string;
  /** The resource's name or ARN, shortened in the box, whole in its tooltip. */
  detail: string;
  state?: EdgeState;
  failedBy: string[];
  x: number;
  y: number;
}

interface GraphEdge {
  check: CheckResult;
  from: string;
  to: string;
  verb: string;
  state: EdgeState;
}

const isArn = (text: string | undefined): text is string => text !== undefined && text.startsWith("arn:");
/** `arn:aws:iam::1:role/x` → `role/x`; `arn:aws:s3:::b` → `b`. */
function shortName(resource: string): string {
  if (!isArn(resource)) return resource;
  const rest = resource.split(":").slice(5).join(":");
  return rest || resource;
}

/** The nodes and edges the report's checks prove (or fail to). */
export function graphOf(report: Report): { nodes: GraphNode[]; edges: GraphEdge[] } {
  const caller = report.target.callerArn;
  const byId = new Map(report.checks.map((c) => [c.id, c]));
  // The backend's principal, when a check about it (app.*, or caller.pass-role.* with --principal)
  // names another identity than the caller.
  const backendArn = report.checks.find(
    (c) => (c.id.startsWith("app.") || c.id.startsWith("caller.pass-role.")) && isArn(c.resource) && c.resource !== caller,
  )?.resource;
  const keyCheck =
    report.checks.find((c) => c.id.startsWith("kms.") && c.resource?.includes(":kms:")) ??
    report.checks.find((c) => c.id.startsWith("kms.") && c.resource && c.status !== "skip");
  const resolve = (name: string, match: RegExpExecArray, c: CheckResult): string | undefined => {
    const key = name.replace("$1", match[1] ?? "");
    if (key === "principal") return backendArn !== undefined && c.resource === backendArn ? "backend" : "caller";
    if (key === "backend") return backendArn ? "backend" : "caller";
    if (key === "key" && !keyCheck) return undefined;
    return key;
  };
  const edges: GraphEdge[] = [];
  for (const c of report.checks) {
    for (const rule of EDGE_RULES) {
      const match = rule.check.exec(c.id);
      if (!match) continue;
      const from = resolve(rule.from, match, c);
      const to = resolve(rule.to, match, c);
      if (from && to) edges.push({ check: c, from, to, verb: rule.verb, state: STATE_OF[c.status] });
      break;
    }
  }
  const keys = new Set<string>(["caller", ...edges.flatMap((e) => [e.from, e.to])]);
  const failedBy = new Map<string, string[]>();
  for (const c of report.checks) {
    for (const rule of NODE_RULES) {
      const match = rule.check.exec(c.id);
      if (!match) continue;
      const key = rule.node.replace("$1", match[1] ?? "");
      keys.add(key);
      if (c.status === "fail" || c.status === "error") failedBy.set(key, [...(failedBy.get(key) ?? []), c.id]);
    }
  }
  const resourceOf = (prefix: string, test: (r: string) => boolean) =>
    report.checks.find((c) => c.id.startsWith(prefix) && c.resource !== undefined && test(c.resource))?.resource;
  const describe = (key: string): { title: string; detail: string } => {
    if (key === "caller") return { title: "caller", detail: caller ?? "(credentials did not resolve)" };
    if (key === "backend") return { title: "backend", detail: backendArn ?? "" };
    if (key === "bucket") {
      return { title: "AI bucket", detail: byId.get("bucket.exists")?.resource ?? resourceOf("bucket.", () => true) ?? "" };
    }
    if (key === "key") return { title: "KMS key", detail: keyCheck?.resource?.includes(":kms:") ? keyCheck.resource : "aws/s3 (AWS managed key)" };
    const [kind, svc = ""] = key.split(".");
    if (kind === "service") return { title: serviceName(svc), detail: `${svc}.amazonaws.com` };
    return { title: `${serviceName(svc)} role`, detail: resourceOf(`role.${svc}.`, (r) => r.includes(":role/")) ?? "" };
  };
  const nodes: GraphNode[] = [...keys]
    .sort((a, b) => COLUMN_OF(a) - COLUMN_OF(b) || orderOf(a) - orderOf(b) || a.localeCompare(b))
    .map((key) => {
      const failed = failedBy.get(key) ?? [];
      return { key, ...describe(key), ...(failed.length ? { state: "failing" as const } : {}), failedBy: failed, x: 0, y: 0 };
    });
  return { nodes, edges };
}

// Layout, in SVG user units.
const NODE_W = 200;
const NODE_H = 54;
const COLUMN_GAP = 90;
const ROW_GAP = 34;
const MARGIN = 16;
const LANE_STEP = 12;

/** A cubic Bézier coordinate at `t`. */
function bezier(p0: number, p1: number, p2: number, p3: number, t: number): number {
  return (1 - t) ** 3 * p0 + 3 * (1 - t) ** 2 * t * p1 + 3 * (1 - t) * t ** 2 * p2 + t ** 3 * p3;
}

/** Shortens a label for a box, keeping its end (the name part of an ARN). */
function fit(text: string, max: number): string {
  return text.length <= max ? text : `…${text.slice(text.length - max + 1)}`;
}

function renderGraph(report: Report): string {
  const { nodes, edges } = graphOf(report);
  const columns = [0, 1, 2, 3].map((col) => nodes.filter((n) => COLUMN_OF(n.key) === col));
  const rows = Math.max(1, ...columns.map((c) => c.length));
  // Edges that skip a column run along lanes above or below the boxes, so they never cross one.
  const long = edges.filter((e) => COLUMN_OF(e.to) !== COLUMN_OF(e.from) + 1);
  const above = long.filter((_, i) => i % 2 === 0);
  const below = long.filter((_, i) => i % 2 === 1);
  const top = MARGIN + 14 + above.length * LANE_STEP;
  const rowsHeight = rows * NODE_H + (rows - 1) * ROW_GAP;
  for (const [col, column] of columns.entries()) {
    const offset = ((rows - column.length) * (NODE_H + ROW_GAP)) / 2;
    for (const [row, node] of column.entries()) {
      node.x = MARGIN + col * (NODE_W + COLUMN_GAP);
      node.y = top + offset + row * (NODE_H + ROW_GAP);
    }
  }
  const width = MARGIN * 2 + 4 * NODE_W + 3 * COLUMN_GAP;
  const height = top + rowsHeight + 14 + below.length * LANE_STEP + MARGIN;
  const at = new Map(nodes.map((n) => [n.key, n]));
  const parts: string[] = [];
  parts.push(
    `<svg class="graph" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-labelledby="graph-title">`,
    `<title id="graph-title">Who may do what: ${edges.length} accesses, ${edges.filter((e) => e.state === "failing").length} failing</title>`,
    "<defs>",
    ...(["passing", "failing", "warning", "skipped"] as const).map(
      (state) =>
        `<marker id="arrow-${state}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto"><path class="arrow ${state}" d="M0,0 L10,5 L0,10 z"/></marker>`,
    ),
    "</defs>",
  );
  for (const edge of edges) {
    const from = at.get(edge.from);
    const to = at.get(edge.to);
    if (!from || !to) continue;
    const x1 = from.x + NODE_W;
    const y1 = from.y + NODE_H / 2;
    const x2 = to.x;
    const y2 = to.y + NODE_H / 2;
    let d: string;
    let label: { x: number; y: number };
    const lane = long.indexOf(edge);
    if (lane < 0) {
      const dx = COLUMN_GAP / 2;
      d = `M${x1},${y1} C${x1 + dx},${y1} ${x2 - dx},${y2} ${x2},${y2}`;
      // The label 40% of the way along: two curves that cross in the middle keep their labels apart.
      label = { x: bezier(x1, x1 + dx, x2 - dx, x2, 0.4), y: bezier(y1, y1, y2, y2, 0.4) - 4 };
    } else {
      const k = Math.floor(lane / 2);
      const laneY = lane % 2 === 0 ? top - 14 - k * LANE_STEP : top + rowsHeight + 14 + k * LANE_STEP;
      const gx1 = x1 + 10 + k * 8;
      const gx2 = x2 - 10 - k * 8;
      // Off the boxes' middles (where the direct edges meet them): above for the top lane, below for the bottom one.
      const shift = lane % 2 === 0 ? -NODE_H / 4 : NODE_H / 4;
      d = `M${x1},${y1 + shift} H${gx1} V${laneY} H${gx2} V${y2 + shift} H${x2}`;
      label = { x: (gx1 + gx2) / 2, y: laneY - 3 };
    }
    const c = edge.check;
    const tip = `${c.id} (${STATUS_LABEL[c.status]}): ${c.message}`;
    parts.push(
      `<g class="edge-group ${edge.state}" data-check="${escapeHtml(c.id)}">`,
      `<title>${escapeHtml(tip)}</title>`,
      `<path class="edge ${edge.state}" data-check="${escapeHtml(c.id)}" data-from="${escapeHtml(edge.from)}" data-to="${escapeHtml(edge.to)}" d="${d}" marker-end="url(#arrow-${edge.state})"/>`,
      `<text class="edge-label ${edge.state}" x="${label.x}" y="${label.y}" text-anchor="middle">${escapeHtml(edge.verb)}${edge.state === "failing" ? " ✗" : ""}</text>`,
      "</g>",
    );
  }
  for (const node of nodes) {
    const tip = `${node.title}: ${node.detail}${node.failedBy.length ? ` (failing: ${node.failedBy.join(", ")})` : ""}`;
    parts.push(
      `<g class="node${node.state ? ` ${node.state}` : ""}" data-node="${escapeHtml(node.key)}">`,
      `<title>${escapeHtml(tip)}</title>`,
      `<rect x="${node.x}" y="${node.y}" width="${NODE_W}" height="${NODE_H}" rx="6"/>`,
      `<text class="node-title" x="${node.x + NODE_W / 2}" y="${node.y + 22}" text-anchor="middle">${escapeHtml(node.title)}</text>`,
      `<text class="node-detail" x="${node.x + NODE_W / 2}" y="${node.y + 40}" text-anchor="middle">${escapeHtml(fit(shortName(node.detail), 28))}</text>`,
      "</g>",
    );
  }
  parts.push("</svg>");
  const list = edges.map(
    (e) =>
      `<li class="${e.state}" data-check="${escapeHtml(e.check.id)}">${escapeHtml(at.get(e.from)?.title ?? e.from)} → ${escapeHtml(at.get(e.to)?.title ?? e.to)}: ` +
      `${escapeHtml(e.verb)} — <span class="status ${e.check.status}">${STATUS_LABEL[e.check.status]}</span> (<a href="#check-${escapeHtml(e.check.id)}"><code>${escapeHtml(e.check.id)}</code></a>)</li>`,
  );
  return [
    '<section class="picture">',
    "<h2>Who may do what</h2>",
    '<p class="legend"><span class="key passing">allowed</span> <span class="key failing">denied or unreadable</span> <span class="key warning">allowed, with a warning</span> <span class="key skipped">not checked</span></p>',
    parts.join("\n"),
    edges.length ? `<ul class="edges">\n${list.join("\n")}\n</ul>` : "<p>No check in this report proves an access.</p>",
    "</section>",
  ].join("\n");
}

// ---------------------------------------------------------------------------------------------
// The checklist.

const isProblem = (c: CheckResult) => c.status === "fail" || c.status === "warn" || c.status === "error";
const labelOf = (c: CheckResult) => (c.severity === "info" && c.status === "warn" ? "INFO" : STATUS_LABEL[c.status]);

function details(c: CheckResult): string {
  const out: string[] = ['<div class="details">'];
  if (c.resource) out.push(`<p class="resource">Resource: <code>${escapeHtml(c.resource)}</code></p>`);
  if (c.explain?.length) out.push(`<div class="why"><h4>Why</h4><ul>${c.explain.map((w) => `<li>${escapeHtml(w)}</li>`).join("")}</ul></div>`);
  out.push(`<div class="risk"><h4>Risk</h4><p>${escapeHtml(c.risk)}</p></div>`);
  if (c.remediation) out.push(`<div class="remediation"><h4>What to do</h4><pre>${escapeHtml(c.remediation)}</pre></div>`);
  if (c.fix) {
    out.push(`<div class="fix"><h4>Fix</h4><p class="fix-summary">${escapeHtml(c.fix.summary)}</p>`);
    if (c.fix.commands.length) out.push(`<pre class="commands"><code>${c.fix.commands.map(escapeHtml).join("\n")}</code></pre>`);
    // Documents the commands read as file://PATH (the CLI writes them; the page carries them whole).
    for (const file of c.fix.files ?? []) {
      out.push(`<details class="fix-file"><summary>${escapeHtml(file.path)}</summary><pre><code>${escapeHtml(file.content)}</code></pre></details>`);
    }
    if (c.fix.pulumi) out.push(`<p class="pulumi">With Pulumi: ${escapeHtml(c.fix.pulumi)}</p>`);
    out.push("</div>");
  }
  out.push("</div>");
  return out.join("\n");
}

function checklist(report: Report): string {
  const rows = report.checks.map((c) =>
    [
      `<tr id="check-${escapeHtml(c.id)}" class="check ${c.status}" data-check="${escapeHtml(c.id)}">`,
      `<td><code>${escapeHtml(c.id)}</code><div class="title">${escapeHtml(c.title)}</div></td>`,
      `<td><span class="status ${c.status}">${labelOf(c)}</span></td>`,
      `<td>${escapeHtml(c.severity)}</td>`,
      `<td><p class="message">${escapeHtml(c.message)}</p>${isProblem(c) ? details(c) : ""}</td>`,
      "</tr>",
    ].join(""),
  );
  return [
    '<section class="checklist">',
    "<h2>Checklist</h2>",
    '<table><thead><tr><th scope="col">Check</th><th scope="col">Status</th><th scope="col">Severity</th><th scope="col">Result</th></tr></thead>',
    `<tbody>\n${rows.join("\n")}\n</tbody></table>`,
    "</section>",
  ].join("\n");
}

/** The checks that need attention, linked to their rows, right under the verdict. */
function problemsList(report: Report): string {
  const problems = report.checks.filter(isProblem);
  if (!problems.length) return "";
  const items = problems.map(
    (c) =>
      `<li class="${c.status}"><span class="status ${c.status}">${labelOf(c)}</span> <a href="#check-${escapeHtml(c.id)}"><code>${escapeHtml(c.id)}</code></a>: ${escapeHtml(c.message)}</li>`,
  );
  return `<ul class="problems">\n${items.join("\n")}\n</ul>`;
}

const STYLE = `
:root { color-scheme: light; --pass: #1a7f37; --fail: #cf222e; --warn: #9a6700; --skip: #6e7781; --error: #8250df; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 24px; color: #1f2328; background: #fff; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 18px; margin: 28px 0 8px; } h4 { margin: 8px 0 2px; font-size: 13px; }
.verdict { font-size: 16px; font-weight: 600; } .verdict.ready { color: var(--pass); } .verdict.not-ready { color: var(--fail); }
.target { color: #57606a; } code, pre { font: 12px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
pre { background: #f6f8fa; border: 1px solid #d0d7de; border-radius: 6px; padding: 8px; white-space: pre-wrap; word-break: break-all; margin: 2px 0; }
table { border-collapse: collapse; width: 100%; } th, td { border-bottom: 1px solid #d0d7de; padding: 6px 8px; text-align: left; vertical-align: top; }
td p { margin: 0; } .title { color: #57606a; }
.status { font-weight: 700; } .status.pass { color: var(--pass); } .status.fail { color: var(--fail); } .status.warn { color: var(--warn); }
.status.skip { color: var(--skip); font-weight: 400; } .status.error { color: var(--error); }
tr.check.fail, tr.check.error { background: #fff5f5; } tr.check.warn { background: #fffbea; }
.graph { max-width: 100%; height: auto; display: block; }
.graph .node rect { fill: #f6f8fa; stroke: #57606a; stroke-width: 1.5; } .graph .node.failing rect { fill: #ffebe9; stroke: var(--fail); stroke-width: 2.5; }
.graph .node-title { font: 600 13px system-ui, sans-serif; fill: #1f2328; } .graph .node-detail { font: 11px ui-monospace, monospace; fill: #57606a; }
.graph .edge { fill: none; stroke-width: 2; }
.graph .edge.passing { stroke: #1a7f37; } .graph .edge.failing { stroke: #cf222e; stroke-width: 2.5; stroke-dasharray: 7 4; }
.graph .edge.warning { stroke: #bf8700; stroke-dasharray: 3 3; } .graph .edge.skipped { stroke: #8c959f; stroke-dasharray: 1 4; }
.graph .arrow.passing { fill: #1a7f37; } .graph .arrow.failing { fill: #cf222e; } .graph .arrow.warning { fill: #bf8700; } .graph .arrow.skipped { fill: #8c959f; }
.graph .edge-label { font: 11px system-ui, sans-serif; fill: #1f2328; paint-order: stroke; stroke: #fff; stroke-width: 3px; }
.graph .edge-label.failing { fill: #cf222e; font-weight: 700; }
.legend .key { display: inline-block; margin-right: 14px; padding-left: 26px; position: relative; }
.legend .key::before { content: ""; position: absolute; left: 0; top: 50%; width: 20px; border-top: 2px solid; }
.legend .passing::before { border-color: #1a7f37; } .legend .failing::before { border-top: 2px dashed #cf222e; }
.legend .warning::before { border-top: 2px dotted #bf8700; } .legend .skipped::before { border-top: 2px dotted #8c959f; }
ul.edges { columns: 2; font-size: 13px; } ul.edges li.failing { color: var(--fail); }
`;

export function renderHtml(report: Report): string {
  const t = report.target;
  const s = report.summary;
  const target = [
    `account ${t.accountId || "?"}`,
    t.region,
    ...(t.endpoint ? [`endpoint ${t.endpoint}`] : []),
    ...(t.callerArn ? [`as ${t.callerArn}`] : []),
  ].join(", ");
  const summary = `${s.pass} pass, ${s.fail} fail, ${s.warn} warn, ${s.skip} skip, ${s.error} error (${s.awsCalls} read-only AWS call${s.awsCalls === 1 ? "" : "s"}, ${s.seconds.toFixed(2)} s)`;
  return `${[
    "<!DOCTYPE html>",
    '<html lang="en">',
    "<head>",
    '<meta charset="utf-8">',
    // Nothing but the inline style may load: no scripts, images, fonts or requests of any kind.
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>roadmapx-ai verify: ${report.ok ? "ready" : "not ready"} (${escapeHtml(t.accountId || "?")}, ${escapeHtml(t.region)})</title>`,
    `<style>${STYLE}</style>`,
    "</head>",
    "<body>",
    "<header>",
    `<h1>roadmapx-ai verify</h1>`,
    `<p class="target">${escapeHtml(target)}</p>`,
    `<p class="verdict ${report.ok ? "ready" : "not-ready"}">${report.ok ? "Ready" : "Not ready"}: ${escapeHtml(summary)}</p>`,
    problemsList(report),
    "</header>",
    "<main>",
    renderGraph(report),
    checklist(report),
    "</main>",
    `<footer><p class="target">roadmapx-ai ${escapeHtml(VERSION)}; check ids and statuses: docs/DESIGN.md, "verify report".</p></footer>`,
    "</body>",
    "</html>",
  ].join("\n")}\n`;
}
