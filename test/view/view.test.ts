// `posec view` pages opened in real headless Chromium (Debian's /usr/bin/chromium via playwright-core):
// no console errors, every IR node of the spec drawn (data-node attributes), a screenshot that is not
// blank, clicking a layer shows its spec line (found here by searching the spec text), clicking a
// collapsed block opens its layers. A spec with errors gives a page listing them and a non-zero exit.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compileFile, REPO } from "../helpers.js";
import { renderView } from "../../view/compile-page.js";

const CHROMIUM = "/usr/bin/chromium";
const HAVE_CHROMIUM = existsSync(CHROMIUM);
const BIN = join(REPO, "bin/posec.js");
const ZOO = readdirSync(join(REPO, "models")).filter((f) => f.endsWith(".posenet")).sort();
const dir = mkdtempSync(join(tmpdir(), "posec-view-"));

if (!HAVE_CHROMIUM) {
  if (process.env.CI) throw new Error(`${CHROMIUM} is missing; CI must install Debian's chromium to test \`posec view\``);
  console.warn(`SKIPPED test/view/view.test.ts: ${CHROMIUM} is absent (install Debian's chromium to run it)`);
}

let ctx: BrowserContext;

async function open(file: string): Promise<{ page: Page; errors: string[] }> {
  const page = await ctx.newPage();
  const errors: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(m.text());
  });
  page.on("pageerror", (e) => errors.push(e.message));
  page.on("request", (r) => {
    if (!r.url().startsWith("file:") && !r.url().startsWith("data:")) errors.push(`network request: ${r.url()}`);
  });
  await page.goto(`file://${file}`);
  return { page, errors };
}

/** Distinct colours and the share of non-white pixels of a screenshot. */
async function pixels(png: Buffer): Promise<{ colours: number; inked: number }> {
  const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const colours = new Set<number>();
  let inked = 0;
  for (let i = 0; i < data.length; i += 3) {
    colours.add((data[i] << 16) | (data[i + 1] << 8) | data[i + 2]);
    if (data[i] < 240 || data[i + 1] < 240 || data[i + 2] < 240) inked++;
  }
  return { colours: colours.size, inked: inked / (info.width * info.height) };
}

describe.skipIf(!HAVE_CHROMIUM)("posec view in headless Chromium", () => {
  beforeAll(async () => {
    ctx = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), "posec-chromium-")), {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1400, height: 900 },
      // no network here: without these Chromium waits on connections it will never get
      args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });
  });
  afterAll(async () => {
    await ctx?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("draws cmu_pose_vgg19 (via the CLI): every node, no errors, a real picture, spec lines on click", async () => {
    const out = join(dir, "cmu.html");
    const stdout = execFileSync(process.execPath, [BIN, "view", "models/cmu_pose_vgg19.posenet", "--out", out], { cwd: REPO, encoding: "utf8" });
    expect(stdout).toContain(out);
    const ir = compileFile("models/cmu_pose_vgg19.posenet").ir!;
    const { page, errors } = await open(out);
    const drawn = await page.$$eval("#detail [data-node]", (els) => els.map((e) => e.getAttribute("data-node")));
    expect(new Set(drawn)).toEqual(new Set(ir.nodes.map((n) => n.name)));
    const { colours, inked } = await pixels(await page.screenshot());
    expect(colours).toBeGreaterThan(20);
    expect(inked).toBeGreaterThan(0.05);
    // the adapter's first conv is written on the spec line that mentions conv4_3_CPM
    const lines = readFileSync(join(REPO, "models/cmu_pose_vgg19.posenet"), "utf8").split("\n");
    const line = lines.findIndex((l) => /\bconv 3x3 256\b/.test(l) && lines.slice(0, lines.indexOf(l)).some((p) => p.startsWith("adapter"))) + 1;
    expect(line).toBeGreaterThan(0);
    await page.click('[data-node="adapter_conv4_3_CPM"]');
    expect(await page.textContent("#info")).toContain(`models/cmu_pose_vgg19.posenet:${line}:`);
    // finding a layer by name selects it and lights up its input and output edges
    const target = ir.nodes.find((n) => n.name === "stage3_concat")!;
    await page.fill("#find", target.name);
    await page.dispatchEvent("#find", "change");
    expect(await page.textContent("#info h3")).toBe(target.name);
    const consumers = ir.nodes.filter((n) => n.inputs.includes(target.outputs[0])).length;
    expect(await page.$$eval("#detail .edge.hot", (els) => els.length)).toBe(target.inputs.length + consumers);
    expect(errors).toEqual([]);
    await page.close();
  });

  it("collapses block instances and opens them on click", async () => {
    const result = compileFile("models/se_resnet_cmupose.posenet");
    const view = await renderView(result, "models/se_resnet_cmupose.posenet");
    const file = join(dir, "se.html");
    writeFileSync(file, view.html);
    const { page, errors } = await open(file);
    // ResNet-50: 3 + 4 + 6 + 3 bottlenecks, cut after layer2 -> 7 collapsed blocks in the backbone
    const groups = await page.$$eval("#overview [data-group]", (els) => els.map((e) => e.textContent ?? ""));
    expect(groups.filter((t) => t.includes("bottleneck"))).toHaveLength(7);
    expect(await page.isVisible("#detail")).toBe(false);
    await page.click('#overview [data-group]:has-text("layer2_0 (bottleneck)")');
    expect(await page.isVisible("#detail")).toBe(true);
    const selected = await page.$$eval("#detail .box.selected", (els) => els.map((e) => e.getAttribute("data-node")));
    expect(selected.length).toBeGreaterThan(5);
    expect(selected.every((n) => n?.startsWith("layer2_0_"))).toBe(true);
    expect(errors).toEqual([]);
    await page.close();
  });

  it.each(ZOO)("renders the zoo spec %s", async (spec) => {
    const result = compileFile(`models/${spec}`);
    expect(result.diagnostics.filter((d) => d.severity === "error").map((d) => `${d.span.file}:${d.span.line}: ${d.message}`)).toEqual([]);
    const view = await renderView(result, `models/${spec}`);
    expect(view.ok).toBe(true);
    const file = join(dir, spec.replace(/\.posenet$/, ".html"));
    writeFileSync(file, view.html);
    const { page, errors } = await open(file);
    const drawn = await page.$$eval("#detail [data-node]", (els) => els.map((e) => e.getAttribute("data-node")));
    expect(new Set(drawn)).toEqual(new Set(result.ir!.nodes.map((n) => n.name)));
    const { colours, inked } = await pixels(await page.screenshot());
    expect(colours).toBeGreaterThan(20);
    expect(inked).toBeGreaterThan(0.02);
    expect(errors).toEqual([]);
    await page.close();
  });

  it("shows a spec's diagnostics instead of a picture, and exits non-zero", async () => {
    const spec = join(dir, "broken.posenet");
    writeFileSync(spec, 'posenet 1\nmodel broken extends "' + join(REPO, "models/cmu_pose_vgg19.posenet") + '"\nadapter {\n  cnov 3x3 64\n}\n');
    const out = join(dir, "broken.html");
    const r = spawnSync(process.execPath, [BIN, "view", spec, "--out", out], { cwd: REPO, encoding: "utf8" });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("PN2001");
    const { page, errors } = await open(out);
    expect(await page.textContent("#diagnostics")).toContain("unknown layer or block `cnov`");
    expect(await page.$$("[data-node]")).toHaveLength(0);
    expect(errors).toEqual([]);
    await page.close();
  });
});
