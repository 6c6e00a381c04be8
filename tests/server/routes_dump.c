/* routes_dump — prints the route table and each endpoint's declared inputs
 * as JSON, for routes_check.py to compare with openapi.yaml (with
 * --passthrough: the KIS passthrough's table, [{"path","serve","tr_ids"}]):
 * [{"method","pattern","public","query":[field…],"body":[field…]|null}],
 * field = {"name","type","required", "min","max" (int), "choices" (enum),
 * "pattern" (string), "when","when_is" (conditional body fields)}. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "input.h"
#include "passthrough.h"
#include "routes.h"

static json_t *fields_json(const gw_field *f)
{
	json_t *arr = json_array();
	for (; f && f->name; f++) {
		json_t *o = json_pack("{s:s,s:s,s:b}", "name", f->name, "type",
		                      gw_type_name(f->type), "required", f->required);
		if (f->type == GW_T_INT) {
			json_object_set_new(o, "min", json_integer(f->min));
			json_object_set_new(o, "max", json_integer(f->max));
		}
		if (f->type == GW_T_ENUM) {
			json_t *c = json_array();
			for (const char *const *p = f->choices; p && *p; p++)
				json_array_append_new(c, json_string(*p));
			json_object_set_new(o, "choices", c);
		}
		if (f->pattern)
			json_object_set_new(o, "pattern", json_string(f->pattern));
		if (f->when)
			json_object_set_new(o, "when",
			                    json_pack("{s:s,s:s}", "field", f->when, "is",
			                              f->when_is ? f->when_is : ""));
		json_array_append_new(arr, o);
	}
	return arr;
}

static json_t *passthrough_json(void)
{
	json_t *arr = json_array();
	gw_pt_known_call c;
	for (size_t i = 0; gw_pt_known(i, &c); i++) {
		json_t *ids = json_array();
		for (int k = 0; k < 4; k++)
			if (c.tr_id[k])
				json_array_append_new(ids, json_string(c.tr_id[k]));
		json_array_append_new(arr, json_pack("{s:s,s:s,s:o}", "path", c.path, "serve",
		                                     gw_pt_serve_name(c.serve), "tr_ids", ids));
	}
	return arr;
}

int main(int argc, char **argv)
{
	json_t *arr =
	    argc > 1 && !strcmp(argv[1], "--passthrough") ? passthrough_json() : json_array();
	for (unsigned i = 0; !(argc > 1) && i < gw_nroutes; i++) {
		const gw_route *r = &gw_routes[i];
		json_array_append_new(
		    arr,
		    json_pack("{s:s,s:s,s:b,s:o,s:o}", "method", r->method, "pattern", r->pattern,
		              "public", r->public, "query", fields_json(r->ep->query), "body",
		              r->ep->body ? fields_json(r->ep->body) : json_null()));
	}
	char *s = json_dumps(arr, JSON_INDENT(1));
	json_decref(arr);
	if (!s)
		return 1;
	puts(s);
	free(s);
	return 0;
}
