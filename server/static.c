/* static.c — the files kisgw serves from its own binary: the status page
 * (GET /, server/www/status.html) and the API description (GET
 * /openapi.yaml). Both are embedded at build time (cmake/embed_file.cmake),
 * so the binary needs no web root. */
#include <stddef.h>

#include "app.h"
#include "http.h"
#include "input.h"

extern const char gw_status_html[], gw_openapi_yaml[];
extern const size_t gw_status_html_len, gw_openapi_yaml_len;

GW_ENDPOINT(index_get, gw_no_input, .run_inline = 1)
{
	/* public: the page holds no data; it asks for the API token itself */
	gw_reply_raw(resp, 200, "text/html; charset=utf-8", gw_status_html, gw_status_html_len, 0);
}

GW_ENDPOINT(openapi_get, gw_no_input, .run_inline = 1)
{
	/* application/yaml is registered (RFC 9512); browsers show it as text */
	gw_reply_raw(resp, 200, "application/yaml; charset=utf-8", gw_openapi_yaml,
	             gw_openapi_yaml_len, 0);
}
