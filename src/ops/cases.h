/*
 * ops/cases — what the centre does with a case itself: record a report,
 * screen it (FOUR), change it, sign off a classification, add a person,
 * assign, refer, enrol the suspect in the programme.
 *
 * The rules that stop stalking being misrecorded live here (with
 * core/casefile.c): FOUR answers that are all yes, or a former partner's
 * repeated conduct, mean stalking; recording such a case as anything else
 * needs a written reason and raises "possible_misrecording" until a
 * supervisor signs it off.  A suspect recorded may link the case to others
 * and flag the linked set as a possible serial stalker's.
 *
 * Each operation is one transaction (ops/ops.h) and, on success, leaves the
 * case as it now stands in *out (case_record_free()).
 */
#ifndef VIGIL_OPS_CASES_H
#define VIGIL_OPS_CASES_H

#include <stdbool.h>

#include "core/casefile.h"
#include "ops/ops.h"
#include "store/cases.h"
#include "store/people.h"

/* A report: what intake records (POST /api/v1/cases).  Well formed already:
 * vocabularies checked, identifiers normalised. */
struct ops_report {
	const char *relationship;    /* case_relationships */
	const char *channel;         /* case_channels */
	const char *summary;         /* NULL: none */
	const char *owner;           /* a username; NULL: the actor */
	const struct person_in *victims; /* at least one */
	int nvictims;
	const struct person_in *suspect; /* NULL: unknown */
	bool screened;               /* the FOUR screening was made at intake */
	struct four four;
	const char *four_notes[4];
	const char *const *classifications; /* NULL: none given (FOUR decides) */
	int nclassifications;
	const char *classification_reason;
};
/* Record a report: the case (its reference from the year's counter), its
 * people, the screening and classifications, and the rules that follow. */
int ops_case_report(struct ops_ctx *x, const struct ops_report *in, struct case_record *out);

/* A change to a case (PATCH /api/v1/cases/{ref}), made on the version the
 * actor read.  NULL leaves a field as it is. */
struct ops_case_change {
	int64_t version;
	const char *summary;
	const char *relationship;    /* case_relationships */
	const char *channel;         /* case_channels */
	const char *owner;           /* a username: a supervisor reassigns */
	const char *status;          /* a status name: a move of the workflow */
	const char *reason;          /* why (reopening needs one) */
	const char *const *classifications; /* NULL: unchanged */
	int nclassifications;
	const char *classification_reason;
};
/* Change a case: the workflow's moves (with the plan's gates), the owner,
 * its details and classifications; ERR_STALE_VERSION when it moved. */
int ops_case_change(struct ops_ctx *x, const char *ref, const struct ops_case_change *in,
		    struct case_record *out);

/* The FOUR screening recorded on a case (PUT .../screening). */
struct ops_screening {
	int64_t version;
	struct four four;            /* all four answered */
	const char *notes[4];        /* each answer's reason */
	const char *classification_reason; /* why not stalking, when FOUR says it is */
};
/* Record the screening: an intake case becomes screened, one FOUR calls
 * stalking is classified so unless a reason is given. */
int ops_case_screen(struct ops_ctx *x, const char *ref, const struct ops_screening *in,
		    struct case_record *out);

/* A supervisor's sign-off of a classification other than stalking: approve
 * keeps it, reject records stalking.  ERR_NOTHING_TO_SIGN_OFF without the
 * possible_misrecording flag. */
int ops_case_signoff(struct ops_ctx *x, const char *ref, bool approve, const char *note,
		     struct case_record *out);

/* Add a victim or the suspect (role "victim" or "suspect"); one suspect a
 * case (ERR_CONFLICT). */
int ops_case_person_add(struct ops_ctx *x, const char *ref, const char *role,
			const struct person_in *p, struct case_record *out);

/* Assign an officer or supervisor of the case's agency (the owner or a
 * supervisor may). */
struct user;
int ops_case_assign(struct ops_ctx *x, const char *ref, const char *username,
		    struct case_record *c, struct user *out);

/* Refer (share) the case with an agency, whose advocates then see it;
 * *out is the agency. */
struct agency;
/* Flag case_id's linked set as a possible serial stalker's when it reaches
 * the configured number of distinct victims (after a person or an identifier
 * was recorded), in the caller's transaction. */
int ops_case_serial_rule(struct ops_ctx *x, int64_t case_id);

int ops_case_refer(struct ops_ctx *x, const char *ref, const char *agency, const char *note,
		   struct case_record *c, struct agency *out);

/* Enrol the suspect in the behaviour-change programme of an NHS trust (the
 * one named, or the only one), with his recorded consent; *out is the
 * trust. */
int ops_case_enrol(struct ops_ctx *x, const char *ref, const char *trust,
		   const char *consent_note, struct case_record *c, struct agency *out);

#endif
