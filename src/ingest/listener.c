/*
 * listener — the OsmAnd HTTP listener.
 *
 * A request's fix goes to the committer (ingest/commit.c) and its connection
 * is suspended until the fix is durable; the committer's callback resumes it
 * and libmicrohttpd calls on_request again, which answers.  So the daemon's
 * two threads serve thousands of phones at once, and their fixes share one
 * commit, instead of each thread waiting out a commit of its own.
 */
#include "ingest/listener.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "base/log.h"
#include "base/mem.h"
#include "base/clock.h"
#include "ingest/accept.h"
#include "ingest/commit.h"
#include "http/limits.h"
#include "http/tls.h"
#include "ingest/osmand.h"
#include "vigil.h"

/* a phone's report is a few hundred bytes; anyone may send one, so what is
 * held of a body before it is read is kept small */
#define MAX_BODY (16 * 1024)
/* libmicrohttpd's memory per connection, which it clears for every request:
 * a phone's request line and headers are a few hundred bytes (a body is
 * copied out as it arrives, the query string by on_uri), so 8 KiB rather
 * than the default 32 KiB */
#define POOL_BYTES 8192

struct osmand_server {
	struct vigil *v;
	struct MHD_Daemon *d;
	int port;
	atomic_int pending; /* connections suspended while their fix is stored */
};

struct conn {
	bool started;  /* on_request has seen the request's first call */
	char *query;   /* the raw query string, or NULL */
	size_t nquery; /* its parameters, counted by on_uri */
	struct buf body;
	bool too_large;
	/* a fix handed to the committer: the connection is suspended until
	 * stored() resumes it, then answered from result */
	struct osmand_server *s;
	struct MHD_Connection *c;
	pthread_mutex_t mu; /* orders the suspend before the resume */
	bool submitted, stored;
	bool pending; /* counted in the server's pending */
	struct commit_req req;
	struct fix f;
	int result;
	char why[1][160];
};

/*
 * libmicrohttpd's URI callback: the request line, before libmicrohttpd splits
 * the query into its arguments.  The connection's state starts here, and the
 * query string is taken here, to be decoded by osmand_parse_form() like a
 * form body; libmicrohttpd is left an empty one.
 *
 * Why: libmicrohttpd (0.9.75) keeps each argument in the connection's memory
 * pool, and when they do not fit (about 120 arguments in our 8 KiB) it queues
 * a 431 and then carries on parsing over it: the phone heard nothing until the
 * 30 s timeout.  The uri it hands us is its own request line, in its read
 * buffer, which it ends with NULs itself as it parses; ending the query just
 * after its '?' makes its parse find no argument at all.
 */
static void *on_uri(void *cls, const char *uri, struct MHD_Connection *c)
{
	struct conn *cc = xcalloc(1, sizeof *cc);
	char *q = uri ? strchr(uri, '?') : NULL;

	(void)cls;
	(void)c;
	buf_init(&cc->body);
	pthread_mutex_init(&cc->mu, NULL);
	if (q && q[1]) {
		/* count the parameters as osmand_parse_form() will (an empty
		 * piece is none); more than it takes are refused, not copied */
		for (const char *p = q + 1; *p; p++)
			cc->nquery += *p != '&' && (p == q + 1 || p[-1] == '&');
		if (cc->nquery <= OSMAND_MAX_PARAMS)
			cc->query = xstrdup(q + 1);
		q[1] = '\0';
	}
	return cc;
}

static enum MHD_Result answer(struct MHD_Connection *c, unsigned status, const char *text)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(strlen(text), (void *)text,
								 MHD_RESPMEM_MUST_COPY);
	enum MHD_Result ret;

	MHD_add_response_header(r, "Content-Type", "text/plain; charset=utf-8");
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result answer_result(struct MHD_Connection *c, int rc, int res, const char *why)
{
	char msg[260];

	if (rc < 0)
		res = ACCEPT_ERROR;
	switch (res) {
	case ACCEPT_STORED:
	case ACCEPT_DUPLICATE:
		return answer(c, 200, "");
	case ACCEPT_UNKNOWN:
		snprintf(msg, sizeof msg, "%s\n", why);
		return answer(c, 404, msg);
	case ACCEPT_REJECTED:
		snprintf(msg, sizeof msg, "%s\n", why);
		return answer(c, 400, msg);
	default:
		return answer(c, 503, "the position could not be stored; send it again\n");
	}
}

