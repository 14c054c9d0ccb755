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
#include "store/each.h"

static void copy(char *dst, size_t n, const char *src)
{
	snprintf(dst, n, "%s", src ? src : "");
}

/* A text column 0, copied (caller frees), or NULL. */
static void text_dup_row(db_stmt *s, void *out)
{
	const char *t = db_column_text(s, 0);

	*(char **)out = t ? xstrdup(t) : NULL;
}

void plan_record_free(struct plan_record *p)
{
	if (!p)
		return;
	free(p->summary);
	memset(p, 0, sizeof *p);
}

static void plan_row(db_stmt *s, void *out)
{
	struct plan_record *p = out;

	memset(p, 0, sizeof *p);
	p->id = db_column_int64(s, 0);
	p->case_id = db_column_int64(s, 1);
	p->summary = db_column_text(s, 2) ? xstrdup(db_column_text(s, 2)) : NULL;
	copy(p->created_by, sizeof p->created_by, db_column_text(s, 3));
	p->created_at = db_column_int64(s, 4);
	copy(p->updated_by, sizeof p->updated_by, db_column_text(s, 5));
	p->updated_at = db_column_int64(s, 6);
	p->version = db_column_int64(s, 7);
}

int plan_get(db *d, int64_t case_id, struct plan_record *out)
{
	return db_one(d, plan_row, out,
		      "SELECT p.id, p.case_id, p.summary, cb.username, p.created_at, ub.username,"
		      " p.updated_at, p.version FROM plans p"
		      " JOIN users cb ON cb.id = p.created_by JOIN users ub ON ub.id = p.updated_by"
		      " WHERE p.case_id = ?",
		      "i", case_id);
}

int64_t plan_insert(db *d, int64_t case_id, const char *summary, int64_t by)
{
	int64_t now = clock_now_ms(), id = 0;
	int rc;

	rc = db_get_int64(d, &id,
			  "INSERT INTO plans (case_id, summary, created_by, created_at, updated_by,"
			  " updated_at, version) VALUES (?, ?, ?, ?, ?, ?, 1) RETURNING id",
			  "itiiii", case_id, summary, by, now, by, now);
	return rc < 0 ? rc : id;
}

int plan_bump(db *d, int64_t plan_id, int64_t expected_version, bool set_summary,
	      const char *summary, int64_t by)
{
	int rc;

	rc = db_write(d,
		      "UPDATE plans SET summary = CASE WHEN ? = 1 THEN ? ELSE summary END,"
		      " updated_by = ?, updated_at = ?, version = version + 1"
		      " WHERE id = ? AND version = ?",
		      "itiiii", (int64_t)set_summary, summary, by, clock_now_ms(), plan_id,
		      expected_version);
	return rc < 0 ? rc : rc > 0;
}

int64_t plan_action_insert(db *d, const struct plan_action_row *a, int64_t by)
{
	int64_t now = clock_now_ms(), id = 0;
	int rc;

	rc = db_get_int64(d, &id,
			  "INSERT INTO plan_actions (plan_id, case_id, category, description, owner_id,"
			  " agency_id, due_at, status, reason, suggestion, created_by, created_at,"
			  " updated_at, done_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
			  " RETURNING id",
			  "iittIIItttiiiI", a->plan_id, a->case_id, a->category, a->description,
			  a->owner_id, a->agency_id, a->due_at, a->status, a->reason, a->suggestion,
			  by, now, now, a->done_at);
	return rc < 0 ? rc : id;
}

int plan_action_update(db *d, const struct plan_action_row *a)
{
	return db_run(d,
		      "UPDATE plan_actions SET category = ?, description = ?, owner_id = ?,"
		      " agency_id = ?, due_at = ?, status = ?, reason = ?, done_at = ?,"
		      " updated_at = ? WHERE id = ? AND plan_id = ?",
		      "ttIIIttIiii", a->category, a->description, a->owner_id, a->agency_id,
		      a->due_at, a->status, a->reason, a->done_at, clock_now_ms(), a->id,
		      a->plan_id);
}

#define ACTION_SELECT                                                                           \
	"SELECT a.id, a.plan_id, a.case_id, a.category, a.description, a.owner_id, o.username," \
	" a.agency_id, ag.code, a.due_at, a.status, a.reason, a.suggestion, cb.username,"       \
	" a.created_at, a.updated_at, a.done_at FROM plan_actions a"                            \
	" LEFT JOIN users o ON o.id = a.owner_id LEFT JOIN agencies ag ON ag.id = a.agency_id"  \
	" JOIN users cb ON cb.id = a.created_by"

