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
#include "store/each.h"
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

/* ---- referrals ----------------------------------------------------------------------- */

#define REF_COLS                                                                             \
	"r.id, r.person_id, r.case_id, r.agency_id, a.code, r.source, r.status, r.note,"     \
	" r.screening, r.reasons, ub.username, ud.username, r.referred_at, r.decided_at,"    \
	" r.waiting_since, r.enrolment_id, r.version"
#define REF_FROM                                                                             \
	" FROM programme_referrals r JOIN agencies a ON a.id = r.agency_id"                  \
	" JOIN users ub ON ub.id = r.referred_by LEFT JOIN users ud ON ud.id = r.decided_by"

static void ref_read(db_stmt *s, void *out)
{
	struct prog_referral *r = out;

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
	int64_t id = 0;
	int rc = db_get_int64(d, &id,
			      "INSERT INTO programme_referrals (person_id, case_id, agency_id,"
			      " source, note, referred_by, referred_at, status)"
			      " VALUES (?, ?, ?, ?, ?, ?, ?, 'referred') RETURNING id",
			      "iiittii", person_id, case_id, agency_id, source, note, by,
			      clock_now_ms());

	return rc < 0 ? rc : id;
}

int programme_referral_get(db *d, int64_t case_id, int64_t id, struct prog_referral *out)
{
	return db_one(d, ref_read, out,
		      "SELECT " REF_COLS REF_FROM " WHERE r.case_id = ? AND r.id = ?", "ii",
		      case_id, id);
}

struct ref_each_ctx {
	int (*fn)(const struct prog_referral *r, void *arg);
	void *arg;
};

static int ref_one(db_stmt *s, void *arg)
{
	struct ref_each_ctx *c = arg;
	struct prog_referral r;
	int stop;

	ref_read(s, &r);
	stop = c->fn(&r, c->arg);
	programme_referral_free(&r);
	return stop;
}

int programme_referrals_each(db *d, int64_t case_id,
			     int (*fn)(const struct prog_referral *r, void *arg), void *arg)
{
	struct ref_each_ctx c = { fn, arg };

	return db_each(d, ref_one, &c, "SELECT " REF_COLS REF_FROM " WHERE r.case_id = ?"
		       " ORDER BY r.id DESC", "i", case_id);
}

int64_t programme_referral_open(db *d, int64_t person_id)
{
	int64_t id = 0;
	int rc = db_get_int64(d, &id,
			      "SELECT id FROM programme_referrals WHERE person_id = ?"
			      " AND status IN ('referred', 'eligible', 'waiting')"
			      " ORDER BY id LIMIT 1",
			      "i", person_id);

	return rc < 0 ? rc : id;
}

int programme_referral_decide(db *d, int64_t id, int64_t version, const char *status,
			      const char *screening, const char *reasons, int64_t by)
{
	int rc = db_write(d,
			  "UPDATE programme_referrals SET status = ?, screening = ?, reasons = ?,"
			  " decided_by = ?, decided_at = ?, version = version + 1"
			  " WHERE id = ? AND version = ?",
			  "tttiiii", status, screening, reasons, by, clock_now_ms(), id, version);

	return rc < 0 ? rc : rc > 0;
}

int programme_referral_place(db *d, int64_t id, int64_t version, const char *status,
			     int64_t enrolment_id)
{
	int rc = db_write(d,
			  "UPDATE programme_referrals SET status = ?, enrolment_id = ?,"
			  " waiting_since = CASE WHEN ? = 'waiting' THEN COALESCE(waiting_since, ?)"
			  "   ELSE waiting_since END, version = version + 1"
			  " WHERE id = ? AND version = ?",
			  "tItiii", status, enrolment_id, status, clock_now_ms(), id, version);

	return rc < 0 ? rc : rc > 0;
}

/* A count whose parameters are a, then b and c unless negative. */
static int count1(db *d, const char *sql, int64_t a, int64_t b, int64_t c)
{
	int64_t n = 0;
	int rc = db_get_int64(d, &n, sql, b < 0 ? "i" : c < 0 ? "ii" : "iii", a, b, c);

	return rc < 0 ? rc : (int)n;
}

