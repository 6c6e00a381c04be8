-- 0005: the auto-trade job. Its only memory of orders is the ledger
-- (orders, fills); these tables hold what the ledger cannot: the target
-- list, each day's plan (reference price and budget, fixed at the day's
-- first pass so a restart does not recompute them from a cash balance the
-- job's own buys have changed), the decisions it took, and the settings
-- changed at run time through the API (which win over the environment
-- until reset).

CREATE TABLE autotrade_targets (
	code       TEXT PRIMARY KEY,
	name       TEXT,
	ref_price  INTEGER,          -- NULL: the previous close, looked up each day
	position   INTEGER NOT NULL, -- order in the PUT body
	updated_ms INTEGER NOT NULL
);

-- One row per trading day and target, written at the day's first pass.
CREATE TABLE autotrade_day (
	ymd        INTEGER NOT NULL,
	code       TEXT NOT NULL,
	ref_price  INTEGER NOT NULL DEFAULT 0, -- band entry: the reference price used
	prev_range INTEGER NOT NULL DEFAULT 0, -- breakout entry: yesterday's high - low
	budget     INTEGER NOT NULL DEFAULT 0,
	held       INTEGER NOT NULL DEFAULT 0, -- already held at the plan: not bought
	PRIMARY KEY (ymd, code)
);

CREATE TABLE autotrade_decisions (
	id              INTEGER PRIMARY KEY,
	at_ms           INTEGER NOT NULL,
	ymd             INTEGER NOT NULL,
	code            TEXT NOT NULL,
	action          TEXT NOT NULL CHECK (action IN ('buy', 'sell', 'skip')),
	reason          TEXT NOT NULL,
	price           INTEGER NOT NULL DEFAULT 0,
	qty             INTEGER NOT NULL DEFAULT 0,
	ref_price       INTEGER NOT NULL DEFAULT 0,
	order_id        INTEGER,
	client_order_id TEXT,
	dry_run         INTEGER NOT NULL DEFAULT 0,
	detail          TEXT
);
CREATE INDEX autotrade_decisions_day ON autotrade_decisions (ymd, code, id);
CREATE INDEX autotrade_decisions_seq ON autotrade_decisions (id DESC);

-- Settings changed through the API; the environment's value is used for a
-- name that has no row here.
CREATE TABLE autotrade_settings (
	name       TEXT PRIMARY KEY,
	value      TEXT NOT NULL,
	updated_ms INTEGER NOT NULL
);
