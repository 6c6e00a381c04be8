-- 0006: orders as traders use them. Every KIS order type with its time in
-- force, venue and stop price; the estimated notional the pre-trade guard
-- adds up; and the legs of an order: KIS answers an amendment (정정) or a
-- cancel with a new order number, so one local order owns a chain of KIS
-- order numbers, each with its own fills.

-- The full order type (limit, market, conditional_limit, best, ...). The
-- old column `type` keeps its CHECK ('market' | 'limit') and now says only
-- whether a limit price was sent; NULL here (rows before 0006) = `type`.
ALTER TABLE orders ADD COLUMN order_type TEXT;
ALTER TABLE orders ADD COLUMN time_in_force TEXT NOT NULL DEFAULT 'day'
	CHECK (time_in_force IN ('day', 'ioc', 'fok'));
ALTER TABLE orders ADD COLUMN venue TEXT NOT NULL DEFAULT 'KRX'
	CHECK (venue IN ('KRX', 'NXT', 'SOR'));
ALTER TABLE orders ADD COLUMN stop_price INTEGER NOT NULL DEFAULT 0;
-- KRW the order may cost or raise, estimated when it was placed (limit:
-- qty x price; others: qty x the current price). The daily notional cap
-- adds these up per side and KST date.
ALTER TABLE orders ADD COLUMN notional INTEGER NOT NULL DEFAULT 0;
CREATE INDEX orders_day_side ON orders (ord_date, side, status);

-- The legs after the first: one row per amendment or cancel kisgw sent (or
-- the reconciler found at KIS), journaled as 'pending' before KIS sees it,
-- like an order. seq orders them (1, 2, ...; the original order is leg 0,
-- kept in `orders`). orgn_odno is the leg it acts on. An amendment leg is
-- a live KIS order of its own: its cumulative fills at KIS are kept here,
-- and the order's filled_qty is leg 0's plus every amendment leg's.
CREATE TABLE order_legs (
	id             INTEGER PRIMARY KEY,
	order_id       INTEGER NOT NULL REFERENCES orders (id),
	seq            INTEGER NOT NULL,
	kind           TEXT NOT NULL CHECK (kind IN ('amend', 'cancel')),
	client_key     TEXT UNIQUE, -- Idempotency-Key of the PATCH / DELETE
	request        TEXT NOT NULL DEFAULT '',
	status         TEXT NOT NULL CHECK (status IN ('pending', 'accepted', 'rejected',
	                   'not_sent', 'unknown', 'not_found')),
	orgn_odno      TEXT NOT NULL,
	odno           TEXT,
	orgno          TEXT,
	ord_date       INTEGER NOT NULL DEFAULT 0,
	ord_time       INTEGER NOT NULL DEFAULT 0,
	order_type     TEXT,                      -- amendments: the type after it
	price          INTEGER NOT NULL DEFAULT 0, -- amendments: the price after it
	qty            INTEGER NOT NULL,           -- shares amended / cancelled
	filled_qty     INTEGER NOT NULL DEFAULT 0, -- amendment legs: cumulative at KIS
	filled_amount  INTEGER NOT NULL DEFAULT 0,
	remaining_qty  INTEGER NOT NULL DEFAULT 0, -- amendment legs: still open at KIS
	sent_ms        INTEGER NOT NULL DEFAULT 0,
	created_ms     INTEGER NOT NULL,
	updated_ms     INTEGER NOT NULL,
	reject_code    TEXT,
	reject_message TEXT,
	UNIQUE (order_id, seq)
);
CREATE UNIQUE INDEX order_legs_broker ON order_legs (ord_date, odno) WHERE odno IS NOT NULL;
CREATE INDEX order_legs_status ON order_legs (status);

-- Which leg a fill came on (NULL: leg 0, the original order number).
ALTER TABLE fills ADD COLUMN leg_id INTEGER REFERENCES order_legs (id);
