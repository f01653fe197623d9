/**
 * The HTML report's picture and page, read as a reader of the page would: the SVG parsed by a real
 * XML parser and checked for geometry (boxes inside the picture and apart, columns in order, every
 * arrow leaving its source's right side and entering its target's left side, arrows that skip a
 * column running in lanes outside the boxes), and the header, problems and checklist read for their
 * exact sentences. The browser test (report-html.test.ts) renders it in Chromium; this one needs none.
 */
import { expect } from "chai";
import { XMLParser } from "fast-xml-parser";
import type { CheckResult, Report } from "../../verify/model";
import { renderHtml } from "../../verify/render-html";
import { BACKEND, CALLER, KEY, reportOf, roleArn, sampleReport } from "./sample-report";

interface Box {
  key: string;
  x: number;
  y: number;
  width: number;
  height: number;
  classes: string[];
  title: string;
  detail: string;
  tooltip: string;
}

interface Arrow {
  check: string;
  from: string;
  to: string;
  state: string;
  d: string;
  marker: string;
  label: { x: number; y: number; text: string; classes: string[] };
  tooltip: string;
}

interface Picture {
  viewBox: number[];
  width: number;
  height: number;
  title: string;
  markers: string[];
  boxes: Box[];
  arrows: Arrow[];
}

type XmlNode = Record<string, unknown>;
const asArray = (v: unknown): XmlNode[] => (v === undefined ? [] : Array.isArray(v) ? (v as XmlNode[]) : [v as XmlNode]);
const attr = (n: XmlNode, name: string): string => String(n[`@_${name}`] ?? "");
const text = (n: unknown): string => (typeof n === "object" && n !== null ? String((n as XmlNode)["#text"] ?? "") : String(n ?? ""));

function pictureOf(html: string): Picture {
  const svg = /<svg class="graph"[\s\S]*?<\/svg>/.exec(html)?.[0];
  if (!svg) throw new Error("no <svg class=graph> in the page");
  const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: "@_", isArray: (name) => ["g", "text", "marker"].includes(name) });
  const root = (parser.parse(svg) as { svg: XmlNode }).svg;
  const groups = asArray(root["g"]);
  const boxes = groups
    .filter((g) => attr(g, "class").split(" ")[0] === "node")
    .map((g): Box => {
      const rect = g["rect"] as XmlNode;
      const texts = asArray(g["text"]);
      return {
        key: attr(g, "data-node"),
        x: Number(attr(rect, "x")),
        y: Number(attr(rect, "y")),
        width: Number(attr(rect, "width")),
        height: Number(attr(rect, "height")),
        classes: attr(g, "class").split(" "),
        title: text(texts.find((t) => attr(t, "class") === "node-title")),
        detail: text(texts.find((t) => attr(t, "class") === "node-detail")),
        tooltip: text(g["title"]),
      };
    });
  const arrows = groups
    .filter((g) => attr(g, "class").startsWith("edge-group "))
    .map((g): Arrow => {
      const path = g["path"] as XmlNode;
      const label = asArray(g["text"])[0] ?? {};
      return {
        check: attr(path, "data-check"),
        from: attr(path, "data-from"),
        to: attr(path, "data-to"),
        state: attr(path, "class").replace("edge ", ""),
        d: attr(path, "d"),
        marker: attr(path, "marker-end"),
        label: { x: Number(attr(label, "x")), y: Number(attr(label, "y")), text: text(label), classes: attr(label, "class").split(" ") },
        tooltip: text(g["title"]),
      };
    });
  return {
    viewBox: attr(root, "viewBox").split(" ").map(Number),
    width: Number(attr(root, "width")),
    height: Number(attr(root, "height")),
    title: text(root["title"]),
    markers: asArray((root["defs"] as XmlNode)["marker"]).map((m) => attr(m, "id")),
    boxes,
    arrows,
  };
}

