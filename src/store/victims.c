/*
 * store/victims — SQL for the single point of contact, the contact log and
 * referrals.
 */
#include "store/victims.h"

#include <stdio.h>
#include <stdlib.h>

#include "base/clock.h"
#include "store/sealed.h"

/* A buffer a row's first column is copied into. */
struct text_buf {
	char *p;
	size_t n;
};

static void text_row(db_stmt *s, void *out)
{
	struct text_buf *b = out;

	snprintf(b->p, b->n, "%s", db_column_text(s, 0));
}

int case_spoc_get(db *d, int64_t case_id, char *username, size_t n)
{
	struct text_buf b = { username, n };

	username[0] = '\0';
	return db_one(d, text_row, &b,
		      "SELECT u.username FROM cases c JOIN users u ON u.id = c.spoc_id"
		      " WHERE c.id = ?",
		      "i", case_id);
}

int case_spoc_set(db *d, int64_t case_id, int64_t user_id)
{
	return db_run(d, "UPDATE cases SET spoc_id = ? WHERE id = ?", "ii", user_id, case_id);
}

int64_t victim_contact_insert(db *d, const struct victim_contact_row *c, int64_t recorded_by)
{
	int64_t id = 0;
	int rc;

	/* what she was told and the notes are sealed with the row's id, known
	 * once it is stored */
	rc = db_get_int64(d, &id,
			  "INSERT INTO victim_contacts (case_id, contacted_at, method, told, notes,"
			  " contact_by, recorded_by, recorded_at) VALUES (?, ?, ?, '', NULL, ?, ?, ?)"
			  " RETURNING id",
			  "iitiii", c->case_id, c->contacted_at, c->method, c->contact_by,
			  recorded_by, clock_now_ms());
	if (rc >= 0)
		rc = sealed_update(d, "victim_contacts", "told", id, c->told);
	if (rc >= 0)
		rc = sealed_update(d, "victim_contacts", "notes", id, c->notes);
	return rc < 0 ? rc : id;
}

/* Columns ca and cb of s, sealed as what_a and what_b of row id, opened into
 * *a and *b (caller frees): 0, or negative with both NULL. */
static int open_pair(db *d, db_stmt *s, int64_t id, const char *what_a, int ca, char **a,
		     const char *what_b, int cb, char **b)
{
	char ad[SEALED_AD_MAX];
	int rc;

	*a = *b = NULL;
	sealed_ad(ad, what_a, id);
	rc = sealed_get(d, ad, db_column_text(s, ca), a);
	sealed_ad(ad, what_b, id);
	if (rc >= 0)
		rc = sealed_get(d, ad, db_column_text(s, cb), b);
	if (rc < 0) {
		free(*a);
		*a = NULL;
	}
	return rc;
}

/* An _each caller's fn and arg, for db_each, and the first failure to open a
 * sealed value (which stops the rows). */
struct contact_ctx {
	db *d;
	int (*fn)(const struct victim_contact_row *c, void *arg);
	void *arg;
	int rc;
};

static int contact_call(db_stmt *s, void *arg)
{
	struct contact_ctx *x = arg;
	struct victim_contact_row c;
	char *told, *notes;
	int stop;

	c.id = db_column_int64(s, 0);
	c.case_id = db_column_int64(s, 1);
	c.contacted_at = db_column_int64(s, 2);
	c.method = db_column_text(s, 3);
	x->rc = open_pair(x->d, s, c.id, "victim_contacts.told", 4, &told, "victim_contacts.notes",
			  5, &notes);
	if (x->rc < 0)
		return 1;
	c.told = told;
	c.notes = notes;
	c.contact_by = db_column_int64(s, 6);
	c.contact_by_name = db_column_text(s, 7);
	c.recorded_by_name = db_column_text(s, 8);
	c.recorded_at = db_column_int64(s, 9);
	stop = x->fn(&c, x->arg);
	free(told);
	free(notes);
	return stop;
}

int victim_contacts_each(db *d, int64_t case_id,
			 int (*fn)(const struct victim_contact_row *c, void *arg), void *arg)
{
	struct contact_ctx x = { d, fn, arg, 0 };
	int rc;

	rc = db_each(d, contact_call, &x,
		     "SELECT v.id, v.case_id, v.contacted_at, v.method, v.told, v.notes,"
		     " v.contact_by, cb.username, rb.username, v.recorded_at FROM victim_contacts v"
		     " JOIN users cb ON cb.id = v.contact_by JOIN users rb ON rb.id = v.recorded_by"
		     " WHERE v.case_id = ? ORDER BY v.contacted_at DESC, v.id DESC",
		     "i", case_id);
	return rc < 0 ? rc : x.rc;
}

int64_t victim_last_contact(db *d, int64_t case_id)
{
	int64_t at = 0;
	int rc;

	rc = db_get_int64(d, &at, "SELECT MAX(contacted_at) FROM victim_contacts WHERE case_id = ?",
			  "i", case_id);
	return rc < 0 ? rc : at;
}

