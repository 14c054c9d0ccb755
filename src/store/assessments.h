/*
 * store/assessments — risk assessments and typology decisions of a case.
 *
 * Both are append-only: an assessment or a decision is never changed, a new
 * one supersedes it, and the history is kept.  The case row holds the
 * current level (who set it, when, the checklist floor, the next review) and
 * the current typology.
 */
#ifndef VIGIL_STORE_ASSESSMENTS_H
#define VIGIL_STORE_ASSESSMENTS_H

#include <stdbool.h>
#include <stdint.h>

#include "db/db.h"

struct assessment {
	int64_t id;
	int64_t case_id;
	const char *instrument;
	int instrument_version;
	const char *answers;      /* JSON object text */
	const char *notes;
	int yes, no, unknown;
	const char *yes_items;    /* JSON array text */
	const char *computed;     /* level names, NULL when none */
	bool visible_high;
	const char *judged;
	const char *reason;
	const char *final;
	bool marac;
	const char *marac_reasons; /* JSON array text */
	int64_t assessed_by;
	const char *assessed_by_name; /* on reads */
	int64_t assessed_at;
};

int64_t assessment_insert(db *d, const struct assessment *a) DB_CHECKED;
/* Newest first; the record passed to fn is valid during the call only. */
int assessment_each(db *d, int64_t case_id, int (*fn)(const struct assessment *a, void *arg),
		    void *arg) DB_CHECKED;
/* The newest assessment only (fn called at most once). */
int assessment_latest(db *d, int64_t case_id, int (*fn)(const struct assessment *a, void *arg),
		      void *arg) DB_CHECKED;

/* Set the case's level (NULL: leave it), the checklist floor (NULL: leave),
 * who and when, the next review, and (when marac_at is not 0) the MARAC
 * referral time.  Bumps the version. */
int case_set_risk(db *d, int64_t case_id, const char *level, const char *floor, int64_t by,
		  int64_t at, int64_t review_due_at, int64_t marac_at) DB_CHECKED;
/* Incidents (not corrections) that happened at or after since (ms). */
int64_t incidents_since(db *d, int64_t case_id, int64_t since) DB_CHECKED;

struct typology_decision {
	int64_t id;
	const char *typology;
	const char *rationale;
	const char *proposal; /* JSON text of the aid's proposal it followed, or NULL */
	const char *decided_by;
	int64_t decided_at;
};
int64_t typology_decision_insert(db *d, int64_t case_id, const char *typology,
				 const char *rationale, const char *proposal, int64_t by) DB_CHECKED;
/* Newest first. */
int typology_decisions_each(db *d, int64_t case_id,
			    int (*fn)(const struct typology_decision *t, void *arg), void *arg) DB_CHECKED;

#endif
