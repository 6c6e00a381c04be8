-- 0002: faster aged holdings.
-- The open-lots walk (newest buy fills of a code) reads qty and amount from
-- the index alone, instead of one table lookup per lot.
DROP INDEX fills_code_buys;
CREATE INDEX fills_code_buys ON fills (code, side, trade_date DESC, filled_ms DESC, id DESC,
	qty, amount);
-- Stock names as KIS last gave them, one row per code (instead of searching
-- a code's orders for one that carries a name).
CREATE TABLE stock_names (
	code TEXT PRIMARY KEY,
	name TEXT NOT NULL
);
INSERT OR REPLACE INTO stock_names (code, name)
	SELECT code, name FROM orders WHERE name IS NOT NULL AND name != '' ORDER BY id;
