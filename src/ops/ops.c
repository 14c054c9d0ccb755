/*
 * ops — the context, errors and transactions every operation shares
 * (ops/ops.h).
 */
#include "ops/ops.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/log.h"
#include "base/mem.h"
#include "monitor/sinks.h"
#include "store/cases.h"
#include "store/monitor.h"
#include "store/sharing.h"
#include "vigil.h"

void ops_init(struct ops_ctx *x, struct vigil *v, db *d, const struct ops_actor *who)
{
	memset(x, 0, sizeof *x);
	x->v = v;
	x->db = d;
	if (who)
		x->who = *who;
	else
		x->who.role = ROLE_NONE;
	x->now = clock_now_ms();
}

void ops_done(struct ops_ctx *x)
{
	if (x->in_tx) {
		/* an operation returned inside its transaction: a bug, never
		 * commit it */
		log_error("an operation left its transaction open (%s); rolled back",
			  x->object[0] ? x->object : "no object");
		ops_rollback(x);
	}
	free(x->detail);
	x->detail = NULL;
}

int ops_fail(struct ops_ctx *x, int code, const char *field, const char *fmt, ...)
{
	va_list ap;

	x->err.code = code;
	snprintf(x->err.field, sizeof x->err.field, "%s", field ? field : "");
	va_start(ap, fmt);
	vsnprintf(x->err.message, sizeof x->err.message, fmt, ap);
	va_end(ap);
	return code;
}

int ops_fail_db(struct ops_ctx *x, int rc)
{
	if (rc >= 0)
		rc = DB_ERROR; /* a lookup that should have found its row */
	x->err.code = rc;
	x->err.field[0] = '\0';
	snprintf(x->err.message, sizeof x->err.message, "%s", x->db ? db_errmsg(x->db) : "");
	return rc;
}

void ops_object(struct ops_ctx *x, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(x->object, sizeof x->object, fmt, ap);
	va_end(ap);
}

void ops_detail(struct ops_ctx *x, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	free(x->detail);
	x->detail = s;
}

/* ---- transactions ------------------------------------------------------ */

int ops_begin(struct ops_ctx *x)
{
	int rc;

	if (x->caller_tx)
		return 0;
	rc = db_begin_write(x->db);
	if (rc < 0)
		return ops_fail_db(x, rc);
	x->in_tx = true;
	return 0;
}

void ops_rollback(struct ops_ctx *x)
{
	if (!x->in_tx)
		return;
	db_rollback(x->db);
	x->in_tx = false;
}

int ops_commit(struct ops_ctx *x)
{
	int rc = 0;

	if (x->answer)
		rc = x->answer(x, x->answer_arg);
	if (rc >= 0 && x->audit) {
		rc = x->audit(x, x->audit_arg);
		if (rc < 0 && !x->err.code)
			ops_fail_db(x, rc);
	}
	if (rc >= 0 && !x->caller_tx) {
		rc = db_commit(x->db);
		if (rc < 0)
			ops_fail_db(x, rc);
	}
	if (rc < 0) {
		if (!x->err.code)
			ops_fail_db(x, rc);
		ops_rollback(x);
		return rc;
	}
	x->in_tx = false;
	x->audited = x->audit != NULL;
	return 0;
}

int ops_read_begin(struct ops_ctx *x)
{
	int rc;

	if (x->caller_tx || x->in_tx)
		return 0;
	rc = db_begin(x->db);
	if (rc < 0)
		return ops_fail_db(x, rc);
	x->in_tx = true;
	return 0;
}

void ops_read_end(struct ops_ctx *x)
{
	/* a read transaction changed nothing: ending it either way is the same */
	ops_rollback(x);
}

/* ---- cases ---------------------------------------------------------------- */

void ops_viewer(const struct ops_ctx *x, struct viewer *v)
{
	v->user_id = x->who.user_id;
	v->role = x->who.role;
	v->agency_id = x->who.agency_id;
	v->device_token = x->who.device_token;
}

/* The parts of case_id the actor reads: her role's, and for a partner's
 * staff (access_role_by_share) those her agency's shares open (ops/partners
 * makes the shares).  0 on a database failure too (nothing opens). */
