#!/usr/bin/env python3
"""A client written the way KIS's public sample client is
(koreainvestment/open-trading-api: examples_user/kis_auth.py and
examples_llm/domestic_stock/*): the same headers, the same V-prefix tr_id
rule for the virtual host, the same APIResp that reads only lower-case
response headers into a namedtuple, and the same recursive paging on the
response header tr_cont ("M"/"F" -> call again with tr_cont "N" and the
body's ctx_area_fk100/nk100). No code of theirs is copied.

Shared by tests/sim/kis_sample_check.py (against kis-sim) and
tests/integration/passthrough/ (against kisgw's KIS-compatible passthrough).
Set Env.url, Env.appkey, Env.appsecret, Env.acct, Env.prod before auth().
"""
import json
import sys
import time
from collections import namedtuple

try:
    import requests
except ImportError:  # ctest treats 77 as "skipped"
    print("python3-requests is not installed; skipping")
    sys.exit(77)

# ---- kis_auth.py, reduced to what the checks need (logic kept as in the sample)

class Env:
    url = ""
    appkey = "PSsimcheckAppKey0123456789abcdefghij"  # 36 chars
    appsecret = "s" * 180
    acct, prod = "50123456", "01"
    is_paper = False
    smart_sleep = 0.1
    base_headers = {
        "Content-Type": "application/json",
        "Accept": "text/plain",
        "charset": "UTF-8",
        "User-Agent": "kis-sim-check",
    }


def auth(svr):
    p = {"grant_type": "client_credentials", "appkey": Env.appkey, "appsecret": Env.appsecret}
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
    Env.base_headers["appkey"] = Env.appkey
    Env.base_headers["appsecret"] = Env.appsecret
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
        "CANO": Env.acct, "ACNT_PRDT_CD": Env.prod, "AFHR_FLPR_YN": "N", "OFL_YN": "",
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
    params = {"CANO": Env.acct, "ACNT_PRDT_CD": Env.prod, "PDNO": pdno, "ORD_UNPR": ord_unpr,
              "ORD_DVSN": ord_dvsn, "CMA_EVLU_AMT_ICLD_YN": "N", "OVRS_ICLD_YN": "N"}
    res = _url_fetch("/uapi/domestic-stock/v1/trading/inquire-psbl-order", "TTTC8908R", "",
                     params)
    assert res.isOK(), res.getErrorCode()
    return res.getBody().output


def order_cash(ord_dv, pdno, ord_dvsn, ord_qty, ord_unpr):
    tr_id = "TTTC0011U" if ord_dv == "sell" else "TTTC0012U"
    params = {"CANO": Env.acct, "ACNT_PRDT_CD": Env.prod, "PDNO": pdno, "ORD_DVSN": ord_dvsn,
              "ORD_QTY": ord_qty, "ORD_UNPR": ord_unpr, "EXCG_ID_DVSN_CD": "KRX",
              "SLL_TYPE": "", "CNDT_PRIC": ""}
    return _url_fetch("/uapi/domestic-stock/v1/trading/order-cash", tr_id, "", params,
                      postFlag=True)


def order_rvsecncl(krx_fwdg_ord_orgno, orgn_odno, ord_dvsn, rvse_cncl_dvsn_cd, ord_qty,
                   ord_unpr, qty_all_ord_yn):
    params = {"CANO": Env.acct, "ACNT_PRDT_CD": Env.prod, "KRX_FWDG_ORD_ORGNO": krx_fwdg_ord_orgno,
              "ORGN_ODNO": orgn_odno, "ORD_DVSN": ord_dvsn,
              "RVSE_CNCL_DVSN_CD": rvse_cncl_dvsn_cd, "ORD_QTY": ord_qty,
              "ORD_UNPR": ord_unpr, "QTY_ALL_ORD_YN": qty_all_ord_yn,
              "EXCG_ID_DVSN_CD": "KRX"}
    return _url_fetch("/uapi/domestic-stock/v1/trading/order-rvsecncl", "TTTC0013U", "",
                      params, postFlag=True)


def inquire_daily_ccld(inqr_strt_dt, inqr_end_dt, ccld_dvsn="00", FK100="", NK100="",
                       tr_cont="", acc=None, depth=0, max_depth=10):
    acc = [] if acc is None else acc
    params = {"CANO": Env.acct, "ACNT_PRDT_CD": Env.prod, "INQR_STRT_DT": inqr_strt_dt,
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
