/*
 * store/programme — the SQL of the behaviour-change programme (see
 * programme.h).  Clinical notes' bodies and disclosures' details are sealed
 * (store/sealed.h) as a victim's details are: what a man says in treatment
 * is as sensitive as where she lives.
 */
#include "store/programme.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/mem.h"
#include "store/sealed.h"

static void copy(char *dst, size_t n, const char *s)
{
	snprintf(dst, n, "%s", s ? s : "");
}

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

static int64_t opt64(db_stmt *s, int col)
{
	return db_column_is_null(s, col) ? 0 : db_column_int64(s, col);
}

static void bind_user(db_stmt *s, int i, int64_t id)
{
	if (id)
		db_bind_int64(s, i, id);
	else
		db_bind_null(s, i);
}

/* Step an UPDATE prepared in s: 1 when it changed a row, 0 none, or DB_. */
static int step_changed(db_stmt *s)
{
	int rc = db_step(s);
	int64_t n = rc == DB_DONE ? db_changes(s) : 0;

	db_finalize(s);
	return rc < 0 ? rc : n > 0;
}

/* Step an INSERT ... RETURNING id. */
static int64_t step_id(db_stmt *s)
{
	int64_t id = 0;
	int rc = db_step(s);

	if (rc == DB_ROW)
		id = db_column_int64(s, 0);
	db_finalize(s);
	return rc < 0 ? rc : id;
}

/* ---- referrals ----------------------------------------------------------------------- */

#define REF_COLS                                                                             \
	"r.id, r.person_id, r.case_id, r.agency_id, a.code, r.source, r.status, r.note,"     \
	" r.screening, r.reasons, ub.username, ud.username, r.referred_at, r.decided_at,"    \
	" r.waiting_since, r.enrolment_id, r.version"
#define REF_FROM                                                                             \
	" FROM programme_referrals r JOIN agencies a ON a.id = r.agency_id"                  \
	" JOIN users ub ON ub.id = r.referred_by LEFT JOIN users ud ON ud.id = r.decided_by"

static void ref_read(db_stmt *s, struct prog_referral *r)
{
	memset(r, 0, sizeof *r);
	r->id = db_column_int64(s, 0);
	r->person_id = db_column_int64(s, 1);
	r->case_id = db_column_int64(s, 2);
	r->agency_id = db_column_int64(s, 3);
	copy(r->agency, sizeof r->agency, db_column_text(s, 4));
	copy(r->source, sizeof r->source, db_column_text(s, 5));
	copy(r->status, sizeof r->status, db_column_text(s, 6));
	r->note = dup_or_null(db_column_text(s, 7));
	r->screening = dup_or_null(db_column_text(s, 8));
	r->reasons = dup_or_null(db_column_text(s, 9));
	copy(r->referred_by, sizeof r->referred_by, db_column_text(s, 10));
	copy(r->decided_by, sizeof r->decided_by, db_column_text(s, 11));
	r->referred_at = db_column_int64(s, 12);
	r->decided_at = opt64(s, 13);
	r->waiting_since = opt64(s, 14);
	r->enrolment_id = opt64(s, 15);
	r->version = db_column_int64(s, 16);
}

void programme_referral_free(struct prog_referral *r)
{
	if (!r)
		return;
	free(r->note);
	free(r->screening);
	free(r->reasons);
	r->note = r->screening = r->reasons = NULL;
}

int64_t programme_referral_insert(db *d, int64_t person_id, int64_t case_id, int64_t agency_id,
				  const char *source, const char *note, int64_t by)
{
	db_stmt *s;
	int rc;

	rc = db_prepare(d, &s,
			"INSERT INTO programme_referrals (person_id, case_id, agency_id, source, note,"
			" referred_by, referred_at, status) VALUES (?, ?, ?, ?, ?, ?, ?, 'referred')"
			" RETURNING id");
	if (rc < 0)
		return rc;
	db_bind_int64(s, 1, person_id);
	db_bind_int64(s, 2, case_id);
	db_bind_int64(s, 3, agency_id);
	db_bind_text(s, 4, source);
	db_bind_text(s, 5, note);
	db_bind_int64(s, 6, by);
	db_bind_int64(s, 7, clock_now_ms());
	return step_id(s);
}

