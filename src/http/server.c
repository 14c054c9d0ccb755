/*
 * http/server — libmicrohttpd glue and the request pipeline.
 *
 * libmicrohttpd calls on_request() several times per request: once with the
 * headers (we allocate the per-request context), then once per chunk of body,
 * then a last time with no data, when we run the pipeline and queue the
 * answer.  on_completed() frees the context whatever happened to the
 * connection.
 */
#include "http/server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "base/clock.h"
#include "base/log.h"
#include "base/text.h"
#include "http/auth.h"
#include "http/limits.h"
#include "http/metrics.h"
#include "http/request.h"
#include "http/route.h"
#include "http/tls.h"
#include "store/audit.h"
#include "vigil.h"

struct http_server {
	struct vigil *v;
	struct MHD_Daemon *d;
	const struct route *routes;
	size_t nroutes;
	atomic_int active;
	int port;
};

struct conn_ctx {
	struct buf body;
	bool too_large;
	int64_t started_ns;
	/* An upload route's body goes to a temporary file, hashed as it comes. */
	bool upload;
	int upload_fd;
	char upload_path[600];
	int64_t upload_size;
	crypto_generichash_state upload_hash;
	bool upload_failed;
	bool refused_early; /* answered before its body: the body is dropped */
	bool started;       /* on_request has seen the request's first call */
	size_t nparams;     /* the query's parameters, counted by on_uri */
};

/* No route takes more than a handful of query parameters. */
#define HTTP_MAX_QUERY_PARAMS 64

/*
 * libmicrohttpd's URI callback: the request line, before libmicrohttpd splits
 * the query into its arguments.  The request's state starts here.
 *
 * Why: libmicrohttpd (0.9.75) keeps each argument in the connection's memory
 * pool, and when they do not fit (about 600 arguments in 32 KiB) it queues a
 * 431 and carries on parsing over it: the client heard nothing until the
 * header deadline cut it.  A query of more parameters than any route takes is
 * refused here instead: its query is ended just after its '?' (the uri is
 * libmicrohttpd's own request line in its read buffer), so that its parse
 * finds no argument, and on_request answers 400 at once.  (ingest/listener.c
 * does the same for the OsmAnd port.)
 */
static void *on_uri(void *cls, const char *uri, struct MHD_Connection *c)
{
	struct conn_ctx *ctx = xcalloc(1, sizeof *ctx);
	char *q = uri ? strchr(uri, '?') : NULL;

	(void)cls;
	(void)c;
	buf_init(&ctx->body);
	ctx->upload_fd = -1;
	if (q && q[1]) {
		for (const char *p = q + 1; *p; p++)
			ctx->nparams += *p != '&' && (p == q + 1 || p[-1] == '&');
		if (ctx->nparams > HTTP_MAX_QUERY_PARAMS)
			q[1] = '\0';
	}
	return ctx;
}

static bool is_write(const char *method)
{
	return strcmp(method, "POST") == 0 || strcmp(method, "PUT") == 0 ||
	       strcmp(method, "PATCH") == 0 || strcmp(method, "DELETE") == 0;
}

static void client_address(struct MHD_Connection *c, char *out, size_t outlen)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *sa = ci ? ci->client_addr : NULL;

	snprintf(out, outlen, "unknown");
	if (!sa)
		return;
	if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, out,
			  (socklen_t)outlen);
	else if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, out,
			  (socklen_t)outlen);
}

static enum MHD_Result count_header(void *cls, enum MHD_ValueKind kind, const char *key,
				    const char *value)
{
	(void)kind;
	(void)value;
	if (!strcasecmp(key, "X-Forwarded-For"))
		(*(int *)cls)++;
	return MHD_YES;
}

/* Behind the proxy named by --trusted-proxy, the client is the address that
 * proxy appended to X-Forwarded-For: the last one (any before it are the
 * client's own words).  From any other peer, with the header given twice, or
 * with no address there, the peer's address stands. */
