/*
 * store/plans — SQL for plans, actions, versions, suggestion decisions and
 * reviews.
 */
#include "store/plans.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/mem.h"
#include "core/victim.h"

static void copy(char *dst, size_t n, const char *src)
{
	snprintf(dst, n, "%s", src ? src : "");
}

static void bind_opt(db_stmt *s, int i, int64_t v)
{
	if (v)
		db_bind_int64(s, i, v);
	else
		db_bind_null(s, i);
}

void plan_record_free(struct plan_record *p)
{
	if (!p)
		return;
	free(p->summary);
	memset(p, 0, sizeof *p);
}

int plan_get(db *d, int64_t case_id, struct plan_record *out)
{
	db_stmt *s;
	int rc;

	rc = db_prepare(d, &s,
			"SELECT p.id, p.case_id, p.summary, cb.username, p.created_at, ub.username,"
			" p.updated_at, p.version FROM plans p"
			" JOIN users cb ON cb.id = p.created_by JOIN users ub ON ub.id = p.updated_by"
			" WHERE p.case_id = ?");
	if (rc < 0)
		return rc;
	db_bind_int64(s, 1, case_id);
	rc = db_step(s);
	if (rc == DB_ROW) {
		memset(out, 0, sizeof *out);
		out->id = db_column_int64(s, 0);
		out->case_id = db_column_int64(s, 1);
		out->summary = db_column_text(s, 2) ? xstrdup(db_column_text(s, 2)) : NULL;
		copy(out->created_by, sizeof out->created_by, db_column_text(s, 3));
		out->created_at = db_column_int64(s, 4);
		copy(out->updated_by, sizeof out->updated_by, db_column_text(s, 5));
		out->updated_at = db_column_int64(s, 6);
		out->version = db_column_int64(s, 7);
	}
	db_finalize(s);
	return rc < 0 ? rc : rc == DB_ROW;
}

int64_t plan_insert(db *d, int64_t case_id, const char *summary, int64_t by)
{
	int64_t now = clock_now_ms(), id = 0;
	db_stmt *s;
	int rc;

	rc = db_prepare(d, &s,
			"INSERT INTO plans (case_id, summary, created_by, created_at, updated_by,"
			" updated_at, version) VALUES (?, ?, ?, ?, ?, ?, 1) RETURNING id");
	if (rc < 0)
		return rc;
	db_bind_int64(s, 1, case_id);
	db_bind_text(s, 2, summary);
	db_bind_int64(s, 3, by);
	db_bind_int64(s, 4, now);
	db_bind_int64(s, 5, by);
	db_bind_int64(s, 6, now);
	rc = db_step(s);
	if (rc == DB_ROW)
		id = db_column_int64(s, 0);
	db_finalize(s);
	return rc < 0 ? rc : id;
}

int plan_bump(db *d, int64_t plan_id, int64_t expected_version, bool set_summary,
	      const char *summary, int64_t by)
{
	int64_t changed = 0;
	db_stmt *s;
	int rc;

	rc = db_prepare(d, &s,
			"UPDATE plans SET summary = CASE WHEN ? = 1 THEN ? ELSE summary END,"
			" updated_by = ?, updated_at = ?, version = version + 1"
			" WHERE id = ? AND version = ?");
	if (rc < 0)
		return rc;
	db_bind_int64(s, 1, set_summary);
	db_bind_text(s, 2, summary);
	db_bind_int64(s, 3, by);
	db_bind_int64(s, 4, clock_now_ms());
	db_bind_int64(s, 5, plan_id);
	db_bind_int64(s, 6, expected_version);
	rc = db_step(s);
	if (rc == DB_DONE)
		changed = db_changes(s);
	db_finalize(s);
	return rc < 0 ? rc : changed > 0;
}