int programme_referral_get(db *d, int64_t case_id, int64_t id, struct prog_referral *out)
{
	db_stmt *s;
	int rc;

	rc = db_prepare(d, &s, "SELECT " REF_COLS REF_FROM " WHERE r.case_id = ? AND r.id = ?");
	if (rc < 0)
		return rc;
	db_bind_int64(s, 1, case_id);
	db_bind_int64(s, 2, id);
	rc = db_step(s);
	if (rc == DB_ROW)
		ref_read(s, out);
	db_finalize(s);
	return rc < 0 ? rc : rc == DB_ROW;
}

int programme_referrals_each(db *d, int64_t case_id,
			     int (*fn)(const struct prog_referral *r, void *arg), void *arg)
{
	struct prog_referral r;
	db_stmt *s;
	int rc, stop = 0;

	rc = db_prepare(d, &s, "SELECT " REF_COLS REF_FROM " WHERE r.case_id = ? ORDER BY r.id DESC");
	if (rc < 0)
		return rc;
	db_bind_int64(s, 1, case_id);
	while (!stop && (rc = db_step(s)) == DB_ROW) {
		ref_read(s, &r);
		stop = fn(&r, arg);
		programme_referral_free(&r);
	}
	db_finalize(s);
	return rc < 0 ? rc : 0;
}

int64_t programme_referral_open(db *d, int64_t person_id)
{
	db_stmt *s;
	int64_t id = 0;
	int rc;

	rc = db_prepare(d, &s,
			"SELECT id FROM programme_referrals WHERE person_id = ?"
			" AND status IN ('referred', 'eligible', 'waiting') ORDER BY id LIMIT 1");
	if (rc < 0)
		return rc;
	db_bind_int64(s, 1, person_id);
	rc = db_step(s);
	if (rc == DB_ROW)
		id = db_column_int64(s, 0);
	db_finalize(s);
	return rc < 0 ? rc : id;
}

int programme_referral_decide(db *d, int64_t id, int64_t version, const char *status,
			      const char *screening, const char *reasons, int64_t by)
{
	db_stmt *s;
	int rc;

	rc = db_prepare(d, &s,
			"UPDATE programme_referrals SET status = ?, screening = ?, reasons = ?,"
			" decided_by = ?, decided_at = ?, version = version + 1"
			" WHERE id = ? AND version = ?");
	if (rc < 0)
		return rc;
	db_bind_text(s, 1, status);
	db_bind_text(s, 2, screening);
	db_bind_text(s, 3, reasons);
	db_bind_int64(s, 4, by);
	db_bind_int64(s, 5, clock_now_ms());
	db_bind_int64(s, 6, id);
	db_bind_int64(s, 7, version);
	return step_changed(s);
}

int programme_referral_place(db *d, int64_t id, int64_t version, const char *status,
			     int64_t enrolment_id)
{
	db_stmt *s;
	int rc;

	rc = db_prepare(d, &s,
			"UPDATE programme_referrals SET status = ?, enrolment_id = ?,"
			" waiting_since = CASE WHEN ? = 'waiting' THEN COALESCE(waiting_since, ?)"
			"   ELSE waiting_since END, version = version + 1"
			" WHERE id = ? AND version = ?");
	if (rc < 0)
		return rc;
	db_bind_text(s, 1, status);
	bind_user(s, 2, enrolment_id);
	db_bind_text(s, 3, status);
	db_bind_int64(s, 4, clock_now_ms());
	db_bind_int64(s, 5, id);
	db_bind_int64(s, 6, version);
	return step_changed(s);
}

static int count1(db *d, const char *sql, int64_t a, int64_t b, int64_t c)
{
	db_stmt *s;
	int rc, n = 0;

	rc = db_prepare(d, &s, sql);
	if (rc < 0)
		return rc;
	db_bind_int64(s, 1, a);
	if (b >= 0)
		db_bind_int64(s, 2, b);
	if (c >= 0)
		db_bind_int64(s, 3, c);
	rc = db_step(s);
	if (rc == DB_ROW)
		n = (int)db_column_int64(s, 0);
	db_finalize(s);
	return rc < 0 ? rc : n;
}

int programme_waiting_ahead(db *d, int64_t agency_id, int64_t waiting_since, int64_t id)
{
	db_stmt *s;
	int rc, n = 0;

	rc = db_prepare(d, &s,
			"SELECT COUNT(*) FROM programme_referrals WHERE agency_id = ?"
			" AND status = 'waiting' AND (waiting_since < ? OR (waiting_since = ? AND id < ?))");
	if (rc < 0)
		return rc;
	db_bind_int64(s, 1, agency_id);
	db_bind_int64(s, 2, waiting_since);
	db_bind_int64(s, 3, waiting_since);
	db_bind_int64(s, 4, id);
	rc = db_step(s);
	if (rc == DB_ROW)
		n = (int)db_column_int64(s, 0);
	db_finalize(s);
	return rc < 0 ? rc : n;
}

