/*
 * ops/assessments — assessing a case's risk with an instrument, and deciding
 * the suspect's type.
 *
 * The checklist's level is a floor: professional judgement may raise it
 * (with a reason) and never lower it, and both are kept side by side
 * (core/instrument.c decides).  An assessment is pinned to the instrument's
 * version and never edited; it sets the case's level, its next review and,
 * when a route applies, the MARAC referral flag, and opens a task to tell
 * her when her level changed.
 */
#ifndef VIGIL_OPS_ASSESSMENTS_H
#define VIGIL_OPS_ASSESSMENTS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/instrument.h"
#include "ops/ops.h"
#include "store/assessments.h"

/* An assessment as asked for: the instrument (by id), the answers (an
 * object of item id to answer, checked by the instrument's own rules), and
 * the assessor's judgement. */
struct ops_assessment {
	const char *instrument;
	json_t *answers;
	const char *notes;
	const char *judged_level;    /* NULL: none */
	const char *judgement_reason;
	bool marac_on_judgement;
};

/* The assessment as recorded (valid until ops_assessed_free). */
struct ops_assessed {
	struct assessment a;
	int64_t review_at;           /* the case's next review now */
	bool offer_screen;           /* the stalking screen should follow */
	json_t *ratings;             /* a structured judgement's ratings, or NULL */
	char *answers, *yes_items, *marac_reasons;
};
void ops_assessed_free(struct ops_assessed *o);

int ops_assess(struct ops_ctx *x, const char *ref, const struct ops_assessment *in,
	       struct ops_assessed *out);

/* Decide the suspect's type (case_typologies) with its rationale, and the
 * aid's proposal it followed (JSON text, or NULL). */
int ops_typology_decide(struct ops_ctx *x, const char *ref, const char *typology,
			const char *rationale, const char *proposal, struct case_record *c);

#endif
