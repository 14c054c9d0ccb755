/*
 * store/cases — SQL for cases and their sub-records.
 */
#include "store/cases.h"
#include "store/sharing.h"
#include "store/visible.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "store/sealed.h"
#include "base/mem.h"

static void copy(char *dst, size_t n, const char *src)
{
	snprintf(dst, n, "%s", src ? src : "");
}

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

void case_record_free(struct case_record *c)
{
	if (!c)
		return;
	free(c->summary);
	for (int i = 0; i < 4; i++)
		free(c->four_note[i]);
	free(c->classification_reason);
	free(c->signoff_note);
	memset(c, 0, sizeof *c);
}

int case_each_id(db *d, int (*fn)(int64_t id, const char *ref, void *arg), void *arg)
{
	db_stmt *s;
	int rc, stop = 0;

	rc = db_prepare(d, &s, "SELECT id, ref FROM cases ORDER BY id");
	if (rc < 0)
		return rc;
	while ((rc = db_step(s)) == DB_ROW) {
		char ref[32];

		snprintf(ref, sizeof ref, "%s", db_column_text(s, 1));
		stop = fn(db_column_int64(s, 0), ref, arg);
		if (stop)
			break;
	}
	db_finalize(s);
	return stop ? stop : rc < 0 ? rc : 0;
}

int64_t case_count_besides_demo(db *d)
{
	int64_t n;
	int rc = db_get_int64(d, &n,
			      "SELECT COUNT(*) FROM cases WHERE ref NOT IN "
			      "(SELECT value FROM settings WHERE key = 'demo_monitoring')",
			      "");

	return rc < 0 ? rc : n;
}

int64_t case_insert(db *d, const struct case_new *n, char ref[24])
{
	int64_t now = clock_now_ms(), seq = 0, id = 0;
	db_stmt *s;
	int rc;

	/* The year's counter: incremented under the write lock of this
	 * transaction, so concurrent intakes get distinct numbers. */
	rc = db_prepare(d, &s,
			"INSERT INTO case_sequences (year, last_seq) VALUES (?, 1)"
			" ON CONFLICT (year) DO UPDATE SET last_seq = case_sequences.last_seq + 1"
			" RETURNING last_seq");
	if (rc < 0)
		return rc;
	db_bind_int64(s, 1, n->year);
	rc = db_step(s);
	if (rc == DB_ROW)
		seq = db_column_int64(s, 0);
	db_finalize(s);
	if (rc < 0)
		return rc;
	case_ref_format(n->year, seq, ref, 24);

	rc = db_prepare(d, &s,
			"INSERT INTO cases (ref, status, relationship, channel, summary, owner_id,"
			" agency_id, created_by, created_at, updated_at)"
			" VALUES (?, 'intake', ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id");
	if (rc < 0)
		return rc;
	db_bind_text(s, 1, ref);
	db_bind_text(s, 2, n->relationship);
	db_bind_text(s, 3, n->channel);
	db_bind_null(s, 4); /* sealed below, with the id */
	db_bind_int64(s, 5, n->owner_id);
	db_bind_int64(s, 6, n->agency_id);
	db_bind_int64(s, 7, n->created_by);
	db_bind_int64(s, 8, n->created_at ? n->created_at : now);
	db_bind_int64(s, 9, now);
	rc = db_step(s);
	if (rc == DB_ROW)
		id = db_column_int64(s, 0);
	db_finalize(s);
	if (rc >= 0)
		rc = sealed_update(d, "cases", "summary", id, n->summary);
	return rc < 0 ? rc : id;
}

#define CASE_COLS                                                                           \
	"c.id, c.ref, c.status, c.relationship, c.channel, c.summary, c.owner_id, o.username," \
	" c.agency_id, a.code, c.risk_level, c.typology,"                                    \
	" c.four_fixated, c.four_obsessive, c.four_unwanted, c.four_repeated,"               \
	" c.four_fixated_note, c.four_obsessive_note, c.four_unwanted_note,"                 \
	" c.four_repeated_note, c.screened_at, sb.username, c.classification_reason,"       \
	" c.signoff_at, so.username, c.signoff_note, c.created_by, c.created_at,"            \
	" c.updated_at, c.version, rs.username, c.risk_set_at, c.risk_floor,"               \
	" c.review_due_at, c.marac_referred_at"
