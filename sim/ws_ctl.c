/* ws_ctl.c — WebSocket test knobs under /__sim/ws and the WebSocket
 * counters, for tests of a client's robustness (kisgw's real-time notices):
 *
 *   {"drop": true}     cut every live session now, without a close frame
 *                      (a network drop; the client must reconnect)
 *   {"batch": true}    hold each session's notices and send them together,
 *                      several records in one frame ("1|H0STCNI9|002|…")
 *   {"layout": 23}     notice records in the older 23-field layout; 26 is the
 *                      current one; 27..40 is a layout no client knows
 *
 * Called under st->mu like every control endpoint. */
#include <string.h>

#include "sim.h"

json_t *sim_ws_counters(const sim_state *st)
{
	return json_pack("{s:i, s:I, s:I, s:I, s:I, s:I}", "live", st->nws, "sessions",
	                 (json_int_t)st->c_ws_sessions, "refused", (json_int_t)st->c_ws_refused,
	                 "client_pings", (json_int_t)st->c_ws_client_pings, "pingpong_echoes",
	                 (json_int_t)st->c_ws_pingpong_echoes, "notice_frames",
	                 (json_int_t)st->c_ws_notice_frames);
}

static void err(sim_reply *r, int status, const char *msg)
{
	sim_reply_json(r, status, json_pack("{s:s}", "error", msg));
}

void sim_ws_control(sim_state *st, sim_call *c, sim_reply *r)
{
	if (strcmp(c->method, "POST") == 0) {
		if (!c->json) {
			err(r, 400, "body must be a JSON object");
			return;
		}
		json_t *v;
		if ((v = json_object_get(c->json, "layout"))) {
			json_int_t n = json_integer_value(v);
			if (!json_is_integer(v) || (n != 23 && (n < 26 || n > 40))) {
				err(r, 400, "layout must be 23, 26 or 27..40");
				return;
			}
			st->ws_layout = (int)n;
		}
		if ((v = json_object_get(c->json, "batch"))) {
			if (!json_is_boolean(v)) {
				err(r, 400, "batch must be true or false");
				return;
			}
			st->ws_batch = json_is_true(v);
		}
		if ((v = json_object_get(c->json, "drop"))) {
			if (!json_is_boolean(v)) {
				err(r, 400, "drop must be true or false");
				return;
			}
			if (json_is_true(v))
				st->ws_drop_gen++;
		}
	} else if (strcmp(c->method, "GET") != 0) {
		err(r, 405, "GET or POST");
		return;
	}
	sim_reply_json(r, 200,
	               json_pack("{s:i, s:b, s:i, s:o}", "layout", st->ws_layout, "batch",
	                         st->ws_batch, "drop_gen", st->ws_drop_gen, "counters",
	                         sim_ws_counters(st)));
}