/* The committer's callback, on its thread: the fix is stored (or not). */
static void stored(struct commit_req *r)
{
	struct conn *cc = r->arg;

	pthread_mutex_lock(&cc->mu);
	cc->stored = true;
	MHD_resume_connection(cc->c);
	pthread_mutex_unlock(&cc->mu);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version, const char *upload,
				  size_t *upload_size, void **con_cls)
{
	struct osmand_server *s = cls;
	struct conn *cc = *con_cls;
	struct osmand_param p[OSMAND_MAX_PARAMS];
	size_t np = 0;
	char why[200], msg[260];
	const char *ct;
	struct fix f;
	int rc;

	(void)url;
	(void)version;
	if (!cc)
		return MHD_NO; /* on_uri makes it for every request */
	if (!cc->started) {
		const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
		const char *te = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Transfer-Encoding");

		cc->started = true;
		/* its headers are in: a body still to come has the body deadline */
		conn_limits_mhd_state(s->v->osmand_limits, c,
				      (cl && strtoull(cl, NULL, 10) > 0) || te ? CONN_BODY : CONN_BUSY);
		return MHD_YES;
	}
	if (cc->submitted) {
		/* resumed: the committer has the answer */
		cc->pending = false;
		atomic_fetch_sub(&s->pending, 1);
		return answer_result(c, cc->req.rc, cc->result, cc->why[0]);
	}
	if (*upload_size) {
		if (cc->body.len + *upload_size > MAX_BODY)
			cc->too_large = true;
		else
			buf_append(&cc->body, upload, *upload_size);
		*upload_size = 0;
		return MHD_YES;
	}
	conn_limits_mhd_state(s->v->osmand_limits, c, CONN_BUSY);
	if (strcmp(method, "GET") && strcmp(method, "POST"))
		return answer(c, 405, "use GET or POST\n");
	if (cc->too_large)
		return answer(c, 413, "the body is too large\n");
	ct = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type");
	if (cc->body.len && ct && !strncasecmp(ct, "application/json", 16)) {
		rc = osmand_decode_json(cc->body.data, cc->body.len, &f, why, sizeof why);
	} else if (cc->nquery > OSMAND_MAX_PARAMS) {
		snprintf(why, sizeof why, "more than %d parameters", OSMAND_MAX_PARAMS);
		rc = -1;
	} else {
		rc = cc->query ? osmand_parse_form(cc->query, p, OSMAND_MAX_PARAMS, &np, why, sizeof why)
			       : 0;
		if (rc == 0 && cc->body.len && memchr(cc->body.data, '\0', cc->body.len)) {
			snprintf(why, sizeof why, "the body holds a NUL byte (write it %%00)");
			rc = -1;
		} else if (rc == 0 && cc->body.len) {
			rc = osmand_parse_form(cc->body.data, p, OSMAND_MAX_PARAMS, &np, why, sizeof why);
		}
		if (rc == 0)
			rc = osmand_decode_params(p, np, &f, why, sizeof why);
	}
	if (rc < 0) {
		snprintf(msg, sizeof msg, "%s\n", why);
		return answer(c, 400, msg);
	}
	/* suspended until stored (the committer runs for as long as the port
	 * does: cli/serve.c starts it first and stops it last); the lock keeps
	 * the resume after the suspend */
	cc->s = s;
	cc->c = c;
	cc->f = f;
	cc->req = (struct commit_req){ .f = &cc->f, .n = 1, .results = &cc->result,
				       .why = cc->why, .done = stored, .arg = cc };
	cc->submitted = true;
	cc->pending = true;
	atomic_fetch_add(&s->pending, 1);
	pthread_mutex_lock(&cc->mu);
	committer_submit(s->v->committer, &cc->req);
	MHD_suspend_connection(c);
	pthread_mutex_unlock(&cc->mu);
	return MHD_YES;
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct conn *cc = *con_cls;

	(void)toe;
	/* between requests: idle until the next one's headers are in */
	conn_limits_mhd_state(((struct osmand_server *)cls)->v->osmand_limits, c, CONN_IDLE);
	if (cc) {
		/* resumed, but the phone had gone: never answered */
		if (cc->pending)
			atomic_fetch_sub(&((struct osmand_server *)cls)->pending, 1);
		free(cc->query);
		buf_free(&cc->body);
		pthread_mutex_destroy(&cc->mu);
		free(cc);
		*con_cls = NULL;
	}
}

