/*
 * store/compliance — SQL for the compliance lists, plan coverage and the
 * monthly statistics.
 *
 * Every list query yields the same columns (see struct compliance_row), so
 * one reader serves them all; its count is the same FROM/WHERE counted.
 */
#include "store/compliance.h"

#include <stdlib.h>
#include <string.h>

#include "base/mem.h"

#define DAY_MS (24LL * 3600 * 1000)

/* A case with a current plan: an action not abandoned. */
#define CURRENT_PLAN                                                                        \
	"EXISTS (SELECT 1 FROM plan_actions pa WHERE pa.case_id = c.id"                     \
	" AND pa.status <> 'not_done')"

#define LAST_CONTACT "(SELECT MAX(v.contacted_at) FROM victim_contacts v WHERE v.case_id = c.id)"

#define CASE_COLS "c.ref, c.status, c.risk_level, c.typology, o.username, c.created_at, "
#define CASE_FROM " FROM cases c JOIN users o ON o.id = c.owner_id"

struct list_sql {
	const char *cols;  /* after CASE_COLS: id, kind, text, who, at, other_id */
	const char *from;  /* FROM ... WHERE ..., starting with c.agency_id = ? */
	const char *order;
};

static const struct list_sql lists[COMPLIANCE_LIST_COUNT] = {
	[COMPLIANCE_NO_PLAN] = {
		"0, NULL, NULL, NULL, 0, 0",
		CASE_FROM " WHERE c.agency_id = ? AND c.status <> 'closed' AND NOT " CURRENT_PLAN,
		" ORDER BY c.created_at, c.id" },
	[COMPLIANCE_ACTIONS_OVERDUE] = {
		"a.id, a.category, a.description, w.username, a.due_at, 0",
		" FROM plan_actions a JOIN cases c ON c.id = a.case_id"
		" JOIN users o ON o.id = c.owner_id LEFT JOIN users w ON w.id = a.owner_id"
		" WHERE c.agency_id = ? AND c.status <> 'closed'"
		" AND a.status IN ('planned', 'in_progress') AND a.due_at IS NOT NULL AND a.due_at < ?",
		" ORDER BY a.due_at, a.id" },
	[COMPLIANCE_REVIEWS_OVERDUE] = {
		"0, NULL, NULL, NULL, c.review_due_at, 0",
		CASE_FROM " WHERE c.agency_id = ? AND c.status <> 'closed'"
		" AND c.review_due_at IS NOT NULL AND c.review_due_at < ?",
		" ORDER BY c.review_due_at, c.id" },
	[COMPLIANCE_NOT_CONTACTED] = {
		"0, NULL, NULL, NULL, COALESCE(" LAST_CONTACT ", 0), 0",
		CASE_FROM " WHERE c.agency_id = ? AND c.status <> 'closed'"
		" AND COALESCE(" LAST_CONTACT ", c.created_at) < ?",
		" ORDER BY COALESCE(" LAST_CONTACT ", c.created_at), c.id" },
	[COMPLIANCE_TASKS_OVERDUE] = {
		"t.id, t.event, t.detail, NULL, t.due_at, 0",
		" FROM case_tasks t JOIN cases c ON c.id = t.case_id JOIN users o ON o.id = c.owner_id"
		" WHERE c.agency_id = ? AND t.kind = 'notify_victim' AND t.done_at IS NULL"
		" AND t.due_at < ?",
		" ORDER BY t.due_at, t.id" },
	[COMPLIANCE_BREACHES_NO_CRIME] = {
		"b.id, NULL, b.description, NULL, b.occurred_at, b.order_id",
		" FROM breaches b JOIN cases c ON c.id = b.case_id JOIN users o ON o.id = c.owner_id"
		" WHERE c.agency_id = ? AND b.crime_reference IS NULL",
		" ORDER BY b.occurred_at, b.id" },
	[COMPLIANCE_HIGH_NO_ADVOCATE] = {
		"0, NULL, NULL, NULL, 0, 0",
		CASE_FROM " WHERE c.agency_id = ? AND c.status <> 'closed' AND c.risk_level = 'high'"
		" AND NOT EXISTS (SELECT 1 FROM victim_referrals vr WHERE vr.case_id = c.id"
		"   AND vr.service = 'advocacy')",
		" ORDER BY c.created_at, c.id" },
	[COMPLIANCE_ORDERS_ENDING] = {
		"ord.id, ord.kind, NULL, NULL, ord.ends_at, 0",
		" FROM orders ord JOIN cases c ON c.id = ord.case_id JOIN users o ON o.id = c.owner_id"
		" WHERE c.agency_id = ? AND ord.status = 'granted' AND ord.kind <> 'pin_historic'"
		" AND ord.ends_at IS NOT NULL AND ord.ends_at > ? AND ord.ends_at <= ?"
		" AND (ord.starts_at IS NULL OR ord.starts_at <= ?)",
		" ORDER BY ord.ends_at, ord.id" },
};