int64_t plan_action_insert(db *d, const struct plan_action_row *a, int64_t by)
{
	int64_t now = clock_now_ms(), id = 0;
	db_stmt *s;
	int rc;

	rc = db_prepare(d, &s,
			"INSERT INTO plan_actions (plan_id, case_id, category, description, owner_id,"
			" agency_id, due_at, status, reason, suggestion, created_by, created_at,"
			" updated_at, done_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
			" RETURNING id");
	if (rc < 0)
		return rc;
	db_bind_int64(s, 1, a->plan_id);
	db_bind_int64(s, 2, a->case_id);
	db_bind_text(s, 3, a->category);
	db_bind_text(s, 4, a->description);
	bind_opt(s, 5, a->owner_id);
	bind_opt(s, 6, a->agency_id);
	bind_opt(s, 7, a->due_at);
	db_bind_text(s, 8, a->status);
	db_bind_text(s, 9, a->reason);
	db_bind_text(s, 10, a->suggestion);
	db_bind_int64(s, 11, by);
	db_bind_int64(s, 12, now);
	db_bind_int64(s, 13, now);
	bind_opt(s, 14, a->done_at);
	rc = db_step(s);
	if (rc == DB_ROW)
		id = db_column_int64(s, 0);
	db_finalize(s);
	return rc < 0 ? rc : id;
}

int plan_action_update(db *d, const struct plan_action_row *a)
{
	db_stmt *s;
	int rc;

	rc = db_prepare(d, &s,
			"UPDATE plan_actions SET category = ?, description = ?, owner_id = ?,"
			" agency_id = ?, due_at = ?, status = ?, reason = ?, done_at = ?,"
			" updated_at = ? WHERE id = ? AND plan_id = ?");
	if (rc < 0)
		return rc;
	db_bind_text(s, 1, a->category);
	db_bind_text(s, 2, a->description);
	bind_opt(s, 3, a->owner_id);
	bind_opt(s, 4, a->agency_id);
	bind_opt(s, 5, a->due_at);
	db_bind_text(s, 6, a->status);
	db_bind_text(s, 7, a->reason);
	bind_opt(s, 8, a->done_at);
	db_bind_int64(s, 9, clock_now_ms());
	db_bind_int64(s, 10, a->id);
	db_bind_int64(s, 11, a->plan_id);
	rc = db_step(s);
	db_finalize(s);
	return rc < 0 ? rc : 0;
}

#define ACTION_SELECT                                                                           \
	"SELECT a.id, a.plan_id, a.case_id, a.category, a.description, a.owner_id, o.username," \
	" a.agency_id, ag.code, a.due_at, a.status, a.reason, a.suggestion, cb.username,"       \
	" a.created_at, a.updated_at, a.done_at FROM plan_actions a"                            \
	" LEFT JOIN users o ON o.id = a.owner_id LEFT JOIN agencies ag ON ag.id = a.agency_id"  \
	" JOIN users cb ON cb.id = a.created_by"

static int actions_run(db_stmt *s, int (*fn)(const struct plan_action_row *a, void *arg),
		       void *arg, int *found)
{
	struct plan_action_row a;
	int rc;

	while ((rc = db_step(s)) == DB_ROW) {
		a.id = db_column_int64(s, 0);
		a.plan_id = db_column_int64(s, 1);
		a.case_id = db_column_int64(s, 2);
		a.category = db_column_text(s, 3);
		a.description = db_column_text(s, 4);
		a.owner_id = db_column_int64(s, 5);
		a.owner = db_column_text(s, 6);
		a.agency_id = db_column_int64(s, 7);
		a.agency = db_column_text(s, 8);
		a.due_at = db_column_int64(s, 9);
		a.status = db_column_text(s, 10);
		a.reason = db_column_text(s, 11);
		a.suggestion = db_column_text(s, 12);
		a.created_by = db_column_text(s, 13);
		a.created_at = db_column_int64(s, 14);
		a.updated_at = db_column_int64(s, 15);
		a.done_at = db_column_int64(s, 16);
		(*found)++;
		if (fn(&a, arg))
			break;
	}
	db_finalize(s);
	return rc < 0 ? rc : 0;
}