#define CASE_FROM                                                                \
	" FROM cases c JOIN users o ON o.id = c.owner_id"                         \
	" JOIN agencies a ON a.id = c.agency_id"                                  \
	" LEFT JOIN users sb ON sb.id = c.screened_by"                            \
	" LEFT JOIN users so ON so.id = c.signoff_by"                             \
	" LEFT JOIN users rs ON rs.id = c.risk_set_by"

static enum four_answer answer(db_stmt *s, int col)
{
	if (db_column_is_null(s, col))
		return FOUR_UNANSWERED;
	return db_column_int64(s, col) ? FOUR_YES : FOUR_NO;
}

/* The summary is sealed (it tells what happened to her, and often where):
 * opened here; one that does not open leaves the rest of the record usable
 * (a notification needs the reference, not the summary) and is marked, for
 * whoever shows it to fail. */
static void case_row(db *d, db_stmt *s, struct case_record *c)
{
	char ad[SEALED_AD_MAX];

	memset(c, 0, sizeof *c);
	c->id = db_column_int64(s, 0);
	copy(c->ref, sizeof c->ref, db_column_text(s, 1));
	c->status = case_status_parse(db_column_text(s, 2));
	copy(c->relationship, sizeof c->relationship, db_column_text(s, 3));
	copy(c->channel, sizeof c->channel, db_column_text(s, 4));
	sealed_ad(ad, "cases.summary", c->id);
	c->summary_unreadable = sealed_get(d, ad, db_column_text(s, 5), &c->summary) < 0;
	c->owner_id = db_column_int64(s, 6);
	copy(c->owner, sizeof c->owner, db_column_text(s, 7));
	c->agency_id = db_column_int64(s, 8);
	copy(c->agency, sizeof c->agency, db_column_text(s, 9));
	copy(c->risk_level, sizeof c->risk_level, db_column_text(s, 10));
	copy(c->typology, sizeof c->typology, db_column_text(s, 11));
	c->four.fixated = answer(s, 12);
	c->four.obsessive = answer(s, 13);
	c->four.unwanted = answer(s, 14);
	c->four.repeated = answer(s, 15);
	for (int i = 0; i < 4; i++)
		c->four_note[i] = dup_or_null(db_column_text(s, 16 + i));
	c->screened_at = db_column_int64(s, 20);
	copy(c->screened_by, sizeof c->screened_by, db_column_text(s, 21));
	c->classification_reason = dup_or_null(db_column_text(s, 22));
	c->signoff_at = db_column_int64(s, 23);
	copy(c->signoff_by, sizeof c->signoff_by, db_column_text(s, 24));
	c->signoff_note = dup_or_null(db_column_text(s, 25));
	c->created_by = db_column_int64(s, 26);
	c->created_at = db_column_int64(s, 27);
	c->updated_at = db_column_int64(s, 28);
	c->version = db_column_int64(s, 29);
	copy(c->risk_set_by, sizeof c->risk_set_by, db_column_text(s, 30));
	c->risk_set_at = db_column_int64(s, 31);
	copy(c->risk_floor, sizeof c->risk_floor, db_column_text(s, 32));
	c->review_due_at = db_column_int64(s, 33);
	c->marac_referred_at = db_column_int64(s, 34);
}

static int case_get_one(db *d, const char *sql, const char *ref, int64_t id,
			struct case_record *out)
{
	db_stmt *s;
	int rc;

	rc = db_prepare(d, &s, sql);
	if (rc < 0)
		return rc;
	if (ref)
		db_bind_text(s, 1, ref);
	else
		db_bind_int64(s, 1, id);
	rc = db_step(s);
	if (rc == DB_ROW)
		case_row(d, s, out);
	db_finalize(s);
	return rc < 0 ? rc : rc == DB_ROW;
}

int case_get(db *d, const char *ref, struct case_record *out)
{
	return case_get_one(d, "SELECT " CASE_COLS CASE_FROM " WHERE c.ref = ?", ref, 0, out);
}

int case_get_by_id(db *d, int64_t id, struct case_record *out)
{
	return case_get_one(d, "SELECT " CASE_COLS CASE_FROM " WHERE c.id = ?", NULL, id, out);
}