/* Bind a list's parameters (the agency first); returns the next index. */
static int bind_list(db_stmt *s, enum compliance_list l, const struct compliance_params *p)
{
	int i = 1;

	db_bind_int64(s, i++, p->agency_id);
	switch (l) {
	case COMPLIANCE_ACTIONS_OVERDUE:
	case COMPLIANCE_REVIEWS_OVERDUE:
	case COMPLIANCE_TASKS_OVERDUE:
		db_bind_int64(s, i++, p->now);
		break;
	case COMPLIANCE_NOT_CONTACTED:
		db_bind_int64(s, i++, p->now - (int64_t)p->contact_days * DAY_MS);
		break;
	case COMPLIANCE_ORDERS_ENDING:
		db_bind_int64(s, i++, p->now);
		db_bind_int64(s, i++, p->now + (int64_t)p->ending_days * DAY_MS);
		db_bind_int64(s, i++, p->now);
		break;
	default:
		break;
	}
	return i;
}

int compliance_list_each(db *d, enum compliance_list l, const struct compliance_params *p,
			 int (*fn)(const struct compliance_row *r, void *arg), void *arg)
{
	struct compliance_row row;
	char *sql;
	db_stmt *s;
	int rc, i;

	if (l < 0 || l >= COMPLIANCE_LIST_COUNT)
		return DB_ERROR;
	sql = xasprintf("SELECT " CASE_COLS "%s%s%s LIMIT ?", lists[l].cols, lists[l].from,
			lists[l].order);
	rc = db_prepare(d, &s, sql);
	free(sql);
	if (rc < 0)
		return rc;
	i = bind_list(s, l, p);
	db_bind_int64(s, i, p->limit);
	while ((rc = db_step(s)) == DB_ROW) {
		row.ref = db_column_text(s, 0);
		row.status = db_column_text(s, 1);
		row.risk_level = db_column_text(s, 2);
		row.typology = db_column_text(s, 3);
		row.owner = db_column_text(s, 4);
		row.case_created_at = db_column_int64(s, 5);
		row.id = db_column_int64(s, 6);
		row.kind = db_column_text(s, 7);
		row.text = db_column_text(s, 8);
		row.who = db_column_text(s, 9);
		row.at = db_column_int64(s, 10);
		row.other_id = db_column_int64(s, 11);
		if (fn(&row, arg))
			break;
	}
	db_finalize(s);
	return rc < 0 ? rc : 0;
}

int64_t compliance_list_count(db *d, enum compliance_list l, const struct compliance_params *p)
{
	int64_t n = 0;
	char *sql;
	db_stmt *s;
	int rc;

	if (l < 0 || l >= COMPLIANCE_LIST_COUNT)
		return DB_ERROR;
	sql = xasprintf("SELECT COUNT(*)%s", lists[l].from);
	rc = db_prepare(d, &s, sql);
	free(sql);
	if (rc < 0)
		return rc;
	bind_list(s, l, p);
	rc = db_step(s);
	if (rc == DB_ROW)
		n = db_column_int64(s, 0);
	db_finalize(s);
	return rc < 0 ? rc : n;
}

int compliance_coverage_each(db *d, const struct compliance_params *p,
			     int (*fn)(const char *risk_level, const char *typology, int64_t open,
				       int64_t with_plan, void *arg),
			     void *arg)
{
	db_stmt *s;
	int rc;

	rc = db_prepare(d, &s,
			"SELECT c.risk_level, c.typology, COUNT(*),"
			" SUM(CASE WHEN " CURRENT_PLAN " THEN 1 ELSE 0 END)"
			" FROM cases c WHERE c.agency_id = ? AND c.status <> 'closed'"
			" GROUP BY c.risk_level, c.typology");
	if (rc < 0)
		return rc;
	db_bind_int64(s, 1, p->agency_id);
	while ((rc = db_step(s)) == DB_ROW)
		if (fn(db_column_text(s, 0), db_column_text(s, 1), db_column_int64(s, 2),
		       db_column_int64(s, 3), arg))
			break;
	db_finalize(s);
	return rc < 0 ? rc : 0;
}

/* ---- monthly statistics ---------------------------------------------------------- */

static int cmp64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

