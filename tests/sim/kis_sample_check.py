#!/usr/bin/env python3
"""KIS-sample-style client check against kis-sim (the client:
kis_sample_client.py, written the way KIS's public sample client is).

Usage: kis_sample_check.py /path/to/kis-sim
Exit 0 when every step behaved like KIS; prints what it checked.
"""
import json
import os
import subprocess
import sys

try:
    import requests
except ImportError:  # ctest treats 77 as "skipped"
    print("python3-requests is not installed; skipping")
    sys.exit(77)

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kis_sample_client import (Env, auth, inquire_balance, inquire_daily_ccld,  # noqa: E402
                               inquire_price, inquire_psbl_order, order_cash, order_rvsecncl)

ACCT, PROD = Env.acct, Env.prod

def start_sim(path, *args):
    proc = subprocess.Popen([path, "--listen", "127.0.0.1:0", "--quiet", *args],
                            stdout=subprocess.PIPE, text=True)
    line = proc.stdout.readline().strip()
    assert line.startswith("listening on 127.0.0.1:"), line
    return proc, "http://" + line.split(" ")[-1]


def ctl(path, body):
    r = requests.post(f"{Env.url}/__sim/{path}", data=json.dumps(body))
    assert r.status_code == 200, r.text


def main():
    sim = sys.argv[1]
    # Virtual host with the rate limit off: the sample only sleeps between
    # pages, so back-to-back steps would trip the virtual 2/s limit (as they
    # would on KIS). The real-host pass below runs at the default 20/s.
    proc, Env.url = start_sim(sim, "--env", "virtual", "--clock",
                              "2026-11-24T10:00:00+09:00", "--rate", "0")
    try:
        auth("vps")
        q = inquire_price("005930")
        price = int(q["stck_prpr"])
        tick = int(q["aspr_unit"])
        assert price % tick == 0 and int(q["stck_llam"]) <= price <= int(q["stck_mxpr"])
        print(f"token + quote ok: 005930 at {price}")

        codes = ["000660", "373220", "207940", "005380", "000270", "068270", "005490",
                 "035420", "035720", "051910", "006400", "105560", "055550", "012330",
                 "028260", "066570", "003550", "032830", "096770", "017670", "030200",
                 "034730", "015760", "086790", "009150"]
        ctl("reset", {"account": f"{ACCT}-{PROD}", "cash": 50000000,
                      "holdings": [{"code": c, "qty": 3, "avg_price": 10000} for c in codes],
                      "orders": [{"date": "2026-11-23", "time": "%06d" % (90500 + i * 100),
                                  "code": "000660", "side": "buy", "qty": 1,
                                  "price": 180000, "filled_qty": 1, "fill_price": 180000}
                                 for i in range(20)]})
        pages = inquire_balance()
        rows = [r for page, _ in pages for r in page]
        assert len(pages) == 2 and len(rows) == 25, (len(pages), len(rows))
        assert len({r["pdno"] for r in rows}) == 25
        summary = pages[-1][1][0]
        assert int(summary["dnca_tot_amt"]) == 50000000
        print(f"balance ok: {len(rows)} holdings over {len(pages)} pages")

        ps = inquire_psbl_order("005930", "", "01")
        assert int(ps["ord_psbl_cash"]) == 50000000
        assert int(ps["nrcvb_buy_qty"]) == 50000000 // int(ps["psbl_qty_calc_unpr"])
        print(f"buying power ok: {ps['nrcvb_buy_qty']} shares at {ps['psbl_qty_calc_unpr']}")

        res = order_cash("buy", "005930", "01", "10", "0")
        assert res.isOK() and res.getBody().msg_cd == "40600000", res.getErrorCode()
        out = res.getBody().output
        assert len(out["ODNO"]) == 10 and out["KRX_FWDG_ORD_ORGNO"] == "06010"
        low = (price * 9 // 10) // tick * tick
        res = order_cash("buy", "005930", "00", "5", str(low))
        assert res.isOK(), res.getErrorCode()
        lim = res.getBody().output
        res = order_cash("sell", "000660", "01", "2", "0")
        assert res.isOK(), res.getErrorCode()
        print(f"orders ok: market {out['ODNO']}, limit {lim['ODNO']} at {low}")

        res = order_rvsecncl(lim["KRX_FWDG_ORD_ORGNO"], lim["ODNO"], "00", "02", "0", "0", "Y")
        assert res.isOK(), res.getErrorCode()
        cxl = res.getBody().output
        print(f"cancel ok: {cxl['ODNO']} cancels {lim['ODNO']}")

        hist = inquire_daily_ccld("20261123", "20261124")
        assert len(hist) == 24, len(hist)  # 20 seeded + 3 orders + 1 cancel row
        by_odno = {r["odno"]: r for r in hist}
        assert by_odno[out["ODNO"]]["tot_ccld_qty"] == "10"
        assert by_odno[lim["ODNO"]]["rmn_qty"] == "0"
        assert by_odno[lim["ODNO"]]["cncl_cfrm_qty"] == "5"
        assert by_odno[cxl["ODNO"]]["cncl_yn"] == "Y"
        assert by_odno[cxl["ODNO"]]["orgn_odno"] == lim["ODNO"]
        print(f"daily order history ok: {len(hist)} rows over pages of 15")

        pages = inquire_balance()
        held = {r["pdno"]: r for page, _ in pages for r in page}
        assert held["005930"]["hldg_qty"] == "10"
        assert held["000660"]["hldg_qty"] == "1"
        print("balance after trading ok")
    finally:
        proc.terminate()
        assert proc.wait(timeout=30) == 0

    # Real host, at its 20/s default limit: same client, real tr_ids.
    proc, Env.url = start_sim(sim, "--env", "real", "--clock", "2026-11-24T10:00:00+09:00")
    try:
        Env.base_headers.pop("authorization", None)
        auth("prod")
        inquire_price("035420")
        res = order_cash("buy", "035420", "01", "1", "0")
        assert res.isOK(), res.getErrorCode()
        assert len(inquire_daily_ccld("20261124", "20261124")) == 1
        print("real host ok")
    finally:
        proc.terminate()
        assert proc.wait(timeout=30) == 0
    print("kis sample check passed")


if __name__ == "__main__":
    main()
