#!/usr/bin/python3
"""GET /metrics read by a real Prometheus parser, and values that move.

Starts kis-sim and kisgw (API token set) on free loopback ports, scrapes
/metrics with prometheus_client's text parser (Debian python3-prometheus-client),
drives a few requests (quotes, an order, a reconcile, a 404), scrapes again
and checks each family moved by what was done.

Also checks that every series docker/grafana-dashboard.json queries exists.

Usage: metrics_check.py BIN_DIR [DASHBOARD_JSON]
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

from prometheus_client.parser import text_string_to_metric_families

CLOCK = "2026-11-24T10:00:00+09:00"
TOKEN = "metrics-test-token"


def spawn(argv, env, log):
    """Starts argv and returns (proc, port) once it prints 'listening on'."""
    p = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=log, text=True)
    deadline = time.time() + 30
    while time.time() < deadline:
        line = p.stdout.readline()
        if not line:
            break
        if line.startswith("listening on "):
            return p, int(line.rsplit(":", 1)[1])
    p.kill()
    raise SystemExit("%s did not start" % argv[0])


def http(port, method, path, body=None, token=TOKEN):
    req = urllib.request.Request("http://127.0.0.1:%d%s" % (port, path), method=method)
    if token:
        req.add_header("Authorization", "Bearer " + token)
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, data, timeout=30) as r:
            return r.status, r.headers, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read().decode()


def scrape(port):
    status, headers, text = http(port, "GET", "/metrics")
    assert status == 200, (status, text)
    assert headers["Content-Type"].startswith("text/plain; version=0.0.4"), headers
    fams = {f.name: f for f in text_string_to_metric_families(text)}
    samples = {}
    for f in fams.values():
        for s in f.samples:
            samples[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return fams, samples


def val(samples, name, **labels):
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def check_families(fams):
    """Names per Prometheus conventions: kisgw_ prefix, units, types."""
    want = {
        "kisgw_http_requests": "counter",
        "kisgw_http_request_duration_seconds": "histogram",
        "kisgw_kis_calls": "counter",
        "kisgw_kis_call_duration_seconds": "histogram",
        "kisgw_kis_token_issuances": "counter",
        "kisgw_kis_limiter_queue_depth": "gauge",
        "kisgw_kis_limiter_acquisitions": "counter",
        "kisgw_kis_limiter_wait_seconds": "histogram",
        "kisgw_orders": "gauge",
        "kisgw_reconciler_runs": "counter",
        "kisgw_build_info": "gauge",
        "kisgw_uptime_seconds": "gauge",
    }
    for name, typ in want.items():
        assert name in fams, "missing family %s" % name
        assert fams[name].type == typ, (name, fams[name].type)
    for name, f in fams.items():
        assert name.startswith("kisgw_"), name
        assert f.documentation, "no HELP for %s" % name
        if "duration" in name or "wait" in name:
            assert name.endswith("_seconds"), name


def check_histogram(samples, name, **labels):
    """Cumulative buckets, +Inf equal to _count."""
    buckets = sorted(
        (float(dict(k[1])["le"]), v)
        for k, v in samples.items()
        if k[0] == name + "_bucket"
        and all(dict(k[1]).get(a) == b for a, b in labels.items())
    )
    assert buckets, "no buckets for %s %s" % (name, labels)
    counts = [v for _, v in buckets]
    assert counts == sorted(counts), (name, buckets)
    assert buckets[-1][0] == float("inf")
    assert buckets[-1][1] == val(samples, name + "_count", **labels)


def main():
    bindir = sys.argv[1]
    tmp = tempfile.mkdtemp(prefix="kisgw-metrics-")
    log = open(os.path.join(tmp, "log"), "w")
    procs = []
    try:
        sim, sim_port = spawn(
            [os.path.join(bindir, "kis-sim"), "--listen", "127.0.0.1:0", "--clock", CLOCK,
             "--seed", "7"], {"PATH": os.environ.get("PATH", "")}, log)
        procs.append(sim)
        env = {
            "PATH": os.environ.get("PATH", ""),
            "KIS_APP_KEY": "PStestAppKey0123456789abcdefghijklmn",
            "KIS_APP_SECRET": "S" * 180,
            "KIS_ACCOUNT": "50012345-01",
            "KIS_BASE_URL": "http://127.0.0.1:%d" % sim_port,
            "KISGW_DB": os.path.join(tmp, "kisgw.db"),
            "KISGW_LISTEN": "127.0.0.1:0",
            "KISGW_CLOCK": CLOCK,
            "KISGW_API_TOKEN": TOKEN,
        }
        for k in ("ASAN_OPTIONS", "UBSAN_OPTIONS"):
            if k in os.environ:
                env[k] = os.environ[k]
        gw, port = spawn([os.path.join(bindir, "kisgw")], env, log)
        procs.append(gw)

        # The API token guards /metrics like every other endpoint.
        assert http(port, "GET", "/metrics", token=None)[0] == 401

        fams, before = scrape(port)
        check_families(fams)
        assert val(before, "kisgw_build_info", version=fams["kisgw_build_info"]
                   .samples[0].labels["version"]) == 1

        for code in ("005930", "000660"):
            assert http(port, "GET", "/price?code=" + code)[0] == 200
        assert http(port, "GET", "/no/such/path")[0] == 404
        st, _, body = http(port, "POST", "/orders",
                           {"code": "005930", "side": "buy", "qty": 1, "type": "market"})
        assert st in (201, 202), (st, body)
        assert http(port, "POST", "/orders/reconcile")[0] in (200, 202)

        fams, after = scrape(port)
        check_families(fams)

        def moved(name, by, **labels):
            d = val(after, name, **labels) - val(before, name, **labels)
            assert d == by, "%s%s moved by %s, expected %s" % (name, labels, d, by)

        moved("kisgw_http_requests_total", 2, method="GET", route="/price", status="200")
        moved("kisgw_http_requests_total", 1, method="other", route="unmatched", status="404")
        moved("kisgw_http_requests_total", 1, method="POST", route="/orders",
              status=str(st))
        moved("kisgw_http_request_duration_seconds_count", 2, method="GET", route="/price")
        check_histogram(after, "kisgw_http_request_duration_seconds", method="GET",
                        route="/price")
        # Quotes of two codes: two FHKST01010100 calls at least (the cache is
        # per code; the market order may value itself at the current price).
        d = (val(after, "kisgw_kis_calls_total", tr_id="FHKST01010100", outcome="ok") -
             val(before, "kisgw_kis_calls_total", tr_id="FHKST01010100", outcome="ok"))
        assert d >= 2, d
        check_histogram(after, "kisgw_kis_call_duration_seconds", tr_id="FHKST01010100")
        assert val(after, "kisgw_kis_token_issuances_total", outcome="ok") == 1
        assert (val(after, "kisgw_kis_limiter_acquisitions_total", **{"class": "query"},
                    outcome="granted") >
                val(before, "kisgw_kis_limiter_acquisitions_total", **{"class": "query"},
                    outcome="granted"))
        assert (val(after, "kisgw_kis_limiter_acquisitions_total", **{"class": "order"},
                    outcome="granted") >= 1)
        check_histogram(after, "kisgw_kis_limiter_wait_seconds", **{"class": "order"})
        assert val(after, "kisgw_kis_limiter_queue_depth", **{"class": "order"}) == 0
        api_orders = sum(v for k, v in after.items()
                         if k[0] == "kisgw_orders" and ("source", "api") in k[1])
        assert api_orders == 1, api_orders
        assert (val(after, "kisgw_reconciler_runs_total", outcome="ok") >
                val(before, "kisgw_reconciler_runs_total", outcome="ok"))
        moved("kisgw_metrics_scrapes_total", 1)

        if len(sys.argv) > 2:
            with open(sys.argv[2], encoding="utf-8") as f:
                dash = json.load(f)
            names = {k[0] for k in after}
            used = set()
            for panel in dash["panels"]:
                for t in panel["targets"]:
                    used |= set(re.findall(r"kisgw_[a-z_]+", t["expr"]))
            unknown = sorted(used - names)
            assert not unknown, "the dashboard queries series /metrics lacks: %s" % unknown
        print("metrics: %d families parsed, values moved as expected" % len(fams))
        return 0
    finally:
        for p in reversed(procs):
            p.terminate()
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
        log.close()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