static void action_read(db_stmt *s, void *out)
{
	struct plan_action_row *a = out;

	a->id = db_column_int64(s, 0);
	a->plan_id = db_column_int64(s, 1);
	a->case_id = db_column_int64(s, 2);
	a->category = db_column_text(s, 3);
	a->description = db_column_text(s, 4);
	a->owner_id = db_column_int64(s, 5);
	a->owner = db_column_text(s, 6);
	a->agency_id = db_column_int64(s, 7);
	a->agency = db_column_text(s, 8);
	a->due_at = db_column_int64(s, 9);
	a->status = db_column_text(s, 10);
	a->reason = db_column_text(s, 11);
	a->suggestion = db_column_text(s, 12);
	a->created_by = db_column_text(s, 13);
	a->created_at = db_column_int64(s, 14);
	a->updated_at = db_column_int64(s, 15);
	a->done_at = db_column_int64(s, 16);
}

/* An _each or _get caller's fn and arg, for db_each, and the rows found. */
STORE_EACH(action_each, struct plan_action_row, action_read);

int plan_action_get(db *d, int64_t plan_id, int64_t id,
		    int (*fn)(const struct plan_action_row *a, void *arg), void *arg)
{
	struct action_each c = { fn, arg, 0 };
	int rc;

	rc = db_each(d, action_each_row, &c, ACTION_SELECT " WHERE a.plan_id = ? AND a.id = ?",
		     "ii", plan_id, id);
	return rc < 0 ? rc : c.n > 0;
}

int plan_actions_each(db *d, int64_t plan_id,
		      int (*fn)(const struct plan_action_row *a, void *arg), void *arg)
{
	struct action_each c = { fn, arg, 0 };

	return db_each(d, action_each_row, &c, ACTION_SELECT " WHERE a.plan_id = ? ORDER BY a.id",
		       "i", plan_id);
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
	char *summary = NULL, *text = NULL;
	int rc;

	rc = db_one(d, text_dup_row, &summary, "SELECT summary FROM plans WHERE id = ?", "i",
		    plan_id);
	if (rc >= 0)
		rc = plan_actions_each(d, plan_id, add_snapshot_action, actions);
	snap = json_pack("{s:I, s:s?, s:o}", "version", (json_int_t)version, "summary", summary,
			 "actions", actions);
	text = json_dumps(snap, JSON_COMPACT);
	if (rc >= 0)
		rc = plan_version_add(d, plan_id, version, by, change, text);
	free(text);
	free(summary);
	json_decref(snap);
	return rc < 0 ? rc : 0;
}

/* A plan_versions_each caller's fn and arg, for db_each. */
struct version_ctx {
	int (*fn)(int64_t version, const char *by, int64_t at, const char *change, void *arg);
	void *arg;
};

static int version_call(db_stmt *s, void *arg)
{
	struct version_ctx *c = arg;

	return c->fn(db_column_int64(s, 0), db_column_text(s, 1), db_column_int64(s, 2),
		     db_column_text(s, 3), c->arg);
}

int plan_versions_each(db *d, int64_t plan_id,
		       int (*fn)(int64_t version, const char *by, int64_t at, const char *change,
				 void *arg),
		       void *arg)
{
	struct version_ctx c = { fn, arg };

	return db_each(d, version_call, &c,
		       "SELECT v.version, u.username, v.changed_at, v.change FROM plan_versions v"
		       " JOIN users u ON u.id = v.changed_by WHERE v.plan_id = ?"
		       " ORDER BY v.version DESC",
		       "i", plan_id);
}

int plan_version_get(db *d, int64_t plan_id, int64_t version, char **snapshot)
{
	*snapshot = NULL;
	return db_one(d, text_dup_row, snapshot,
		      "SELECT snapshot FROM plan_versions WHERE plan_id = ? AND version = ?", "ii",
		      plan_id, version);
}

int plan_decision_add(db *d, int64_t plan_id, const char *suggestion, const char *decision,
		      const char *reason, int64_t action_id, int table_version, int64_t by)
{
	return db_run(d,
		      "INSERT INTO plan_suggestion_decisions (plan_id, suggestion, decision, reason,"
		      " action_id, table_version, decided_by, decided_at)"
		      " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
		      "itttIiii", plan_id, suggestion, decision, reason, action_id,
		      (int64_t)table_version, by, clock_now_ms());
}

/* A plan_decisions_each caller's fn and arg, for db_each. */
struct decision_ctx {
	int (*fn)(const char *suggestion, const char *decision, const char *reason,
		  int64_t action_id, const char *by, int64_t at, void *arg);
	void *arg;
};