static unsigned case_parts(const struct ops_ctx *x, int64_t case_id)
{
	unsigned parts = access_case_parts(x->who.role), mask = 0, open = 0;

	if (!access_role_by_share(x->who.role))
		return parts;
	if (sharing_purposes(x->db, case_id, x->who.agency_id, &mask) < 0)
		return 0;
	for (int p = 0; p < PURPOSE_COUNT; p++)
		if (mask & (1u << p))
			open |= access_purpose_parts((enum share_purpose)p);
	return parts & open;
}

/* May the actor read the parts named of case_id (the response part always)? */
static bool parts_open(const struct ops_ctx *x, int64_t case_id, unsigned want)
{
	unsigned parts = case_parts(x, case_id);

	return (parts & CASE_PART_RESPONSE) && (want & ~parts) == 0;
}

int ops_case_open(struct ops_ctx *x, const char *ref, struct case_record *c)
{
	struct viewer v;
	int rc;

	memset(c, 0, sizeof *c);
	rc = case_get(x->db, ref, c);
	if (rc < 0)
		return ops_fail_db(x, rc);
	if (rc == 0)
		return ops_fail(x, ERR_NOT_FOUND, NULL, "there is no case %s", ref);
	ops_object(x, "case:%s", c->ref);
	ops_viewer(x, &v);
	rc = case_visible(x->db, c->id, &v);
	if (rc <= 0) {
		case_record_free(c);
		if (rc < 0)
			return ops_fail_db(x, rc);
		return ops_fail(x, ERR_FORBIDDEN, NULL,
				"case %s is not one you may see (not yours, not assigned to you, "
				"or of another agency)",
				ref);
	}
	/* need to know: seeing the case does not open every part of it */
	if (!parts_open(x, c->id, x->parts & (CASE_PART_FILE | CASE_PART_VICTIM_CARE | CASE_PART_CLINICAL))) {
		case_record_free(c);
		return ops_fail(x, ERR_NEED_TO_KNOW, NULL,
				"this part of case %s is not open to your role (%s), which sees of a "
				"case %s",
				ref, access_role_name(x->who.role), access_case_view_summary(x->who.role));
	}
	return 0;
}

int ops_begin_case(struct ops_ctx *x, const char *ref, struct case_record *c)
{
	int rc = ops_begin(x);

	memset(c, 0, sizeof *c);
	if (rc >= 0)
		rc = ops_case_open(x, ref, c);
	if (rc < 0)
		ops_rollback(x);
	return rc;
}

int ops_end(struct ops_ctx *x, int rc)
{
	if (rc < 0 && !x->err.code)
		ops_fail_db(x, rc);
	if (rc >= 0) {
		int c = ops_commit(x);

		if (c < 0)
			rc = c;
	}
	if (rc < 0)
		ops_rollback(x);
	return rc;
}

int ops_end_seen(struct ops_ctx *x, int rc)
{
	if (rc > 0)
		rc = alert_events_announce(x->db);
	rc = ops_end(x, rc);
	if (rc >= 0)
		sinks_events(x->v->sinks); /* this node's */
	return rc;
}

int ops_event(struct ops_ctx *x, int64_t case_id, const char *kind, const char *fmt, ...)
{
	struct buf b;
	va_list ap;
	int rc;

	buf_init(&b);
	if (fmt) {
		va_start(ap, fmt);
		buf_vprintf(&b, fmt, ap);
		va_end(ap);
	}
	rc = case_event_add(x->db, case_id, x->who.user_id, x->who.username, kind,
			    fmt ? b.data : NULL);
	buf_free(&b);
	return rc;
}

int ops_stale(struct ops_ctx *x, const char *what, int64_t sent, int64_t now)
{
	return ops_fail(x, ERR_STALE_VERSION, "version",
			"the %s has changed since you read it (you sent version %lld, it is now "
			"%lld); reload it and try again",
			what, (long long)sent, (long long)now);
}

int ops_found(struct ops_ctx *x, int rc, const char *ref, const char *what, int64_t id)
{
	if (rc == 0)
		return ops_fail(x, ERR_NOT_FOUND, NULL, "case %s has no %s %lld", ref, what,
				(long long)id);
	return rc;
}