/* ---- enrolments ---------------------------------------------------------------------- */

void programme_enrolment_free(struct prog_enrolment *e)
{
	if (!e)
		return;
	free(e->consent_note);
	free(e->ended_reason);
	e->consent_note = e->ended_reason = NULL;
}

int programme_active_count(db *d, int64_t agency_id)
{
	return count1(d,
		      "SELECT COUNT(*) FROM programme_enrolments WHERE agency_id = ?"
		      " AND ended_at IS NULL",
		      agency_id, -1, -1);
}

int64_t programme_enrolment_insert(db *d, int64_t person_id, int64_t case_id, int64_t agency_id,
				   int64_t clinician_id, int64_t enrolled_at, const char *consent_note,
				   bool tag_consent, int64_t by)
{
	db_stmt *s;
	int rc;

	rc = db_prepare(d, &s,
			"INSERT INTO programme_enrolments (person_id, enrolled_by, enrolled_at,"
			" consent_note, agency_id, case_id, clinician_id, consent_at, tag_consent)"
			" VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id");
	if (rc < 0)
		return rc;
	db_bind_int64(s, 1, person_id);
	db_bind_int64(s, 2, by);
	db_bind_int64(s, 3, enrolled_at);
	db_bind_text(s, 4, consent_note);
	db_bind_int64(s, 5, agency_id);
	db_bind_int64(s, 6, case_id);
	db_bind_int64(s, 7, clinician_id);
	db_bind_int64(s, 8, clock_now_ms());
	db_bind_int64(s, 9, tag_consent ? 1 : 0);
	return step_id(s);
}

int programme_enrolment_of_case(db *d, int64_t case_id, struct prog_enrolment *e)
{
	db_stmt *s;
	int rc;

	rc = db_prepare(d, &s,
			"SELECT pe.id, pe.person_id, COALESCE(pe.case_id, 0), pe.agency_id, a.code,"
			" u.username, COALESCE(pe.clinician_id, 0), pe.enrolled_at, pe.consent_at,"
			" pe.ended_at, pe.tag_consent_withdrawn_at, pe.tag_consent, pe.consent_note,"
			" pe.ended_reason, pe.version"
			" FROM programme_enrolments pe JOIN agencies a ON a.id = pe.agency_id"
			" LEFT JOIN users u ON u.id = pe.clinician_id"
			" JOIN case_people cp ON cp.person_id = pe.person_id AND cp.role = 'suspect'"
			" WHERE cp.case_id = ?"
			" ORDER BY CASE WHEN pe.ended_at IS NULL THEN 0 ELSE 1 END, pe.id DESC LIMIT 1");
	if (rc < 0)
		return rc;
	db_bind_int64(s, 1, case_id);
	rc = db_step(s);
	if (rc == DB_ROW) {
		memset(e, 0, sizeof *e);
		e->id = db_column_int64(s, 0);
		e->person_id = db_column_int64(s, 1);
		e->case_id = db_column_int64(s, 2);
		e->agency_id = db_column_int64(s, 3);
		copy(e->agency, sizeof e->agency, db_column_text(s, 4));
		copy(e->clinician, sizeof e->clinician, db_column_text(s, 5));
		e->clinician_id = db_column_int64(s, 6);
		e->enrolled_at = db_column_int64(s, 7);
		e->consent_at = opt64(s, 8);
		e->ended_at = opt64(s, 9);
		e->tag_consent_withdrawn_at = opt64(s, 10);
		e->tag_consent = db_column_int64(s, 11) != 0;
		e->consent_note = dup_or_null(db_column_text(s, 12));
		e->ended_reason = dup_or_null(db_column_text(s, 13));
		e->version = db_column_int64(s, 14);
	}
	db_finalize(s);
	return rc < 0 ? rc : rc == DB_ROW;
}

/* UPDATE sql, whose parameters are (now, by, text, id, version): 1 changed,
 * 0 stale. */
