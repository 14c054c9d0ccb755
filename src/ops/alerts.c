/*
 * ops/alerts — the desk's work on an alert (ops/alerts.h).
 */
#include "ops/alerts.h"

#include <stdio.h>
#include <string.h>

#include "monitor/sinks.h"
#include "store/cases.h"
#include "store/orders.h"
#include "vigil.h"

int ops_alert_open(struct ops_ctx *x, int64_t id, struct alert *a)
{
	struct viewer v;
	int rc;

	memset(a, 0, sizeof *a);
	rc = id > 0 ? alert_get(x->db, id, a) : 0;
	if (rc <= 0)
		return rc < 0 ? ops_fail_db(x, rc)
			      : ops_fail(x, ERR_NOT_FOUND, NULL, "there is no alert %lld",
					 (long long)id);
	ops_object(x, "alert:%lld", (long long)id);
	ops_viewer(x, &v);
	rc = case_visible(x->db, a->case_id, &v);
	if (rc != 1) {
		alert_free(a);
		memset(a, 0, sizeof *a);
		return rc < 0 ? ops_fail_db(x, rc)
			      : ops_fail(x, ERR_FORBIDDEN, NULL, "alert %lld is on a case you may not see",
					 (long long)id);
	}
	return 0;
}

/* May an alert in state from be moved to to? */
static bool may_move(const char *from, const char *to)
{
	if (!strcmp(to, "acknowledged"))
		return !strcmp(from, "open");
	if (!strcmp(to, "dispatched"))
		return !strcmp(from, "open") || !strcmp(from, "acknowledged");
	return strcmp(from, "resolved") != 0;
}

int ops_alert_move(struct ops_ctx *x, int64_t id, const struct ops_alert_move *in,
		   struct alert *a, const char **breach)
{
	char from[16];
	int rc;

	*breach = NULL;
	memset(a, 0, sizeof *a);
	rc = ops_begin(x);
	if (rc >= 0)
		rc = ops_alert_open(x, id, a);
	if (rc < 0)
		goto out;
	snprintf(from, sizeof from, "%s", a->state);
	/* a desk that saw an older version is told so, whatever the move */
	if (in->version && in->version != a->version) {
		rc = ops_stale(x, "alert", in->version, a->version);
		goto out;
	}
	alert_free(a);
	memset(a, 0, sizeof *a);
	if (!may_move(from, in->to)) {
		rc = ops_fail(x, ERR_ILLEGAL_TRANSITION, NULL, "alert %lld is %s: it cannot be %s",
			      (long long)id, from, in->to);
		goto out;
	}
	ops_detail(x, "%s -> %s%s%s", from, in->to, in->outcome ? ": " : "",
		   in->outcome ? in->outcome : "");
	/* the state read and the version sent are both in the UPDATE's WHERE */
	rc = alert_transition(x->db, id, in->version, from, in->to, x->who.user_id, in->outcome,
			      in->note);
	if (rc == 0) {
		rc = ops_fail(x, ERR_STALE_VERSION, "version",
			      "the alert changed since you read it; reload it");
		goto out;
	}
	/* the other nodes' streams hear of the event when it commits */
	if (rc > 0)
		rc = alert_event_add(x->db, id, in->to) < 0 ? DB_ERROR : 0;
	/* a confirmed breach is recorded against the case's order in force, in
	 * the same transaction (with its incident, crime task and review) */
	if (rc >= 0 && in->outcome && !strcmp(in->outcome, "breach_confirmed")) {
		struct alert now;

		rc = alert_get(x->db, id, &now);
		if (rc == 1) {
			int b = breach_record_from_alert(x->db, now.case_id, id, in->note,
							 x->who.user_id);

			rc = b < 0 && b != BREACH_NO_ORDER ? b : 0;
			if (rc >= 0)
				*breach = b == 0 ? "recorded" : b == 1 ? "already recorded"
								  : "no order in force";
			alert_free(&now);
		} else if (rc == 0) {
			rc = DB_ERROR;
		}
	}
	if (rc >= 0 && alert_get(x->db, id, a) != 1)
		rc = DB_ERROR;
out:
	rc = ops_end(x, rc);
	if (rc >= 0) {
		sinks_events(x->v->sinks); /* this node's streams */
	} else {
		/* refused (a stale version holds the alert as read): nothing kept */
		alert_free(a);
		memset(a, 0, sizeof *a);
	}
	return rc;
}

int64_t ops_alert_step(struct ops_ctx *x, int64_t id, const char *step)
{
	struct alert a;
	int64_t ev;
	int rc;

	rc = ops_begin(x);
	if (rc >= 0)
		rc = ops_alert_open(x, id, &a);
	if (rc < 0)
		return ops_end(x, rc);
	alert_free(&a);
	ops_detail(x, "%s", step);
	/* not if it is resolved: checked under the events' lock */
	ev = alert_step_add(x->db, id, step, x->now);
	if (ev == 0)
		ev = ops_fail(x, ERR_ILLEGAL_TRANSITION, NULL, "alert %lld is resolved", (long long)id);
	rc = ops_end(x, ev < 0 ? (int)ev : 0);
	if (rc < 0)
		return rc;
	sinks_events(x->v->sinks);
	return ev;
}
