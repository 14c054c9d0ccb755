/*
 * store/cases — cases in the database: the case record, its classifications,
 * flags, events (the timeline's record of what happened to the case),
 * assignments, referrals and programme enrolments; and who may see a case.
 *
 * Lookups return 1 found, 0 not, negative DB_* codes on failure; writes 0 (or
 * an id) or negative.  Writes are made inside the caller's transaction.
 */
#ifndef VIGIL_STORE_CASES_H
#define VIGIL_STORE_CASES_H

#include <stdbool.h>
#include <stdint.h>

#include "core/access.h"
#include "core/casefile.h"
#include "db/db.h"

/* Who is looking: case visibility depends on role, agency and assignment. */
struct viewer {
	int64_t user_id;
	enum role role;
	int64_t agency_id;
	int64_t device_token; /* a token bound to devices: it sees those only; 0 none */
};

struct case_record {
	int64_t id;
	char ref[24];
	enum case_status status;
	char relationship[32];
	char channel[32];
	char *summary;               /* owned; may be NULL; opened (it is sealed) */
	bool summary_unreadable;     /* it would not open: summary is NULL, and the
				      * connection's db_note() says why */
	int64_t owner_id;
	char owner[65];
	int64_t agency_id;
	char agency[33];
	char risk_level[16];         /* "" when not assessed */
	char typology[24];           /* "" when not decided */
	struct four four;
	char *four_note[4];          /* owned; fixated, obsessive, unwanted, repeated */
	int64_t screened_at;
	char screened_by[65];
	char *classification_reason; /* owned */
	int64_t signoff_at;
	char signoff_by[65];
	char *signoff_note;          /* owned */
	char risk_set_by[65];        /* who set the current level, "" when none */
	int64_t risk_set_at;
	char risk_floor[16];         /* the latest checklist's computed level, "" when none */
	int64_t review_due_at;       /* 0: no review scheduled */
	int64_t marac_referred_at;   /* 0: never flagged for MARAC */
	int64_t created_by;
	int64_t created_at;
	int64_t updated_at;
	int64_t version;
};

void case_record_free(struct case_record *c);

/* A new case.  Returns the id and writes the reference into ref. */
struct case_new {
	const char *relationship;
	const char *channel;
	const char *summary;
	int64_t owner_id;
	int64_t agency_id;
	int64_t created_by;
	int year;
	int64_t created_at; /* when it was reported (ms); 0: now */
};
int64_t case_insert(db *d, const struct case_new *n, char ref[24]) DB_CHECKED;
/* Every case's id and reference, oldest first: fn's first non-zero return
 * stops the walk and is returned; else 0, or a negative DB_* code. */
int case_each_id(db *d,
						     int (*fn)(int64_t id, const char *ref,
							       void *arg),
						     void *arg) DB_CHECKED;
/* How many cases there are besides the one the demo's monitoring simulator
 * made (the setting demo_monitoring names it), or negative. */
int64_t case_count_besides_demo(db *d) DB_CHECKED;

int case_get(db *d, const char *ref, struct case_record *out) DB_CHECKED;
int case_get_by_id(db *d, int64_t id, struct case_record *out) DB_CHECKED;
/* 1 when v may see the case, 0 when not. */
int case_visible(db *d, int64_t case_id, const struct viewer *v) DB_CHECKED;

struct case_filter {
	const char *status, *risk_level, *typology, *owner, *classification, *flag;
	int64_t created_from, created_to; /* ms, 0: open */
	int64_t before_id;                /* cursor: ids below this, 0: newest first */
	int limit;
};
/* Cases v may see, newest first.  The record passed to fn is freed after. */
int case_each_visible(db *d, const struct viewer *v, const struct case_filter *f,
		      int (*fn)(const struct case_record *c, void *arg), void *arg) DB_CHECKED;

/* Field changes; NULL leaves a field unchanged.  1 applied, 0 stale version. */
struct case_change {
	const char *summary, *relationship, *channel, *status;
	int64_t owner_id, agency_id; /* 0: unchanged */
	const char *classification_reason;
	bool clear_signoff;
};
int case_update(db *d, int64_t id, int64_t expected_version,
		const struct case_change *c) DB_CHECKED;