static int stamp(db *d, const char *sql, int64_t id, int64_t version, int64_t by, const char *text)
{
	db_stmt *s;
	int rc;

	rc = db_prepare(d, &s, sql);
	if (rc < 0)
		return rc;
	db_bind_int64(s, 1, clock_now_ms());
	db_bind_int64(s, 2, by);
	db_bind_text(s, 3, text);
	db_bind_int64(s, 4, id);
	db_bind_int64(s, 5, version);
	return step_changed(s);
}

int programme_enrolment_end(db *d, int64_t id, int64_t version, int64_t by, const char *reason)
{
	return stamp(d,
		     "UPDATE programme_enrolments SET ended_at = ?, ended_by = ?, ended_reason = ?,"
		     " version = version + 1 WHERE id = ? AND version = ? AND ended_at IS NULL",
		     id, version, by, reason);
}

int programme_tag_consent_withdraw(db *d, int64_t id, int64_t version)
{
	db_stmt *s;
	int rc;

	rc = db_prepare(d, &s,
			"UPDATE programme_enrolments SET tag_consent_withdrawn_at = ?,"
			" version = version + 1 WHERE id = ? AND version = ? AND tag_consent = 1"
			" AND tag_consent_withdrawn_at IS NULL");
	if (rc < 0)
		return rc;
	db_bind_int64(s, 1, clock_now_ms());
	db_bind_int64(s, 2, id);
	db_bind_int64(s, 3, version);
	return step_changed(s);
}

/* ---- sessions ------------------------------------------------------------------------ */

#define SESSION_SQL                                                                          \
	"SELECT s.id, s.enrolment_id, s.planned_at, s.status, ur.username, uc.username,"     \
	" s.recorded_at, s.followed_up_at, uf.username, s.follow_up_note, s.version"         \
	" FROM programme_sessions s LEFT JOIN users ur ON ur.id = s.run_by"                  \
	" LEFT JOIN users uc ON uc.id = s.recorded_by LEFT JOIN users uf ON uf.id = s.followed_up_by"

static int sessions(db *d, const char *sql, int64_t a, int64_t b,
		    int (*fn)(const struct prog_session *s, void *arg), void *arg)
{
	struct prog_session r;
	db_stmt *s;
	int rc, n = 0;

	rc = db_prepare(d, &s, sql);
	if (rc < 0)
		return rc;
	db_bind_int64(s, 1, a);
	if (b)
		db_bind_int64(s, 2, b);
	while ((rc = db_step(s)) == DB_ROW) {
		memset(&r, 0, sizeof r);
		r.id = db_column_int64(s, 0);
		r.enrolment_id = db_column_int64(s, 1);
		r.planned_at = db_column_int64(s, 2);
		copy(r.status, sizeof r.status, db_column_text(s, 3));
		copy(r.run_by, sizeof r.run_by, db_column_text(s, 4));
		copy(r.recorded_by, sizeof r.recorded_by, db_column_text(s, 5));
		r.recorded_at = opt64(s, 6);
		r.followed_up_at = opt64(s, 7);
		copy(r.followed_up_by, sizeof r.followed_up_by, db_column_text(s, 8));
		r.follow_up_note = db_column_text(s, 9);
		r.version = db_column_int64(s, 10);
		n++;
		if (fn(&r, arg))
			break;
	}
	db_finalize(s);
	return rc < 0 ? rc : n;
}

int64_t programme_session_insert(db *d, int64_t enrolment_id, int64_t planned_at)
{
	db_stmt *s;
	int rc;

	rc = db_prepare(d, &s,
			"INSERT INTO programme_sessions (enrolment_id, planned_at, status)"
			" VALUES (?, ?, 'planned') RETURNING id");
	if (rc < 0)
		return rc;
	db_bind_int64(s, 1, enrolment_id);
	db_bind_int64(s, 2, planned_at);
	return step_id(s);
}

int programme_sessions_each(db *d, int64_t enrolment_id,
			    int (*fn)(const struct prog_session *s, void *arg), void *arg)
{
	int rc = sessions(d, SESSION_SQL " WHERE s.enrolment_id = ? ORDER BY s.planned_at, s.id",
			  enrolment_id, 0, fn, arg);
	return rc < 0 ? rc : 0;
}

int programme_session_get(db *d, int64_t enrolment_id, int64_t id,
			  int (*fn)(const struct prog_session *s, void *arg), void *arg)
{
	int rc = sessions(d, SESSION_SQL " WHERE s.enrolment_id = ? AND s.id = ?", enrolment_id, id,
			  fn, arg);
	return rc < 0 ? rc : rc > 0;
}