static void forwarded_address(const struct vigil *v, struct MHD_Connection *c, char *addr,
			      size_t addrlen)
{
	const char *xff, *last;
	char buf[INET6_ADDRSTRLEN];
	unsigned char bin[sizeof(struct in6_addr)];
	size_t n;
	int count = 0;

	if (!v->cfg.trusted_proxy || strcmp(addr, v->cfg.trusted_proxy))
		return;
	MHD_get_connection_values(c, MHD_HEADER_KIND, count_header, &count);
	xff = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Forwarded-For");
	if (count != 1 || !xff)
		return;
	last = strrchr(xff, ',');
	last = last ? last + 1 : xff;
	last += strspn(last, " \t");
	n = strcspn(last, " \t");
	if (n == 0 || n >= sizeof buf)
		return;
	memcpy(buf, last, n);
	buf[n] = '\0';
	if (inet_pton(AF_INET, buf, bin) != 1 && inet_pton(AF_INET6, buf, bin) != 1)
		return;
	snprintf(addr, addrlen, "%s", buf);
}

/* Headers every answer carries. */
static void common_headers(struct MHD_Response *resp, bool api, const struct vigil *v)
{
	/* over https, the browser is told to come back by https only (a
	 * browser ignores this header on a plain http answer) */
	if (v->cfg.https)
		MHD_add_response_header(resp, "Strict-Transport-Security", "max-age=31536000");
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(resp, "X-Frame-Options", "DENY");
	if (api)
		MHD_add_response_header(resp, "Cache-Control", "no-store");
	else
		MHD_add_response_header(resp, "Content-Security-Policy",
					"default-src 'self'; img-src 'self' data: https:; "
					"style-src 'self' 'unsafe-inline'; frame-ancestors 'none'");
}

/* Queue r's answer in resp, of the given type, with the common headers and
 * the handler's own, and let resp go. */
