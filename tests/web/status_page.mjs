// The status page (GET /) in headless Chromium (Debian's /usr/bin/chromium,
// driven by playwright-core) against kisgw + kis-sim: the token prompt, the
// holdings table, the orders lists with fills, aged holdings, the chart, the
// language switch, and the auto-trade pause button when this kisgw has the
// auto-trade endpoints. Screenshots go to OUT_DIR and stay after the run.
//
// Usage: node status_page.mjs BIN_DIR OUT_DIR
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { up, call, TOKEN } from "./stack.mjs";

const [bindir, outdir] = process.argv.slice(2);
mkdirSync(outdir, { recursive: true });
const shot = (page, name) => page.screenshot({ path: join(outdir, name), fullPage: true });

const stack = await up(bindir);
const profile = mkdtempSync(join(tmpdir(), "kisgw-chromium-"));
let ctx, page;
const problems = [];
try {
  // A history before today (an aged lot), imported by the backfill, then
  // today's orders: two market buys that fill, one limit far below that rests.
  const sim = `http://127.0.0.1:${stack.sim.port}`;
  let r = await fetch(sim + "/__sim/reset", {
    method: "POST", headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ account: "50012345-01", cash: 50000000,
      holdings: [{ code: "005930", qty: 10, avg_price: 70000 }],
      orders: [{ date: "2026-11-16", time: "093000", code: "005930", side: "buy", qty: 10, price: 70000,
                 filled_qty: 10, fill_price: 70000, ord_dvsn: "00" }] }),
  });
  assert.equal(r.status, 200, "sim reset");
  assert.equal((await call(stack.url, "POST", "/orders/backfill?days=30")).status, 200);
  for (const code of ["005930", "000660"]) {
    const o = await call(stack.url, "POST", "/orders", { code, side: "buy", qty: 3, type: "market" });
    assert.equal(o.status, 201, o.text);
  }
  const q = await call(stack.url, "GET", "/price?code=035720");
  const low = Math.ceil((q.json.lower_limit + 1) / q.json.tick) * q.json.tick;
  const lim = await call(stack.url, "POST", "/orders", { code: "035720", side: "buy", qty: 1, type: "limit", price: low });
  assert.equal(lim.status, 201, lim.text);
  // the fills of the market orders reach the ledger through the reconciler
  assert.equal((await call(stack.url, "POST", "/orders/reconcile")).status, 200);
  const hasAutotrade = (await call(stack.url, "GET", "/autotrade")).status === 200;

  ctx = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.KISGW_CHROMIUM || "/usr/bin/chromium",
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    viewport: { width: 1280, height: 900 },
    locale: "ko-KR",
  });
  page = ctx.pages()[0] || (await ctx.newPage());
  page.on("pageerror", (e) => problems.push("page error: " + e.message));
  page.on("console", (m) => {
    // a fetch that answers 4xx is logged by Chromium; a CSP refusal or a script error is a bug
    if (m.type() === "error" && !/Failed to load resource/.test(m.text())) problems.push("console: " + m.text());
  });
  page.on("request", (req) => {
    if (!req.url().startsWith(stack.url)) problems.push("request to another origin: " + req.url());
  });

  await page.goto(stack.url + "/");
  // asked for the token once; a wrong one is refused and asked again
  await page.locator("#login").waitFor({ state: "visible" });
  await page.fill("#token", "wrong-token");
  await page.click("#login-form button");
  await page.locator("#login-err").filter({ hasText: /토큰|token/ }).waitFor();
  await page.fill("#token", TOKEN);
  await page.click("#login-form button");
  await page.waitForFunction(() => Number(document.body.dataset.loaded || 0) >= 1);
  assert.equal(await page.evaluate(() => sessionStorage.getItem("kisgw.token")), TOKEN);

  // holdings: the seeded and the bought codes, with P&L cells
  const codes = await page.$$eval("#holdings tbody tr[data-code]", (rows) => rows.map((r) => r.dataset.code));
  assert.ok(codes.includes("005930") && codes.includes("000660"), "holdings: " + codes);
  const cells = await page.$$eval("#holdings tbody tr[data-code] td", (tds) => tds.length);
  assert.equal(cells, codes.length * 8);
  // orders: three today (two filled, one open) plus the imported one
  const ids = await page.$$eval("#orders tbody tr[data-id]", (rows) => rows.length);
  assert.ok(ids >= 3, "orders rows " + ids);
  const open = await page.$$eval("#open-orders tbody tr[data-id]", (rows) => rows.map((r) => r.textContent));
  assert.equal(open.length, 1, "open orders " + open);
  assert.ok(open[0].includes("035720"));
  // a filled order opens its fills
  await page.locator("#orders tbody tr[data-id]", { hasText: "000660" }).first().click();
  await page.locator("#orders tr.fills").first().waitFor();
  assert.match(await page.locator("#orders tr.fills").first().textContent(), /× /);
  // aged holdings: the lot of 2026-11-16 (5 business days by 2026-11-24 at least)
  await page.locator("#aged tbody tr", { hasText: "005930" }).waitFor();
  // the chart: the first holding's daily closes as one SVG line
  await page.locator("#chart svg polyline").waitFor();
  const bars = Number(await page.getAttribute("#chart svg", "data-bars"));
  assert.ok(bars > 20, "bars " + bars);
  const points = (await page.getAttribute("#chart-line", "points")).trim().split(/\s+/).length;
  assert.equal(points, bars);
  await shot(page, "status-ko.png");

  // another code through its holdings row
  await page.click('#holdings tbody tr[data-code="000660"]');
  await page.waitForFunction(() => document.querySelector("#chart svg")?.dataset.code === "000660");

  // English
  await page.selectOption("#lang", "en");
  await page.locator("#account h2", { hasText: "Account" }).waitFor();
  assert.equal(await page.locator("#aged-card h2 span").first().textContent(), "Aged holdings");
  // the chart's caption is drawn in the new language too
  await page.locator("#chart svg text", { hasText: "Close" }).first().waitFor();
  assert.equal(await page.locator("#chart svg text", { hasText: "종가" }).count(), 0);

  // realised P&L and the halt switch: shown, or said to be unavailable
  await page.locator("#pnl-table, #pnl .na").first().waitFor();
  await page.locator("#halt-state, #halt .na").first().waitFor();
  // the halt switch: the page's own POSTs (a JSON body, then none) send
  // Origin and Sec-Fetch-Site: same-origin and pass kisgw's access checks
  if (await page.locator("#halt-state").count()) {
    page.once("dialog", (d) => d.accept("status page test"));
    await page.click("#halt-on");
    await page.waitForSelector("#halt-state.up");
    assert.equal(await page.textContent("#halt-err"), "");
    assert.equal((await call(stack.url, "GET", "/healthz")).json.trading.halted, true);
    await page.click("#halt-off");
    await page.waitForSelector("#halt-state:not(.up)");
    assert.equal(await page.textContent("#halt-err"), "");
    assert.equal((await call(stack.url, "GET", "/healthz")).json.trading.halted, false);
  }

  if (hasAutotrade) {
    await page.locator("#at-state").waitFor();
    if ((await page.getAttribute("#at-state", "data-paused")) === "true") {
      await page.click("#at-resume");
      await page.waitForSelector('#at-state[data-paused="false"]');
    }
    await page.click("#at-pause");
    await page.waitForSelector('#at-state[data-paused="true"]');
    const at = await call(stack.url, "GET", "/autotrade");
    assert.ok(at.json.paused === true || at.json.state === "paused", at.text);
    await shot(page, "status-en-paused.png");
    await page.click("#at-resume");
    await page.waitForSelector('#at-state[data-paused="false"]');
  } else {
    assert.match(await page.locator("#autotrade .na").textContent(), /does not have/);
    await shot(page, "status-en.png");
  }

  assert.deepEqual(problems, []);
  console.log(`status page: ${codes.length} holdings, ${ids} orders, ${bars} bars, auto-trade ${hasAutotrade ? "paused and resumed" : "not on this kisgw"}; screenshots in ${outdir}`);
} catch (e) {
  // what the page said, and what it looked like, when it went wrong
  console.log(problems.join("\n"));
  if (page) await shot(page, "failure.png").catch(() => {});
  throw e;
} finally {
  if (ctx) await ctx.close();
  rmSync(profile, { recursive: true, force: true });
  await stack.down();
}
