#!/usr/bin/env python3
"""KIS-sample-style client check against kis-sim.

Written from KIS's public sample client (koreainvestment/open-trading-api:
examples_user/kis_auth.py and examples_llm/domestic_stock/*): the same
headers, the same V-prefix tr_id rule for the virtual host, the same
APIResp that reads only lower-case response headers into a namedtuple, and
the same recursive paging on the response header tr_cont ("M"/"F" -> call
again with tr_cont "N" and the body's ctx_area_fk100/nk100).

Usage: kis_sample_check.py /path/to/kis-sim
Exit 0 when every step behaved like KIS; prints what it checked.
"""
import json
import subprocess
import sys
import time
from collections import namedtuple

try:
    import requests
except ImportError:  # ctest treats 77 as "skipped"
    print("python3-requests is not installed; skipping")
    sys.exit(77)

APPKEY = "PSsimcheckAppKey0123456789abcdefghij"  # 36 chars
APPSECRET = "s" * 180
ACCT, PROD = "50123456", "01"


# ---- kis_auth.py, reduced to what the checks need (logic kept as in the sample)

class Env:
    url = ""
    is_paper = False
    smart_sleep = 0.1
    base_headers = {
        "Content-Type": "application/json",
        "Accept": "text/plain",
        "charset": "UTF-8",
        "User-Agent": "kis-sim-check",
    }


def auth(svr):
    p = {"grant_type": "client_credentials", "appkey": APPKEY, "appsecret": APPSECRET}
    res = requests.post(f"{Env.url}/oauth2/tokenP", data=json.dumps(p),
                        headers=dict(Env.base_headers))
    assert res.status_code == 200, res.text
    body = res.json()
    my_token = body["access_token"]
    # the sample parses this exact format when it saves the token
    time.strptime(body["access_token_token_expired"], "%Y-%m-%d %H:%M:%S")
    assert isinstance(body["expires_in"], int)
    Env.is_paper = svr == "vps"
    Env.smart_sleep = 0.5 if Env.is_paper else 0.05
    Env.base_headers["authorization"] = f"Bearer {my_token}"
    Env.base_headers["appkey"] = APPKEY
    Env.base_headers["appsecret"] = APPSECRET
    return my_token


class APIResp:
    def __init__(self, resp):
        self._rescode = resp.status_code
        self._resp = resp
        self._header = self._setHeader()
        self._body = self._setBody()
        self._err_code = self._body.msg_cd
        self._err_message = self._body.msg1

    def _setHeader(self):
        fld = dict()
        for x in self._resp.headers.keys():
            if x.islower():
                fld[x] = self._resp.headers.get(x)
        _th_ = namedtuple("header", fld.keys())
        return _th_(**fld)

    def _setBody(self):
        _tb_ = namedtuple("body", self._resp.json().keys())
        return _tb_(**self._resp.json())

    def getHeader(self):
        return self._header

    def getBody(self):
        return self._body

    def isOK(self):
        try:
            return self.getBody().rt_cd == "0"
        except Exception:
            return False

    def getErrorCode(self):
        return self._err_code


def _url_fetch(api_url, ptr_id, tr_cont, params, postFlag=False):
    url = f"{Env.url}{api_url}"
    headers = dict(Env.base_headers)
    tr_id = ptr_id
    if ptr_id[0] in ("T", "J", "C"):
        if Env.is_paper:
            tr_id = "V" + ptr_id[1:]
    headers["tr_id"] = tr_id
    headers["custtype"] = "P"
    headers["tr_cont"] = tr_cont
    if postFlag:
        res = requests.post(url, headers=headers, data=json.dumps(params))
    else:
        res = requests.get(url, headers=headers, params=params)
    if res.status_code == 200:
        return APIResp(res)
    raise AssertionError(f"HTTP {res.status_code}: {res.text}")


# ---- examples_llm/domestic_stock/* (DataFrames replaced by lists)

def inquire_price(code):
    res = _url_fetch("/uapi/domestic-stock/v1/quotations/inquire-price", "FHKST01010100", "",
                     {"FID_COND_MRKT_DIV_CODE": "J", "FID_INPUT_ISCD": code})
    assert res.isOK(), res.getErrorCode()
    return res.getBody().output


