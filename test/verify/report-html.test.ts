/**
 * The HTML report (`verify --format html`, and what `npm start` writes) in a real headless browser:
 * Debian's Chromium at /usr/bin/chromium (scripts/install-chromium.sh installs it; .ci/run runs that
 * first), driven by playwright-core with a fresh profile and no network. The page must load nothing
 * but itself, list every check, show why, risk and fix for a failure, mark the failing edges of the
 * picture red and dashed, leave a <script> in a message inert, and render to a screenshot.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { expect } from "chai";
import { type BrowserContext, type Page, chromium } from "playwright-core";
import { renderHtml } from "../../verify/render-html";
import { HOSTILE, PASS_ROLE_FIX, sampleReport } from "./sample-report";

const CHROMIUM = "/usr/bin/chromium";
const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** What the callbacks run in the page use of the browser's globals (the project type-checks for Node, without the DOM library). */
interface InPage {
  getComputedStyle(element: unknown): { stroke: string; strokeDasharray: string };
  pwned?: number;
}

describe("verify --format html in headless Chromium", function () {
  this.timeout(90_000);
  const report = sampleReport();
  let dir = "";
  let context: BrowserContext | undefined;
  let page: Page;
  const requests: string[] = [];
  let url = "";

  before(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(`Chromium is not installed at ${CHROMIUM}: run scripts/install-chromium.sh (as root) first; .ci/run does before npm test`);
    }
    dir = mkdtempSync(join(tmpdir(), "roadmapx-report-html-"));
    const file = join(dir, "verify-report.html");
    writeFileSync(file, renderHtml(report));
    url = pathToFileURL(file).href;
    context = await chromium.launchPersistentContext(join(dir, "profile"), { executablePath: CHROMIUM, headless: true, args: ARGS });
    page = context.pages()[0] ?? (await context.newPage());
    page.on("request", (request) => requests.push(request.url()));
    const response = await page.goto(url, { waitUntil: "load" });
    expect(response?.ok(), "the page loaded").to.equal(true);
  });

  after(async () => {
    await context?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("loads with no request but the file itself, and no script runs", async () => {
    expect(requests).to.deep.equal([url]);
    expect(await page.title()).to.equal("roadmapx-ai verify: not ready (123456789012, us-east-1)");
    // The <script> in the failing check's message is text: no element, nothing ran.
    expect(await page.locator("script").count()).to.equal(0);
    expect(await page.locator("img").count()).to.equal(0);
    expect(await page.evaluate(() => (globalThis as unknown as InPage).pwned)).to.equal(undefined);
    expect(await page.locator('tr[data-check="caller.pass-role.personalize"] .message').innerText()).to.include(HOSTILE);
  });

  it("the checklist has every check id, in report order, with its status", async () => {
    const rows = await page
      .locator("tr.check")
      .evaluateAll((trs) => trs.map((tr) => [tr.getAttribute("data-check"), tr.querySelector(".status")?.textContent]));
    expect(rows).to.deep.equal(
      report.checks.map((c) => [
        c.id,
        c.severity === "info" && c.status === "warn" ? "INFO" : { pass: "PASS", fail: "FAIL", warn: "WARN", skip: "skip", error: "ERROR" }[c.status],
      ]),
    );
  });

  it("a failing check shows its why, its risk and its fix commands as a block", async () => {
    const failed = report.checks.find((c) => c.id === "caller.pass-role.personalize");
    const row = page.locator('tr[data-check="caller.pass-role.personalize"]');
    expect(await row.locator(".why").innerText()).to.include(failed?.explain?.[0]);
    expect(await row.locator(".risk").innerText()).to.include(failed?.risk);
    expect(await row.locator(".fix-summary").innerText()).to.equal(PASS_ROLE_FIX.summary);
    expect(await row.locator("pre.commands").innerText()).to.equal(PASS_ROLE_FIX.commands.join("\n"));
    expect(await row.locator(".pulumi").innerText()).to.include(PASS_ROLE_FIX.pulumi);
    expect(await row.locator(".risk").isVisible()).to.equal(true);
    // A document the commands read from a file is on the page, under its path.
    const file = page.locator('tr[data-check="role.sagemaker.s3"] details.fix-file');
    expect(await file.locator("summary").innerText()).to.equal("verify-fixes/role.sagemaker.s3.json");
    expect(await file.locator("pre").textContent()).to.include('"Sid": "<Models>"');
    // The error (could not be evaluated) shows its risk too; a passing check has no details.
    expect(await page.locator('tr[data-check="kms.sagemaker"] .risk').innerText()).to.include("SageMaker cannot decrypt");
    expect(await page.locator('tr[data-check="credentials"] .details').count()).to.equal(0);
  });

  it("the picture marks the failing edges red and dashed, the passing ones green, and shows every node", async () => {
    const style = (selector: string) =>
      page.locator(selector).evaluate((el) => {
        const s = (globalThis as unknown as InPage).getComputedStyle(el);
        const box = (el as unknown as { getBBox(): { width: number; height: number } }).getBBox();
        return { stroke: s.stroke, dash: s.strokeDasharray, width: box.width, height: box.height };
      });
    const failing = await style('svg .edge.failing[data-check="caller.pass-role.personalize"]');
    expect(failing.stroke).to.equal("rgb(207, 34, 46)");
    expect(failing.dash).to.not.equal("none");
    expect(failing.width + failing.height).to.be.greaterThan(0);
    expect(await page.locator('svg .edge.failing[data-check="kms.sagemaker"]').count()).to.equal(1);
    const passing = await style('svg .edge.passing[data-check="role.personalize.trust"]');
    expect(passing.stroke).to.equal("rgb(26, 127, 55)");
    expect(passing.dash).to.equal("none");
    expect(await page.locator("svg .edge.failing").evaluateAll((paths) => paths.map((p) => p.getAttribute("data-check")))).to.deep.equal([
      "role.sagemaker.s3",
      "caller.pass-role.personalize",
      "kms.sagemaker",
    ]);
    const nodes = await page.locator("svg .node").evaluateAll((gs) => gs.map((g) => g.getAttribute("data-node")));
    expect(nodes).to.include.members(["caller", "backend", "service.personalize", "service.sagemaker", "role.personalize", "role.sagemaker", "bucket", "key"]);
    // The edges are drawn inside the picture, not off it.
    const inside = await page.locator("svg.graph").evaluate((svg) => {
      const frame = svg.getBoundingClientRect();
      return [...svg.querySelectorAll(".edge, .node")].every((el) => {
        const r = el.getBoundingClientRect();
        return r.left >= frame.left - 1 && r.right <= frame.right + 1 && r.top >= frame.top - 1 && r.bottom <= frame.bottom + 1;
      });
    });
    expect(inside).to.equal(true);
  });

  it("renders to a screenshot", async () => {
    const shot = join(dir, "verify-report.png");
    await page.screenshot({ path: shot, fullPage: true });
    const png = readFileSync(shot);
    expect(png.subarray(0, 8).toString("hex")).to.equal("89504e470d0a1a0a");
    expect(png.length).to.be.greaterThan(10_000);
    const picture = await page.locator("svg.graph").screenshot();
    expect(picture.length).to.be.greaterThan(5_000);
  });
});
