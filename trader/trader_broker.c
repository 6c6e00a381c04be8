/* trader_broker.c — orders found by their KIS order numbers, for callers
 * that speak KIS's own protocol (the passthrough's order-rvsecncl names the
 * order to change by ORGN_ODNO, and expects the new leg's ODNO back). */
#include <stdlib.h>
#include <string.h>

#include "krx.h"
#include "trader_internal.h"

int trader_order_by_broker(trader *t, int ymd, const char *odno, store_order *out)
{
	char norm[16];
	krx_odno_norm(odno, norm, sizeof(norm));
	if (!norm[0])
		return 1;
	int r = store_order_get_by_broker(t->db, ymd, norm, out);
	if (r != 1)
		return r;
	/* an amendment's or a cancel's own number: the order it belongs to */
	store_leg l;
	r = store_leg_get_by_broker(t->db, ymd, norm, &l);
	if (r != 0)
		return r;
	return store_order_get(t->db, l.order_id, out);
}

int trader_order_newest_leg(trader *t, int64_t id, store_leg *out)
{
	store_leg *legs = NULL;
	size_t n = 0;
	if (store_legs_list(t->db, id, &legs, &n))
		return -1;
	int r = 1;
	if (n) { /* seq order: the last one is the newest */
		*out = legs[n - 1];
		r = 0;
	}
	free(legs);
	return r;
}