int case_bind_viewer(db_stmt *s, int i, const struct viewer *v)
{
	const char *role = access_role_name(v->role);

	db_bind_text(s, i++, role);
	db_bind_int64(s, i++, v->user_id);
	db_bind_int64(s, i++, v->user_id);
	db_bind_text(s, i++, role);
	db_bind_int64(s, i++, v->agency_id);
	db_bind_text(s, i++, role);
	db_bind_int64(s, i++, v->agency_id);
	db_bind_text(s, i++, role);
	db_bind_int64(s, i++, v->agency_id);
	db_bind_text(s, i++, role);
	db_bind_int64(s, i++, v->agency_id);
	db_bind_int64(s, i++, v->agency_id);
	return i;
}

int case_visible(db *d, int64_t case_id, const struct viewer *v)
{
	db_stmt *s;
	int rc;

	rc = db_prepare(d, &s, "SELECT 1 FROM cases c WHERE c.id = ? AND " CASE_VISIBLE_SQL);
	if (rc < 0)
		return rc;
	db_bind_int64(s, 1, case_id);
	case_bind_viewer(s, 2, v);
	rc = db_step(s);
	db_finalize(s);
	return rc < 0 ? rc : rc == DB_ROW;
}

int case_each_visible(db *d, const struct viewer *v, const struct case_filter *f,
		      int (*fn)(const struct case_record *c, void *arg), void *arg)
{
	struct case_record c;
	db_stmt *s;
	int rc, i;

	rc = db_prepare(d, &s,
			"SELECT " CASE_COLS CASE_FROM " WHERE " CASE_VISIBLE_SQL
			" AND (CAST(? AS TEXT) IS NULL OR c.status = ?)"
			" AND (CAST(? AS TEXT) IS NULL OR c.risk_level = ?)"
			" AND (CAST(? AS TEXT) IS NULL OR c.typology = ?)"
			" AND (CAST(? AS TEXT) IS NULL OR o.username = ?)"
			" AND (CAST(? AS TEXT) IS NULL OR EXISTS (SELECT 1 FROM case_classifications cc"
			"   WHERE cc.case_id = c.id AND cc.classification = ?))"
			" AND (CAST(? AS TEXT) IS NULL OR EXISTS (SELECT 1 FROM case_flags cf"
			"   WHERE cf.case_id = c.id AND cf.flag = ?))"
			" AND (? = 0 OR c.created_at >= ?) AND (? = 0 OR c.created_at < ?)"
			" AND (? = 0 OR c.id < ?)"
			" ORDER BY c.id DESC LIMIT ?");
	if (rc < 0)
		return rc;
	i = case_bind_viewer(s, 1, v);
	const char *texts[] = { f->status, f->risk_level, f->typology, f->owner,
				f->classification, f->flag };
	for (size_t k = 0; k < sizeof texts / sizeof texts[0]; k++) {
		db_bind_text(s, i++, texts[k]);
		db_bind_text(s, i++, texts[k]);
	}
	db_bind_int64(s, i++, f->created_from);
	db_bind_int64(s, i++, f->created_from);
	db_bind_int64(s, i++, f->created_to);
	db_bind_int64(s, i++, f->created_to);
	db_bind_int64(s, i++, f->before_id);
	db_bind_int64(s, i++, f->before_id);
	db_bind_int64(s, i++, f->limit);
	while ((rc = db_step(s)) == DB_ROW) {
		int stop;

		case_row(d, s, &c);
		stop = fn(&c, arg);
		case_record_free(&c);
		if (stop)
			break;
	}
	db_finalize(s);
	return rc < 0 ? rc : 0;
}

