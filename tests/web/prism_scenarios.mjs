// The integration scenarios through a validating proxy: every route of the
// local API, with good and bad input, sent through Prism (proxy mode) in
// front of kisgw + kis-sim. Any response that openapi.yaml does not allow
// fails the run.
//
// Two proxies: `prism proxy --errors` for requests the spec allows (it answers
// 500 with the violations instead of a response that breaks the spec), and a
// plain `prism proxy` for requests that break the spec on purpose (a bad
// code, a missing field: --errors would answer those itself without asking
// kisgw); there the sl-violations header must name the request only, never
// the response.
//
// Usage: node prism_scenarios.mjs BIN_DIR OPENAPI_YAML
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createServer } from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { up, call, TOKEN } from "./stack.mjs";

const [bindir, spec] = process.argv.slice(2);
const prismBin = join(dirname(fileURLToPath(import.meta.url)), "node_modules", ".bin", "prism");

function freePort() {
  return new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => { const p = s.address().port; s.close(() => resolve(p)); });
  });
}

function startPrism(target, errors) {
  return new Promise(async (resolve, reject) => {
    const port = await freePort();
    const args = ["proxy", spec, target, "--host", "127.0.0.1", "--port", String(port)];
    if (errors) args.push("--errors");
    const proc = spawn(prismBin, args, { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    const timer = setTimeout(() => { proc.kill("SIGKILL"); reject(new Error("prism did not start:\n" + out)); }, 120000);
    const onData = (d) => {
      out += d;
      if (out.includes("Prism is listening")) { clearTimeout(timer); resolve({ proc, url: `http://127.0.0.1:${port}` }); }
    };
    proc.stdout.on("data", onData);
    proc.stderr.on("data", onData);
    proc.on("exit", (c) => { clearTimeout(timer); reject(new Error("prism exited " + c + ":\n" + out)); });
  });
}

// {name, method, path, body?, raw?, headers?, status: n | [n…], bad?: request breaks the spec, save?: fn}
const S = (name, method, path, status, more = {}) => ({ name, method, path, status, ...more });
const order = (extra = {}) => ({ code: "005930", side: "buy", qty: 1, type: "market", ...extra });
const state = {};
const scenarios = () => [
  S("health", "GET", "/healthz", 200, { headers: { Authorization: "" } }),
  S("openapi.yaml", "GET", "/openapi.yaml", 200, { headers: { Authorization: "" } }),
  S("status page", "GET", "/", 200, { headers: { Authorization: "" } }),
  S("metrics", "GET", "/metrics", 200),
  S("price", "GET", "/price?code=005930", 200),
  S("price of an ETN-shaped unknown code", "GET", "/price?code=Q999999", [404, 422]),
  S("price of an unknown code", "GET", "/price?code=999999", [404, 422]),
  S("price without code", "GET", "/price", 400, { bad: true }),
  S("price with a bad code", "GET", "/price?code=12345", 400, { bad: true }),
  S("price with an unknown parameter", "GET", "/price?code=005930&x=1", 400),
  S("daily", "GET", "/daily?code=005930", 200),
  S("daily range", "GET", "/daily?code=000660&from=2026-10-01&to=2026-11-20", 200),
  S("daily from after to", "GET", "/daily?code=005930&from=2026-11-20&to=2026-11-01", 400),
  S("daily with a bad date", "GET", "/daily?code=005930&from=2026-13-01", 400, { bad: true }),
  S("balance", "GET", "/balance", 200),
  S("cash", "GET", "/cash", 200),
  S("cash for a code", "GET", "/cash?code=005930", 200),
  S("cash for a code and price", "GET", "/cash?code=005930&price=70000", 200),
  S("cash with price but no code", "GET", "/cash?price=70000", 400),
  S("cash with a bad price", "GET", "/cash?code=005930&price=0", 400, { bad: true }),
  S("order: market buy", "POST", "/orders", 201, { body: order({ client_order_id: "prism-1" }), save: (j) => { state.market = j.id; } }),
  S("order: replay", "POST", "/orders", 200, { body: order({ client_order_id: "prism-1" }) }),
  S("order: key reused with another body", "POST", "/orders", 409, { body: order({ client_order_id: "prism-1", qty: 2 }) }),
  S("order: header key", "POST", "/orders", 201, { body: order({ code: "000660" }), headers: { "Idempotency-Key": "prism-2" } }),
  S("order: header and body keys differ", "POST", "/orders", 400, { body: order({ client_order_id: "prism-3" }), headers: { "Idempotency-Key": "prism-4" } }),
  () => S("order: limit that rests", "POST", "/orders", 201, { body: { code: "035720", side: "buy", qty: 1, type: "limit", price: state.low }, save: (j) => { state.limit = j.id; } }),
  S("order: sell more than held", "POST", "/orders", [422, 400], { body: { code: "035420", side: "sell", qty: 5, type: "market" } }),
  S("order: over the quantity cap", "POST", "/orders", 400, { body: order({ qty: 100001 }) }),
  S("order: missing qty", "POST", "/orders", 400, { body: { code: "005930", side: "buy", type: "market" }, bad: true }),
  S("order: unknown field", "POST", "/orders", 400, { body: order({ colour: "red" }), bad: true }),
  S("order: limit without price", "POST", "/orders", 400, { body: order({ type: "limit" }) }),
  S("order: market with price", "POST", "/orders", 400, { body: order({ price: 1000 }) }),
  S("order: not JSON", "POST", "/orders", 400, { raw: "{not json", bad: true }),
  S("order: no body", "POST", "/orders", 400, { bad: true }),
  S("orders", "GET", "/orders", 200),
  S("orders filtered", "GET", "/orders?status=filled&side=buy&source=api&code=005930&from=2026-11-24&to=2026-11-24&limit=2", 200),
  S("orders, page two", "GET", "/orders?limit=1", 200, { save: (j) => { state.cursor = j.next_cursor; } }),
  () => S("orders by cursor", "GET", "/orders?limit=1&cursor=" + encodeURIComponent(state.cursor), 200),
  S("orders with a bad cursor", "GET", "/orders?cursor=zzz", 400),
  S("orders with a bad status", "GET", "/orders?status=lost", 400, { bad: true }),
  S("orders with a bad limit", "GET", "/orders?limit=0", 400, { bad: true }),
  () => S("order by id", "GET", "/orders/" + state.market, 200),
  S("order by unknown id", "GET", "/orders/999999", 404),
  S("order by a non-numeric id", "GET", "/orders/abc", 404, { bad: true }),
  () => S("cancel the resting limit", "DELETE", "/orders/" + state.limit, [200, 202]),
  () => S("cancel a filled order", "DELETE", "/orders/" + state.market, 409),
  S("reconcile", "POST", "/orders/reconcile", 200),
  S("backfill", "POST", "/orders/backfill?days=5", 200),
  S("backfill with bad days", "POST", "/orders/backfill?days=0", 400, { bad: true }),
  S("aged holdings", "GET", "/holdings/aged", 200),
  S("aged holdings, 0 days", "GET", "/holdings/aged?days=0", 200),
  S("aged holdings, bad days", "GET", "/holdings/aged?days=-1", 400, { bad: true }),
  S("calendar", "GET", "/calendar", 200),
  S("calendar range", "GET", "/calendar?from=2026-12-20&to=2027-01-05", 200),
  S("calendar reversed", "GET", "/calendar?from=2026-12-20&to=2026-12-01", 400),
  S("autotrade status", "GET", "/autotrade", 200),
  S("autotrade targets: replace", "PUT", "/autotrade/targets", 200, { body: { targets: [{ code: "005930", ref_price: 60000 }, { code: "000660", name: "SK hynix" }] } }),
  S("autotrade targets: bad code", "PUT", "/autotrade/targets", 400, { body: { targets: [{ code: "12345" }] }, bad: true }),
  S("autotrade targets", "GET", "/autotrade/targets", 200),
  S("autotrade settings: override", "PATCH", "/autotrade/settings", 200, { body: { take_profit_pct: 4.5 } }),
  S("autotrade settings: unknown", "PATCH", "/autotrade/settings", 400, { body: { colour: "red" } }),
  S("autotrade pause", "POST", "/autotrade/pause", [200, 409]),
  S("autotrade resume", "POST", "/autotrade/resume", [200, 409]),
  S("autotrade run", "POST", "/autotrade/run", [200, 409]),
  S("autotrade decisions", "GET", "/autotrade/decisions?code=005930&action=skip&limit=20", 200),
  S("autotrade decisions, bad limit", "GET", "/autotrade/decisions?limit=0", 400, { bad: true }),
  S("autotrade target: delete one", "DELETE", "/autotrade/targets/000660", 200),
  S("autotrade target: delete an absent one", "DELETE", "/autotrade/targets/000660", 404),
  S("autotrade targets: delete all", "DELETE", "/autotrade/targets", 200),
  S("autotrade settings: reset", "DELETE", "/autotrade/settings", 200),
  S("pnl", "GET", "/pnl", 200),
  S("pnl of the job", "GET", "/pnl?from=2026-11-01&to=2026-11-30&source=autotrade&code=005930", 200),
  S("pnl reversed", "GET", "/pnl?from=2026-11-30&to=2026-11-01", 400),
  S("notification test", "POST", "/notifications/test", [200, 202]),
  S("wrong token", "GET", "/balance", 401, { headers: { Authorization: "Bearer nope" } }),
];

const stack = await up(bindir);
const prisms = [];
let failed = 0, count = 0;
try {
  const [strict, lenient] = await Promise.all([startPrism(stack.url, true), startPrism(stack.url, false)]);
  prisms.push(strict, lenient);
  // a limit price a tick above the day's lower limit rests all day
  const q = (await call(stack.url, "GET", "/price?code=035720")).json;
  state.low = Math.ceil((q.lower_limit + 1) / q.tick) * q.tick;
  for (let sc of scenarios()) {
    if (typeof sc === "function") sc = sc();
    count++;
    const via = sc.bad ? lenient : strict;
    const headers = { Authorization: "Bearer " + TOKEN, ...(sc.headers || {}) };
    if (!headers.Authorization) delete headers.Authorization;
    let body;
    if (sc.raw !== undefined) { body = sc.raw; headers["Content-Type"] = "application/json"; }
    else if (sc.body !== undefined) { body = JSON.stringify(sc.body); headers["Content-Type"] = "application/json"; }
    const r = await fetch(via.url + sc.path, { method: sc.method, headers, body });
    const text = await r.text();
    const want = [].concat(sc.status);
    const problems = [];
    if ((r.headers.get("content-type") || "").includes("problem+json"))
      problems.push("Prism answered itself: " + text);
    else if (!want.includes(r.status)) problems.push(`status ${r.status}, expected ${want.join("|")}: ${text.slice(0, 300)}`);
    const v = r.headers.get("sl-violations");
    if (v) {
      const resp = JSON.parse(v).filter((x) => x.location[0] !== "request");
      if (resp.length) problems.push("response violations: " + JSON.stringify(resp));
    }
    if (!problems.length && sc.save) sc.save(JSON.parse(text));
    if (problems.length) { failed++; console.log(`FAIL ${sc.method} ${sc.path} (${sc.name}): ${problems.join("; ")}`); }
    else console.log(`ok   ${sc.method} ${sc.path} -> ${r.status}${sc.bad ? " (bad request on purpose)" : ""}`);
  }
  // the 401 above came from kisgw, not from the proxy (which checks only that a scheme is used)
  assert.equal((await call(stack.url, "GET", "/metrics")).status, 200);
} finally {
  for (const p of prisms) p.proc.kill("SIGTERM");
  await stack.down();
}
console.log(`${count - failed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