static int decision_call(db_stmt *s, void *arg)
{
	struct decision_ctx *c = arg;

	return c->fn(db_column_text(s, 0), db_column_text(s, 1), db_column_text(s, 2),
		     db_column_int64(s, 3), db_column_text(s, 4), db_column_int64(s, 5), c->arg);
}

int plan_decisions_each(db *d, int64_t plan_id,
			int (*fn)(const char *suggestion, const char *decision, const char *reason,
				  int64_t action_id, const char *by, int64_t at, void *arg),
			void *arg)
{
	struct decision_ctx c = { fn, arg };

	return db_each(d, decision_call, &c,
		       "SELECT ds.suggestion, ds.decision, ds.reason, ds.action_id, u.username,"
		       " ds.decided_at FROM plan_suggestion_decisions ds"
		       " JOIN users u ON u.id = ds.decided_by WHERE ds.plan_id = ?"
		       " ORDER BY ds.decided_at, ds.suggestion",
		       "i", plan_id);
}

int plan_decision_exists(db *d, int64_t plan_id, const char *suggestion)
{
	return db_exists(d,
			 "SELECT 1 FROM plan_suggestion_decisions WHERE plan_id = ? AND suggestion = ?",
			 "it", plan_id, suggestion);
}

static void gate_plan_row(db_stmt *s, void *out)
{
	struct plan_gate_facts *f = out;

	f->has_plan = true;
	f->actions_ready = (int)db_column_int64(s, 1);
}

static int gate_referral_call(db_stmt *s, void *arg)
{
	struct plan_gate_facts *f = arg;

	if (victim_referral_counts(db_column_text(s, 0)))
		f->advocate_referral = true;
	return 0;
}

int plan_gate_facts_load(db *d, int64_t case_id, struct plan_gate_facts *f)
{
	int rc;

	f->has_plan = false;
	f->actions_ready = 0;
	f->advocate_referral = false;
	rc = db_one(d, gate_plan_row, f,
		    "SELECT p.id, (SELECT COUNT(*) FROM plan_actions a WHERE a.plan_id = p.id"
		    "   AND a.owner_id IS NOT NULL AND a.due_at IS NOT NULL"
		    "   AND a.status <> 'not_done')"
		    " FROM plans p WHERE p.case_id = ?",
		    "i", case_id);
	if (rc < 0)
		return rc;
	return db_each(d, gate_referral_call, f,
		       "SELECT status FROM victim_referrals WHERE case_id = ? AND service = 'advocacy'",
		       "i", case_id);
}

/* ---- reviews ------------------------------------------------------------------ */

int64_t case_review_insert(db *d, int64_t case_id, const char *kind, const char *outcome,
			   const char *summary, int64_t next_review_at, int64_t by)
{
	int64_t id = 0;
	int rc;

	rc = db_get_int64(d, &id,
			  "INSERT INTO case_reviews (case_id, kind, outcome, summary, next_review_at,"
			  " reviewed_by, reviewed_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
			  "itttIii", case_id, kind, outcome, summary, next_review_at, by,
			  clock_now_ms());
	return rc < 0 ? rc : id;
}

static void review_read(db_stmt *s, void *out)
{
	struct case_review_row *r = out;

	r->id = db_column_int64(s, 0);
	r->kind = db_column_text(s, 1);
	r->outcome = db_column_text(s, 2);
	r->summary = db_column_text(s, 3);
	r->next_review_at = db_column_int64(s, 4);
	r->superseded_at = db_column_int64(s, 5);
	r->reviewed_by = db_column_text(s, 6);
	r->reviewed_at = db_column_int64(s, 7);
}

/* A case_reviews_each caller's fn and arg, for db_each. */
STORE_EACH(review_each, struct case_review_row, review_read);

int case_reviews_each(db *d, int64_t case_id,
		      int (*fn)(const struct case_review_row *r, void *arg), void *arg)
{
	struct review_each c = { fn, arg, 0 };

	return db_each(d, review_each_row, &c,
		       "SELECT r.id, r.kind, r.outcome, r.summary, r.next_review_at, r.superseded_at,"
		       " u.username, r.reviewed_at FROM case_reviews r"
		       " JOIN users u ON u.id = r.reviewed_by WHERE r.case_id = ? ORDER BY r.id DESC",
		       "i", case_id);
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
	return db_run(d, "UPDATE cases SET review_due_at = ? WHERE id = ?", "Ii", at, case_id);
}