int case_update(db *d, int64_t id, int64_t expected_version, const struct case_change *c)
{
	char ad[SEALED_AD_MAX], *summary = NULL;
	db_stmt *s;
	int64_t changed = 0;
	int rc;

	sealed_ad(ad, "cases.summary", id);
	rc = sealed_put(d, ad, c->summary, &summary);
	if (rc < 0)
		return rc;
	rc = db_prepare(d, &s,
			"UPDATE cases SET summary = COALESCE(?, summary),"
			" relationship = COALESCE(?, relationship), channel = COALESCE(?, channel),"
			" status = COALESCE(?, status), owner_id = COALESCE(?, owner_id),"
			" agency_id = COALESCE(?, agency_id),"
			" classification_reason = COALESCE(?, classification_reason),"
			" signoff_by = CASE WHEN ? = 1 THEN NULL ELSE signoff_by END,"
			" signoff_at = CASE WHEN ? = 1 THEN NULL ELSE signoff_at END,"
			" signoff_note = CASE WHEN ? = 1 THEN NULL ELSE signoff_note END,"
			" updated_at = ?, version = version + 1"
			" WHERE id = ? AND version = ?");
	if (rc < 0)
		return rc;
	db_bind_text(s, 1, summary);
	free(summary);
	db_bind_text(s, 2, c->relationship);
	db_bind_text(s, 3, c->channel);
	db_bind_text(s, 4, c->status);
	if (c->owner_id)
		db_bind_int64(s, 5, c->owner_id);
	else
		db_bind_null(s, 5);
	if (c->agency_id)
		db_bind_int64(s, 6, c->agency_id);
	else
		db_bind_null(s, 6);
	db_bind_text(s, 7, c->classification_reason);
	db_bind_int64(s, 8, c->clear_signoff);
	db_bind_int64(s, 9, c->clear_signoff);
	db_bind_int64(s, 10, c->clear_signoff);
	db_bind_int64(s, 11, clock_now_ms());
	db_bind_int64(s, 12, id);
	db_bind_int64(s, 13, expected_version);
	rc = db_step(s);
	if (rc == DB_DONE)
		changed = db_changes(s);
	db_finalize(s);
	return rc < 0 ? rc : changed > 0;
}

int case_touch(db *d, int64_t id)
{
	return db_run(d, "UPDATE cases SET updated_at = ?, version = version + 1 WHERE id = ?",
		      "ii", clock_now_ms(), id);
}

int case_review_due_now(db *d, int64_t id)
{
	int64_t now = clock_now_ms();

	/* only ever brings a review forward */
	return db_run(d,
		      "UPDATE cases SET review_due_at = ? WHERE id = ?"
		      " AND (review_due_at IS NULL OR review_due_at > ?)",
		      "iii", now, id, now);
}

int case_set_screening(db *d, int64_t id, int64_t expected_version, const struct four *f,
		       const char *const notes[4], int64_t by)
{
	const enum four_answer a[4] = { f->fixated, f->obsessive, f->unwanted, f->repeated };
	int64_t changed = 0;
	db_stmt *s;
	int rc, i = 1;

	rc = db_prepare(d, &s,
			"UPDATE cases SET four_fixated = ?, four_fixated_note = ?,"
			" four_obsessive = ?, four_obsessive_note = ?,"
			" four_unwanted = ?, four_unwanted_note = ?,"
			" four_repeated = ?, four_repeated_note = ?,"
			" screened_by = ?, screened_at = ?, updated_at = ?, version = version + 1"
			" WHERE id = ? AND (? = 0 OR version = ?)");
	if (rc < 0)
		return rc;
	for (int k = 0; k < 4; k++) {
		if (a[k] == FOUR_UNANSWERED)
			db_bind_null(s, i++);
		else
			db_bind_int64(s, i++, a[k] == FOUR_YES);
		db_bind_text(s, i++, notes[k]);
	}
	db_bind_int64(s, i++, by);
	db_bind_int64(s, i++, clock_now_ms());
	db_bind_int64(s, i++, clock_now_ms());
	db_bind_int64(s, i++, id);
	db_bind_int64(s, i++, expected_version);
	db_bind_int64(s, i, expected_version);
	rc = db_step(s);
	if (rc == DB_DONE)
		changed = db_changes(s);
	db_finalize(s);
	return rc < 0 ? rc : changed > 0;
}

int case_set_signoff(db *d, int64_t id, int64_t by, const char *note)
{
	return db_run(d,
		      "UPDATE cases SET signoff_by = ?, signoff_at = ?, signoff_note = ?,"
		      " updated_at = ?, version = version + 1 WHERE id = ?",
		      "iitii", by, clock_now_ms(), note, clock_now_ms(), id);
}

int case_set_status(db *d, int64_t id, const char *status)
{
	return db_run(d, "UPDATE cases SET status = ? WHERE id = ?", "ti", status, id);
}

