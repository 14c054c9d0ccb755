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
#include "store/each.h"

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

/* db_row_fn: a list's row (CASE_COLS, then its own). */
static void list_row(db_stmt *s, void *out)
{
	struct compliance_row *row = out;

	row->ref = db_column_text(s, 0);
	row->status = db_column_text(s, 1);
	row->risk_level = db_column_text(s, 2);
	row->typology = db_column_text(s, 3);
	row->owner = db_column_text(s, 4);
	row->case_created_at = db_column_int64(s, 5);
	row->id = db_column_int64(s, 6);
	row->kind = db_column_text(s, 7);
	row->text = db_column_text(s, 8);
	row->who = db_column_text(s, 9);
	row->at = db_column_int64(s, 10);
	row->other_id = db_column_int64(s, 11);
}

STORE_EACH(list_each, struct compliance_row, list_row);

/* Prepare sql, a query of list l, and bind the list's parameters: the next
 * parameter's index, or negative. */
static int list_query(db *d, db_stmt **s, const char *sql, enum compliance_list l,
		      const struct compliance_params *p)
{
	int rc = db_prepare(d, s, sql);

	return rc < 0 ? rc : bind_list(*s, l, p);
}

int compliance_list_each(db *d, enum compliance_list l, const struct compliance_params *p,
			 int (*fn)(const struct compliance_row *r, void *arg), void *arg)
{
	struct list_each e = { fn, arg, 0 };
	char *sql;
	db_stmt *s;
	int i;

	if (l < 0 || l >= COMPLIANCE_LIST_COUNT)
		return DB_ERROR;
	sql = xasprintf("SELECT " CASE_COLS "%s%s%s LIMIT ?", lists[l].cols, lists[l].from,
			lists[l].order);
	i = list_query(d, &s, sql, l, p);
	free(sql);
	if (i < 0)
		return i;
	db_bind_int64(s, i, p->limit);
	return db_rows(s, list_each_row, &e);
}

/* db_each_fn: the first column of the first row into *arg. */
static int take_int64(db_stmt *s, void *arg)
{
	*(int64_t *)arg = db_column_int64(s, 0);
	return 1;
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
	rc = list_query(d, &s, sql, l, p);
	free(sql);
	if (rc < 0)
		return rc;
	rc = db_rows(s, take_int64, &n);
	return rc < 0 ? rc : n;
}

struct coverage_each {
	int (*fn)(const char *risk_level, const char *typology, int64_t open, int64_t with_plan,
		  void *arg);
	void *arg;
};

static int coverage_each_row(db_stmt *s, void *arg)
{
	struct coverage_each *e = arg;

	return e->fn(db_column_text(s, 0), db_column_text(s, 1), db_column_int64(s, 2),
		     db_column_int64(s, 3), e->arg);
}

int compliance_coverage_each(db *d, const struct compliance_params *p,
			     int (*fn)(const char *risk_level, const char *typology, int64_t open,
				       int64_t with_plan, void *arg),
			     void *arg)
{
	struct coverage_each e = { fn, arg };

	return db_each(d, coverage_each_row, &e,
		       "SELECT c.risk_level, c.typology, COUNT(*),"
		       " SUM(CASE WHEN " CURRENT_PLAN " THEN 1 ELSE 0 END)"
		       " FROM cases c WHERE c.agency_id = ? AND c.status <> 'closed'"
		       " GROUP BY c.risk_level, c.typology",
		       "i", p->agency_id);
}

/* ---- monthly statistics ---------------------------------------------------------- */

static int cmp64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/* db_row_fn: the month's reports, open and with a plan. */
static void reports_row(db_stmt *s, void *out)
{
	struct stats_month *m = out;

	m->reports = db_column_int64(s, 0);
	m->reports_open = db_column_int64(s, 1);
	m->reports_with_plan = db_column_int64(s, 2);
}

/* db_row_fn: the month's order applications, grants and breaches. */
static void orders_row(db_stmt *s, void *out)
{
	struct stats_month *m = out;

	m->order_applications = db_column_int64(s, 0);
	m->order_grants = db_column_int64(s, 1);
	m->breaches = db_column_int64(s, 2);
}

struct typology_each {
	int (*fn)(const char *typology, const char *risk_level, int64_t n, void *arg);
	void *arg;
};