int stats_month_get(db *d, int64_t agency_id, struct stats_month *m,
		    int (*fn)(const char *typology, const char *risk_level, int64_t n, void *arg),
		    void *arg)
{
	int64_t *v = NULL, sum = 0;
	size_t n = 0, cap = 0;
	db_stmt *s;
	int rc;

	rc = db_prepare(d, &s,
			"SELECT COUNT(*), SUM(CASE WHEN c.status <> 'closed' THEN 1 ELSE 0 END),"
			" SUM(CASE WHEN c.status <> 'closed' AND " CURRENT_PLAN " THEN 1 ELSE 0 END)"
			" FROM cases c WHERE c.agency_id = ? AND c.created_at >= ? AND c.created_at < ?");
	if (rc < 0)
		return rc;
	db_bind_int64(s, 1, agency_id);
	db_bind_int64(s, 2, m->from);
	db_bind_int64(s, 3, m->to);
	rc = db_step(s);
	if (rc == DB_ROW) {
		m->reports = db_column_int64(s, 0);
		m->reports_open = db_column_int64(s, 1);
		m->reports_with_plan = db_column_int64(s, 2);
	}
	db_finalize(s);
	if (rc < 0)
		return rc;

	rc = db_prepare(d, &s,
			"SELECT c.typology, c.risk_level, COUNT(*) FROM cases c WHERE c.agency_id = ?"
			" AND c.created_at >= ? AND c.created_at < ? GROUP BY c.typology, c.risk_level");
	if (rc < 0)
		return rc;
	db_bind_int64(s, 1, agency_id);
	db_bind_int64(s, 2, m->from);
	db_bind_int64(s, 3, m->to);
	while ((rc = db_step(s)) == DB_ROW)
		if (fn(db_column_text(s, 0), db_column_text(s, 1), db_column_int64(s, 2), arg))
			break;
	db_finalize(s);
	if (rc < 0)
		return rc;

	rc = db_prepare(d, &s,
			"SELECT (SELECT COUNT(*) FROM orders ord JOIN cases c ON c.id = ord.case_id"
			"   WHERE c.agency_id = ? AND ord.kind <> 'pin_historic'"
			"   AND ord.applied_at >= ? AND ord.applied_at < ?),"
			" (SELECT COUNT(*) FROM orders ord JOIN cases c ON c.id = ord.case_id"
			"   WHERE c.agency_id = ? AND ord.kind <> 'pin_historic'"
			"   AND ord.granted_at >= ? AND ord.granted_at < ?),"
			" (SELECT COUNT(*) FROM breaches b JOIN cases c ON c.id = b.case_id"
			"   WHERE c.agency_id = ? AND b.occurred_at >= ? AND b.occurred_at < ?)");
	if (rc < 0)
		return rc;
	for (int k = 0; k < 3; k++) {
		db_bind_int64(s, 3 * k + 1, agency_id);
		db_bind_int64(s, 3 * k + 2, m->from);
		db_bind_int64(s, 3 * k + 3, m->to);
	}
	rc = db_step(s);
	if (rc == DB_ROW) {
		m->order_applications = db_column_int64(s, 0);
		m->order_grants = db_column_int64(s, 1);
		m->breaches = db_column_int64(s, 2);
	}
	db_finalize(s);
	if (rc < 0)
		return rc;

	/* from report to first assessment, for the cases first assessed this month */
	rc = db_prepare(d, &s,
			"SELECT c.created_at, MIN(a.assessed_at) FROM cases c"
			" JOIN assessments a ON a.case_id = c.id WHERE c.agency_id = ?"
			" GROUP BY c.id, c.created_at"
			" HAVING MIN(a.assessed_at) >= ? AND MIN(a.assessed_at) < ?");
	if (rc < 0)
		return rc;
	db_bind_int64(s, 1, agency_id);
	db_bind_int64(s, 2, m->from);
	db_bind_int64(s, 3, m->to);
	while ((rc = db_step(s)) == DB_ROW) {
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			v = xrealloc(v, cap * sizeof *v);
		}
		v[n] = db_column_int64(s, 1) - db_column_int64(s, 0);
		/* an assessment cannot come before the report: such a row is an
		 * error in the data, not a negative time to average in */
		if (v[n] < 0) {
			m->assessed_before_report++;
			continue;
		}
		sum += v[n++];
	}
	db_finalize(s);
	m->assessed = (int64_t)n;
	m->assess_median_ms = m->assess_mean_ms = 0;
	if (n) {
		qsort(v, n, sizeof *v, cmp64);
		m->assess_median_ms = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
		m->assess_mean_ms = sum / (int64_t)n;
	}
	free(v);
	return rc < 0 ? rc : 0;
}