int case_set_classification_reason(db *d, int64_t id, const char *reason, bool clear_signoff)
{
	if (!clear_signoff)
		return db_run(d, "UPDATE cases SET classification_reason = ? WHERE id = ?", "ti",
			      reason, id);
	return db_run(d,
		      "UPDATE cases SET classification_reason = ?, signoff_by = NULL,"
		      " signoff_at = NULL, signoff_note = NULL WHERE id = ?",
		      "ti", reason, id);
}

int case_classifications_set(db *d, int64_t id, const char *const *list, int n)
{
	int rc = db_run(d, "DELETE FROM case_classifications WHERE case_id = ?", "i", id);

	for (int i = 0; rc >= 0 && i < n; i++)
		rc = case_classification_add(d, id, list[i]);
	return rc;
}

int case_classification_add(db *d, int64_t id, const char *classification)
{
	return db_run(d,
		      "INSERT INTO case_classifications (case_id, classification) VALUES (?, ?)"
		      " ON CONFLICT DO NOTHING",
		      "it", id, classification);
}

int case_classifications_each(db *d, int64_t id, int (*fn)(const char *c, void *arg), void *arg)
{
	db_stmt *s;
	int rc;

	rc = db_prepare(d, &s,
			"SELECT classification FROM case_classifications WHERE case_id = ?"
			" ORDER BY classification");
	if (rc < 0)
		return rc;
	db_bind_int64(s, 1, id);
	while ((rc = db_step(s)) == DB_ROW)
		if (fn(db_column_text(s, 0), arg))
			break;
	db_finalize(s);
	return rc < 0 ? rc : 0;
}

int case_has_classification(db *d, int64_t id, const char *classification)
{
	return db_exists(d,
			 "SELECT 1 FROM case_classifications WHERE case_id = ? AND classification = ?",
			 "it", id, classification);
}

int case_flag_raise(db *d, int64_t id, const char *flag, const char *note)
{
	return db_run(d,
		      "INSERT INTO case_flags (case_id, flag, raised_at, note) VALUES (?, ?, ?, ?)"
		      " ON CONFLICT (case_id, flag) DO UPDATE SET note = excluded.note",
		      "itit", id, flag, clock_now_ms(), note);
}

int case_flag_clear(db *d, int64_t id, const char *flag)
{
	db_stmt *s;
	int64_t n = 0;
	int rc;

	rc = db_prepare(d, &s, "DELETE FROM case_flags WHERE case_id = ? AND flag = ?");
	if (rc < 0)
		return rc;
	db_bind_int64(s, 1, id);
	db_bind_text(s, 2, flag);
	rc = db_step(s);
	if (rc == DB_DONE)
		n = db_changes(s);
	db_finalize(s);
	return rc < 0 ? rc : n > 0;
}

int case_has_flag(db *d, int64_t id, const char *flag)
{
	return db_exists(d, "SELECT 1 FROM case_flags WHERE case_id = ? AND flag = ?",
			 "it", id, flag);
}

int case_flags_each(db *d, int64_t id,
		    int (*fn)(const char *flag, int64_t raised_at, const char *note, void *arg),
		    void *arg)
{
	db_stmt *s;
	int rc;

	rc = db_prepare(d, &s,
			"SELECT flag, raised_at, note FROM case_flags WHERE case_id = ? ORDER BY flag");
	if (rc < 0)
		return rc;
	db_bind_int64(s, 1, id);
	while ((rc = db_step(s)) == DB_ROW)
		if (fn(db_column_text(s, 0), db_column_int64(s, 1), db_column_text(s, 2), arg))
			break;
	db_finalize(s);
	return rc < 0 ? rc : 0;
}

/* The events whose detail is sealed: a victim's name, a zone's name. */
static bool event_sealed(const char *kind)
{
	return strcmp(kind, "victim_recorded") == 0 || strcmp(kind, "zone") == 0;
}