static enum MHD_Result send_resp(struct MHD_Connection *c, struct req *r, struct MHD_Response *resp,
				 const char *type)
{
	enum MHD_Result ret;

	MHD_add_response_header(resp, "Content-Type", type);
	common_headers(resp, true, r->v);
	for (int i = 0; i < r->nheaders; i++)
		MHD_add_response_header(resp, r->header_name[i], r->header_value[i]);
	ret = MHD_queue_response(c, (unsigned)r->status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result send_req(struct MHD_Connection *c, struct req *r)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;
	char *text;
	const char *type;

	if (r->stream) {
		resp = r->stream;
		r->stream = NULL;
		MHD_add_response_header(resp, "Content-Type", "text/event-stream");
		MHD_add_response_header(resp, "X-Accel-Buffering", "no");
		common_headers(resp, true, r->v);
		ret = MHD_queue_response(c, 200, resp);
		MHD_destroy_response(resp);
		return ret;
	}
	if (r->resp_fd >= 0) {
		resp = MHD_create_response_from_fd((uint64_t)r->resp_fd_size, r->resp_fd);
		r->resp_fd = -1; /* libmicrohttpd closes it */
		return send_resp(c, r, resp, r->resp_type);
	}
	if (r->resp_json) {
		text = json_dumps(r->resp_json, JSON_COMPACT);
		type = "application/json";
	} else {
		text = r->resp_text ? r->resp_text : xstrdup("");
		r->resp_text = NULL;
		type = r->resp_type ? r->resp_type : "text/plain; charset=utf-8";
	}
	if (!text)
		text = xstrdup("{}");
	resp = MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
	return send_resp(c, r, resp, type);
}

static void req_cleanup(struct req *r)
{
	json_decref(r->body);
	json_decref(r->resp_json);
	free(r->resp_text);
	for (int i = 0; i < r->nparams; i++)
		free(r->param_value[i]);
	for (int i = 0; i < r->nheaders; i++) {
		free(r->header_name[i]);
		free(r->header_value[i]);
	}
	free(r->object);
	free(r->detail);
	if (r->resp_fd >= 0)
		close(r->resp_fd);
	if (r->stream)
		MHD_destroy_response(r->stream);
	/* A session's CSRF token is a secret too. */
	secret_wipe(r->who.csrf, sizeof r->who.csrf);
}

/* ---- static files ---------------------------------------------------------- */

static const char *content_type_for(const char *path)
{
	static const struct {
		const char *ext, *type;
	} types[] = {
		{ ".html", "text/html; charset=utf-8" },
		{ ".js", "text/javascript; charset=utf-8" },
		{ ".mjs", "text/javascript; charset=utf-8" },
		{ ".css", "text/css; charset=utf-8" },
		{ ".json", "application/json" },
		{ ".svg", "image/svg+xml" },
		{ ".png", "image/png" },
		{ ".ico", "image/x-icon" },
		{ ".woff2", "font/woff2" },
		{ ".mp3", "audio/mpeg" },
		{ ".wav", "audio/wav" },
		{ ".txt", "text/plain; charset=utf-8" },
	};
	const char *dot = strrchr(path, '.');

	for (size_t i = 0; dot && i < sizeof types / sizeof types[0]; i++)
		if (strcmp(dot, types[i].ext) == 0)
			return types[i].type;
	return NULL;
}

/* A safe relative path: [A-Za-z0-9._-/], no empty or dot-leading segments. */
static bool static_path_ok(const char *p)
{
	if (*p != '/' || strlen(p) > 256)
		return false;
	for (const char *q = p; *q; q++) {
		char ch = *q;

		if (ch == '/' && (q[1] == '/' || q[1] == '.'))
			return false;
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' || ch == '-' || ch == '/'))
			return false;
	}
	return true;
}

/* Serve a file from the web root; false when there is none to serve. */
static bool serve_static(struct http_server *s, struct MHD_Connection *c, const char *path,
			 int *status)
{
	char full[1024], dir_index[220];
	const char *type;
	struct MHD_Response *resp;
	struct stat st;
	int fd;

	if (!s->v->cfg.web_root)
		return false;
	if (strcmp(path, "/") == 0)
		path = "/index.html";
	/* a directory's page ("/help/"): its index.html, so the public page
	 * and her app have short addresses of their own */
	if (*path && path[strlen(path) - 1] == '/' && strlen(path) < 200) {
		snprintf(dir_index, sizeof dir_index, "%sindex.html", path);
		path = dir_index;
	}
	if (!static_path_ok(path) || !(type = content_type_for(path)))
		return false;
	snprintf(full, sizeof full, "%s%s", s->v->cfg.web_root, path);
	fd = open(full, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return false;
	}
	resp = MHD_create_response_from_fd((uint64_t)st.st_size, fd);
	if (!resp) {
		close(fd);
		return false;
	}
	MHD_add_response_header(resp, "Content-Type", type);
	MHD_add_response_header(resp, "Cache-Control", "no-cache");
	common_headers(resp, false, s->v);
	MHD_queue_response(c, MHD_HTTP_OK, resp);
	MHD_destroy_response(resp);
	*status = 200;
	return true;
}

/* ---- the pipeline ---------------------------------------------------------- */

/* Find the route; on no match, fill allow (for 405) and return -1. */
static int find_route(struct http_server *s, struct req *r, const char *method, char *allow,
		      size_t allowlen)
{
	const char *names[REQ_MAX_PARAMS];
	char *values[REQ_MAX_PARAMS];
	int n;

	allow[0] = '\0';
	for (size_t i = 0; i < s->nroutes; i++) {
		const struct route *rt = &s->routes[i];

		if (!route_match(rt->pattern, r->path, names, values, REQ_MAX_PARAMS, &n))
			continue;
		if (strcmp(rt->method, method) == 0) {
			r->route = rt;
			r->nparams = n;
			for (int k = 0; k < n; k++) {
				r->param_name[k] = names[k];
				r->param_value[k] = values[k];
			}
			return (int)i;
		}
		for (int k = 0; k < n; k++)
			free(values[k]);
		if (!strstr(allow, rt->method)) {
			size_t len = strlen(allow);

			snprintf(allow + len, allowlen - len, "%s%s", len ? ", " : "", rt->method);
		}
	}
	return -1;
}

static bool content_type_json(const char *ct)
{
	size_t n = strlen("application/json");

	if (!ct || strncasecmp(ct, "application/json", n) != 0)
		return false;
	return ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ';
}

/* Authentication, permission and CSRF.  0 to go on, -1 after answering. */
static int gate(struct req *r)
{
	const struct route *rt = r->route;
	enum auth_result a;

	a = auth_identify(r);
	if (rt->perm == PERM_PUBLIC) {
		if (a != AUTH_OK)
			memset(&r->who, 0, sizeof r->who);
		return 0;
	}
	switch (a) {
	case AUTH_OK:
		break;
	case AUTH_NONE:
		req_fail(r, 401, "unauthorized", NULL, "sign in first");
		return -1;
	case AUTH_TOKEN_EXPIRED:
		req_fail(r, 401, "token_expired", NULL,
			 "this API token has expired; ask an administrator for a new one");
		return -1;
	case AUTH_EXPIRED:
		req_fail(r, 401, "session_expired", NULL,
			 "your session has expired; sign in again");
		return -1;
	case AUTH_DISABLED:
		req_fail(r, 401, "account_disabled", NULL,
			 "this account has been disabled; ask an administrator");
		return -1;
	case AUTH_ERROR:
		req_fail_db(r, DB_ERROR);
		return -1;
	default:
		req_fail(r, 401, "unauthorized", NULL,
			 "the session or token is not valid; sign in again");
		return -1;
	}
	/* A metrics token reads metrics and nothing else. */
	if (r->who.via_token && r->who.scope == TOKEN_SCOPE_METRICS) {
		if (rt->perm != PERM_METRICS_READ) {
			req_fail(r, 403, "forbidden", NULL, "a metrics token may only read /metrics");
			return -1;
		}
	} else if (r->who.device_token && !(rt->flags & ROUTE_DEVICE_TOKEN)) {
		req_fail(r, 403, "forbidden", NULL,
			 "a token bound to devices may only post their positions and read them");
		return -1;
	} else if (!access_role_has(r->who.role, rt->perm)) {
		req_fail(r, 403, "forbidden", NULL, "your role (%s) may not do this (%s)",
			 access_role_name(r->who.role), access_perm_name(rt->perm));
		return -1;
	}
	if (!r->who.via_token && is_write(r->method)) {
		struct MHD_Connection *c = r->conn;
		const char *tok = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-CSRF-Token");

		if (!tok || !secret_equal(tok, r->who.csrf)) {
			req_fail(r, 403, "csrf", NULL,
				 "missing or wrong X-CSRF-Token header (use the token from sign-in "
				 "or GET /api/v1/me)");
			return -1;
		}
	}
	return 0;
}

/* Parse the body as a JSON object.  0 to go on, -1 after answering. */
static int parse_body(struct req *r, struct conn_ctx *ctx)
{
	struct MHD_Connection *c = r->conn;
	const char *ct;
	json_error_t jerr;

	if (ctx->body.len == 0)
		return 0;
	ct = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type");
	if (!content_type_json(ct)) {
		req_fail(r, 415, "unsupported_media_type", NULL,
			 "send the body as JSON with Content-Type: application/json");
		return -1;
	}
	r->body = json_loadb(ctx->body.data, ctx->body.len, JSON_REJECT_DUPLICATES, &jerr);
	if (!r->body) {
		/* jansson quotes the body near the error, maybe half a UTF-8
		 * character of it, which no JSON answer can carry */
		char text[4 * sizeof jerr.text];

		text_escape(jerr.text, strlen(jerr.text), text, sizeof text);
		req_fail(r, 400, "bad_json", NULL, "the body is not valid JSON: %s (line %d, column %d)",
			 text, jerr.line, jerr.column);
		return -1;
	}
	if (!json_is_object(r->body)) {
		req_fail(r, 400, "bad_json", NULL, "the body must be a JSON object");
		return -1;
	}
	return 0;
}

/*
 * The object a request names in its path, for an entry whose handler named
 * none (a request refused before its handler ran): "case:REF" for a case's
 * routes, else the route's resource and its first parameter ("device:UID",
 * "alert:7").  So that a refused read still records what was asked for.
 */
static void object_from_path(struct req *r, char *out, size_t outlen)
{
	const char *name = r->route ? r->route->name : NULL;
	size_t len;

	out[0] = '\0';
	if (!name || r->nparams < 1)
		return;
	if (strncmp(r->param_name[0], "ref}", 4) == 0) {
		snprintf(out, outlen, "case:%.64s", r->param_value[0]);
		return;
	}
	len = strcspn(name, ".");
	snprintf(out, outlen, "%.*s:%.64s", (int)len, name, r->param_value[0]);
}

static void audit_request(struct req *r)
{
	struct audit_entry e = { 0 };
	const char *outcome;
	char object[128];

	if (r->in_tx)
		req_tx_rollback(r);
	if (r->status < 400)
		outcome = "ok";
	else if (r->status == 401 || r->status == 403 || r->status == 429)
		outcome = "denied";
	else if (r->status >= 500)
		outcome = "error";
	else
		outcome = "failed";
	e.user_id = r->who.signed_in ? r->who.user_id : 0;
	e.username = r->who.signed_in ? r->who.username : NULL;
	e.agency = r->who.signed_in ? r->who.agency : NULL;
	e.action = r->action ? r->action : (r->route ? r->route->name : "unmatched");
	object_from_path(r, object, sizeof object);
	e.object = r->object ? r->object : r->route ? (object[0] ? object : NULL) : r->path;
	e.outcome = outcome;
	e.status = r->status;
	e.client_addr = r->client_addr;
	e.token_id = r->who.signed_in && r->who.via_token ? r->who.token_id : 0;
	e.detail = r->detail;
	if (audit_record(r->db, &e) < 0)
		log_error("cannot write the audit entry for %s %s: %s", r->method, e.action,
			  db_errmsg(r->db));
}

static enum MHD_Result dispatch(struct http_server *s, struct MHD_Connection *c,
				const char *url, const char *method, struct conn_ctx *ctx)
{
	struct vigil *v = s->v;
	struct req r = { 0 };
	char allow[64];
	enum MHD_Result ret;
	int idx = -1;
	/* HEAD is GET without a body (libmicrohttpd drops the body) */
	const char *match_method = strcmp(method, "HEAD") == 0 ? "GET" : method;

	r.v = v;
	r.resp_fd = -1;
	r.conn = c;
	r.method = method;
	r.path = url;
	client_address(c, r.client_addr, sizeof r.client_addr);
	forwarded_address(v, c, r.client_addr, sizeof r.client_addr);

	if (ctx->nparams > HTTP_MAX_QUERY_PARAMS) {
		idx = find_route(s, &r, match_method, allow, sizeof allow);
		req_fail(&r, 400, "bad_request", NULL,
			 "the query has %zu parameters; no request takes more than %d",
			 ctx->nparams, HTTP_MAX_QUERY_PARAMS);
		if (is_write(method))
			goto answer_audit;
		goto answer_nodb;
	}
	if (ctx->too_large) {
		/* refused before it was read: named by its route (when it has one)
		 * and audited like any other refused write */
		idx = find_route(s, &r, match_method, allow, sizeof allow);
		req_fail(&r, 413, "payload_too_large", NULL, "the body is larger than %lld bytes",
			 (long long)(ctx->upload ? v->cfg.attachment_max : HTTP_MAX_BODY));
		if (is_write(method))
			goto answer_audit;
		goto answer_nodb;
	}
	if (ctx->upload_failed) {
		req_fail(&r, 507, "storage", NULL, "the upload could not be stored; try again");
		goto answer_nodb;
	}
	if (ctx->upload) {
		unsigned char h[32];

		crypto_generichash_final(&ctx->upload_hash, h, sizeof h);
		sodium_bin2hex(r.upload_hash, sizeof r.upload_hash, h, sizeof h);
		r.upload_path = ctx->upload_path;
		r.upload_size = ctx->upload_size;
	}
	idx = find_route(s, &r, match_method, allow, sizeof allow);
	if (idx < 0) {
		int st = 0;

		if (allow[0]) {
			req_add_header(&r, "Allow", allow);
			req_fail(&r, 405, "method_not_allowed", NULL, "%s is not allowed here; use %s",
				 method, allow);
		} else if (strncmp(url, "/api/", 5) != 0 &&
			   (strcmp(match_method, "GET") == 0) && serve_static(s, c, url, &st)) {
			metrics_record(v->metrics, -1, st, clock_mono_ns() - ctx->started_ns);
			req_cleanup(&r);
			return MHD_YES;
		} else {
			req_fail(&r, 404, "not_found", NULL, "there is nothing at %s", url);
		}
		if (is_write(method))
			goto answer_audit;
		goto answer_nodb;
	}

	r.db = db_pool_acquire(v->pool);
	/* the database is away: say so at once (503, Retry-After); nothing can
	 * be audited either */
	if (!db_alive(r.db)) {
		req_fail_db(&r, DB_GONE);
		goto answer_nodb;
	}
	if (gate(&r) < 0 || (!ctx->upload && parse_body(&r, ctx) < 0))
		goto answer_audit;
	r.route->handler(&r);
	if (r.in_tx) {
		/* a handler returned inside its transaction: a bug, never commit it */
		log_error("handler %s left a transaction open; rolled back", r.route->name);
		req_tx_rollback(&r);
		if (r.status < 400)
			req_fail(&r, 500, "internal", NULL, "an internal error occurred");
	}
	if (!r.status)
		req_fail(&r, 500, "internal", NULL, "the handler gave no answer");

answer_audit:
	/* The connection died during the request (the server ended the session,
	 * or went away): whatever the handler made of the failed statement (a
	 * 500, a 404 from a lookup that failed), nothing it did was committed
	 * unless its change was (audited): then its answer stands.  Else 503,
	 * to be sent again; and no audit entry can be written. */
	if (r.db && !db_alive(r.db)) {
		if (!r.audited && r.status != 503)
			req_fail_db(&r, DB_GONE);
		goto answer_nodb;
	}
	if ((is_write(method) || (r.route && (r.route->flags & ROUTE_AUDIT_READ))) && !r.audited) {
		if (!r.db)
			r.db = db_pool_acquire(v->pool);
		/* a write refused before its caller was identified (404, 405,
		 * 413) is still recorded under whoever made it (unless the
		 * database is away: then nothing can be) */
		if (db_alive(r.db)) {
			if (!r.who.signed_in && auth_identify(&r) != AUTH_OK)
				memset(&r.who, 0, sizeof r.who);
			audit_request(&r);
		}
	}
answer_nodb:
	if (r.db)
		db_pool_release(v->pool, r.db);
	ret = send_req(c, &r);
	metrics_record(v->metrics, idx, r.status, clock_mono_ns() - ctx->started_ns);
	req_cleanup(&r);
	return ret;
}

/* ---- uploads --------------------------------------------------------------- */

static bool is_upload(struct http_server *s, const char *method, const char *url)
{
	const char *names[REQ_MAX_PARAMS];
	char *values[REQ_MAX_PARAMS];
	int n;

	for (size_t i = 0; i < s->nroutes; i++) {
		const struct route *rt = &s->routes[i];

		if (!(rt->flags & ROUTE_UPLOAD) || strcmp(rt->method, method) != 0 ||
		    !route_match(rt->pattern, url, names, values, REQ_MAX_PARAMS, &n))
			continue;
		for (int k = 0; k < n; k++)
			free(values[k]);
		return true;
	}
	return false;
}

/* May this upload's caller send it?  The same sign-in, permission and CSRF
 * check as every request (gate), made before a byte of the body is written
 * to disk: an anonymous or unauthorised upload is answered at once, and
 * nothing of it is kept.  (Whether the case is hers is the handler's check,
 * after the body; the body needs an account allowed to upload at all.) */
static bool upload_allowed(struct http_server *s, struct MHD_Connection *c, const char *url,
			   const char *method)
{
	struct req r = { 0 };
	char allow[64];
	bool ok;

	r.v = s->v;
	r.resp_fd = -1;
	r.conn = c;
	r.method = method;
	r.path = url;
	if (find_route(s, &r, method, allow, sizeof allow) < 0) {
		req_cleanup(&r);
		return false;
	}
	r.db = db_pool_acquire(s->v->pool);
	ok = gate(&r) == 0;
	db_pool_release(s->v->pool, r.db);
	r.db = NULL;
	req_cleanup(&r);
	return ok;
}

static void upload_open(struct http_server *s, struct conn_ctx *ctx)
{
	snprintf(ctx->upload_path, sizeof ctx->upload_path, "%s/tmp/upload-XXXXXX",
		 s->v->cfg.attachment_dir);
	ctx->upload_fd = mkstemp(ctx->upload_path);
	if (ctx->upload_fd < 0) {
		log_error("cannot create an upload file in %s/tmp: %s", s->v->cfg.attachment_dir,
			  strerror(errno));
		ctx->upload_path[0] = '\0';
		ctx->upload_failed = true;
		return;
	}
	crypto_generichash_init(&ctx->upload_hash, NULL, 0, 32);
}

static void upload_chunk(struct http_server *s, struct conn_ctx *ctx, const char *data, size_t n)
{
	if (ctx->too_large || ctx->upload_failed)
		return;
	if (ctx->upload_size + (int64_t)n > s->v->cfg.attachment_max) {
		ctx->too_large = true;
		return;
	}
	crypto_generichash_update(&ctx->upload_hash, (const unsigned char *)data, n);
	while (n > 0) {
		ssize_t w = write(ctx->upload_fd, data, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			log_error("cannot write an upload: %s", strerror(errno));
			ctx->upload_failed = true;
			return;
		}
		data += w;
		n -= (size_t)w;
		ctx->upload_size += w;
	}
}

/* Move the connection's tracked state (http/limits.h). */
static void conn_state(struct http_server *s, struct MHD_Connection *c, enum conn_state st)
{
	conn_limits_mhd_state(s->v->api_limits, c, st);
}

/* Does the request announce a body (a length above zero, or chunks)? */
static bool body_expected(struct MHD_Connection *c)
{
	const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
	const char *te = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Transfer-Encoding");

	return (cl && strtoull(cl, NULL, 10) > 0) || (te && strcasestr(te, "chunked"));
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version,
				  const char *upload_data, size_t *upload_size, void **con_cls)
{
	struct http_server *s = cls;
	struct conn_ctx *ctx = *con_cls;

	(void)version;
	if (!ctx || !ctx->started) {
		const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");

		if (!ctx) {
			ctx = xcalloc(1, sizeof *ctx);
			buf_init(&ctx->body);
			ctx->upload_fd = -1;
		}
		ctx->started = true;
		ctx->started_ns = clock_mono_ns();
		ctx->upload = is_upload(s, method, url);
		if (cl && strtoull(cl, NULL, 10) >
				  (ctx->upload ? (unsigned long long)s->v->cfg.attachment_max
					       : (unsigned long long)HTTP_MAX_BODY))
			ctx->too_large = true;
		*con_cls = ctx;
		atomic_fetch_add(&s->active, 1);
		/* its headers are in: a body still to come has the body deadline
		 * (an authorised upload, below, is busy instead) */
		conn_state(s, c, body_expected(c) ? CONN_BODY : CONN_BUSY);
		if (ctx->nparams > HTTP_MAX_QUERY_PARAMS) {
			ctx->upload = false;
			ctx->refused_early = true;
			return dispatch(s, c, url, method, ctx);
		}
		/* An upload's caller is checked before its body is read: refused,
		 * it is answered now (dispatch checks again, and audits), and
		 * nothing is written to disk. */
		if (ctx->upload && !ctx->too_large && !upload_allowed(s, c, url, method)) {
			ctx->upload = false;
			ctx->refused_early = true;
			return dispatch(s, c, url, method, ctx);
		}
		if (ctx->upload && !ctx->too_large) {
			conn_state(s, c, CONN_BUSY);
			upload_open(s, ctx);
		}
		/* Refuse an announced oversized body before it is sent. */
		if (ctx->too_large)
			return dispatch(s, c, url, method, ctx);
		return MHD_YES;
	}
	if (ctx->refused_early) {
		*upload_size = 0; /* answered already: drop the rest */
		return MHD_YES;
	}
	if (*upload_size && ctx->upload) {
		upload_chunk(s, ctx, upload_data, *upload_size);
		*upload_size = 0;
		return MHD_YES;
	}
	if (*upload_size) {
		if (!ctx->too_large) {
			if (ctx->body.len + *upload_size > HTTP_MAX_BODY) {
				ctx->too_large = true;
				buf_free(&ctx->body);
			} else {
				buf_append(&ctx->body, upload_data, *upload_size);
			}
		}
		*upload_size = 0;
		return MHD_YES;
	}
	conn_state(s, c, CONN_BUSY);
	return dispatch(s, c, url, method, ctx);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct http_server *s = cls;
	struct conn_ctx *ctx = *con_cls;

	(void)toe;
	if (!ctx)
		return;
	/* between requests: idle until the next one's headers are in */
	conn_state(s, c, CONN_IDLE);
	buf_free(&ctx->body);
	if (ctx->upload_fd >= 0)
		close(ctx->upload_fd);
	if (ctx->upload_path[0])
		unlink(ctx->upload_path); /* the handler moved it if it kept it */
	if (ctx->started) /* else cut before its headers were in: never counted */
		atomic_fetch_sub(&s->active, 1);
	free(ctx);
	*con_cls = NULL;
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	char line[512];

	(void)cls;
	vsnprintf(line, sizeof line, fmt, ap);
	line[strcspn(line, "\n")] = '\0';
	log_warn("http: %s", line);
}

int http_server_start(struct vigil *v, const struct route *routes, size_t nroutes,
		      struct http_server **out, char *err, size_t errlen)
{
	struct http_server *s = xcalloc(1, sizeof *s);
	struct sockaddr_in sin = { 0 };
	const union MHD_DaemonInfo *info;

	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)v->cfg.listen_port);
	if (inet_pton(AF_INET, v->cfg.listen_host, &sin.sin_addr) != 1) {
		snprintf(err, errlen, "cannot listen on '%s': give an IPv4 address such as 127.0.0.1",
			 v->cfg.listen_host);
		free(s);
		return -1;
	}
	s->v = v;
	s->routes = routes;
	s->nroutes = nroutes;
	if (!v->api_limits) {
		v->api_limits = conn_limits_new("api", v->cfg.http_max_connections,
						 v->cfg.http_max_per_addr);
		conn_limits_deadlines(v->api_limits, (int64_t)v->cfg.http_header_s * 1000,
				      (int64_t)v->cfg.http_body_s * 1000);
	}
	/* the limits are ours (counted per address, in /metrics); libmicrohttpd's
	 * own total is a backstop above them.  An idle or trickling connection is
	 * closed after --http-timeout-seconds without a byte. */
	/* TLS: each handshake takes the certificate the store holds now, so a
	 * renewed one (SIGHUP) serves without a restart; TLS 1.2 and 1.3 only */