static int typology_each_row(db_stmt *s, void *arg)
{
	struct typology_each *e = arg;

	return e->fn(db_column_text(s, 0), db_column_text(s, 1), db_column_int64(s, 2), e->arg);
}

/* The times from report to first assessment, collected. */
struct assess_times {
	struct stats_month *m;
	int64_t *v, sum;
	size_t n, cap;
};

static int assess_time_row(db_stmt *s, void *arg)
{
	struct assess_times *a = arg;

	if (a->n == a->cap) {
		a->cap = a->cap ? a->cap * 2 : 64;
		a->v = xrealloc(a->v, a->cap * sizeof *a->v);
	}
	a->v[a->n] = db_column_int64(s, 1) - db_column_int64(s, 0);
	/* an assessment cannot come before the report: such a row is an
	 * error in the data, not a negative time to average in */
	if (a->v[a->n] < 0) {
		a->m->assessed_before_report++;
		return 0;
	}
	a->sum += a->v[a->n++];
	return 0;
}

int stats_month_get(db *d, int64_t agency_id, struct stats_month *m,
		    int (*fn)(const char *typology, const char *risk_level, int64_t n, void *arg),
		    void *arg)
{
	struct typology_each e = { fn, arg };
	struct assess_times a = { m, NULL, 0, 0, 0 };
	size_t n;
	int64_t *v;
	int rc;

	rc = db_one(d, reports_row, m,
		    "SELECT COUNT(*), SUM(CASE WHEN c.status <> 'closed' THEN 1 ELSE 0 END),"
		    " SUM(CASE WHEN c.status <> 'closed' AND " CURRENT_PLAN " THEN 1 ELSE 0 END)"
		    " FROM cases c WHERE c.agency_id = ?"
		    " AND c.created_at >= ? AND c.created_at < ?",
		    "iii", agency_id, m->from, m->to);
	if (rc < 0)
		return rc;

	rc = db_each(d, typology_each_row, &e,
		     "SELECT c.typology, c.risk_level, COUNT(*) FROM cases c WHERE c.agency_id = ?"
		     " AND c.created_at >= ? AND c.created_at < ?"
		     " GROUP BY c.typology, c.risk_level",
		     "iii", agency_id, m->from, m->to);
	if (rc < 0)
		return rc;

	rc = db_one(d, orders_row, m,
		    "SELECT (SELECT COUNT(*) FROM orders ord JOIN cases c ON c.id = ord.case_id"
		    "   WHERE c.agency_id = ? AND ord.kind <> 'pin_historic'"
		    "   AND ord.applied_at >= ? AND ord.applied_at < ?),"
		    " (SELECT COUNT(*) FROM orders ord JOIN cases c ON c.id = ord.case_id"
		    "   WHERE c.agency_id = ? AND ord.kind <> 'pin_historic'"
		    "   AND ord.granted_at >= ? AND ord.granted_at < ?),"
		    " (SELECT COUNT(*) FROM breaches b JOIN cases c ON c.id = b.case_id"
		    "   WHERE c.agency_id = ? AND b.occurred_at >= ? AND b.occurred_at < ?)",
		    "iiiiiiiii", agency_id, m->from, m->to, agency_id, m->from, m->to, agency_id,
		    m->from, m->to);
	if (rc < 0)
		return rc;

	/* from report to first assessment, for the cases first assessed this month */
	rc = db_each(d, assess_time_row, &a,
		     "SELECT c.created_at, MIN(a.assessed_at) FROM cases c"
		     " JOIN assessments a ON a.case_id = c.id WHERE c.agency_id = ?"
		     " GROUP BY c.id, c.created_at"
		     " HAVING MIN(a.assessed_at) >= ? AND MIN(a.assessed_at) < ?",
		     "iii", agency_id, m->from, m->to);
	n = a.n;
	v = a.v;
	m->assessed = (int64_t)n;
	m->assess_median_ms = m->assess_mean_ms = 0;
	if (n) {
		qsort(v, n, sizeof *v, cmp64);
		m->assess_median_ms = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
		m->assess_mean_ms = a.sum / (int64_t)n;
	}
	free(v);
	return rc < 0 ? rc : 0;
}
