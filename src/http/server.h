/*
 * http/server — the HTTP server (libmicrohttpd, a thread pool over epoll).
 *
 * Reads each request's body (at most HTTP_MAX_BODY bytes, else 413), finds
 * its route (404, 405 with Allow), identifies the caller (401), checks the
 * route's permission (403) and the CSRF token of a browser session's writes,
 * parses a JSON body (415, 400), runs the handler with a database connection
 * from the pool, writes the audit entry, and records metrics.  Paths outside
 * the API are served from the web root.
 */
#ifndef VIGIL_HTTP_SERVER_H
#define VIGIL_HTTP_SERVER_H

#include <stddef.h>

#define HTTP_MAX_BODY (1024 * 1024)

struct vigil;
struct route;
struct http_server;

/* Start listening on v->cfg.listen_host:listen_port.  0, or -1 with err. */
int http_server_start(struct vigil *v, const struct route *routes, size_t nroutes,
		      struct http_server **out, char *err, size_t errlen);
/* The port actually bound (useful with port 0). */
int http_server_port(const struct http_server *s);
/* Stop accepting, let in-flight requests finish (up to grace_ms), stop. */
void http_server_stop(struct http_server *s, int grace_ms);

#endif
