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

#endif
