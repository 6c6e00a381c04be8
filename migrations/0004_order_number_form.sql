-- 0004: one normalised form of KIS order numbers (issue 9).
-- KIS sends ODNO fixed-width ("0001569157") in order history, cancels and
-- notices, but without its leading zeros in some order replies ("51378").
-- kisgw now stores and compares the 10-digit, zero-padded form only
-- (krx_odno_norm); rows written before are brought to it here, so the unique
-- index orders_broker (ord_date, broker_order_no) holds that form too. A row
-- whose padded number would clash with another of the same day keeps its
-- old form (OR IGNORE) rather than failing the upgrade.
UPDATE OR IGNORE orders
	SET broker_order_no = substr('0000000000' || broker_order_no, -10)
	WHERE broker_order_no IS NOT NULL
	  AND length(broker_order_no) BETWEEN 1 AND 9
	  AND broker_order_no NOT GLOB '*[^0-9]*';