int64_t victim_referral_insert(db *d, const struct victim_referral_row *r, int64_t by)
{
	int64_t id = 0, now = clock_now_ms();
	int rc;

	/* the notes (7 and 9) are sealed below, with the id */
	rc = db_get_int64(d, &id,
			  "INSERT INTO victim_referrals (case_id, service, agency_id, provider, status,"
			  " consent, consent_note, consent_at, note, offered_by, offered_at, updated_at,"
			  " provider_contact)"
			  " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
			  "itIttNnIniiit", r->case_id, r->service, r->agency_id, r->provider, r->status,
			  (int64_t)r->consent, r->consent_at, by, now, now, r->provider_contact);
	if (rc >= 0)
		rc = sealed_update(d, "victim_referrals", "consent_note", id, r->consent_note);
	if (rc >= 0)
		rc = sealed_update(d, "victim_referrals", "note", id, r->note);
	return rc < 0 ? rc : id;
}

int victim_referral_update(db *d, const struct victim_referral_row *r, int64_t expected_version)
{
	char ad[SEALED_AD_MAX], *consent_note = NULL, *note = NULL;
	int rc;

	sealed_ad(ad, "victim_referrals.consent_note", r->id);
	rc = sealed_put(d, ad, r->consent_note, &consent_note);
	sealed_ad(ad, "victim_referrals.note", r->id);
	if (rc >= 0)
		rc = sealed_put(d, ad, r->note, &note);
	if (rc >= 0)
		rc = db_write(d,
			      "UPDATE victim_referrals SET status = ?, consent = ?, consent_note = ?,"
			      " consent_at = ?, note = ?, updated_at = ?, version = version + 1"
			      " WHERE id = ? AND case_id = ? AND version = ?",
			      "tNtItiiii", r->status, (int64_t)r->consent, (const char *)consent_note,
			      r->consent_at, (const char *)note, clock_now_ms(), r->id, r->case_id,
			      expected_version);
	free(consent_note);
	free(note);
	return rc < 0 ? rc : rc > 0;
}

#define REFERRAL_SELECT                                                                       \
	"SELECT r.id, r.case_id, r.service, r.agency_id, a.code, r.provider, r.status,"       \
	" r.consent, r.consent_note, r.consent_at, r.note, u.username, r.offered_at,"         \
	" r.updated_at, r.version, r.provider_contact FROM victim_referrals r JOIN users u ON u.id = r.offered_by" \
	" LEFT JOIN agencies a ON a.id = r.agency_id"

/* An _each or _get caller's fn and arg, for db_each: the rows found, and the
 * first failure to open a sealed value (which stops the rows). */
struct referral_ctx {
	db *d;
	int (*fn)(const struct victim_referral_row *r, void *arg);
	void *arg;
	int found;
	int rc;
};

/* A referral, its notes opened (sealed: they are about her); one that does
 * not open stops with DB_SEALED. */
static int referral_call(db_stmt *s, void *arg)
{
	struct referral_ctx *x = arg;
	struct victim_referral_row r;
	char *consent_note, *note;
	int stop;

	r.id = db_column_int64(s, 0);
	r.case_id = db_column_int64(s, 1);
	r.service = db_column_text(s, 2);
	r.agency_id = db_column_int64(s, 3);
	r.agency = db_column_text(s, 4);
	r.provider = db_column_text(s, 5);
	r.provider_contact = db_column_text(s, 15);
	r.status = db_column_text(s, 6);
	r.consent = db_column_is_null(s, 7) ? -1 : (int)db_column_int64(s, 7);
	x->rc = open_pair(x->d, s, r.id, "victim_referrals.consent_note", 8, &consent_note,
			  "victim_referrals.note", 10, &note);
	if (x->rc < 0)
		return 1;
	r.consent_note = consent_note;
	r.consent_at = db_column_int64(s, 9);
	r.note = note;
	r.offered_by = db_column_text(s, 11);
	r.offered_at = db_column_int64(s, 12);
	r.updated_at = db_column_int64(s, 13);
	r.version = db_column_int64(s, 14);
	x->found++;
	stop = x->fn(&r, x->arg);
	free(consent_note);
	free(note);
	return stop;
}

int victim_referral_get(db *d, int64_t case_id, int64_t id,
			int (*fn)(const struct victim_referral_row *r, void *arg), void *arg)
{
	struct referral_ctx x = { d, fn, arg, 0, 0 };
	int rc;

	rc = db_each(d, referral_call, &x, REFERRAL_SELECT " WHERE r.case_id = ? AND r.id = ?",
		     "ii", case_id, id);
	if (rc >= 0)
		rc = x.rc;
	return rc < 0 ? rc : x.found > 0;
}

int victim_referrals_each(db *d, int64_t case_id,
			  int (*fn)(const struct victim_referral_row *r, void *arg), void *arg)
{
	struct referral_ctx x = { d, fn, arg, 0, 0 };
	int rc;

	rc = db_each(d, referral_call, &x, REFERRAL_SELECT " WHERE r.case_id = ? ORDER BY r.id",
		     "i", case_id);
	return rc < 0 ? rc : x.rc;
}
