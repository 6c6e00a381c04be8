-- 0007: the KIS-compatible passthrough. Orders placed through it (existing KIS
-- scripts pointed at kisgw) are journaled like any other, with source
-- 'passthrough'. orders.source has a CHECK from 0001 that names the sources;
-- SQLite cannot ALTER a CHECK, and rebuilding `orders` would have to repeat
-- every index and trigger later migrations add. The CHECK text is widened in
-- place instead (SQLite's documented writable_schema procedure: the change
-- only admits more values, so every row already stored still satisfies it),
-- inside this migration's transaction; writable_schema=RESET reloads the
-- schema on this connection, and connections opened afterwards read the new
-- text.
PRAGMA writable_schema = ON;
UPDATE sqlite_schema
   SET sql = replace(sql, 'source IN (''api'', ''autotrade'', ''external'')',
                     'source IN (''api'', ''autotrade'', ''external'', ''passthrough'')')
 WHERE type = 'table' AND name = 'orders';
PRAGMA writable_schema = RESET;

-- The local access tokens /oauth2/tokenP hands to KIS scripts (never KIS's
-- own token). Only a digest is kept: a copy of this file gives nobody a
-- usable token. They survive a restart, as KIS's do (scripts cache theirs
-- for the day). key_sha binds a token to the passthrough key it was issued
-- for; a changed key makes every older token invalid.
CREATE TABLE passthrough_tokens (
	token_sha  TEXT PRIMARY KEY, -- hex SHA-256 of the token
	key_sha    TEXT NOT NULL,    -- hex SHA-256 of the app key it was issued to
	issued_ms  INTEGER NOT NULL, -- kisgw clock
	expires_ms INTEGER NOT NULL
);
