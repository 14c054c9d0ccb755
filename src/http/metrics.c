/*
 * http/metrics — Prometheus text exposition (version 0.0.4).
 */
#include "http/metrics.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "db/db.h"
#include "http/route.h"

static const int statuses[] = { 200, 201, 204, 304, 400, 401, 403, 404, 405,
				409, 413, 415, 429, 500, 503 };
#define NSTATUS ((int)(sizeof statuses / sizeof statuses[0]) + 1) /* + "other" */

static const double buckets_ms[] = { 0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500 };
#define NBUCKET ((int)(sizeof buckets_ms / sizeof buckets_ms[0]))

struct series {
	atomic_uint_fast64_t count[NSTATUS];
	atomic_uint_fast64_t bucket[NBUCKET]; /* cumulative at render time */
	atomic_uint_fast64_t total;
	atomic_uint_fast64_t sum_us;
};

struct metrics {
	const struct route *routes;
	size_t nroutes;
	struct series *s; /* nroutes + 1: the last is "unmatched" */
	int64_t started_ms;
};

struct metrics *metrics_new(const struct route *routes, size_t nroutes)
{
	struct metrics *m = xcalloc(1, sizeof *m);

	m->routes = routes;
	m->nroutes = nroutes;
	m->s = xcalloc(nroutes + 1, sizeof *m->s);
	return m;
}

void metrics_free(struct metrics *m)
{
	if (!m)
		return;
	free(m->s);
	free(m);
}

void metrics_record(struct metrics *m, int route_index, int status, int64_t duration_ns)
{
	struct series *s = &m->s[route_index < 0 ? (int)m->nroutes : route_index];
	double ms = (double)duration_ns / 1e6;
	int si = NSTATUS - 1;

	for (int i = 0; i < NSTATUS - 1; i++)
		if (statuses[i] == status)
			si = i;
	atomic_fetch_add(&s->count[si], 1);
	for (int i = 0; i < NBUCKET; i++)
		if (ms <= buckets_ms[i]) {
			atomic_fetch_add(&s->bucket[i], 1);
			break;
		}
	atomic_fetch_add(&s->total, 1);
	atomic_fetch_add(&s->sum_us, (uint_fast64_t)(duration_ns / 1000));
}

static const char *label(struct metrics *m, size_t i)
{
	return i < m->nroutes ? m->routes[i].name : "unmatched";
}

void metrics_render(struct metrics *m, struct buf *out)
{
	buf_puts(out, "# HELP vigil_http_requests_total HTTP requests by route and status.\n"
		      "# TYPE vigil_http_requests_total counter\n");
	for (size_t i = 0; i <= m->nroutes; i++) {
		/* several table rows share a name (GET and POST of one resource
		 * have different names, so this does not happen today) */
		for (int k = 0; k < NSTATUS; k++) {
			uint64_t c = atomic_load(&m->s[i].count[k]);

			if (!c)
				continue;
			if (k < NSTATUS - 1)
				buf_printf(out,
					   "vigil_http_requests_total{route=\"%s\",status=\"%d\"} %llu\n",
					   label(m, i), statuses[k], (unsigned long long)c);
			else
				buf_printf(out,
					   "vigil_http_requests_total{route=\"%s\",status=\"other\"} %llu\n",
					   label(m, i), (unsigned long long)c);
		}
	}
	buf_puts(out, "# HELP vigil_http_request_duration_seconds Time from the request's "
		      "arrival to its answer.\n"
		      "# TYPE vigil_http_request_duration_seconds histogram\n");
	for (size_t i = 0; i <= m->nroutes; i++) {
		uint64_t total = atomic_load(&m->s[i].total), cum = 0;

		if (!total)
			continue;
		for (int b = 0; b < NBUCKET; b++) {
			cum += atomic_load(&m->s[i].bucket[b]);
			buf_printf(out,
				   "vigil_http_request_duration_seconds_bucket{route=\"%s\",le=\"%g\"} %llu\n",
				   label(m, i), buckets_ms[b] / 1000.0, (unsigned long long)cum);
		}
		buf_printf(out,
			   "vigil_http_request_duration_seconds_bucket{route=\"%s\",le=\"+Inf\"} %llu\n",
			   label(m, i), (unsigned long long)total);
		buf_printf(out, "vigil_http_request_duration_seconds_sum{route=\"%s\"} %.6f\n",
			   label(m, i), (double)atomic_load(&m->s[i].sum_us) / 1e6);
		buf_printf(out, "vigil_http_request_duration_seconds_count{route=\"%s\"} %llu\n",
			   label(m, i), (unsigned long long)total);
	}
	buf_printf(out,
		   "# HELP vigil_db_errors_total Database statements that failed.\n"
		   "# TYPE vigil_db_errors_total counter\n"
		   "vigil_db_errors_total %llu\n"
		   "# HELP vigil_db_reconnects_total Database connections connected again after the "
		   "server ended them or went away.\n"
		   "# TYPE vigil_db_reconnects_total counter\n"
		   "vigil_db_reconnects_total %llu\n",
		   (unsigned long long)db_error_count(), (unsigned long long)db_reconnect_count());
}
