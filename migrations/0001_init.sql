-- 0001_init: the order journal, fills, token cache and trading calendar.
-- Applied in one transaction; recorded in schema_migrations by the runner.

-- KIS access tokens, one row per app key + environment (key_id is a hash,
-- never the key). token NULL: dropped, but issued_real_ms still counts for
-- the one-issuance-a-minute rule.
CREATE TABLE kis_token (
	key_id         TEXT PRIMARY KEY,
	token          TEXT,
	expires_ms     INTEGER NOT NULL DEFAULT 0,
	issued_real_ms INTEGER NOT NULL DEFAULT 0
);

-- The write-ahead order journal. A row is committed as 'pending' before the
-- order is sent to KIS. client_order_id is the idempotency key (NULL once
-- released by not_sent; released_key keeps it for the record).
CREATE TABLE orders (
	id              INTEGER PRIMARY KEY,
	client_order_id TEXT UNIQUE,
	released_key    TEXT,
	request         TEXT NOT NULL DEFAULT '',
	code            TEXT NOT NULL,
	side            TEXT NOT NULL CHECK (side IN ('buy', 'sell')),
	type            TEXT NOT NULL CHECK (type IN ('market', 'limit')),
	qty             INTEGER NOT NULL CHECK (qty > 0),
	price           INTEGER NOT NULL DEFAULT 0,
	status          TEXT NOT NULL CHECK (status IN ('pending', 'submitted', 'partially_filled',
	                    'filled', 'cancel_requested', 'canceled', 'rejected', 'not_sent',
	                    'unknown', 'not_found')),
	source          TEXT NOT NULL CHECK (source IN ('api', 'autotrade', 'external')),
	filled_qty      INTEGER NOT NULL DEFAULT 0,
	filled_amount   INTEGER NOT NULL DEFAULT 0,
	canceled_qty    INTEGER NOT NULL DEFAULT 0,
	broker_order_no TEXT,
	broker_orgno    TEXT,
	ord_date        INTEGER NOT NULL DEFAULT 0, -- KST YYYYMMDD at KIS (or local send date)
	ord_time        INTEGER NOT NULL DEFAULT 0, -- KST HHMMSS at KIS
	sent_ms         INTEGER NOT NULL DEFAULT 0, -- local time the order was handed to KIS
	created_ms      INTEGER NOT NULL,
	updated_ms      INTEGER NOT NULL,
	reject_code     TEXT,
	reject_message  TEXT,
	name            TEXT
);
CREATE UNIQUE INDEX orders_broker ON orders (ord_date, broker_order_no)
	WHERE broker_order_no IS NOT NULL;
CREATE INDEX orders_created ON orders (created_ms DESC, id DESC);
CREATE INDEX orders_status ON orders (status, created_ms DESC, id DESC);
CREATE INDEX orders_code ON orders (code, created_ms DESC, id DESC);

-- Fills, derived from each order's cumulative filled quantity: one row per
-- increase, keyed by the cumulative quantity it brought the order to, so a
-- re-read of the same KIS state can never add a fill twice.
CREATE TABLE fills (
	id         INTEGER PRIMARY KEY,
	order_id   INTEGER NOT NULL REFERENCES orders (id),
	cum_qty    INTEGER NOT NULL,
	code       TEXT NOT NULL,
	side       TEXT NOT NULL CHECK (side IN ('buy', 'sell')),
	qty        INTEGER NOT NULL CHECK (qty > 0),
	amount     INTEGER NOT NULL,
	trade_date INTEGER NOT NULL, -- KST YYYYMMDD
	filled_ms  INTEGER NOT NULL,
	UNIQUE (order_id, cum_qty)
);
-- FIFO order within a code: trade date, then time, then id.
CREATE INDEX fills_code_seq ON fills (code, trade_date, filled_ms, id);
CREATE INDEX fills_code_buys ON fills (code, side, trade_date DESC, filled_ms DESC, id DESC);

-- Per-code FIFO state derived from fills (a cache, rebuilt from fills when a
-- fill arrives out of order): pos = what is still held after FIFO with sells
-- clamped at zero; incomplete = a sell once exceeded the known lots. The
-- lots themselves are the newest buy fills adding up to pos.
CREATE TABLE positions (
	code        TEXT PRIMARY KEY,
	pos         INTEGER NOT NULL,
	incomplete  INTEGER NOT NULL DEFAULT 0,
	last_date   INTEGER NOT NULL,
	last_ms     INTEGER NOT NULL,
	last_id     INTEGER NOT NULL
);

-- KRX calendar exceptions: weekday closures (open = 0) and, from KIS
-- chk-holiday, overrides (open = 1 on a day the built-in table closes).
CREATE TABLE holidays (
	ymd    INTEGER PRIMARY KEY,
	name   TEXT NOT NULL DEFAULT '',
	open   INTEGER NOT NULL DEFAULT 0,
	source TEXT NOT NULL CHECK (source IN ('builtin', 'kis'))
);

-- Small key/value facts the ledger keeps (e.g. when backfill last ran).
CREATE TABLE meta (
	key   TEXT PRIMARY KEY,
	value TEXT NOT NULL
);