int case_event_add(db *d, int64_t id, int64_t user_id, const char *username, const char *kind,
		   const char *detail)
{
	int64_t eid = 0;
	db_stmt *s;
	int rc;

	if (!event_sealed(kind) || !detail)
		return db_run(d,
			      "INSERT INTO case_events (case_id, at, user_id, username, kind, detail)"
			      " VALUES (?, ?, ?, ?, ?, ?)",
			      "iiittt", id, clock_now_ms(), user_id, username, kind, detail);
	rc = db_prepare(d, &s,
			"INSERT INTO case_events (case_id, at, user_id, username, kind, detail)"
			" VALUES (?, ?, ?, ?, ?, NULL) RETURNING id");
	if (rc < 0)
		return rc;
	db_bind_int64(s, 1, id);
	db_bind_int64(s, 2, clock_now_ms());
	db_bind_int64(s, 3, user_id);
	db_bind_text(s, 4, username);
	db_bind_text(s, 5, kind);
	rc = db_step(s);
	if (rc == DB_ROW)
		eid = db_column_int64(s, 0);
	db_finalize(s);
	if (rc < 0)
		return rc;
	return sealed_update(d, "case_events", "detail", eid, detail);
}

int case_events_each(db *d, int64_t id,
		     int (*fn)(int64_t at, const char *username, const char *kind,
			       const char *detail, void *arg),
		     void *arg)
{
	db_stmt *s;
	int rc;

	rc = db_prepare(d, &s,
			"SELECT at, username, kind, detail, id FROM case_events WHERE case_id = ?"
			" ORDER BY at, id");
	if (rc < 0)
		return rc;
	db_bind_int64(s, 1, id);
	while ((rc = db_step(s)) == DB_ROW) {
		const char *kind = db_column_text(s, 2);
		char ad[SEALED_AD_MAX], *detail = NULL;
		int stop;

		if (event_sealed(kind)) {
			sealed_ad(ad, "case_events.detail", db_column_int64(s, 4));
			rc = sealed_get(d, ad, db_column_text(s, 3), &detail);
			if (rc < 0)
				break;
		}
		stop = fn(db_column_int64(s, 0), db_column_text(s, 1), kind,
			  detail ? detail : db_column_text(s, 3), arg);
		free(detail);
		if (stop)
			break;
	}
	db_finalize(s);
	return rc < 0 ? rc : 0;
}

int case_assign(db *d, int64_t id, int64_t user_id, int64_t by)
{
	return db_run(d,
		      "INSERT INTO case_assignments (case_id, user_id, assigned_by, assigned_at)"
		      " VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
		      "iiii", id, user_id, by, clock_now_ms());
}

static int each_text(db *d, const char *sql, int64_t id, int (*fn)(const char *, void *),
		     void *arg)
{
	db_stmt *s;
	int rc;

	rc = db_prepare(d, &s, sql);
	if (rc < 0)
		return rc;
	db_bind_int64(s, 1, id);
	while ((rc = db_step(s)) == DB_ROW)
		if (fn(db_column_text(s, 0), arg))
			break;
	db_finalize(s);
	return rc < 0 ? rc : 0;
}

int case_assignments_each(db *d, int64_t id, int (*fn)(const char *username, void *arg),
			  void *arg)
{
	return each_text(d,
			 "SELECT u.username FROM case_assignments ca JOIN users u ON u.id = ca.user_id"
			 " WHERE ca.case_id = ? ORDER BY u.username",
			 id, fn, arg);
}

/* The note that marks a share made by a victim referral with her consent:
 * only such a share is taken back when she withdraws. */
#define CONSENTED_NOTE "victim referral, with consent"

/* The purpose a referral made without one shares for, by the agency's kind
 * (the migration that brought shares in maps the referrals before it alike). */
static const char *default_purpose(db *d, int64_t agency_id)
{
	db_stmt *s;
	const char *p = "safeguarding";

	if (db_prepare(d, &s, "SELECT kind FROM agencies WHERE id = ?") < 0)
		return p;
	db_bind_int64(s, 1, agency_id);
	if (db_step(s) == DB_ROW) {
		const char *k = db_column_text(s, 0);

		p = !strcmp(k, "charity") ? "victim_advocacy" : !strcmp(k, "nhs") ? "assessment" : p;
	}
	db_finalize(s);
	return p;
}

/* A referral shares the case with the agency unless a share is active
 * already: for the purpose its kind implies, on her consent (a victim
 * referral) or the lawful basis of a police referral. */