/** The points of a path made of M, C, H and V commands (C contributes its end point). */
function pointsOf(d: string): { x: number; y: number }[] {
  const points: { x: number; y: number }[] = [];
  let x = 0;
  let y = 0;
  for (const [, cmd, args] of d.matchAll(/([MCHV])([^MCHV]*)/g)) {
    const nums = (args ?? "")
      .trim()
      .split(/[\s,]+/)
      .map(Number);
    if (cmd === "M" || cmd === "C") [x, y] = nums.slice(-2) as [number, number];
    if (cmd === "H") x = nums[0] as number;
    if (cmd === "V") y = nums[0] as number;
    points.push({ x, y });
  }
  return points;
}

const column = (key: string) => (key === "caller" || key === "backend" ? 0 : key.startsWith("service.") ? 1 : key.startsWith("role.") ? 2 : 3);
const check = (over: Partial<CheckResult>): CheckResult => ({ id: "x", title: "X", severity: "error", status: "pass", risk: "r", message: "m", ...over });

describe("verify --format html: the picture's geometry and the page's sentences (SVG parsed as XML)", () => {
  const report = sampleReport();
  const picture = pictureOf(renderHtml(report));
  const boxOf = (key: string) => {
    const box = picture.boxes.find((b) => b.key === key);
    if (!box) throw new Error(`no box ${key}`);
    return box;
  };

  it("sizes the picture to its viewBox and keeps every box inside it, apart from every other box", () => {
    const [minX, minY, width, height] = picture.viewBox as [number, number, number, number];
    expect([minX, minY]).to.deep.equal([0, 0]);
    expect([picture.width, picture.height]).to.deep.equal([width, height]);
    expect(picture.boxes.length).to.be.greaterThan(6);
    for (const b of picture.boxes) {
      expect(b.x, b.key).to.be.at.least(8);
      expect(b.y, b.key).to.be.at.least(8);
      expect(b.x + b.width, b.key).to.be.at.most(width - 8);
      expect(b.y + b.height, b.key).to.be.at.most(height - 8);
      expect([b.width, b.height], b.key).to.deep.equal([200, 54]);
    }
    for (const a of picture.boxes) {
      for (const b of picture.boxes) {
        if (a === b) continue;
        const apart = a.x + a.width <= b.x || b.x + b.width <= a.x || a.y + a.height <= b.y || b.y + b.height <= a.y;
        expect(apart, `${a.key} and ${b.key} overlap`).to.equal(true);
      }
    }
  });

  it("puts who acts, the services, the roles and what they reach in four columns, left to right, each column one x, spread evenly", () => {
    const xs = [0, 1, 2, 3].map((col) => [...new Set(picture.boxes.filter((b) => column(b.key) === col).map((b) => b.x))]);
    for (const [col, x] of xs.entries()) expect(x, `column ${col}`).to.have.length(1);
    const [x0, x1, x2, x3] = xs.map((x) => x[0] as number) as [number, number, number, number];
    expect(x1 - x0).to.equal(x2 - x1);
    expect(x3 - x2).to.equal(x2 - x1);
    expect(x1 - x0).to.be.greaterThan(200 + 40);
    // Inside a column: caller, backend, then the services in their order, the bucket above the key.
    const order = (col: number) =>
      picture.boxes
        .filter((b) => column(b.key) === col)
        .sort((a, b) => a.y - b.y)
        .map((b) => b.key);
    expect(order(0)).to.deep.equal(["caller", "backend"]);
    expect(order(1)).to.deep.equal(["service.personalize", "service.sagemaker", "service.comprehend"]);
    expect(order(2)).to.deep.equal(["role.personalize", "role.sagemaker", "role.comprehend"]);
    expect(order(3)).to.deep.equal(["bucket", "key"]);
    // A shorter column is centred on the tallest one.
    const middle = (col: number) => {
      const bs = picture.boxes.filter((b) => column(b.key) === col);
      return (Math.min(...bs.map((b) => b.y)) + Math.max(...bs.map((b) => b.y + b.height))) / 2;
    };
    expect(middle(0)).to.be.closeTo(middle(1), 0.001);
    expect(middle(3)).to.be.closeTo(middle(2), 0.001);
  });

  it("starts every arrow on its source's right side and ends it on its target's left side, pointing with its state's marker", () => {
    expect(picture.markers).to.deep.equal(["arrow-passing", "arrow-failing", "arrow-warning", "arrow-skipped"]);
    expect(picture.arrows.length).to.be.greaterThan(8);
    for (const a of picture.arrows) {
      const from = boxOf(a.from);
      const to = boxOf(a.to);
      const points = pointsOf(a.d);
      const first = points[0] as { x: number; y: number };
      const last = points[points.length - 1] as { x: number; y: number };
      expect(first.x, a.check).to.equal(from.x + from.width);
      expect(first.y, a.check).to.be.within(from.y, from.y + from.height);
      expect(last.x, a.check).to.equal(to.x);
      expect(last.y, a.check).to.be.within(to.y, to.y + to.height);
      expect(a.marker, a.check).to.equal(`url(#arrow-${a.state})`);
      expect(["passing", "failing", "warning", "skipped"], a.check).to.include(a.state);
    }
  });

  it("draws an arrow between neighbouring columns as one curve from middle to middle, labelled between its ends", () => {
    const direct = picture.arrows.filter((a) => column(a.to) === column(a.from) + 1);
    expect(direct.length).to.be.greaterThan(4);
    for (const a of direct) {
      const from = boxOf(a.from);
      const to = boxOf(a.to);
      expect(a.d, a.check).to.match(/^M[\d.]+,[\d.]+ C[\d.]+,[\d.]+ [\d.]+,[\d.]+ [\d.]+,[\d.]+$/);
      const [start, end] = pointsOf(a.d) as [{ x: number; y: number }, { x: number; y: number }];
      expect(start.y, a.check).to.equal(from.y + from.height / 2);
      expect(end.y, a.check).to.equal(to.y + to.height / 2);
      // The control points pull the curve flat at both ends: half the gap out of each box.
      const controls = /C([\d.]+),([\d.]+) ([\d.]+),([\d.]+)/.exec(a.d)?.slice(1).map(Number) as number[];
      expect(controls).to.deep.equal([start.x + 45, start.y, end.x - 45, end.y]);
      // 40% of the way along: nearer the source than the target.
      expect(a.label.x, a.check).to.be.greaterThan(start.x);
      expect(a.label.x, a.check).to.be.lessThan((start.x + end.x) / 2);
      expect(a.label.y, a.check).to.be.within(Math.min(start.y, end.y) - 4, Math.max(start.y, end.y));
    }
  });

  it("runs an arrow that skips a column along a lane above or below every box, alternately, each lane its own height", () => {
    const long = picture.arrows.filter((a) => column(a.to) !== column(a.from) + 1);
    expect(long.length).to.be.at.least(3);
    const top = Math.min(...picture.boxes.map((b) => b.y));
    const bottom = Math.max(...picture.boxes.map((b) => b.y + b.height));
    const lanes: number[] = [];
    for (const [i, a] of long.entries()) {
      expect(a.d, a.check).to.match(/^M[\d.]+,[\d.]+ H[\d.]+ V[\d.]+ H[\d.]+ V[\d.]+ H[\d.]+$/);
      const [start, out, lane, across, down, end] = pointsOf(a.d) as { x: number; y: number }[] as [
        { x: number; y: number },
        { x: number; y: number },
        { x: number; y: number },
        { x: number; y: number },
        { x: number; y: number },
        { x: number; y: number },
      ];
      const from = boxOf(a.from);
      const to = boxOf(a.to);
      // Off the middle of each box (where the curves meet them), on the lane's side.
      const shift = i % 2 === 0 ? -54 / 4 : 54 / 4;
      expect(start.y, a.check).to.equal(from.y + 27 + shift);
      expect(end.y, a.check).to.equal(to.y + 27 + shift);
      expect(down.y, a.check).to.equal(end.y);
      expect(out.x, a.check).to.be.greaterThan(start.x);
      expect(across.x, a.check).to.be.lessThan(end.x);
      // Out along the box's row, up or down to the lane at the same x, across, back at the same x.
      expect([out.y, lane.x, across.y, down.x], a.check).to.deep.equal([start.y, out.x, lane.y, across.x]);
      if (i % 2 === 0) expect(lane.y, `${a.check}: a lane above`).to.be.lessThan(top);
      else expect(lane.y, `${a.check}: a lane below`).to.be.greaterThan(bottom);
      expect(a.label.y, a.check).to.equal(lane.y - 3);
      expect(a.label.x, a.check).to.equal((out.x + across.x) / 2);
      lanes.push(lane.y);
    }
    expect(new Set(lanes).size, "two arrows share a lane").to.equal(lanes.length);
    // Arrows leaving one box to lanes on the same side climb at different x, so their verticals stay apart.
    const climbs = new Map<string, number[]>();
    for (const [i, a] of long.entries()) {
      const key = `${a.from} ${i % 2}`;
      climbs.set(key, [...(climbs.get(key) ?? []), (pointsOf(a.d)[1] as { x: number }).x]);
    }
    expect(
      [...climbs.values()].some((xs) => xs.length > 1),
      "no two lanes leave one box on one side",
    ).to.equal(true);
    for (const [key, xs] of climbs) expect(new Set(xs).size, key).to.equal(xs.length);
    for (const l of lanes) expect(l).to.be.within(0, picture.height);
  });

  it("labels each arrow with its verb (failing ones with ✗), and titles the picture with the counts", () => {
    const byCheck = Object.fromEntries(picture.arrows.map((a) => [a.check, a]));
    expect(byCheck["role.personalize.trust"]?.label.text).to.equal("assume");
    expect(byCheck["caller.pass-role.personalize"]?.label.text).to.equal("pass role ✗");
    expect(byCheck["caller.pass-role.personalize"]?.label.classes).to.deep.equal(["edge-label", "failing"]);
    expect(byCheck["bucket.personalize-policy"]?.label.text).to.equal("bucket policy");
    expect(byCheck["kms.sagemaker"]?.label.text).to.equal("use key ✗");
    expect(byCheck["app.s3"]?.label.text).to.equal("read/write");
    expect(byCheck["app.comprehend"]?.label.text).to.equal("call");
    const failing = picture.arrows.filter((a) => a.state === "failing").length;
    expect(failing).to.equal(3);
    expect(picture.title).to.equal(`Who may do what: ${picture.arrows.length} accesses, 3 failing`);
    const c = report.checks.find((x) => x.id === "role.sagemaker.s3") as CheckResult;
    expect(byCheck["role.sagemaker.s3"]?.tooltip).to.equal(`role.sagemaker.s3 (FAIL): ${c.message}`);
  });

  it("names each box and its resource, shortened to its last 27 characters after an ellipsis, whole in its tooltip", () => {
    expect(boxOf("caller")).to.deep.include({ title: "caller", detail: "user/deployer", tooltip: `caller: ${CALLER}` });
    expect(boxOf("backend")).to.deep.include({ title: "backend", detail: "role/roadmapx-backend" });
    expect(boxOf("service.sagemaker")).to.deep.include({ title: "SageMaker", detail: "sagemaker.amazonaws.com" });
    const role = roleArn("personalize").split(":").slice(5).join(":");
    expect(role.length).to.be.greaterThan(28);
    expect(boxOf("role.personalize")).to.deep.include({ title: "Personalize role", detail: `…${role.slice(role.length - 27)}` });
    expect(boxOf("role.personalize").detail).to.have.length(28);
    expect(boxOf("key").title).to.equal("KMS key");
    expect(boxOf("key").tooltip).to.equal(`KMS key: ${KEY}`);
    expect(boxOf("bucket")).to.deep.include({ title: "AI bucket", detail: "roadmapx-files" });
  });

  it("marks a box whose own check failed, and lists those checks in its tooltip", () => {
    const html = renderHtml(
      reportOf([
        check({ id: "credentials", status: "error", resource: CALLER }),
        check({ id: "role.comprehend.exists", status: "fail", resource: roleArn("comprehend") }),
        check({ id: "role.comprehend.trust", status: "fail", resource: roleArn("comprehend") }),
        check({ id: "bucket.exists", status: "warn", resource: "arn:aws:s3:::b" }),
      ]),
    );
    const p = pictureOf(html);
    const box = (k: string) => p.boxes.find((b) => b.key === k) as Box;
    expect(box("role.comprehend").classes).to.deep.equal(["node", "failing"]);
    expect(box("role.comprehend").tooltip).to.equal(`Comprehend role: ${roleArn("comprehend")} (failing: role.comprehend.exists)`);
    expect(box("caller").classes).to.deep.equal(["node", "failing"]);
    // A warning does not mark a box.
    expect(box("bucket").classes).to.deep.equal(["node"]);
    expect(box("bucket").detail).to.equal("b");
    expect(box("service.comprehend").classes).to.deep.equal(["node"]);
  });

  it("with no check that proves an access, says so under an empty picture", () => {
    const html = renderHtml(reportOf([check({ id: "credentials", resource: CALLER })]));
    expect(html).to.include("<p>No check in this report proves an access.</p>");
    expect(html).not.to.include('<ul class="edges">');
    const p = pictureOf(html);
    expect(p.arrows).to.deep.equal([]);
    expect(p.boxes.map((b) => b.key)).to.deep.equal(["caller"]);
    expect(p.title).to.equal("Who may do what: 0 accesses, 0 failing");
    // One row tall, no lanes: margin, top band, box, bottom band, margin.
    expect(p.height).to.equal(16 + 14 + 54 + 14 + 16);
    expect(p.width).to.equal(16 * 2 + 4 * 200 + 3 * 90);
  });

  it("lists the arrows in words, in the picture's order, each linked to its check's row", () => {
    const html = renderHtml(
      reportOf([
        check({ id: "role.personalize.trust", resource: roleArn("personalize") }),
        check({ id: "app.sagemaker", status: "warn", resource: BACKEND }),
        check({ id: "kms.personalize", status: "skip", resource: KEY }),
      ]),
    );
    const list = /<ul class="edges">\n([\s\S]*?)\n<\/ul>/.exec(html)?.[1]?.split("\n");
    expect(list).to.deep.equal([
      '<li class="passing" data-check="role.personalize.trust">Personalize → Personalize role: assume — <span class="status pass">PASS</span> (<a href="#check-role.personalize.trust"><code>role.personalize.trust</code></a>)</li>',
      '<li class="warning" data-check="app.sagemaker">backend → SageMaker: call — <span class="status warn">WARN</span> (<a href="#check-app.sagemaker"><code>app.sagemaker</code></a>)</li>',
      '<li class="skipped" data-check="kms.personalize">Personalize role → KMS key: use key — <span class="status skip">skip</span> (<a href="#check-kms.personalize"><code>kms.personalize</code></a>)</li>',
    ]);
  });

  it("heads the page with the target and the verdict, counting calls in the singular when there is one", () => {
    const ready = renderHtml(reportOf([check({})], { summary: { pass: 1, fail: 0, warn: 0, skip: 0, error: 0, awsCalls: 1, seconds: 0.5 } }));
    expect(ready).to.include(`<title>roadmapx-ai verify: ready (123456789012, us-east-1)</title>`);
    expect(ready).to.include(`<p class="target">account 123456789012, us-east-1, endpoint http://127.0.0.1:5000, as ${CALLER}</p>`);
    expect(ready).to.include(`<p class="verdict ready">Ready: 1 pass, 0 fail, 0 warn, 0 skip, 0 error (1 read-only AWS call, 0.50 s)</p>`);
    expect(ready).not.to.include('<ul class="problems">');
    const bare: Report = reportOf([check({ status: "fail" })], { target: { accountId: "", region: "eu-west-1" } });
    const notReady = renderHtml(bare);
    expect(notReady).to.include(`<title>roadmapx-ai verify: not ready (?, eu-west-1)</title>`);
    expect(notReady).to.include(`<p class="target">account ?, eu-west-1</p>`);
    expect(notReady).to.include(`<p class="verdict not-ready">Not ready: 0 pass, 1 fail, 0 warn, 0 skip, 0 error (27 read-only AWS calls, 1.25 s)</p>`);
    expect(notReady.endsWith("</html>\n")).to.equal(true);
    expect(notReady.startsWith('<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n')).to.equal(true);
  });

  it("lists the problems under the verdict (an info-level warning as INFO), and gives details only to them", () => {
    const html = renderHtml(
      reportOf([
        check({ id: "a.pass", message: "fine" }),
        check({ id: "b.fail", status: "fail", message: "broken", resource: "arn:aws:s3:::b", explain: ["one", "two"], remediation: "do <this>" }),
        check({ id: "c.info", status: "warn", severity: "info", message: "note" }),
        check({ id: "d.skip", status: "skip", message: "not here" }),
        check({ id: "e.error", status: "error", message: "unreadable", fix: { summary: "grant the read", commands: [] } }),
      ]),
    );
    const problems = /<ul class="problems">\n([\s\S]*?)\n<\/ul>/.exec(html)?.[1]?.split("\n");
    expect(problems).to.deep.equal([
      '<li class="fail"><span class="status fail">FAIL</span> <a href="#check-b.fail"><code>b.fail</code></a>: broken</li>',
      '<li class="warn"><span class="status warn">INFO</span> <a href="#check-c.info"><code>c.info</code></a>: note</li>',
      '<li class="error"><span class="status error">ERROR</span> <a href="#check-e.error"><code>e.error</code></a>: unreadable</li>',
    ]);
    const row = (id: string) => {
      const start = html.indexOf(`<tr id="check-${id}"`);
      return html.slice(start, html.indexOf("</tr>", start));
    };
    expect(row("a.pass")).to.equal(
      '<tr id="check-a.pass" class="check pass" data-check="a.pass"><td><code>a.pass</code><div class="title">X</div></td><td><span class="status pass">PASS</span></td><td>error</td><td><p class="message">fine</p></td>',
    );
    expect(row("d.skip")).not.to.include('class="details"');
    expect(row("b.fail")).to.include(
      '<div class="details">\n<p class="resource">Resource: <code>arn:aws:s3:::b</code></p>\n<div class="why"><h4>Why</h4><ul><li>one</li><li>two</li></ul></div>\n<div class="risk"><h4>Risk</h4><p>r</p></div>\n<div class="remediation"><h4>What to do</h4><pre>do &lt;this&gt;</pre></div>\n</div>',
    );
    expect(row("c.info")).to.include('<span class="status warn">INFO</span>');
    expect(row("c.info")).to.include('<div class="details">\n<div class="risk"><h4>Risk</h4><p>r</p></div>\n</div>');
    // A fix without commands: its summary, no command block, no Pulumi line.
    expect(row("e.error")).to.include('<div class="fix"><h4>Fix</h4><p class="fix-summary">grant the read</p>\n</div>');
    expect(html).to.include('<th scope="col">Check</th><th scope="col">Status</th><th scope="col">Severity</th><th scope="col">Result</th>');
  });

  it("styles every state it draws: the stylesheet has a rule for each edge, arrow and status class", () => {
    const style = /<style>([\s\S]*?)<\/style>/.exec(renderHtml(sampleReport()))?.[1] ?? "";
    for (const state of ["passing", "failing", "warning", "skipped"]) {
      expect(style, state).to.include(`.graph .edge.${state} {`);
      expect(style, state).to.include(`.graph .arrow.${state} {`);
      expect(style, state).to.include(`.legend .${state}::before {`);
    }
    for (const status of ["pass", "fail", "warn", "skip", "error"]) expect(style, status).to.include(`.status.${status} {`);
    expect(style).to.include(".graph .edge.failing { stroke: #cf222e; stroke-width: 2.5; stroke-dasharray: 7 4; }");
    expect(style).to.include(".graph .node.failing rect { fill: #ffebe9; stroke: var(--fail); stroke-width: 2.5; }");
  });
});