int plan_action_get(db *d, int64_t plan_id, int64_t id,
		    int (*fn)(const struct plan_action_row *a, void *arg), void *arg)
{
	db_stmt *s;
	int rc, found = 0;

	rc = db_prepare(d, &s, ACTION_SELECT " WHERE a.plan_id = ? AND a.id = ?");
	if (rc < 0)
		return rc;
	db_bind_int64(s, 1, plan_id);
	db_bind_int64(s, 2, id);
	rc = actions_run(s, fn, arg, &found);
	return rc < 0 ? rc : found > 0;
}

int plan_actions_each(db *d, int64_t plan_id,
		      int (*fn)(const struct plan_action_row *a, void *arg), void *arg)
{
	db_stmt *s;
	int rc, found = 0;

	rc = db_prepare(d, &s, ACTION_SELECT " WHERE a.plan_id = ? ORDER BY a.id");
	if (rc < 0)
		return rc;
	db_bind_int64(s, 1, plan_id);
	return actions_run(s, fn, arg, &found);
}

int plan_version_add(db *d, int64_t plan_id, int64_t version, int64_t by, const char *change,
		     const char *snapshot)
{
	return db_run(d,
		      "INSERT INTO plan_versions (plan_id, version, changed_by, changed_at, change,"
		      " snapshot) VALUES (?, ?, ?, ?, ?, ?)",
		      "iiiitt", plan_id, version, by, clock_now_ms(), change, snapshot);
}

static json_t *time_json(int64_t ms)
{
	char buf[40];

	if (!ms)
		return json_null();
	clock_format(ms, buf, sizeof buf);
	return json_string(buf);
}

/* What a version keeps: the plan's own fields, nothing derived from the time. */
static int add_snapshot_action(const struct plan_action_row *a, void *arg)
{
	json_array_append_new(arg, json_pack("{s:I, s:s, s:s, s:s?, s:s?, s:o, s:s, s:s?, s:s?}", "id",
					     (json_int_t)a->id, "category", a->category,
					     "description", a->description, "owner", a->owner,
					     "agency", a->agency, "due_at", time_json(a->due_at),
					     "status", a->status, "reason", a->reason, "suggestion",
					     a->suggestion));
	return 0;
}

int plan_version_keep(db *d, int64_t plan_id, int64_t version, int64_t by, const char *change)
{
	json_t *actions = json_array(), *snap;
	const char *summary = NULL;
	char *text = NULL;
	db_stmt *s;
	int rc;

	rc = db_prepare(d, &s, "SELECT summary FROM plans WHERE id = ?");
	if (rc < 0) {
		json_decref(actions);
		return rc;
	}
	db_bind_int64(s, 1, plan_id);
	rc = db_step(s);
	if (rc == DB_ROW && db_column_text(s, 0))
		summary = xstrdup(db_column_text(s, 0));
	db_finalize(s);
	if (rc >= 0)
		rc = plan_actions_each(d, plan_id, add_snapshot_action, actions);
	snap = json_pack("{s:I, s:s?, s:o}", "version", (json_int_t)version, "summary", summary,
			 "actions", actions);
	text = json_dumps(snap, JSON_COMPACT);
	if (rc >= 0)
		rc = plan_version_add(d, plan_id, version, by, change, text);
	free(text);
	free((char *)summary);
	json_decref(snap);
	return rc < 0 ? rc : 0;
}

