/*
 * health — GET /healthz and GET /metrics.
 */
#include "api/api.h"

#include <stdlib.h>

#include "db/db.h"
#include "http/metrics.h"
#include "http/request.h"
#include "vigil.h"

void api_healthz(struct req *r)
{
	db_stmt *s;
	int rc;

	/* A real round trip to the database, not just "the process is up". */
	rc = db_prepare(r->db, &s, "SELECT 1");
	if (rc >= 0) {
		rc = db_step(s);
		db_finalize(s);
	}
	if (rc != DB_ROW) {
		req_add_header(r, "Retry-After", "5");
		req_fail(r, 503, "unavailable", NULL, "the database does not answer");
		return;
	}
	req_reply(r, 200,
		  json_pack("{s:s, s:s, s:i}", "status", "ok", "database", db_engine(r->db),
			    "schema_version", db_schema_version(r->db)));
}

void api_metrics(struct req *r)
{
	struct buf b;

	buf_init(&b);
	metrics_render(r->v->metrics, &b);
	req_reply_text(r, 200, "text/plain; version=0.0.4; charset=utf-8", b.data ? b.data : "");
	buf_free(&b);
}
