/*
 * store/victims — victim care on a case: her single point of contact, the
 * log of every contact with her (who, when, how, what she was told), and her
 * referrals to partner services with their status and her consent.
 *
 * Lookups return 1 found, 0 not, negative DB_* codes on failure; writes 0 (or
 * an id) or negative, inside the caller's transaction.  Records passed to
 * callbacks are valid during the call only.
 */
#ifndef VIGIL_STORE_VICTIMS_H
#define VIGIL_STORE_VICTIMS_H

#include <stdint.h>

#include "db/db.h"

/* The case's single point of contact: 1 with username (at least 65 bytes). */
int case_spoc_get(db *d, int64_t case_id, char *username, size_t n) DB_CHECKED;
int case_spoc_set(db *d, int64_t case_id, int64_t user_id) DB_CHECKED;

struct victim_contact_row {
	int64_t id;
	int64_t case_id;
	int64_t contacted_at;
	const char *method;
	const char *told;
	const char *notes;
	int64_t contact_by;
	const char *contact_by_name; /* on reads */
	const char *recorded_by_name;
	int64_t recorded_at;
};
/* Insert (id, names and recorded_at ignored); returns the id. */
int64_t victim_contact_insert(db *d, const struct victim_contact_row *c,
			      int64_t recorded_by) DB_CHECKED;
/* Newest first. */
int victim_contacts_each(db *d, int64_t case_id,
			 int (*fn)(const struct victim_contact_row *c, void *arg), void *arg) DB_CHECKED;
/* When she was last contacted (0: never), or negative. */
int64_t victim_last_contact(db *d, int64_t case_id) DB_CHECKED;

struct victim_referral_row {
	int64_t id;
	int64_t case_id;
	const char *service;
	int64_t agency_id;   /* a Vigil agency, 0: none */
	const char *agency;  /* its code, on reads */
	const char *provider; /* free text: a service outside Vigil */
	const char *provider_contact; /* how to reach it: phone, e-mail, office */
	const char *status;
	int consent;         /* 1 given, 0 refused, -1 not asked */
	const char *consent_note;
	int64_t consent_at;
	const char *note;
	const char *offered_by; /* on reads */
	int64_t offered_at, updated_at, version;
};
int64_t victim_referral_insert(db *d, const struct victim_referral_row *r, int64_t by) DB_CHECKED;
/* Write status, consent, consent_note, consent_at and note from
 * expected_version: 1 applied, 0 stale. */
int victim_referral_update(db *d, const struct victim_referral_row *r,
			   int64_t expected_version) DB_CHECKED;
int victim_referral_get(db *d, int64_t case_id, int64_t id,
			int (*fn)(const struct victim_referral_row *r, void *arg), void *arg) DB_CHECKED;
/* Oldest first. */
int victim_referrals_each(db *d, int64_t case_id,
			  int (*fn)(const struct victim_referral_row *r, void *arg), void *arg) DB_CHECKED;

#endif
