/*
 * store/victims — SQL for the single point of contact, the contact log and
 * referrals.
 */
#include "store/victims.h"

#include <stdio.h>
#include <stdlib.h>

#include "base/clock.h"
#include "store/sealed.h"

static void bind_opt(db_stmt *s, int i, int64_t v)
{
	if (v)
		db_bind_int64(s, i, v);
	else
		db_bind_null(s, i);
}

int case_spoc_get(db *d, int64_t case_id, char *username, size_t n)
{
	db_stmt *s;
	int rc;

	username[0] = '\0';
	rc = db_prepare(d, &s,
			"SELECT u.username FROM cases c JOIN users u ON u.id = c.spoc_id"
			" WHERE c.id = ?");
	if (rc < 0)
		return rc;
	db_bind_int64(s, 1, case_id);
	rc = db_step(s);
	if (rc == DB_ROW)
		snprintf(username, n, "%s", db_column_text(s, 0));
	db_finalize(s);
	return rc < 0 ? rc : rc == DB_ROW;
}

int case_spoc_set(db *d, int64_t case_id, int64_t user_id)
{
	return db_run(d, "UPDATE cases SET spoc_id = ? WHERE id = ?", "ii", user_id, case_id);
}

int64_t victim_contact_insert(db *d, const struct victim_contact_row *c, int64_t recorded_by)
{
	int64_t id = 0;
	db_stmt *s;
	int rc;

	/* what she was told and the notes are sealed with the row's id, known
	 * once it is stored */
	rc = db_prepare(d, &s,
			"INSERT INTO victim_contacts (case_id, contacted_at, method, told, notes,"
			" contact_by, recorded_by, recorded_at) VALUES (?, ?, ?, '', NULL, ?, ?, ?)"
			" RETURNING id");
	if (rc < 0)
		return rc;
	db_bind_int64(s, 1, c->case_id);
	db_bind_int64(s, 2, c->contacted_at);
	db_bind_text(s, 3, c->method);
	db_bind_int64(s, 4, c->contact_by);
	db_bind_int64(s, 5, recorded_by);
	db_bind_int64(s, 6, clock_now_ms());
	rc = db_step(s);
	if (rc == DB_ROW)
		id = db_column_int64(s, 0);
	db_finalize(s);
	if (rc >= 0)
		rc = sealed_update(d, "victim_contacts", "told", id, c->told);
	if (rc >= 0)
		rc = sealed_update(d, "victim_contacts", "notes", id, c->notes);
	return rc < 0 ? rc : id;
}

int victim_contacts_each(db *d, int64_t case_id,
			 int (*fn)(const struct victim_contact_row *c, void *arg), void *arg)
{
	struct victim_contact_row c;
	db_stmt *s;
	int rc;

	rc = db_prepare(d, &s,
			"SELECT v.id, v.case_id, v.contacted_at, v.method, v.told, v.notes,"
			" v.contact_by, cb.username, rb.username, v.recorded_at FROM victim_contacts v"
			" JOIN users cb ON cb.id = v.contact_by JOIN users rb ON rb.id = v.recorded_by"
			" WHERE v.case_id = ? ORDER BY v.contacted_at DESC, v.id DESC");
	if (rc < 0)
		return rc;
	db_bind_int64(s, 1, case_id);
	while ((rc = db_step(s)) == DB_ROW) {
		char ad[SEALED_AD_MAX], *told = NULL, *notes = NULL;
		int stop;

		c.id = db_column_int64(s, 0);
		c.case_id = db_column_int64(s, 1);
		c.contacted_at = db_column_int64(s, 2);
		c.method = db_column_text(s, 3);
		sealed_ad(ad, "victim_contacts.told", c.id);
		rc = sealed_get(d, ad, db_column_text(s, 4), &told);
		sealed_ad(ad, "victim_contacts.notes", c.id);
		if (rc >= 0)
			rc = sealed_get(d, ad, db_column_text(s, 5), &notes);
		if (rc < 0) {
			free(told);
			break;
		}
		c.told = told;
		c.notes = notes;
		c.contact_by = db_column_int64(s, 6);
		c.contact_by_name = db_column_text(s, 7);
		c.recorded_by_name = db_column_text(s, 8);
		c.recorded_at = db_column_int64(s, 9);
		stop = fn(&c, arg);
		free(told);
		free(notes);
		if (stop)
			break;
	}
	db_finalize(s);
	return rc < 0 ? rc : 0;
}

int64_t victim_last_contact(db *d, int64_t case_id)
{
	int64_t at = 0;
	db_stmt *s;
	int rc;

	rc = db_prepare(d, &s, "SELECT MAX(contacted_at) FROM victim_contacts WHERE case_id = ?");
	if (rc < 0)
		return rc;
	db_bind_int64(s, 1, case_id);
	rc = db_step(s);
	if (rc == DB_ROW)
		at = db_column_int64(s, 0);
	db_finalize(s);
	return rc < 0 ? rc : at;
}

static void bind_consent(db_stmt *s, int i, int consent)
{
	if (consent < 0)
		db_bind_null(s, i);
	else
		db_bind_int64(s, i, consent);
}