static int refer_share(db *d, int64_t id, int64_t agency_id, int64_t by, const char *note,
		       bool consented)
{
	struct share_row row = { 0 };
	int rc = sharing_any_active(d, id, agency_id);

	if (rc != 0)
		return rc < 0 ? rc : 0;
	row.case_id = id;
	row.agency_id = agency_id;
	row.purpose = default_purpose(d, agency_id);
	row.basis = consented ? "consent" : "lawful_basis";
	row.consent_of = consented ? "victim" : NULL;
	row.lawful_basis = consented ? NULL : "referred by the police";
	row.note = note;
	row.origin = consented ? "victim_referral" : "referral";
	rc = (int)sharing_insert(d, &row, by);
	return rc < 0 ? rc : 0;
}

int case_refer(db *d, int64_t id, int64_t agency_id, int64_t by, const char *note)
{
	int rc;
	bool consented = note && strcmp(note, CONSENTED_NOTE) == 0;

	rc = db_run(d,
		    "INSERT INTO case_referrals (case_id, agency_id, referred_by, referred_at, note)"
		    " VALUES (?, ?, ?, ?, ?) ON CONFLICT (case_id, agency_id) DO UPDATE SET"
		    " referred_by = excluded.referred_by, referred_at = excluded.referred_at,"
		    " note = excluded.note"
		    /* an officer's referral takes over a share made by her consent,
		     * so that withdrawing the consent leaves it in place */
		    " WHERE case_referrals.note = ? AND COALESCE(excluded.note, '') <> ?",
		    "iiiittt", id, agency_id, by, clock_now_ms(), note, CONSENTED_NOTE,
		    CONSENTED_NOTE);
	if (rc >= 0 && !consented)
		rc = sharing_adopt(d, id, agency_id, "victim_referral", "referral");
	if (rc >= 0)
		rc = refer_share(d, id, agency_id, by, note, consented);
	return rc < 0 ? rc : 0;
}

int case_refer_consented(db *d, int64_t id, int64_t agency_id, int64_t by)
{
	return case_refer(d, id, agency_id, by, CONSENTED_NOTE);
}

int case_unrefer_consented(db *d, int64_t id, int64_t agency_id)
{
	db_stmt *s;
	int rc;
	int64_t n;

	rc = db_prepare(d, &s,
			"DELETE FROM case_referrals WHERE case_id = ? AND agency_id = ? AND note = ?"
			" AND NOT EXISTS (SELECT 1 FROM victim_referrals v WHERE v.case_id = ?"
			" AND v.agency_id = ? AND v.status IN ('accepted', 'completed')"
			" AND v.consent = 1)");
	if (rc < 0)
		return rc;
	db_bind_int64(s, 1, id);
	db_bind_int64(s, 2, agency_id);
	db_bind_text(s, 3, CONSENTED_NOTE);
	db_bind_int64(s, 4, id);
	db_bind_int64(s, 5, agency_id);
	rc = db_step(s);
	n = rc == DB_DONE ? db_changes(s) : 0;
	db_finalize(s);
	/* her consent was what shared it: the share ends with it */
	if (rc >= 0 && n > 0)
		rc = sharing_withdraw_origin(d, id, agency_id, "victim_referral", 0,
					     "her consent to the referral was withdrawn");
	return rc < 0 ? rc : n > 0;
}

int case_referrals_each(db *d, int64_t id, int (*fn)(const char *agency, void *arg), void *arg)
{
	return each_text(d,
			 /* shared with now: referred, or shared for a purpose */
			 "SELECT DISTINCT a.code FROM case_shares cs JOIN agencies a ON a.id = cs.agency_id"
			 " WHERE cs.case_id = ? AND cs.withdrawn_at IS NULL ORDER BY a.code",
			 id, fn, arg);
}

int programme_enrol(db *d, int64_t person_id, int64_t agency_id, int64_t by,
		    const char *consent_note)
{
	int64_t now = clock_now_ms();

	/* his newest case as the suspect: the one he is enrolled from */
	return db_run(d,
		      "INSERT INTO programme_enrolments (person_id, enrolled_by, enrolled_at,"
		      " consent_note, agency_id, consent_at, case_id) VALUES (?, ?, ?, ?, ?, ?,"
		      " (SELECT MAX(case_id) FROM case_people WHERE person_id = ? AND role = 'suspect'))",
		      "iiitiii", person_id, by, now, consent_note, agency_id, now, person_id);
}

int programme_enrolled(db *d, int64_t person_id)
{
	return db_exists(d,
			 "SELECT 1 FROM programme_enrolments WHERE person_id = ? AND ended_at IS NULL",
			 "i", person_id);
}