int programme_session_record(db *d, int64_t id, int64_t version, const char *status,
			     int64_t run_by, int64_t by)
{
	db_stmt *s;
	int rc;

	rc = db_prepare(d, &s,
			"UPDATE programme_sessions SET status = ?, run_by = ?, recorded_by = ?,"
			" recorded_at = ?, version = version + 1 WHERE id = ? AND version = ?");
	if (rc < 0)
		return rc;
	db_bind_text(s, 1, status);
	bind_user(s, 2, run_by);
	db_bind_int64(s, 3, by);
	db_bind_int64(s, 4, clock_now_ms());
	db_bind_int64(s, 5, id);
	db_bind_int64(s, 6, version);
	return step_changed(s);
}

int programme_session_follow_up(db *d, int64_t id, int64_t version, const char *note, int64_t by)
{
	return stamp(d,
		     "UPDATE programme_sessions SET followed_up_at = ?, followed_up_by = ?,"
		     " follow_up_note = ?, version = version + 1 WHERE id = ? AND version = ?",
		     id, version, by, note);
}

int programme_attendance_counts(db *d, int64_t enrolment_id, int *attended, int *missed)
{
	int a = count1(d,
		       "SELECT COUNT(*) FROM programme_sessions WHERE enrolment_id = ?"
		       " AND status = 'attended'",
		       enrolment_id, -1, -1);
	int m = a < 0 ? a
		      : count1(d,
			       "SELECT COUNT(*) FROM programme_sessions WHERE enrolment_id = ?"
			       " AND status = 'missed'",
			       enrolment_id, -1, -1);

	if (m < 0)
		return m;
	*attended = a;
	*missed = m;
	return 0;
}

/* ---- clinical notes and disclosures ---------------------------------------------------- */

int64_t programme_note_insert(db *d, int64_t enrolment_id, const char *body, int64_t by)
{
	db_stmt *s;
	int64_t id;
	int rc;

	/* a placeholder, then the body sealed with the row's id in its associated data */
	rc = db_prepare(d, &s,
			"INSERT INTO clinical_notes (enrolment_id, written_by, written_at, body)"
			" VALUES (?, ?, ?, '') RETURNING id");
	if (rc < 0)
		return rc;
	db_bind_int64(s, 1, enrolment_id);
	db_bind_int64(s, 2, by);
	db_bind_int64(s, 3, clock_now_ms());
	id = step_id(s);
	if (id > 0 && (rc = sealed_update(d, "clinical_notes", "body", id, body)) < 0)
		return rc;
	return id;
}

/* Rows of (id, username, at, risk or NULL, sealed text) whose text is
 * sealed as what ("clinical_notes.body"), each opened for fn. */
static int each_sealed(db *d, const char *sql, int64_t key, const char *what,
		       int (*fn)(const struct prog_text *t, void *arg), void *arg)
{
	char ad[SEALED_AD_MAX], *text;
	struct prog_text t;
	db_stmt *s;
	int rc;

	rc = db_prepare(d, &s, sql);
	if (rc < 0)
		return rc;
	db_bind_int64(s, 1, key);
	while ((rc = db_step(s)) == DB_ROW) {
		int stop;

		t.id = db_column_int64(s, 0);
		sealed_ad(ad, what, t.id);
		if ((rc = sealed_get(d, ad, db_column_text(s, 4), &text)) < 0)
			break;
		t.by = db_column_text(s, 1);
		t.at = db_column_int64(s, 2);
		t.risk = db_column_text(s, 3);
		t.text = text;
		stop = fn(&t, arg);
		free(text);
		if (stop)
			break;
	}
	db_finalize(s);
	return rc < 0 ? rc : 0;
}

int programme_notes_each(db *d, int64_t enrolment_id,
			 int (*fn)(const struct prog_text *t, void *arg), void *arg)
{
	return each_sealed(d,
			   "SELECT n.id, u.username, n.written_at, NULL, n.body FROM clinical_notes n"
			   " JOIN users u ON u.id = n.written_by WHERE n.enrolment_id = ?"
			   " ORDER BY n.id",
			   enrolment_id, "clinical_notes.body", fn, arg);
}