def inquire_balance(FK100="", NK100="", tr_cont="", acc=None, depth=0, max_depth=10):
    acc = [] if acc is None else acc
    params = {
        "CANO": ACCT, "ACNT_PRDT_CD": PROD, "AFHR_FLPR_YN": "N", "OFL_YN": "",
        "INQR_DVSN": "02", "UNPR_DVSN": "01", "FUND_STTL_ICLD_YN": "N",
        "FNCG_AMT_AUTO_RDPT_YN": "N", "PRCS_DVSN": "00",
        "CTX_AREA_FK100": FK100, "CTX_AREA_NK100": NK100,
    }
    res = _url_fetch("/uapi/domestic-stock/v1/trading/inquire-balance", "TTTC8434R", tr_cont,
                     params)
    assert res.isOK(), res.getErrorCode()
    acc.append((res.getBody().output1, res.getBody().output2))
    tr_cont = res.getHeader().tr_cont
    FK100 = res.getBody().ctx_area_fk100
    NK100 = res.getBody().ctx_area_nk100
    if tr_cont in ["M", "F"] and depth < max_depth:
        time.sleep(Env.smart_sleep)
        return inquire_balance(FK100, NK100, "N", acc, depth + 1, max_depth)
    return acc


def inquire_psbl_order(pdno, ord_unpr, ord_dvsn):
    params = {"CANO": ACCT, "ACNT_PRDT_CD": PROD, "PDNO": pdno, "ORD_UNPR": ord_unpr,
              "ORD_DVSN": ord_dvsn, "CMA_EVLU_AMT_ICLD_YN": "N", "OVRS_ICLD_YN": "N"}
    res = _url_fetch("/uapi/domestic-stock/v1/trading/inquire-psbl-order", "TTTC8908R", "",
                     params)
    assert res.isOK(), res.getErrorCode()
    return res.getBody().output


def order_cash(ord_dv, pdno, ord_dvsn, ord_qty, ord_unpr):
    tr_id = "TTTC0011U" if ord_dv == "sell" else "TTTC0012U"
    params = {"CANO": ACCT, "ACNT_PRDT_CD": PROD, "PDNO": pdno, "ORD_DVSN": ord_dvsn,
              "ORD_QTY": ord_qty, "ORD_UNPR": ord_unpr, "EXCG_ID_DVSN_CD": "KRX",
              "SLL_TYPE": "", "CNDT_PRIC": ""}
    return _url_fetch("/uapi/domestic-stock/v1/trading/order-cash", tr_id, "", params,
                      postFlag=True)


def order_rvsecncl(krx_fwdg_ord_orgno, orgn_odno, ord_dvsn, rvse_cncl_dvsn_cd, ord_qty,
                   ord_unpr, qty_all_ord_yn):
    params = {"CANO": ACCT, "ACNT_PRDT_CD": PROD, "KRX_FWDG_ORD_ORGNO": krx_fwdg_ord_orgno,
              "ORGN_ODNO": orgn_odno, "ORD_DVSN": ord_dvsn,
              "RVSE_CNCL_DVSN_CD": rvse_cncl_dvsn_cd, "ORD_QTY": ord_qty,
              "ORD_UNPR": ord_unpr, "QTY_ALL_ORD_YN": qty_all_ord_yn,
              "EXCG_ID_DVSN_CD": "KRX"}
    return _url_fetch("/uapi/domestic-stock/v1/trading/order-rvsecncl", "TTTC0013U", "",
                      params, postFlag=True)


def inquire_daily_ccld(inqr_strt_dt, inqr_end_dt, ccld_dvsn="00", FK100="", NK100="",
                       tr_cont="", acc=None, depth=0, max_depth=10):
    acc = [] if acc is None else acc
    params = {"CANO": ACCT, "ACNT_PRDT_CD": PROD, "INQR_STRT_DT": inqr_strt_dt,
              "INQR_END_DT": inqr_end_dt, "SLL_BUY_DVSN_CD": "00", "PDNO": "",
              "CCLD_DVSN": ccld_dvsn, "INQR_DVSN": "00", "INQR_DVSN_3": "00",
              "ORD_GNO_BRNO": "", "ODNO": "", "INQR_DVSN_1": "",
              "CTX_AREA_FK100": FK100, "CTX_AREA_NK100": NK100, "EXCG_ID_DVSN_CD": "KRX"}
    res = _url_fetch("/uapi/domestic-stock/v1/trading/inquire-daily-ccld", "TTTC0081R",
                     tr_cont, params)
    assert res.isOK(), res.getErrorCode()
    acc.extend(res.getBody().output1)
    tr_cont = res.getHeader().tr_cont
    if tr_cont in ["M", "F"] and depth < max_depth:
        time.sleep(Env.smart_sleep)
        return inquire_daily_ccld(inqr_strt_dt, inqr_end_dt, ccld_dvsn,
                                  res.getBody().ctx_area_fk100, res.getBody().ctx_area_nk100,
                                  "N", acc, depth + 1, max_depth)
    return acc


# ---- the check

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