/* Bump the version of a case changed through its sub-records. */
int case_touch(db *d, int64_t id) DB_CHECKED;
/* A review is due now (a new incident, a breach, an order ending...). */
int case_review_due_now(db *d, int64_t id) DB_CHECKED;

/* Record the FOUR answers on the version expected_version (0: whichever it is,
 * for a case made in this transaction): 1 applied, 0 the case moved on. */
int case_set_screening(db *d, int64_t id, int64_t expected_version, const struct four *f,
		       const char *const notes[4], int64_t by) DB_CHECKED;
int case_set_signoff(db *d, int64_t id, int64_t by, const char *note) DB_CHECKED;
/* Set the status alone, in an operation that has bumped the version (the
 * workflow's rules are the caller's: ops/cases.c). */
int case_set_status(db *d, int64_t id, const char *status) DB_CHECKED;
/* Record why a case FOUR calls stalking is classified otherwise; clear_signoff:
 * a supervisor's earlier sign-off no longer stands. */
int case_set_classification_reason(db *d, int64_t id, const char *reason,
				   bool clear_signoff) DB_CHECKED;

/* Classifications, in vocabulary order. */
int case_classifications_set(db *d, int64_t id, const char *const *list, int n) DB_CHECKED;
int case_classification_add(db *d, int64_t id, const char *classification) DB_CHECKED;
int case_classifications_each(db *d, int64_t id, int (*fn)(const char *c, void *arg),
			      void *arg) DB_CHECKED;
int case_has_classification(db *d, int64_t id, const char *classification) DB_CHECKED;

/* Flags: raise is idempotent; clear returns 1 when a flag was cleared. */
int case_flag_raise(db *d, int64_t id, const char *flag, const char *note) DB_CHECKED;
int case_flag_clear(db *d, int64_t id, const char *flag) DB_CHECKED;
int case_has_flag(db *d, int64_t id, const char *flag) DB_CHECKED;
int case_flags_each(db *d, int64_t id,
		    int (*fn)(const char *flag, int64_t raised_at, const char *note, void *arg),
		    void *arg) DB_CHECKED;

/* Events: the case's own history, shown in its timeline.  The detail of a
 * victim_recorded event (her name) and of a zone event (its name) is sealed; it is opened for fn, and one
 * that does not open stops the walk with DB_SEALED. */
int case_event_add(db *d, int64_t id, int64_t user_id, const char *username, const char *kind,
		   const char *detail) DB_CHECKED;
int case_events_each(db *d, int64_t id,
		     int (*fn)(int64_t at, const char *username, const char *kind,
			       const char *detail, void *arg),
		     void *arg) DB_CHECKED;

/* Assignment of users, referral to agencies, enrolment of the suspect. */
int case_assign(db *d, int64_t id, int64_t user_id, int64_t by) DB_CHECKED;
int case_assignments_each(db *d, int64_t id, int (*fn)(const char *username, void *arg),
			  void *arg) DB_CHECKED;
int case_refer(db *d, int64_t id, int64_t agency_id, int64_t by, const char *note) DB_CHECKED;
/* Share the case with an agency because a victim referral to it was accepted
 * with her consent (case_refer with the note that marks such a share). */
int case_refer_consented(db *d, int64_t id, int64_t agency_id, int64_t by) DB_CHECKED;
/* Take back a case shared with an agency by a victim referral (accepted with
 * her consent) once no referral to that agency on the case is accepted or
 * completed with consent; a referral made by an officer stays.  1 when taken back, 0 when
 * nothing was shared that way, or a DB_ error. */
int case_unrefer_consented(db *d, int64_t id, int64_t agency_id) DB_CHECKED;
/* The agencies the case is shared with now (store/sharing.h), by code. */
int case_referrals_each(db *d, int64_t id, int (*fn)(const char *agency, void *arg),
			void *arg) DB_CHECKED;
/* Enrol a suspect in the programme of the NHS trust agency_id at once,
 * without a referral's screening, from his newest case (its clinicians then
 * see his case; store/programme.h has the programme's own workflow). */
int programme_enrol(db *d, int64_t person_id, int64_t agency_id, int64_t by,
		    const char *consent_note) DB_CHECKED;
int programme_enrolled(db *d, int64_t person_id) DB_CHECKED;

#endif
