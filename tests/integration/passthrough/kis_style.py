#!/usr/bin/python3
"""A client written the way KIS's published samples are
(tests/sim/kis_sample_client.py: their header names, the V-prefix tr_id rule,
lower-case response headers, tr_cont paging), pointed at kisgw's
KIS-compatible passthrough instead of KIS.

  kis_style.py session   price, balance over two pages, buying power,
                         order-cash (market and limit), order-rvsecncl
                         (amend, then cancel), daily-ccld over pages
  kis_style.py many N    N such clients at once (N processes), each: token,
                         price, buying power, one market buy, daily-ccld,
                         balance; prints every ODNO

Environment: KISGW_URL, SIM_URL (the simulator behind kisgw, for its
/__sim/reset), KIS_APP_KEY, KIS_APP_SECRET, KIS_CANO. Exit 0 when every
call behaved as it does against KIS.
"""
import json
import os
import subprocess
import sys

import requests

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "sim"))
import kis_sample_client as k  # noqa: E402

k.Env.appkey = os.environ["KIS_APP_KEY"]
k.Env.appsecret = os.environ["KIS_APP_SECRET"]
k.Env.acct = os.environ["KIS_CANO"]
k.Env.prod = "01"
k.Env.url = os.environ["KISGW_URL"]
DATE = "20261124"  # the test clock's day


def session():
    sim = os.environ["SIM_URL"]
    codes = ["000660", "373220", "207940", "005380", "000270", "068270", "005490", "035420",
             "035720", "051910", "006400", "105560", "055550", "012330", "028260", "066570",
             "003550", "032830", "096770", "017670", "030200", "034730", "015760", "086790",
             "009150"]
    r = requests.post(f"{sim}/__sim/reset", data=json.dumps(
        {"account": f"{k.Env.acct}-01", "cash": 50000000,
         "holdings": [{"code": c, "qty": 3, "avg_price": 10000} for c in codes],
         "orders": [{"date": "2026-11-24", "time": "%06d" % (90500 + i * 100), "code": "000660",
                     "side": "buy", "qty": 1, "price": 180000, "filled_qty": 1,
                     "fill_price": 180000} for i in range(20)]}))
    assert r.status_code == 200, r.text
    k.auth("vps")
    q = k.inquire_price("005930")
    price, tick = int(q["stck_prpr"]), int(q["aspr_unit"])
    print(f"price ok: 005930 at {price}")

    pages = k.inquire_balance()
    rows = [row for page, _ in pages for row in page]
    assert len(pages) == 2 and len(rows) == 25, (len(pages), len(rows))
    print(f"balance ok: {len(rows)} holdings over {len(pages)} pages (tr_cont)")

    ps = k.inquire_psbl_order("005930", "", "01")
    assert int(ps["ord_psbl_cash"]) == 50000000, ps
    print(f"buying power ok: {ps['nrcvb_buy_qty']} shares")

    res = k.order_cash("buy", "005930", "01", "10", "0")
    assert res.isOK(), (res.getErrorCode(), res.getBody())
    mkt = res.getBody().output
    assert len(mkt["ODNO"]) == 10 and mkt["KRX_FWDG_ORD_ORGNO"], mkt
    low = (price * 9 // 10) // tick * tick
    res = k.order_cash("buy", "005930", "00", "5", str(low))
    assert res.isOK(), (res.getErrorCode(), res.getBody())
    lim = res.getBody().output
    print(f"order-cash ok: market {mkt['ODNO']}, limit {lim['ODNO']} at {low}")

    lower = low - tick
    res = k.order_rvsecncl(lim["KRX_FWDG_ORD_ORGNO"], lim["ODNO"], "00", "01", "0", str(lower),
                           "Y")
    assert res.isOK(), (res.getErrorCode(), res.getBody())
    amd = res.getBody().output
    assert amd["ODNO"] != lim["ODNO"], amd
    res = k.order_rvsecncl(amd["KRX_FWDG_ORD_ORGNO"], amd["ODNO"], "00", "02", "0", "0", "Y")
    assert res.isOK(), (res.getErrorCode(), res.getBody())
    cxl = res.getBody().output
    print(f"order-rvsecncl ok: amend {amd['ODNO']} to {lower}, cancel {cxl['ODNO']}")

    hist = k.inquire_daily_ccld(DATE, DATE)
    by_odno = {row["odno"]: row for row in hist}
    for o in (mkt, lim, amd, cxl):
        assert o["ODNO"] in by_odno, (o, sorted(by_odno))
    assert len(hist) == 24, len(hist)  # 20 seeded + 2 orders + amend + cancel rows
    assert by_odno[mkt["ODNO"]]["tot_ccld_qty"] == "10"
    print(f"daily-ccld ok: {len(hist)} rows over pages of 15 (tr_cont)")
    for o in (mkt, lim, amd, cxl):
        print(f"odno {o['ODNO']}")


def one(i):
    k.auth("vps")
    q = k.inquire_price("005930")
    k.inquire_psbl_order("005930", "", "01")
    res = k.order_cash("buy", "005930", "01", "1", "0")
    assert res.isOK(), (i, res.getErrorCode(), res.getBody())
    odno = res.getBody().output["ODNO"]
    assert any(row["odno"] == odno for row in k.inquire_daily_ccld(DATE, DATE)), odno
    k.inquire_balance()
    print(f"client {i}: {q['stck_prpr']} {odno}", flush=True)


def many(n):
    procs = [subprocess.Popen([sys.executable, __file__, "one", str(i)], stdout=subprocess.PIPE,
                              text=True) for i in range(n)]
    odnos = []
    for p in procs:
        out, _ = p.communicate(timeout=240)
        assert p.returncode == 0, (p.returncode, out)
        odnos.append(out.split()[-1])
        print(out.strip())
    assert len(set(odnos)) == n, odnos
    print(f"{n} clients ok: {n} distinct orders")


if __name__ == "__main__":
    if sys.argv[1] == "session":
        session()
    elif sys.argv[1] == "one":
        one(int(sys.argv[2]))
    else:
        many(int(sys.argv[2]))
