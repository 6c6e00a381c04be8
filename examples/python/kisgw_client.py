#!/usr/bin/env python3
"""A small client for kisgw's local API, standard library only (Python 3.8+).

    from kisgw_client import Kisgw, KisgwError
    gw = Kisgw()                      # $KISGW_URL (http://127.0.0.1:8080), $KISGW_API_TOKEN
    print(gw.price("005930")["price"])
    order = gw.place_order("005930", "buy", 1, client_order_id="my-first-order")
    print(gw.order(order["id"])["status"])

Every error of kisgw is {"error": {"code", "message", "field"?, "kis"?}}: it is
raised as KisgwError with those attributes and the HTTP status. Run this file
to see a short tour (it places one market order for one share).
"""
import json
import os
import sys
import urllib.error
import urllib.parse
import urllib.request


class KisgwError(Exception):
    """kisgw's error envelope, with the HTTP status."""

    def __init__(self, status, code, message, field=None, kis=None, retry_after=None):
        super().__init__(f"{status} {code}: {message}" + (f" (field {field})" if field else ""))
        self.status, self.code, self.message = status, code, message
        self.field, self.kis, self.retry_after = field, kis, retry_after


class Kisgw:
    def __init__(self, url=None, token=None, timeout=30.0):
        self.url = (url or os.environ.get("KISGW_URL") or "http://127.0.0.1:8080").rstrip("/")
        self.token = token if token is not None else os.environ.get("KISGW_API_TOKEN")
        self.timeout = timeout

    def request(self, method, path, query=None, body=None, headers=None):
        """One call: the decoded JSON answer, or KisgwError."""
        if query:
            q = {k: v for k, v in query.items() if v is not None}
            if q:
                path += "?" + urllib.parse.urlencode(q)
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.url + path, data=data, method=method)
        req.add_header("Accept", "application/json")
        if data is not None:
            req.add_header("Content-Type", "application/json")
        if self.token:
            req.add_header("Authorization", "Bearer " + self.token)
        for k, v in (headers or {}).items():
            req.add_header(k, v)
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as r:
                raw = r.read()
        except urllib.error.HTTPError as e:
            raw = e.read()
            try:
                err = json.loads(raw)["error"]
            except (ValueError, KeyError, TypeError):
                raise KisgwError(e.code, "http_error", raw.decode("utf-8", "replace")) from None
            raise KisgwError(e.code, err.get("code"), err.get("message"), err.get("field"),
                             err.get("kis"), e.headers.get("Retry-After")) from None
        return json.loads(raw) if raw else None

    # Quotes and account
    def health(self):
        return self.request("GET", "/healthz")

    def price(self, code):
        return self.request("GET", "/price", {"code": code})

    def daily(self, code, date_from=None, date_to=None):
        return self.request("GET", "/daily", {"code": code, "from": date_from, "to": date_to})

    def balance(self):
        return self.request("GET", "/balance")

    def cash(self, code=None, price=None):
        return self.request("GET", "/cash", {"code": code, "price": price})

    def calendar(self, date_from=None, date_to=None):
        return self.request("GET", "/calendar", {"from": date_from, "to": date_to})

    # Orders and the ledger
    def place_order(self, code, side, qty, type="market", price=None, client_order_id=None):
        """201 with the order; a replay of the same client_order_id returns it again."""
        body = {"code": code, "side": side, "qty": qty, "type": type}
        if price is not None:
            body["price"] = price
        if client_order_id:
            body["client_order_id"] = client_order_id
        return self.request("POST", "/orders", body=body)

    def orders(self, **filters):
        """Every page of GET /orders (status, code, side, source, from, to, limit)."""
        query = {("from" if k == "date_from" else "to" if k == "date_to" else k): v
                 for k, v in filters.items()}
        while True:
            page = self.request("GET", "/orders", query)
            yield from page["orders"]
            if not page.get("next_cursor"):
                return
            query["cursor"] = page["next_cursor"]

    def order(self, order_id):
        return self.request("GET", f"/orders/{order_id}")

    def cancel(self, order_id):
        return self.request("DELETE", f"/orders/{order_id}")

    def reconcile(self):
        return self.request("POST", "/orders/reconcile")

    def aged_holdings(self, days=5):
        return self.request("GET", "/holdings/aged", {"days": days})


def main():
    gw = Kisgw()
    h = gw.health()
    print(f"kisgw {h['version']}: {h['status']}, KIS {h['kis']['env']}")
    q = gw.price("005930")
    print(f"005930 price {q['price']} ({q['change_rate']:+.2f} %) as of {q['as_of']}")
    bars = gw.daily("005930")["bars"]
    print(f"daily bars: {len(bars)}, newest {bars[0]['date']} close {bars[0]['close']}")
    print(f"orderable cash: {gw.cash()['orderable_cash']}")
    try:
        gw.price("nonsense")
    except KisgwError as e:
        print(f"bad input is an error envelope: {e.status} {e.code} field={e.field}")
    key = os.environ.get("KISGW_EXAMPLE_ORDER_KEY", "example-python-1")
    o = gw.place_order("005930", "buy", 1, client_order_id=key)
    print(f"order {o['id']} ({o['client_order_id']}): {o['status']}")
    gw.reconcile()
    o = gw.order(o["id"])
    print(f"after reconciling: {o['status']}, filled {o['filled_qty']} at {o['avg_fill_price']}")
    print(f"orders in the ledger: {sum(1 for _ in gw.orders())}")
    for h in gw.balance()["holdings"]:
        print(f"holding {h['code']} {h['name']}: {h['qty']} shares, P&L {h['pnl']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
