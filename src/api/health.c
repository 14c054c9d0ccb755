/*
 * health — GET /healthz and GET /metrics.
 */
#include "api/api.h"

#include <stdlib.h>

#include "db/db.h"
#include "http/metrics.h"
#include "http/limits.h"
#include "http/request.h"
#include "ingest/accept.h"
#include "monitor/node.h"
#include "vigil.h"

void api_healthz(struct req *r)
{
	/* A real round trip to the database, not just "the process is up". */
	int version = db_schema_read(r->db);

	if (version < 0) {
		req_add_header(r, "Retry-After", "5");
		req_fail(r, 503, "unavailable", NULL, "the database does not answer");
		return;
	}
	/* engine: whether this node runs the monitoring engine or stands by */
	req_reply(r, 200,
		  json_pack("{s:s, s:s, s:I, s:s}", "status", "ok", "database", db_engine(r->db),
			    "schema_version", (json_int_t)version, "engine",
			    node_leads(r->v->node) ? "leader" : "standby"));
}

void api_metrics(struct req *r)
{
	struct buf b;

	buf_init(&b);
	metrics_render(r->v->metrics, &b);
	if (r->v->node)
		node_metrics(r->v->node, &b);
	{
		unsigned long long stored, dup, unknown, rejected;

		ingest_counters(&stored, &dup, &unknown, &rejected);
		buf_printf(&b,
			   "# HELP vigil_fixes_total Fixes received, by what became of them.\n"
			   "# TYPE vigil_fixes_total counter\n"
			   "vigil_fixes_total{result=\"stored\"} %llu\n"
			   "vigil_fixes_total{result=\"duplicate\"} %llu\n"
			   "vigil_fixes_total{result=\"unknown_device\"} %llu\n"
			   "vigil_fixes_total{result=\"rejected\"} %llu\n",
			   stored, dup, unknown, rejected);
	}
	buf_puts(&b, "# HELP vigil_connections_open Connections open now, by port.\n"
		     "# TYPE vigil_connections_open gauge\n"
		     "# HELP vigil_connection_limit The connection limits, by port: in all and per address.\n"
		     "# TYPE vigil_connection_limit gauge\n"
		     "# HELP vigil_refused_total What was refused before anyone signed in, by port and why.\n"
		     "# TYPE vigil_refused_total counter\n"
		     "# HELP vigil_connections_cut_total Connections cut, by port and why: past the header "
		     "or body deadline, or the oldest waiting one when the port was full.\n"
		     "# TYPE vigil_connections_cut_total counter\n");
	conn_limits_render(r->v->api_limits, &b);
	conn_limits_render(r->v->osmand_limits, &b);
	conn_limits_render(r->v->tel_limits, &b);
	req_reply_text(r, 200, "text/plain; version=0.0.4; charset=utf-8", b.data ? b.data : "");
	buf_free(&b);
}
