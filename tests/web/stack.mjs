// stack.mjs — kis-sim and kisgw on free loopback ports for the Node checks
// (status page, validating proxy), like tests/harness does for the C tests.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, openSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const CLOCK = "2026-11-24T10:00:00+09:00"; // a Tuesday, session open
export const TOKEN = "web-test-token-0123456789";

// Starts argv; resolves {proc, port} once it prints "listening on H:PORT".
export function start(argv, env, logFd) {
  return new Promise((resolve, reject) => {
    const proc = spawn(argv[0], argv.slice(1), { env, stdio: ["ignore", "pipe", logFd] });
    let out = "";
    const timer = setTimeout(() => { proc.kill("SIGKILL"); reject(new Error(argv[0] + " did not start")); }, 30000);
    proc.stdout.on("data", (d) => {
      out += d;
      const m = out.match(/listening on .*:(\d+)\n/);
      if (m) { clearTimeout(timer); resolve({ proc, port: Number(m[1]) }); }
    });
    proc.on("exit", (code) => { clearTimeout(timer); reject(new Error(argv[0] + " exited " + code)); });
  });
}

export function stop(p) {
  return new Promise((resolve) => {
    if (!p || p.proc.exitCode !== null) return resolve();
    const t = setTimeout(() => p.proc.kill("SIGKILL"), 20000);
    p.proc.once("exit", () => { clearTimeout(t); resolve(); });
    p.proc.kill("SIGTERM");
  });
}

// kis-sim + kisgw (API token set, clock in the session). extraEnv adds to kisgw's.
export async function up(bindir, extraEnv = {}) {
  const dir = mkdtempSync(join(tmpdir(), "kisgw-web-"));
  const log = openSync(join(dir, "log"), "a");
  const base = { PATH: process.env.PATH || "/usr/bin:/bin" };
  for (const k of ["ASAN_OPTIONS", "UBSAN_OPTIONS"]) if (process.env[k]) base[k] = process.env[k];
  const sim = await start([join(bindir, "kis-sim"), "--listen", "127.0.0.1:0", "--clock", CLOCK, "--seed", "7"], base, log);
  let gw;
  try {
    gw = await start([join(bindir, "kisgw")], {
      ...base,
      KIS_APP_KEY: "PStestAppKey0123456789abcdefghijklmn",
      KIS_APP_SECRET: "S".repeat(180),
      KIS_ACCOUNT: "50012345-01",
      KIS_BASE_URL: `http://127.0.0.1:${sim.port}`,
      KISGW_DB: join(dir, "kisgw.db"),
      KISGW_LISTEN: "127.0.0.1:0",
      KISGW_CLOCK: CLOCK,
      KISGW_API_TOKEN: TOKEN,
      ...extraEnv,
    }, log);
  } catch (e) {
    await stop(sim);
    throw new Error(e.message + "\n" + readFileSync(join(dir, "log"), "utf8").slice(-2000));
  }
  return {
    dir, sim, gw, url: `http://127.0.0.1:${gw.port}`,
    async down() { await stop(gw); await stop(sim); rmSync(dir, { recursive: true, force: true }); },
  };
}

// One JSON call to a base URL with the test token.
export async function call(base, method, path, body, headers = {}) {
  const h = { Authorization: "Bearer " + TOKEN, ...headers };
  if (body !== undefined) h["Content-Type"] = "application/json";
  const r = await fetch(base + path, { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await r.text();
  let json = null;
  try { json = JSON.parse(text); } catch { json = null; }
  return { status: r.status, headers: r.headers, text, json };
}
