/*
 * store/assessments — SQL for assessments and typology decisions.
 */
#include "store/assessments.h"

#include "base/clock.h"
#include "store/each.h"

int64_t assessment_insert(db *d, const struct assessment *a)
{
	int64_t id = 0;
	int rc;

	rc = db_get_int64(d, &id,
			  "INSERT INTO assessments (case_id, instrument, instrument_version, answers,"
			  " notes, yes_count, no_count, unknown_count, yes_items, computed_level,"
			  " visible_high, judged_level, judgement_reason, final_level, marac,"
			  " marac_reasons, assessed_by, assessed_at)"
			  " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
			  "itittiiittitttitii", a->case_id, a->instrument,
			  (int64_t)a->instrument_version, a->answers, a->notes, (int64_t)a->yes,
			  (int64_t)a->no, (int64_t)a->unknown, a->yes_items, a->computed,
			  (int64_t)a->visible_high, a->judged, a->reason, a->final,
			  (int64_t)a->marac, a->marac_reasons, a->assessed_by, a->assessed_at);
	return rc < 0 ? rc : id;
}

static void assessment_row(db_stmt *s, void *out)
{
	struct assessment *a = out;

	a->id = db_column_int64(s, 0);
	a->case_id = db_column_int64(s, 1);
	a->instrument = db_column_text(s, 2);
	a->instrument_version = (int)db_column_int64(s, 3);
	a->answers = db_column_text(s, 4);
	a->notes = db_column_text(s, 5);
	a->yes = (int)db_column_int64(s, 6);
	a->no = (int)db_column_int64(s, 7);
	a->unknown = (int)db_column_int64(s, 8);
	a->yes_items = db_column_text(s, 9);
	a->computed = db_column_text(s, 10);
	a->visible_high = db_column_int64(s, 11) != 0;
	a->judged = db_column_text(s, 12);
	a->reason = db_column_text(s, 13);
	a->final = db_column_text(s, 14);
	a->marac = db_column_int64(s, 15) != 0;
	a->marac_reasons = db_column_text(s, 16);
	a->assessed_by = db_column_int64(s, 17);
	a->assessed_by_name = db_column_text(s, 18);
	a->assessed_at = db_column_int64(s, 19);
}

/* An _each caller's fn and arg, for db_each. */
STORE_EACH(assessment_each, struct assessment, assessment_row);

static int each(db *d, int64_t case_id, int limit,
		int (*fn)(const struct assessment *a, void *arg), void *arg)
{
	struct assessment_each c = { fn, arg, 0 };

	return db_each(d, assessment_each_row, &c,
		       "SELECT a.id, a.case_id, a.instrument, a.instrument_version, a.answers, a.notes,"
		       " a.yes_count, a.no_count, a.unknown_count, a.yes_items, a.computed_level,"
		       " a.visible_high, a.judged_level, a.judgement_reason, a.final_level, a.marac,"
		       " a.marac_reasons, a.assessed_by, u.username, a.assessed_at"
		       " FROM assessments a JOIN users u ON u.id = a.assessed_by"
		       " WHERE a.case_id = ? ORDER BY a.id DESC LIMIT ?",
		       "ii", case_id, (int64_t)limit);
}

int assessment_each(db *d, int64_t case_id, int (*fn)(const struct assessment *a, void *arg),
		    void *arg)
{
	return each(d, case_id, 1000000, fn, arg);
}

int assessment_latest(db *d, int64_t case_id, int (*fn)(const struct assessment *a, void *arg),
		      void *arg)
{
	return each(d, case_id, 1, fn, arg);
}

int case_set_risk(db *d, int64_t case_id, const char *level, const char *floor, int64_t by,
		  int64_t at, int64_t review_due_at, int64_t marac_at)
{
	return db_run(d,
		      "UPDATE cases SET risk_level = COALESCE(?, risk_level),"
		      " risk_floor = COALESCE(?, risk_floor), risk_set_by = ?, risk_set_at = ?,"
		      " review_due_at = ?, marac_referred_at = COALESCE(?, marac_referred_at),"
		      " updated_at = ?, version = version + 1 WHERE id = ?",
		      "ttiiIIii", level, floor, by, at, review_due_at, marac_at, clock_now_ms(),
		      case_id);
}

int64_t incidents_since(db *d, int64_t case_id, int64_t since)
{
	int64_t n = 0;
	int rc;

	rc = db_get_int64(d, &n,
			  "SELECT COUNT(*) FROM incidents WHERE case_id = ? AND occurred_at >= ?"
			  " AND amends IS NULL",
			  "ii", case_id, since);
	return rc < 0 ? rc : n;
}

int64_t typology_decision_insert(db *d, int64_t case_id, const char *typology,
				 const char *rationale, const char *proposal, int64_t by)
{
	int64_t id = 0, now = clock_now_ms();
	int rc;

	rc = db_get_int64(d, &id,
			  "INSERT INTO typology_decisions (case_id, typology, rationale, proposal,"
			  " decided_by, decided_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
			  "itttii", case_id, typology, rationale, proposal, by, now);
	if (rc < 0)
		return rc;
	rc = db_run(d, "UPDATE cases SET typology = ?, updated_at = ?, version = version + 1 WHERE id = ?",
		    "tii", typology, now, case_id);
	return rc < 0 ? rc : id;
}

static void typology_row(db_stmt *s, void *out)
{
	struct typology_decision *t = out;

	t->id = db_column_int64(s, 0);
	t->typology = db_column_text(s, 1);
	t->rationale = db_column_text(s, 2);
	t->proposal = db_column_text(s, 3);
	t->decided_by = db_column_text(s, 4);
	t->decided_at = db_column_int64(s, 5);
}

/* A typology_decisions_each caller's fn and arg, for db_each. */
STORE_EACH(typology_each, struct typology_decision, typology_row);

int typology_decisions_each(db *d, int64_t case_id,
			    int (*fn)(const struct typology_decision *t, void *arg), void *arg)
{
	struct typology_each c = { fn, arg, 0 };

	return db_each(d, typology_each_row, &c,
		       "SELECT t.id, t.typology, t.rationale, t.proposal, u.username, t.decided_at"
		       " FROM typology_decisions t JOIN users u ON u.id = t.decided_by"
		       " WHERE t.case_id = ? ORDER BY t.id DESC",
		       "i", case_id);
}