int64_t victim_referral_insert(db *d, const struct victim_referral_row *r, int64_t by)
{
	int64_t id = 0, now = clock_now_ms();
	db_stmt *s;
	int rc;

	rc = db_prepare(d, &s,
			"INSERT INTO victim_referrals (case_id, service, agency_id, provider, status,"
			" consent, consent_note, consent_at, note, offered_by, offered_at, updated_at,"
			" provider_contact)"
			" VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id");
	if (rc < 0)
		return rc;
	db_bind_int64(s, 1, r->case_id);
	db_bind_text(s, 2, r->service);
	bind_opt(s, 3, r->agency_id);
	db_bind_text(s, 4, r->provider);
	db_bind_text(s, 5, r->status);
	bind_consent(s, 6, r->consent);
	db_bind_null(s, 7); /* the notes are sealed below, with the id */
	bind_opt(s, 8, r->consent_at);
	db_bind_null(s, 9);
	db_bind_int64(s, 10, by);
	db_bind_int64(s, 11, now);
	db_bind_int64(s, 12, now);
	db_bind_text(s, 13, r->provider_contact);
	rc = db_step(s);
	if (rc == DB_ROW)
		id = db_column_int64(s, 0);
	db_finalize(s);
	if (rc >= 0)
		rc = sealed_update(d, "victim_referrals", "consent_note", id, r->consent_note);
	if (rc >= 0)
		rc = sealed_update(d, "victim_referrals", "note", id, r->note);
	return rc < 0 ? rc : id;
}

int victim_referral_update(db *d, const struct victim_referral_row *r, int64_t expected_version)
{
	char ad[SEALED_AD_MAX], *consent_note = NULL, *note = NULL;
	int64_t changed = 0;
	db_stmt *s;
	int rc;

	sealed_ad(ad, "victim_referrals.consent_note", r->id);
	rc = sealed_put(d, ad, r->consent_note, &consent_note);
	sealed_ad(ad, "victim_referrals.note", r->id);
	if (rc >= 0)
		rc = sealed_put(d, ad, r->note, &note);
	if (rc >= 0)
		rc = db_prepare(d, &s,
			"UPDATE victim_referrals SET status = ?, consent = ?, consent_note = ?,"
			" consent_at = ?, note = ?, updated_at = ?, version = version + 1"
			" WHERE id = ? AND case_id = ? AND version = ?");
	if (rc < 0) {
		free(consent_note);
		free(note);
		return rc;
	}
	db_bind_text(s, 1, r->status);
	bind_consent(s, 2, r->consent);
	db_bind_text(s, 3, consent_note);
	bind_opt(s, 4, r->consent_at);
	db_bind_text(s, 5, note);
	free(consent_note);
	free(note);
	db_bind_int64(s, 6, clock_now_ms());
	db_bind_int64(s, 7, r->id);
	db_bind_int64(s, 8, r->case_id);
	db_bind_int64(s, 9, expected_version);
	rc = db_step(s);
	if (rc == DB_DONE)
		changed = db_changes(s);
	db_finalize(s);
	return rc < 0 ? rc : changed > 0;
}

#define REFERRAL_SELECT                                                                       \
	"SELECT r.id, r.case_id, r.service, r.agency_id, a.code, r.provider, r.status,"       \
	" r.consent, r.consent_note, r.consent_at, r.note, u.username, r.offered_at,"         \
	" r.updated_at, r.version, r.provider_contact FROM victim_referrals r JOIN users u ON u.id = r.offered_by" \
	" LEFT JOIN agencies a ON a.id = r.agency_id"

/* The referrals of s, their notes opened (sealed: they are about her); one
 * that does not open stops with DB_SEALED. */
static int run(db *d, db_stmt *s, int (*fn)(const struct victim_referral_row *r, void *arg),
	       void *arg, int *found)
{
	struct victim_referral_row r;
	int rc;

	while ((rc = db_step(s)) == DB_ROW) {
		char ad[SEALED_AD_MAX], *consent_note = NULL, *note = NULL;
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
		sealed_ad(ad, "victim_referrals.consent_note", r.id);
		rc = sealed_get(d, ad, db_column_text(s, 8), &consent_note);
		sealed_ad(ad, "victim_referrals.note", r.id);
		if (rc >= 0)
			rc = sealed_get(d, ad, db_column_text(s, 10), &note);
		if (rc < 0) {
			free(consent_note);
			break;
		}
		r.consent_note = consent_note;
		r.consent_at = db_column_int64(s, 9);
		r.note = note;
		r.offered_by = db_column_text(s, 11);
		r.offered_at = db_column_int64(s, 12);
		r.updated_at = db_column_int64(s, 13);
		r.version = db_column_int64(s, 14);
		(*found)++;
		stop = fn(&r, arg);
		free(consent_note);
		free(note);
		if (stop)
			break;
	}
	db_finalize(s);
	return rc < 0 ? rc : 0;
}

int victim_referral_get(db *d, int64_t case_id, int64_t id,
			int (*fn)(const struct victim_referral_row *r, void *arg), void *arg)
{
	db_stmt *s;
	int rc, found = 0;

	rc = db_prepare(d, &s, REFERRAL_SELECT " WHERE r.case_id = ? AND r.id = ?");
	if (rc < 0)
		return rc;
	db_bind_int64(s, 1, case_id);
	db_bind_int64(s, 2, id);
	rc = run(d, s, fn, arg, &found);
	return rc < 0 ? rc : found > 0;
}

int victim_referrals_each(db *d, int64_t case_id,
			  int (*fn)(const struct victim_referral_row *r, void *arg), void *arg)
{
	db_stmt *s;
	int rc, found = 0;

	rc = db_prepare(d, &s, REFERRAL_SELECT " WHERE r.case_id = ? ORDER BY r.id");
	if (rc < 0)
		return rc;
	db_bind_int64(s, 1, case_id);
	return run(d, s, fn, arg, &found);
}