int plan_versions_each(db *d, int64_t plan_id,
		       int (*fn)(int64_t version, const char *by, int64_t at, const char *change,
				 void *arg),
		       void *arg)
{
	db_stmt *s;
	int rc;

	rc = db_prepare(d, &s,
			"SELECT v.version, u.username, v.changed_at, v.change FROM plan_versions v"
			" JOIN users u ON u.id = v.changed_by WHERE v.plan_id = ?"
			" ORDER BY v.version DESC");
	if (rc < 0)
		return rc;
	db_bind_int64(s, 1, plan_id);
	while ((rc = db_step(s)) == DB_ROW)
		if (fn(db_column_int64(s, 0), db_column_text(s, 1), db_column_int64(s, 2),
		       db_column_text(s, 3), arg))
			break;
	db_finalize(s);
	return rc < 0 ? rc : 0;
}

int plan_version_get(db *d, int64_t plan_id, int64_t version, char **snapshot)
{
	db_stmt *s;
	int rc;

	*snapshot = NULL;
	rc = db_prepare(d, &s, "SELECT snapshot FROM plan_versions WHERE plan_id = ? AND version = ?");
	if (rc < 0)
		return rc;
	db_bind_int64(s, 1, plan_id);
	db_bind_int64(s, 2, version);
	rc = db_step(s);
	if (rc == DB_ROW)
		*snapshot = xstrdup(db_column_text(s, 0));
	db_finalize(s);
	return rc < 0 ? rc : rc == DB_ROW;
}