#define COMMON_OPTIONS                                                                          \
	MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, NULL, MHD_OPTION_SOCK_ADDR,                     \
		(struct sockaddr *)&sin, MHD_OPTION_THREAD_POOL_SIZE, (unsigned)v->cfg.threads, \
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)v->cfg.http_timeout_s,                  \
		MHD_OPTION_CONNECTION_LIMIT, (unsigned)v->cfg.http_max_connections + 256,         \
		MHD_OPTION_LISTENING_ADDRESS_REUSE, (unsigned)1, MHD_OPTION_NOTIFY_CONNECTION,   \
		conn_limits_mhd_notify, v->api_limits, MHD_OPTION_NOTIFY_COMPLETED, on_completed, s, \
		MHD_OPTION_URI_LOG_CALLBACK, on_uri, NULL
	if (v->tls) {
		tls_store_use(v->tls);
		s->d = MHD_start_daemon(
			MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ITC | MHD_USE_ERROR_LOG |
				MHD_USE_TURBO | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_TLS,
			0, conn_limits_mhd_accept, v->api_limits, on_request, s, COMMON_OPTIONS,
			MHD_OPTION_HTTPS_CERT_CALLBACK2, tls_store_callback(),
			MHD_OPTION_HTTPS_PRIORITIES,
			"NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:%SERVER_PRECEDENCE", MHD_OPTION_END);
	} else {
		s->d = MHD_start_daemon(MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ITC |
						MHD_USE_ERROR_LOG | MHD_USE_TURBO |
						MHD_ALLOW_SUSPEND_RESUME,
					0, conn_limits_mhd_accept, v->api_limits, on_request, s, COMMON_OPTIONS, MHD_OPTION_END);
	}
#undef COMMON_OPTIONS
	if (!s->d) {
		snprintf(err, errlen, "cannot listen on %s:%d: %s", v->cfg.listen_host,
			 v->cfg.listen_port,
			 errno ? strerror(errno) : "address in use or not available");
		free(s);
		return -1;
	}
	info = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
	s->port = info ? info->port : v->cfg.listen_port;
	*out = s;
	return 0;
}

int http_server_port(const struct http_server *s)
{
	return s->port;
}

void http_server_stop(struct http_server *s, int grace_ms)
{
	MHD_socket fd;
	int waited = 0;

	if (!s)
		return;
	fd = MHD_quiesce_daemon(s->d);
	if (fd != MHD_INVALID_SOCKET)
		close(fd);
	while (atomic_load(&s->active) > 0 && waited < grace_ms) {
		struct timespec ts = { 0, 10 * 1000 * 1000 };

		nanosleep(&ts, NULL);
		waited += 10;
	}
	if (atomic_load(&s->active) > 0)
		log_warn("stopping with %d requests still open", atomic_load(&s->active));
	MHD_stop_daemon(s->d);
	free(s);
}