int64_t programme_disclosure_insert(db *d, int64_t enrolment_id, int64_t case_id, const char *risk,
				    const char *detail, int64_t by)
{
	db_stmt *s;
	int64_t id;
	int rc;

	rc = db_prepare(d, &s,
			"INSERT INTO programme_disclosures (enrolment_id, case_id, made_by, made_at,"
			" risk, detail) VALUES (?, ?, ?, ?, ?, '') RETURNING id");
	if (rc < 0)
		return rc;
	db_bind_int64(s, 1, enrolment_id);
	db_bind_int64(s, 2, case_id);
	db_bind_int64(s, 3, by);
	db_bind_int64(s, 4, clock_now_ms());
	db_bind_text(s, 5, risk);
	id = step_id(s);
	if (id > 0 && (rc = sealed_update(d, "programme_disclosures", "detail", id, detail)) < 0)
		return rc;
	return id;
}

int programme_disclosures_each(db *d, int64_t case_id,
			       int (*fn)(const struct prog_text *t, void *arg), void *arg)
{
	return each_sealed(d,
			   "SELECT p.id, u.username, p.made_at, p.risk, p.detail"
			   " FROM programme_disclosures p JOIN users u ON u.id = p.made_by"
			   " WHERE p.case_id = ? ORDER BY p.id DESC",
			   case_id, "programme_disclosures.detail", fn, arg);
}

/* ---- the cohort ------------------------------------------------------------------------ */

int programme_cohort_each(db *d, int64_t agency_id,
			  int (*fn)(const struct prog_cohort_row *r, void *arg), void *arg)
{
	struct prog_cohort_row row;
	db_stmt *s;
	int rc, stop = 0;

	rc = db_prepare(d, &s,
			"SELECT c.ref, 'enrolled', pe.id, pe.enrolled_at, u.username,"
			" (SELECT COUNT(*) FROM programme_sessions ps WHERE ps.enrolment_id = pe.id"
			"   AND ps.status = 'attended'),"
			" (SELECT COUNT(*) FROM programme_sessions ps WHERE ps.enrolment_id = pe.id"
			"   AND ps.status = 'missed'),"
			" pe.tag_consent - CASE WHEN pe.tag_consent_withdrawn_at IS NULL THEN 0 ELSE 1 END,"
			" 0 AS k"
			" FROM programme_enrolments pe JOIN cases c ON c.id = pe.case_id"
			" LEFT JOIN users u ON u.id = pe.clinician_id"
			" WHERE pe.agency_id = ? AND pe.ended_at IS NULL"
			" UNION ALL"
			" SELECT c.ref, r.status, r.id, COALESCE(r.waiting_since, r.referred_at), NULL, 0, 0,"
			" 0, CASE r.status WHEN 'waiting' THEN 1 ELSE 2 END"
			" FROM programme_referrals r JOIN cases c ON c.id = r.case_id"
			" WHERE r.agency_id = ? AND r.status IN ('referred', 'eligible', 'waiting')"
			" ORDER BY 9, 4, 3");
	if (rc < 0)
		return rc;
	db_bind_int64(s, 1, agency_id);
	db_bind_int64(s, 2, agency_id);
	while (!stop && (rc = db_step(s)) == DB_ROW) {
		memset(&row, 0, sizeof row);
		row.ref = db_column_text(s, 0);
		row.status = db_column_text(s, 1);
		row.id = db_column_int64(s, 2);
		row.since = db_column_int64(s, 3);
		row.clinician = db_column_text(s, 4);
		row.attended = (int)db_column_int64(s, 5);
		row.missed = (int)db_column_int64(s, 6);
		row.tag_consent = db_column_int64(s, 7) != 0;
		stop = fn(&row, arg);
	}
	db_finalize(s);
	return rc < 0 ? rc : 0;
}

/* ---- outcomes -------------------------------------------------------------------------- */

/* His cases: every case in which the person is the suspect. */
#define HIS_CASES "(SELECT case_id FROM case_people WHERE person_id = ? AND role = 'suspect')"

