/*
 * store/sharing — a case's shares with partner agencies (case_shares): for a
 * purpose (core/access's purpose table), on consent or a recorded lawful
 * basis, from a date until withdrawn.  A withdrawn share is kept, with who
 * withdrew it, when and why.  Whoever sees a case through a share (the
 * partners' advocates and clinicians) sees it while one is active, and reads
 * the parts its purposes open (sharing_purposes).
 *
 * Functions return 0 (or an id, or a count) or a negative DB_* code; rows
 * passed to callbacks are valid during the call only.
 */
#ifndef VIGIL_STORE_SHARING_H
#define VIGIL_STORE_SHARING_H

#include <stdbool.h>
#include <stdint.h>

#include "core/access.h"
#include "db/db.h"

struct share_row {
	int64_t id, case_id, agency_id;
	const char *ref;          /* the case's reference */
	const char *agency, *agency_name, *agency_kind;
	const char *purpose;      /* access_purpose_name() */
	const char *basis;        /* "consent" or "lawful_basis" */
	const char *consent_of;   /* "victim", "offender" (consent) */
	const char *lawful_basis; /* the basis recorded (lawful_basis) */
	const char *note;
	const char *origin;       /* "share", "referral", "victim_referral", "programme" */
	int64_t starts_at, created_at;
	const char *shared_by;    /* username, NULL: none */
	int64_t withdrawn_at;     /* 0: active */
	const char *withdrawn_by, *withdrawn_reason;
	int64_t version;
};

/* Record a share (id, case_id, agency_id, purpose, basis, consent_of,
 * lawful_basis, note, origin, starts_at are read from row); its id. */
int64_t sharing_insert(db *d, const struct share_row *row, int64_t by) DB_CHECKED;
/* The case's shares (active first, then withdrawn; newest first). */
int sharing_each(db *d, int64_t case_id, int (*fn)(const struct share_row *s, void *arg),
		 void *arg) DB_CHECKED;
/* One share of the case: 1 and fn called, 0 when there is none. */
int sharing_get(db *d, int64_t case_id, int64_t id,
		int (*fn)(const struct share_row *s, void *arg), void *arg) DB_CHECKED;
/* The active share of the case with the agency for the purpose: its id, or 0. */
int64_t sharing_active(db *d, int64_t case_id, int64_t agency_id, const char *purpose) DB_CHECKED;
/* Withdraw share id at version: 1 done, 0 stale or already withdrawn. */
int sharing_withdraw(db *d, int64_t case_id, int64_t id, int64_t version, int64_t by,
		     const char *reason) DB_CHECKED;
/* Withdraw the active shares of the case with the agency made with origin:
 * how many. */
int sharing_withdraw_origin(db *d, int64_t case_id, int64_t agency_id, const char *origin,
			    int64_t by, const char *reason) DB_CHECKED;
/* Make the active shares of the case with the agency of origin from into
 * origin to (an officer's referral taking over a share made by her
 * consent): how many. */
int sharing_adopt(db *d, int64_t case_id, int64_t agency_id, const char *from, const char *to) DB_CHECKED;
/* Has the case an active share with the agency (any purpose)? 1 or 0. */
int sharing_any_active(db *d, int64_t case_id, int64_t agency_id) DB_CHECKED;
/* The purposes for which the case is open to the agency now, as a mask of
 * 1 << enum share_purpose: its active shares, and treatment while the
 * case's suspect is in the agency's programme. */
int sharing_purposes(db *d, int64_t case_id, int64_t agency_id, unsigned *mask) DB_CHECKED;
/* The cases shared with the agency now (its caseload), with the purposes of
 * each, newest share first: fn(ref, status, risk_level, purposes, since). */
int sharing_caseload_each(db *d, int64_t agency_id,
			  int (*fn)(const char *ref, const char *status, const char *risk_level,
				    const char *purposes, int64_t since, void *arg),
			  void *arg) DB_CHECKED;

#endif
