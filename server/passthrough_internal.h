/* passthrough_internal.h — what passthrough.c and passthrough_orders.c share:
 * the KIS-shaped replies. */
#ifndef GW_PASSTHROUGH_INTERNAL_H
#define GW_PASSTHROUGH_INTERNAL_H

#include "http.h"
#include "kis.h"

/* Sets a KIS-shaped reply (steals body): lower-case header names, tr_id
 * and tr_cont echoed (NULL: empty). */
void gw_pt_reply(gw_resp *resp, int status, json_t *body, const char *tr_id, const char *tr_cont);
/* {"rt_cd":"1","msg_cd","msg1"} with HTTP status; msg1 made valid UTF-8. */
void gw_pt_fail_kis(gw_resp *resp, int status, const char *msg_cd, const char *tr_id,
                    const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* kisgw's own refusal in KIS's envelope: msg_cd and status from the registry. */
void gw_pt_fail(gw_resp *resp, gw_err code, const char *tr_id, const char *msg);
/* A KIS call that failed with no KIS body to relay: KIS's msg_cd when it
 * gave one, EGW00201 for a full limiter queue, else the registry's code. */
void gw_pt_kis_error(gw_resp *resp, const kis_error *e, const char *tr_id);

/* order-cash (sell 0/1) and order-rvsecncl through the trader's journal. */
void gw_pt_order_cash(gw_req *req, int sell, const char *body, size_t len, const char *tr_id,
                      gw_resp *resp);
void gw_pt_order_revise(gw_req *req, const char *body, size_t len, const char *tr_id,
                        gw_resp *resp);

#endif