int osmand_server_start(struct vigil *v, const char *host, int port, struct osmand_server **out,
			char *err, size_t errlen)
{
	struct osmand_server *s = xcalloc(1, sizeof *s);
	struct sockaddr_in sin = { 0 };
	const union MHD_DaemonInfo *info;

	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, host, &sin.sin_addr) != 1) {
		snprintf(err, errlen, "--osmand-listen: '%s' is not an IPv4 address", host);
		free(s);
		return -1;
	}
	s->v = v;
	if (!v->osmand_limits) {
		v->osmand_limits = conn_limits_new("osmand", v->cfg.osmand_max_connections,
						   v->cfg.osmand_max_per_addr);
		conn_limits_deadlines(v->osmand_limits, (int64_t)v->cfg.http_header_s * 1000,
				      (int64_t)v->cfg.http_body_s * 1000);
	}
	/* the limits come first (http/limits.h); libmicrohttpd's own total is a
	 * backstop above them.  With --osmand-tls the phones speak HTTPS with
	 * the API's certificate (read again on SIGHUP as the API's is). */
#define OSMAND_OPTIONS                                                                             \
	MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sin, MHD_OPTION_THREAD_POOL_SIZE, (unsigned)2,   \
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)POOL_BYTES,                            \
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30, MHD_OPTION_CONNECTION_LIMIT,          \
		(unsigned)v->cfg.osmand_max_connections + 256, MHD_OPTION_LISTENING_ADDRESS_REUSE, \
		(unsigned)1, MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,                         \
		MHD_OPTION_NOTIFY_CONNECTION, conn_limits_mhd_notify, v->osmand_limits,            \
		MHD_OPTION_URI_LOG_CALLBACK, on_uri, s
	if (v->cfg.osmand_tls && v->tls) {
		tls_store_use(v->tls);
		s->d = MHD_start_daemon(MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ITC | MHD_USE_TURBO |
						MHD_ALLOW_SUSPEND_RESUME | MHD_USE_TLS,
					0, conn_limits_mhd_accept, v->osmand_limits, on_request, s,
					OSMAND_OPTIONS, MHD_OPTION_HTTPS_CERT_CALLBACK2,
					tls_store_callback(), MHD_OPTION_HTTPS_PRIORITIES,
					"NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:%SERVER_PRECEDENCE",
					MHD_OPTION_END);
	} else {
		s->d = MHD_start_daemon(MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ITC | MHD_USE_TURBO |
						MHD_ALLOW_SUSPEND_RESUME,
					0, conn_limits_mhd_accept, v->osmand_limits, on_request, s,
					OSMAND_OPTIONS, MHD_OPTION_END);
	}
#undef OSMAND_OPTIONS
	if (!s->d) {
		snprintf(err, errlen, "cannot listen for OsmAnd devices on %s:%d: %s", host, port,
			 errno ? strerror(errno) : "address in use");
		free(s);
		return -1;
	}
	info = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
	s->port = info ? info->port : port;
	*out = s;
	return 0;
}

int osmand_server_port(const struct osmand_server *s)
{
	return s->port;
}

void osmand_server_stop(struct osmand_server *s)
{
	if (!s)
		return;
	/* take no new connections, and let every suspended one be answered
	 * (the committer is still running) before the daemon goes */
	MHD_quiesce_daemon(s->d);
	for (int64_t until = clock_now_ms() + 10000;
	     atomic_load(&s->pending) > 0 && clock_now_ms() < until;)
		nanosleep(&(struct timespec){ 0, 5000000 }, NULL);
	MHD_stop_daemon(s->d);
	free(s);
}