int programme_waiting_ahead(db *d, int64_t agency_id, int64_t waiting_since, int64_t id)
{
	int64_t n = 0;
	int rc = db_get_int64(d, &n,
			      "SELECT COUNT(*) FROM programme_referrals WHERE agency_id = ?"
			      " AND status = 'waiting' AND (waiting_since < ?"
			      " OR (waiting_since = ? AND id < ?))",
			      "iiii", agency_id, waiting_since, waiting_since, id);

	return rc < 0 ? rc : (int)n;
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
	int64_t id = 0;
	int rc = db_get_int64(d, &id,
			      "INSERT INTO programme_enrolments (person_id, enrolled_by,"
			      " enrolled_at, consent_note, agency_id, case_id, clinician_id,"
			      " consent_at, tag_consent) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
			      " RETURNING id",
			      "iiitiiiii", person_id, by, enrolled_at, consent_note, agency_id,
			      case_id, clinician_id, clock_now_ms(),
			      (int64_t)(tag_consent ? 1 : 0));

	return rc < 0 ? rc : id;
}

static void enrolment_row(db_stmt *s, void *out)
{
	struct prog_enrolment *e = out;

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

int programme_enrolment_of_case(db *d, int64_t case_id, struct prog_enrolment *e)
{
	return db_one(d, enrolment_row, e,
		      "SELECT pe.id, pe.person_id, COALESCE(pe.case_id, 0), pe.agency_id, a.code,"
		      " u.username, COALESCE(pe.clinician_id, 0), pe.enrolled_at, pe.consent_at,"
		      " pe.ended_at, pe.tag_consent_withdrawn_at, pe.tag_consent, pe.consent_note,"
		      " pe.ended_reason, pe.version"
		      " FROM programme_enrolments pe JOIN agencies a ON a.id = pe.agency_id"
		      " LEFT JOIN users u ON u.id = pe.clinician_id"
		      " JOIN case_people cp ON cp.person_id = pe.person_id AND cp.role = 'suspect'"
		      " WHERE cp.case_id = ?"
		      " ORDER BY CASE WHEN pe.ended_at IS NULL THEN 0 ELSE 1 END, pe.id DESC"
		      " LIMIT 1",
		      "i", case_id);
}

/* UPDATE sql, whose parameters are (now, by, text, id, version): 1 changed,
 * 0 stale. */
static int stamp(db *d, const char *sql, int64_t id, int64_t version, int64_t by, const char *text)
{
	int rc = db_write(d, sql, "iitii", clock_now_ms(), by, text, id, version);

	return rc < 0 ? rc : rc > 0;
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
	int rc = db_write(d,
			  "UPDATE programme_enrolments SET tag_consent_withdrawn_at = ?,"
			  " version = version + 1 WHERE id = ? AND version = ? AND tag_consent = 1"
			  " AND tag_consent_withdrawn_at IS NULL",
			  "iii", clock_now_ms(), id, version);

	return rc < 0 ? rc : rc > 0;
}

/* ---- sessions ------------------------------------------------------------------------ */

#define SESSION_SQL                                                                          \
	"SELECT s.id, s.enrolment_id, s.planned_at, s.status, ur.username, uc.username,"     \
	" s.recorded_at, s.followed_up_at, uf.username, s.follow_up_note, s.version"         \
	" FROM programme_sessions s LEFT JOIN users ur ON ur.id = s.run_by"                  \
	" LEFT JOIN users uc ON uc.id = s.recorded_by LEFT JOIN users uf ON uf.id = s.followed_up_by"

static void session_row(db_stmt *s, void *out)
{
	struct prog_session *r = out;

	memset(r, 0, sizeof *r);
	r->id = db_column_int64(s, 0);
	r->enrolment_id = db_column_int64(s, 1);
	r->planned_at = db_column_int64(s, 2);
	copy(r->status, sizeof r->status, db_column_text(s, 3));
	copy(r->run_by, sizeof r->run_by, db_column_text(s, 4));
	copy(r->recorded_by, sizeof r->recorded_by, db_column_text(s, 5));
	r->recorded_at = opt64(s, 6);
	r->followed_up_at = opt64(s, 7);
	copy(r->followed_up_by, sizeof r->followed_up_by, db_column_text(s, 8));
	r->follow_up_note = db_column_text(s, 9);
	r->version = db_column_int64(s, 10);
}

STORE_EACH(session_each, struct prog_session, session_row);

int64_t programme_session_insert(db *d, int64_t enrolment_id, int64_t planned_at)
{
	int64_t id = 0;
	int rc = db_get_int64(d, &id,
			      "INSERT INTO programme_sessions (enrolment_id, planned_at, status)"
			      " VALUES (?, ?, 'planned') RETURNING id",
			      "ii", enrolment_id, planned_at);

	return rc < 0 ? rc : id;
}

int programme_sessions_each(db *d, int64_t enrolment_id,
			    int (*fn)(const struct prog_session *s, void *arg), void *arg)
{
	struct session_each c = { fn, arg, 0 };

	return db_each(d, session_each_row, &c,
		       SESSION_SQL " WHERE s.enrolment_id = ? ORDER BY s.planned_at, s.id", "i",
		       enrolment_id);
}

int programme_session_get(db *d, int64_t enrolment_id, int64_t id,
			  int (*fn)(const struct prog_session *s, void *arg), void *arg)
{
	struct session_each c = { fn, arg, 0 };
	int rc = db_each(d, session_each_row, &c,
			 SESSION_SQL " WHERE s.enrolment_id = ? AND s.id = ?", "ii",
			 enrolment_id, id);

	return rc < 0 ? rc : c.n > 0;
}

int programme_session_record(db *d, int64_t id, int64_t version, const char *status,
			     int64_t run_by, int64_t by)
{
	int rc = db_write(d,
			  "UPDATE programme_sessions SET status = ?, run_by = ?, recorded_by = ?,"
			  " recorded_at = ?, version = version + 1 WHERE id = ? AND version = ?",
			  "tIiiii", status, run_by, by, clock_now_ms(), id, version);

	return rc < 0 ? rc : rc > 0;
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
	int64_t id = 0;
	int rc;

	/* a placeholder, then the body sealed with the row's id in its associated data */
	rc = db_get_int64(d, &id,
			  "INSERT INTO clinical_notes (enrolment_id, written_by, written_at, body)"
			  " VALUES (?, ?, ?, '') RETURNING id",
			  "iii", enrolment_id, by, clock_now_ms());
	if (rc < 0)
		return rc;
	if (id > 0 && (rc = sealed_update(d, "clinical_notes", "body", id, body)) < 0)
		return rc;
	return id;
}

struct sealed_each_ctx {
	db *d;
	const char *what;
	int (*fn)(const struct prog_text *t, void *arg);
	void *arg;
	int rc; /* a text that did not open */
};

static int sealed_one(db_stmt *s, void *arg)
{
	struct sealed_each_ctx *c = arg;
	char ad[SEALED_AD_MAX], *text;
	struct prog_text t;
	int stop;

	t.id = db_column_int64(s, 0);
	sealed_ad(ad, c->what, t.id);
	if ((c->rc = sealed_get(c->d, ad, db_column_text(s, 4), &text)) < 0)
		return 1;
	t.by = db_column_text(s, 1);
	t.at = db_column_int64(s, 2);
	t.risk = db_column_text(s, 3);
	t.text = text;
	stop = c->fn(&t, c->arg);
	free(text);
	return stop;
}

/* Rows of (id, username, at, risk or NULL, sealed text) whose text is
 * sealed as what ("clinical_notes.body"), each opened for fn. */
static int each_sealed(db *d, const char *sql, int64_t key, const char *what,
		       int (*fn)(const struct prog_text *t, void *arg), void *arg)
{
	struct sealed_each_ctx c = { d, what, fn, arg, 0 };
	int rc = db_each(d, sealed_one, &c, sql, "i", key);

	return rc < 0 ? rc : c.rc < 0 ? c.rc : 0;
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
	int64_t id = 0;
	int rc;

	rc = db_get_int64(d, &id,
			  "INSERT INTO programme_disclosures (enrolment_id, case_id, made_by,"
			  " made_at, risk, detail) VALUES (?, ?, ?, ?, ?, '') RETURNING id",
			  "iiiit", enrolment_id, case_id, by, clock_now_ms(), risk);
	if (rc < 0)
		return rc;
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

static void cohort_row(db_stmt *s, void *out)
{
	struct prog_cohort_row *row = out;

	memset(row, 0, sizeof *row);
	row->ref = db_column_text(s, 0);
	row->status = db_column_text(s, 1);
	row->id = db_column_int64(s, 2);
	row->since = db_column_int64(s, 3);
	row->clinician = db_column_text(s, 4);
	row->attended = (int)db_column_int64(s, 5);
	row->missed = (int)db_column_int64(s, 6);
	row->tag_consent = db_column_int64(s, 7) != 0;
}

STORE_EACH(cohort_each, struct prog_cohort_row, cohort_row);

int programme_cohort_each(db *d, int64_t agency_id,
			  int (*fn)(const struct prog_cohort_row *r, void *arg), void *arg)
{
	struct cohort_each c = { fn, arg, 0 };

	return db_each(d, cohort_each_row, &c,
		       "SELECT c.ref, 'enrolled', pe.id, pe.enrolled_at, u.username,"
		       " (SELECT COUNT(*) FROM programme_sessions ps WHERE ps.enrolment_id = pe.id"
		       "   AND ps.status = 'attended'),"
		       " (SELECT COUNT(*) FROM programme_sessions ps WHERE ps.enrolment_id = pe.id"
		       "   AND ps.status = 'missed'),"
		       " pe.tag_consent"
		       " - CASE WHEN pe.tag_consent_withdrawn_at IS NULL THEN 0 ELSE 1 END,"
		       " 0 AS k"
		       " FROM programme_enrolments pe JOIN cases c ON c.id = pe.case_id"
		       " LEFT JOIN users u ON u.id = pe.clinician_id"
		       " WHERE pe.agency_id = ? AND pe.ended_at IS NULL"
		       " UNION ALL"
		       " SELECT c.ref, r.status, r.id, COALESCE(r.waiting_since, r.referred_at),"
		       " NULL, 0, 0, 0, CASE r.status WHEN 'waiting' THEN 1 ELSE 2 END"
		       " FROM programme_referrals r JOIN cases c ON c.id = r.case_id"
		       " WHERE r.agency_id = ? AND r.status IN ('referred', 'eligible', 'waiting')"
		       " ORDER BY 9, 4, 3",
		       "ii", agency_id, agency_id);
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
		int64_t n = 0;
		/* the third binds two more: t0 and the person again */
		int rc = db_get_int64(d, &n, sql[i], i == 2 ? "iiiii" : "iii", person_id, t0, t1,
				      t0, person_id);

		*out[i] = (int)n;
		if (rc < 0)
			return rc;
	}
	return 0;
}

struct people_each_ctx {
	int (*fn)(int64_t person_id, int64_t t0, const char *typology, const char *level,
		  void *arg);
	void *arg;
};

static int people_one(db_stmt *s, void *arg)
{
	struct people_each_ctx *c = arg;

	return c->fn(db_column_int64(s, 0), db_column_int64(s, 1), db_column_text(s, 2),
		     db_column_text(s, 3), c->arg);
}

int programme_outcome_people(db *d, int64_t agency_id, bool enrolled,
			     int (*fn)(int64_t person_id, int64_t t0, const char *typology,
				       const char *level, void *arg),
			     void *arg)
{
	struct people_each_ctx c = { fn, arg };

	return db_each(d, people_one, &c,
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
				 " ORDER BY cp.person_id",
		       "i", agency_id);
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