int programme_outcome(db *d, int64_t person_id, int64_t t0, int64_t t1, struct prog_outcome *o)
{
	static const char *const sql[4] = {
		/* incidents on his cases in the window (amendments are not new incidents) */
		"SELECT COUNT(*) FROM incidents WHERE case_id IN " HIS_CASES
		" AND amends IS NULL AND occurred_at > ? AND occurred_at <= ?",
		"SELECT COUNT(*) FROM breaches WHERE case_id IN " HIS_CASES
		" AND occurred_at > ? AND occurred_at <= ?",
		/* victims of his cases opened in the window who were not victims of
		 * any of his cases opened before it */
		"SELECT COUNT(DISTINCT v.person_id) FROM case_people v JOIN cases c ON c.id = v.case_id"
		" WHERE v.role = 'victim' AND v.case_id IN " HIS_CASES
		" AND c.created_at > ? AND c.created_at <= ?"
		" AND NOT EXISTS (SELECT 1 FROM case_people v2 JOIN cases c2 ON c2.id = v2.case_id"
		"   WHERE v2.person_id = v.person_id AND v2.role = 'victim' AND c2.created_at <= ?"
		"   AND v2.case_id IN " HIS_CASES ")",
		/* the tag's compliance: alerts that say he interfered with it or it
		 * went silent */
		"SELECT COUNT(*) FROM alerts WHERE case_id IN " HIS_CASES
		" AND kind IN ('tamper', 'case_open', 'powered_off', 'lost_signal')"
		" AND opened_at > ? AND opened_at <= ?",
	};
	int *out[4] = { &o->incidents, &o->breaches, &o->new_victims, &o->tag_alerts };

	for (int i = 0; i < 4; i++) {
		db_stmt *s;
		int rc = db_prepare(d, &s, sql[i]);

		if (rc < 0)
			return rc;
		db_bind_int64(s, 1, person_id);
		db_bind_int64(s, 2, t0);
		db_bind_int64(s, 3, t1);
		if (i == 2) {
			db_bind_int64(s, 4, t0);
			db_bind_int64(s, 5, person_id);
		}
		rc = db_step(s);
		*out[i] = rc == DB_ROW ? (int)db_column_int64(s, 0) : 0;
		db_finalize(s);
		if (rc < 0)
			return rc;
	}
	return 0;
}

int programme_outcome_people(db *d, int64_t agency_id, bool enrolled,
			     int (*fn)(int64_t person_id, int64_t t0, const char *typology,
				       const char *level, void *arg),
			     void *arg)
{
	db_stmt *s;
	int rc, stop = 0;

	rc = db_prepare(d, &s,
			enrolled
				? "SELECT pe.person_id, pe.enrolled_at, c.typology, c.risk_level"
				  " FROM programme_enrolments pe JOIN cases c ON c.id = pe.case_id"
				  " WHERE pe.agency_id = ? ORDER BY pe.id"
				  /* comparison: the suspects never enrolled anywhere, from the
				   * first case in which each was the suspect */
				: "SELECT cp.person_id, c.created_at, c.typology, c.risk_level"
				  " FROM case_people cp JOIN cases c ON c.id = cp.case_id"
				  " WHERE cp.role = 'suspect' AND ? > 0"
				  " AND NOT EXISTS (SELECT 1 FROM programme_enrolments pe"
				  "   WHERE pe.person_id = cp.person_id)"
				  " AND NOT EXISTS (SELECT 1 FROM case_people cp2 JOIN cases c2"
				  "   ON c2.id = cp2.case_id WHERE cp2.person_id = cp.person_id"
				  "   AND cp2.role = 'suspect' AND (c2.created_at < c.created_at"
				  "   OR (c2.created_at = c.created_at AND c2.id < c.id)))"
				  " ORDER BY cp.person_id");
	if (rc < 0)
		return rc;
	db_bind_int64(s, 1, agency_id);
	while (!stop && (rc = db_step(s)) == DB_ROW)
		stop = fn(db_column_int64(s, 0), db_column_int64(s, 1), db_column_text(s, 2),
			  db_column_text(s, 3), arg);
	db_finalize(s);
	return rc < 0 ? rc : 0;
}

/* ---- protections that stay when he leaves ----------------------------------------------- */

int programme_tag_orders(db *d, int64_t person_id)
{
	return count1(d,
		      "SELECT COUNT(DISTINCT o.id) FROM orders o JOIN order_conditions oc"
		      " ON oc.order_id = o.id WHERE o.case_id IN " HIS_CASES
		      " AND o.status = 'granted' AND oc.kind = 'wear_tag'",
		      person_id, -1, -1);
}

int programme_tags_worn(db *d, int64_t person_id, int64_t now)
{
	return count1(d,
		      "SELECT COUNT(*) FROM device_assignments WHERE case_id IN " HIS_CASES
		      " AND role = 'suspect' AND starts_at <= ? AND (ends_at IS NULL OR ends_at > ?)",
		      person_id, now, now);
}