int plan_decision_add(db *d, int64_t plan_id, const char *suggestion, const char *decision,
		      const char *reason, int64_t action_id, int table_version, int64_t by)
{
	db_stmt *s;
	int rc;

	rc = db_prepare(d, &s,
			"INSERT INTO plan_suggestion_decisions (plan_id, suggestion, decision, reason,"
			" action_id, table_version, decided_by, decided_at)"
			" VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
	if (rc < 0)
		return rc;
	db_bind_int64(s, 1, plan_id);
	db_bind_text(s, 2, suggestion);
	db_bind_text(s, 3, decision);
	db_bind_text(s, 4, reason);
	bind_opt(s, 5, action_id);
	db_bind_int64(s, 6, table_version);
	db_bind_int64(s, 7, by);
	db_bind_int64(s, 8, clock_now_ms());
	rc = db_step(s);
	db_finalize(s);
	return rc < 0 ? rc : 0;
}

int plan_decisions_each(db *d, int64_t plan_id,
			int (*fn)(const char *suggestion, const char *decision, const char *reason,
				  int64_t action_id, const char *by, int64_t at, void *arg),
			void *arg)
{
	db_stmt *s;
	int rc;

	rc = db_prepare(d, &s,
			"SELECT ds.suggestion, ds.decision, ds.reason, ds.action_id, u.username,"
			" ds.decided_at FROM plan_suggestion_decisions ds"
			" JOIN users u ON u.id = ds.decided_by WHERE ds.plan_id = ?"
			" ORDER BY ds.decided_at, ds.suggestion");
	if (rc < 0)
		return rc;
	db_bind_int64(s, 1, plan_id);
	while ((rc = db_step(s)) == DB_ROW)
		if (fn(db_column_text(s, 0), db_column_text(s, 1), db_column_text(s, 2),
		       db_column_int64(s, 3), db_column_text(s, 4), db_column_int64(s, 5), arg))
			break;
	db_finalize(s);
	return rc < 0 ? rc : 0;
}

int plan_decision_exists(db *d, int64_t plan_id, const char *suggestion)
{
	return db_exists(d,
			 "SELECT 1 FROM plan_suggestion_decisions WHERE plan_id = ? AND suggestion = ?",
			 "it", plan_id, suggestion);
}

int plan_gate_facts_load(db *d, int64_t case_id, struct plan_gate_facts *f)
{
	db_stmt *s;
	int rc;

	f->has_plan = false;
	f->actions_ready = 0;
	f->advocate_referral = false;
	rc = db_prepare(d, &s,
			"SELECT p.id, (SELECT COUNT(*) FROM plan_actions a WHERE a.plan_id = p.id"
			"   AND a.owner_id IS NOT NULL AND a.due_at IS NOT NULL"
			"   AND a.status <> 'not_done')"
			" FROM plans p WHERE p.case_id = ?");
	if (rc < 0)
		return rc;
	db_bind_int64(s, 1, case_id);
	rc = db_step(s);
	if (rc == DB_ROW) {
		f->has_plan = true;
		f->actions_ready = (int)db_column_int64(s, 1);
	}
	db_finalize(s);
	if (rc < 0)
		return rc;
	rc = db_prepare(d, &s,
			"SELECT status FROM victim_referrals WHERE case_id = ? AND service = 'advocacy'");
	if (rc < 0)
		return rc;
	db_bind_int64(s, 1, case_id);
	while ((rc = db_step(s)) == DB_ROW)
		if (victim_referral_counts(db_column_text(s, 0)))
			f->advocate_referral = true;
	db_finalize(s);
	return rc < 0 ? rc : 0;
}

/* ---- reviews ------------------------------------------------------------------ */

int64_t case_review_insert(db *d, int64_t case_id, const char *kind, const char *outcome,
			   const char *summary, int64_t next_review_at, int64_t by)
{
	int64_t id = 0;
	db_stmt *s;
	int rc;

	rc = db_prepare(d, &s,
			"INSERT INTO case_reviews (case_id, kind, outcome, summary, next_review_at,"
			" reviewed_by, reviewed_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id");
	if (rc < 0)
		return rc;
	db_bind_int64(s, 1, case_id);
	db_bind_text(s, 2, kind);
	db_bind_text(s, 3, outcome);
	db_bind_text(s, 4, summary);
	bind_opt(s, 5, next_review_at);
	db_bind_int64(s, 6, by);
	db_bind_int64(s, 7, clock_now_ms());
	rc = db_step(s);
	if (rc == DB_ROW)
		id = db_column_int64(s, 0);
	db_finalize(s);
	return rc < 0 ? rc : id;
}

int case_reviews_each(db *d, int64_t case_id,
		      int (*fn)(const struct case_review_row *r, void *arg), void *arg)
{
	struct case_review_row r;
	db_stmt *s;
	int rc;

	rc = db_prepare(d, &s,
			"SELECT r.id, r.kind, r.outcome, r.summary, r.next_review_at, r.superseded_at,"
			" u.username, r.reviewed_at FROM case_reviews r"
			" JOIN users u ON u.id = r.reviewed_by WHERE r.case_id = ? ORDER BY r.id DESC");
	if (rc < 0)
		return rc;
	db_bind_int64(s, 1, case_id);
	while ((rc = db_step(s)) == DB_ROW) {
		r.id = db_column_int64(s, 0);
		r.kind = db_column_text(s, 1);
		r.outcome = db_column_text(s, 2);
		r.summary = db_column_text(s, 3);
		r.next_review_at = db_column_int64(s, 4);
		r.superseded_at = db_column_int64(s, 5);
		r.reviewed_by = db_column_text(s, 6);
		r.reviewed_at = db_column_int64(s, 7);
		if (fn(&r, arg))
			break;
	}
	db_finalize(s);
	return rc < 0 ? rc : 0;
}

int case_review_closing_current(db *d, int64_t case_id)
{
	return db_exists(d, "SELECT 1 FROM case_reviews WHERE case_id = ? AND kind = 'closing'"
			 " AND superseded_at IS NULL",
			 "i", case_id);
}

int case_reviews_supersede_closing(db *d, int64_t case_id)
{
	return db_run(d,
		      "UPDATE case_reviews SET superseded_at = ? WHERE case_id = ?"
		      " AND kind = 'closing' AND superseded_at IS NULL",
		      "ii", clock_now_ms(), case_id);
}

int case_set_review_due(db *d, int64_t case_id, int64_t at)
{
	if (!at)
		return db_run(d, "UPDATE cases SET review_due_at = NULL WHERE id = ?", "i", case_id);
	return db_run(d, "UPDATE cases SET review_due_at = ? WHERE id = ?", "ii", at, case_id);
}
