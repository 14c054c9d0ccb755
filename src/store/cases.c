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

/* A case_each_id caller's fn and arg, for db_each, and what fn last answered
 * (nonzero stops the rows and is the answer). */
struct id_ctx {
	int (*fn)(int64_t id, const char *ref, void *arg);
	void *arg;
	int stop;
};

static int id_call(db_stmt *s, void *arg)
{
	struct id_ctx *c = arg;
	char ref[32];

	snprintf(ref, sizeof ref, "%s", db_column_text(s, 1));
	c->stop = c->fn(db_column_int64(s, 0), ref, c->arg);
	return c->stop;
}

int case_each_id(db *d, int (*fn)(int64_t id, const char *ref, void *arg), void *arg)
{
	struct id_ctx c = { fn, arg, 0 };
	int rc = db_each(d, id_call, &c, "SELECT id, ref FROM cases ORDER BY id", "");

	return c.stop ? c.stop : rc;
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
	int rc;

	/* The year's counter: incremented under the write lock of this
	 * transaction, so concurrent intakes get distinct numbers. */
	rc = db_get_int64(d, &seq,
			  "INSERT INTO case_sequences (year, last_seq) VALUES (?, 1)"
			  " ON CONFLICT (year) DO UPDATE SET last_seq = case_sequences.last_seq + 1"
			  " RETURNING last_seq",
			  "i", (int64_t)n->year);
	if (rc < 0)
		return rc;
	case_ref_format(n->year, seq, ref, 24);

	/* the summary is sealed below, with the id */
	rc = db_get_int64(d, &id,
			  "INSERT INTO cases (ref, status, relationship, channel, summary, owner_id,"
			  " agency_id, created_by, created_at, updated_at)"
			  " VALUES (?, 'intake', ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
			  "tttniiiii", (const char *)ref, n->relationship, n->channel, n->owner_id,
			  n->agency_id, n->created_by, n->created_at ? n->created_at : now, now);
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

/* Where case_row reads a record to, and the connection that opens its
 * sealed summary. */
struct case_read {
	db *d;
	struct case_record *c;
};

/* The summary is sealed (it tells what happened to her, and often where):
 * opened here; one that does not open leaves the rest of the record usable
 * (a notification needs the reference, not the summary) and is marked, for
 * whoever shows it to fail. */
static void case_row(db_stmt *s, void *out)
{
	struct case_read *r = out;
	struct case_record *c = r->c;
	char ad[SEALED_AD_MAX];

	memset(c, 0, sizeof *c);
	c->id = db_column_int64(s, 0);
	copy(c->ref, sizeof c->ref, db_column_text(s, 1));
	c->status = case_status_parse(db_column_text(s, 2));
	copy(c->relationship, sizeof c->relationship, db_column_text(s, 3));
	copy(c->channel, sizeof c->channel, db_column_text(s, 4));
	sealed_ad(ad, "cases.summary", c->id);
	c->summary_unreadable = sealed_get(r->d, ad, db_column_text(s, 5), &c->summary) < 0;
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

int case_get(db *d, const char *ref, struct case_record *out)
{
	struct case_read r = { d, out };

	return db_one(d, case_row, &r, "SELECT " CASE_COLS CASE_FROM " WHERE c.ref = ?", "t", ref);
}

int case_get_by_id(db *d, int64_t id, struct case_record *out)
{
	struct case_read r = { d, out };

	return db_one(d, case_row, &r, "SELECT " CASE_COLS CASE_FROM " WHERE c.id = ?", "i", id);
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

/* A row was found: the rows stop, and *arg is 1. */
static int found_call(db_stmt *s, void *arg)
{
	(void)s;
	*(int *)arg = 1;
	return 1;
}

int case_visible(db *d, int64_t case_id, const struct viewer *v)
{
	db_stmt *s;
	int rc, found = 0;

	rc = db_query(d, &s, "SELECT 1 FROM cases c WHERE c.id = ? AND " CASE_VISIBLE_SQL, "i",
		      case_id);
	if (rc < 0)
		return rc;
	case_bind_viewer(s, 2, v);
	rc = db_rows(s, found_call, &found);
	return rc < 0 ? rc : found;
}

/* A case_each_visible caller's fn and arg, for db_rows. */
struct case_ctx {
	db *d;
	int (*fn)(const struct case_record *c, void *arg);
	void *arg;
};

static int case_call(db_stmt *s, void *arg)
{
	struct case_ctx *x = arg;
	struct case_record c;
	struct case_read r = { x->d, &c };
	int stop;

	case_row(s, &r);
	stop = x->fn(&c, x->arg);
	case_record_free(&c);
	return stop;
}

int case_each_visible(db *d, const struct viewer *v, const struct case_filter *f,
		      int (*fn)(const struct case_record *c, void *arg), void *arg)
{
	struct case_ctx x = { d, fn, arg };
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
	db_bind_int64(s, i, f->limit);
	return db_rows(s, case_call, &x);
}

int case_update(db *d, int64_t id, int64_t expected_version, const struct case_change *c)
{
	char ad[SEALED_AD_MAX], *summary = NULL;
	int rc;

	sealed_ad(ad, "cases.summary", id);
	rc = sealed_put(d, ad, c->summary, &summary);
	if (rc < 0)
		return rc;
	rc = db_write(d,
		      "UPDATE cases SET summary = COALESCE(?, summary),"
		      " relationship = COALESCE(?, relationship), channel = COALESCE(?, channel),"
		      " status = COALESCE(?, status), owner_id = COALESCE(?, owner_id),"
		      " agency_id = COALESCE(?, agency_id),"
		      " classification_reason = COALESCE(?, classification_reason),"
		      " signoff_by = CASE WHEN ? = 1 THEN NULL ELSE signoff_by END,"
		      " signoff_at = CASE WHEN ? = 1 THEN NULL ELSE signoff_at END,"
		      " signoff_note = CASE WHEN ? = 1 THEN NULL ELSE signoff_note END,"
		      " updated_at = ?, version = version + 1"
		      " WHERE id = ? AND version = ?",
		      "ttttIItiiiiii", (const char *)summary, c->relationship, c->channel,
		      c->status, c->owner_id, c->agency_id, c->classification_reason,
		      (int64_t)c->clear_signoff, (int64_t)c->clear_signoff,
		      (int64_t)c->clear_signoff, clock_now_ms(), id, expected_version);
	free(summary);
	return rc < 0 ? rc : rc > 0;
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
	int64_t v[4], now = clock_now_ms();
	int rc;

	/* an answer binds 1 or 0, an unanswered one NULL ('N': -1) */
	for (int k = 0; k < 4; k++)
		v[k] = a[k] == FOUR_UNANSWERED ? -1 : a[k] == FOUR_YES;
	rc = db_write(d,
		      "UPDATE cases SET four_fixated = ?, four_fixated_note = ?,"
		      " four_obsessive = ?, four_obsessive_note = ?,"
		      " four_unwanted = ?, four_unwanted_note = ?,"
		      " four_repeated = ?, four_repeated_note = ?,"
		      " screened_by = ?, screened_at = ?, updated_at = ?, version = version + 1"
		      " WHERE id = ? AND (? = 0 OR version = ?)",
		      "NtNtNtNtiiiiii", v[0], notes[0], v[1], notes[1], v[2], notes[2], v[3], notes[3],
		      by, now, now, id, expected_version, expected_version);
	return rc < 0 ? rc : rc > 0;
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

/* An each_text caller's fn and arg, for db_each. */
struct text_ctx {
	int (*fn)(const char *, void *);
	void *arg;
};

static int text_call(db_stmt *s, void *arg)
{
	struct text_ctx *c = arg;

	return c->fn(db_column_text(s, 0), c->arg);
}

/* fn for the first column of each row of sql, whose one parameter is id. */
static int each_text(db *d, const char *sql, int64_t id, int (*fn)(const char *, void *),
		     void *arg)
{
	struct text_ctx c = { fn, arg };

	return db_each(d, text_call, &c, sql, "i", id);
}

int case_classifications_each(db *d, int64_t id, int (*fn)(const char *c, void *arg), void *arg)
{
	return each_text(d,
			 "SELECT classification FROM case_classifications WHERE case_id = ?"
			 " ORDER BY classification",
			 id, fn, arg);
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
	int rc = db_write(d, "DELETE FROM case_flags WHERE case_id = ? AND flag = ?", "it", id,
			  flag);

	return rc < 0 ? rc : rc > 0;
}

int case_has_flag(db *d, int64_t id, const char *flag)
{
	return db_exists(d, "SELECT 1 FROM case_flags WHERE case_id = ? AND flag = ?",
			 "it", id, flag);
}

/* A case_flags_each caller's fn and arg, for db_each. */
struct flag_ctx {
	int (*fn)(const char *flag, int64_t raised_at, const char *note, void *arg);
	void *arg;
};

static int flag_call(db_stmt *s, void *arg)
{
	struct flag_ctx *c = arg;

	return c->fn(db_column_text(s, 0), db_column_int64(s, 1), db_column_text(s, 2), c->arg);
}

int case_flags_each(db *d, int64_t id,
		    int (*fn)(const char *flag, int64_t raised_at, const char *note, void *arg),
		    void *arg)
{
	struct flag_ctx c = { fn, arg };

	return db_each(d, flag_call, &c,
		       "SELECT flag, raised_at, note FROM case_flags WHERE case_id = ? ORDER BY flag",
		       "i", id);
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
	int rc;

	if (!event_sealed(kind) || !detail)
		return db_run(d,
			      "INSERT INTO case_events (case_id, at, user_id, username, kind, detail)"
			      " VALUES (?, ?, ?, ?, ?, ?)",
			      "iiittt", id, clock_now_ms(), user_id, username, kind, detail);
	rc = db_get_int64(d, &eid,
			  "INSERT INTO case_events (case_id, at, user_id, username, kind, detail)"
			  " VALUES (?, ?, ?, ?, ?, NULL) RETURNING id",
			  "iiitt", id, clock_now_ms(), user_id, username, kind);
	if (rc < 0)
		return rc;
	return sealed_update(d, "case_events", "detail", eid, detail);
}

/* A case_events_each caller's fn and arg, for db_each, and the first failure
 * to open a sealed detail (which stops the rows). */
struct event_ctx {
	db *d;
	int (*fn)(int64_t at, const char *username, const char *kind, const char *detail,
		  void *arg);
	void *arg;
	int rc;
};

static int event_call(db_stmt *s, void *arg)
{
	struct event_ctx *x = arg;
	const char *kind = db_column_text(s, 2);
	char ad[SEALED_AD_MAX], *detail = NULL;
	int stop;

	if (event_sealed(kind)) {
		sealed_ad(ad, "case_events.detail", db_column_int64(s, 4));
		x->rc = sealed_get(x->d, ad, db_column_text(s, 3), &detail);
		if (x->rc < 0)
			return 1;
	}
	stop = x->fn(db_column_int64(s, 0), db_column_text(s, 1), kind,
		     detail ? detail : db_column_text(s, 3), x->arg);
	free(detail);
	return stop;
}

int case_events_each(db *d, int64_t id,
		     int (*fn)(int64_t at, const char *username, const char *kind,
			       const char *detail, void *arg),
		     void *arg)
{
	struct event_ctx x = { d, fn, arg, 0 };
	int rc;

	rc = db_each(d, event_call, &x,
		     "SELECT at, username, kind, detail, id FROM case_events WHERE case_id = ?"
		     " ORDER BY at, id",
		     "i", id);
	return rc < 0 ? rc : x.rc < 0 ? x.rc : 0;
}

int case_assign(db *d, int64_t id, int64_t user_id, int64_t by)
{
	return db_run(d,
		      "INSERT INTO case_assignments (case_id, user_id, assigned_by, assigned_at)"
		      " VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
		      "iiii", id, user_id, by, clock_now_ms());
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

/* An agency's kind (column 0) to its purpose in *out; another kind leaves
 * *out as it was. */
static void purpose_row(db_stmt *s, void *out)
{
	const char **p = out, *k = db_column_text(s, 0);

	*p = !strcmp(k, "charity") ? "victim_advocacy" : !strcmp(k, "nhs") ? "assessment" : *p;
}

/* The purpose a referral made without one shares for, by the agency's kind
 * (the migration that brought shares in maps the referrals before it alike). */
static const char *default_purpose(db *d, int64_t agency_id)
{
	const char *p = "safeguarding";

	if (db_one(d, purpose_row, &p, "SELECT kind FROM agencies WHERE id = ?", "i",
		   agency_id) < 0)
		return "safeguarding"; /* a failure leaves the default */
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
	int rc, n;

	n = db_write(d,
		     "DELETE FROM case_referrals WHERE case_id = ? AND agency_id = ? AND note = ?"
		     " AND NOT EXISTS (SELECT 1 FROM victim_referrals v WHERE v.case_id = ?"
		     " AND v.agency_id = ? AND v.status IN ('accepted', 'completed')"
		     " AND v.consent = 1)",
		     "iitii", id, agency_id, CONSENTED_NOTE, id, agency_id);
	rc = n;
	/* her consent was what shared it: the share ends with it */
	if (n > 0)
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
