#!/usr/bin/env node
// A small client for kisgw's local API: Node >= 18 (global fetch), no packages.
//
//   import { Kisgw, KisgwError } from './kisgw.mjs';
//   const gw = new Kisgw();   // $KISGW_URL (http://127.0.0.1:8080), $KISGW_API_TOKEN
//   console.log((await gw.price('005930')).price);
//
// Every error of kisgw is {"error":{"code","message","field"?,"kis"?}}: it is
// thrown as KisgwError with those properties and the HTTP status. Run this
// file for a short tour (it places one market order for one share).

export class KisgwError extends Error {
  constructor(status, { code, message, field, kis } = {}, retryAfter = null) {
    super(`${status} ${code}: ${message}${field ? ` (field ${field})` : ''}`);
    Object.assign(this, { status, code, field, kis, retryAfter });
  }
}

export class Kisgw {
  constructor({ url = process.env.KISGW_URL ?? 'http://127.0.0.1:8080',
                token = process.env.KISGW_API_TOKEN, timeoutMs = 30000 } = {}) {
    this.url = url.replace(/\/+$/, '');
    this.token = token;
    this.timeoutMs = timeoutMs;
  }

  /** One call: the decoded JSON answer, or a KisgwError. */
  async request(method, path, { query, body, headers = {} } = {}) {
    const q = new URLSearchParams(
      Object.entries(query ?? {}).filter(([, v]) => v !== undefined && v !== null));
    const qs = q.toString();
    const url = this.url + path + (qs ? `?${qs}` : '');
    const h = { Accept: 'application/json', ...headers };
    if (body !== undefined) h['Content-Type'] = 'application/json';
    if (this.token) h.Authorization = `Bearer ${this.token}`;
    const r = await fetch(url, {
      method, headers: h, body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    const text = await r.text();
    if (!r.ok) {
      let err;
      try { err = JSON.parse(text).error; } catch { err = undefined; }
      throw new KisgwError(r.status, err ?? { code: 'http_error', message: text },
                           r.headers.get('Retry-After'));
    }
    return text ? JSON.parse(text) : null;
  }

  health() { return this.request('GET', '/healthz'); }
  price(code) { return this.request('GET', '/price', { query: { code } }); }
  daily(code, from, to) { return this.request('GET', '/daily', { query: { code, from, to } }); }
  balance() { return this.request('GET', '/balance'); }
  cash(code, price) { return this.request('GET', '/cash', { query: { code, price } }); }
  calendar(from, to) { return this.request('GET', '/calendar', { query: { from, to } }); }

  /** 201 with the order; a replay of the same clientOrderId returns it again. */
  placeOrder({ code, side, qty, type = 'market', price, clientOrderId }) {
    const body = { code, side, qty, type };
    if (price !== undefined) body.price = price;
    if (clientOrderId) body.client_order_id = clientOrderId;
    return this.request('POST', '/orders', { body });
  }

  /** Every page of GET /orders, newest first (status, code, side, source, from, to, limit). */
  async *orders(filters = {}) {
    const query = { ...filters };
    for (;;) {
      const page = await this.request('GET', '/orders', { query });
      yield* page.orders;
      if (!page.next_cursor) return;
      query.cursor = page.next_cursor;
    }
  }

  order(id) { return this.request('GET', `/orders/${encodeURIComponent(id)}`); }
  cancel(id) { return this.request('DELETE', `/orders/${encodeURIComponent(id)}`); }
  reconcile() { return this.request('POST', '/orders/reconcile'); }
  agedHoldings(days = 5) { return this.request('GET', '/holdings/aged', { query: { days } }); }
}

async function main() {
  const gw = new Kisgw();
  const h = await gw.health();
  console.log(`kisgw ${h.version}: ${h.status}, KIS ${h.kis.env}`);
  const q = await gw.price('005930');
  console.log(`005930 price ${q.price} (${q.change_rate} %) as of ${q.as_of}`);
  console.log(`orderable cash: ${(await gw.cash()).orderable_cash}`);
  try {
    await gw.price('nonsense');
  } catch (e) {
    if (!(e instanceof KisgwError)) throw e;
    console.log(`bad input is an error envelope: ${e.status} ${e.code} field=${e.field}`);
  }
  const key = process.env.KISGW_EXAMPLE_ORDER_KEY ?? 'example-js-1';
  let o = await gw.placeOrder({ code: '005930', side: 'buy', qty: 1, clientOrderId: key });
  console.log(`order ${o.id} (${o.client_order_id}): ${o.status}`);
  await gw.reconcile();
  o = await gw.order(o.id);
  console.log(`after reconciling: ${o.status}, filled ${o.filled_qty} at ${o.avg_fill_price}`);
  let n = 0;
  for await (const _ of gw.orders()) n++;
  console.log(`orders in the ledger: ${n}`);
  for (const x of (await gw.balance()).holdings)
    console.log(`holding ${x.code} ${x.name}: ${x.qty} shares, P&L ${x.pnl}`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((e) => { console.error(e.message); process.exit(1); });
}
