/*
 * ops/programme — the behaviour-change programme's operations (issue 18):
 * an officer refers the suspect to a trust's programme (the case is shared
 * with the trust for assessment on his consent); a clinician of the trust
 * screens the referral against the criteria (core/programme.c) and decides
 * with reasons; enrols him with his informed consent (and his consent to
 * wear a tag), or puts him on the waiting list when the cohort is full;
 * plans sessions and records them (attended, missed: a missed session is a
 * task for his clinician in her inbox until she records its follow-up);
 * writes clinical notes (the treating trust's clinicians only) and, apart
 * from them, a disclosure to police, which opens a review of the case's
 * risk.  He may withdraw consent to the tag or to the programme: leaving
 * ends the trust's treatment share but not a tag an order requires.
 *
 * Same conventions as ops/partners.h: the caller holds the transaction and
 * audits; 0 or an id, a refusal (ERR_*, x->err filled) or a database failure
 * (DB_*), in the context of ops/ops.h.
 */
#ifndef VIGIL_OPS_PROGRAMME_H
#define VIGIL_OPS_PROGRAMME_H

#include <stdbool.h>
#include <stdint.h>

#include "ops/partners.h"

struct programme_referral_request {
	const char *trust;        /* the NHS trust's code */
	const char *source;       /* "case" (the officer's) or "self" (his own, through her) */
	const char *note;
	const char *consent_note; /* how he agreed to be referred (the assessment share) */
};
int64_t programme_refer(struct ops_ctx *x, const struct partners_case *c,
			const struct programme_referral_request *q);

struct programme_screening_request {
	const char *answers[16]; /* the clinician's answers by criterion, NULL when not asked */
	const char *decision;    /* "eligible" or "ineligible" */
	const char *reasons;
	int64_t version;
};
/* The screening's criteria met, into met (programme_ncriteria). */
int programme_screen_referral(struct ops_ctx *x, const struct partners_case *c, int64_t id,
			      const struct programme_screening_request *q, bool *met);

struct programme_enrol_request {
	const char *consent_note; /* his informed consent, how given */
	bool tag_consent;         /* he consents to wear a tag */
	int64_t from;             /* enrolled on (0: now; a date past for a paper record) */
	int64_t version;
	int capacity;             /* the cohort's places (the server's setting) */
};
/* Enrol, or place on the waiting list: the enrolment's id, or 0 when he
 * waits (*waiting_place: his place in the queue, from 1). */
int64_t programme_enrol_referral(struct ops_ctx *x, const struct partners_case *c, int64_t id,
				 const struct programme_enrol_request *q, int *waiting_place);

/* The case's suspect's current enrolment, that the actor treats (a
 * clinician of its trust): 1 and *e (free with programme_enrolment_free). */
struct prog_enrolment;
int programme_treating(struct ops_ctx *x, const struct partners_case *c,
		       struct prog_enrolment *e);

int64_t programme_session_plan(struct ops_ctx *x, const struct partners_case *c,
			       int64_t planned_at);
struct programme_session_request {
	const char *status;    /* attended, missed, cancelled, or NULL: unchanged */
	const char *run_by;    /* username of the clinician who ran it */
	const char *follow_up; /* the follow-up of a missed session */
	int64_t version;
};
int programme_session_update(struct ops_ctx *x, const struct partners_case *c, int64_t id,
			     const struct programme_session_request *q);

/* What he withdraws consent to: "tag" or "programme" (he leaves). */
struct programme_leave_result {
	int tag_orders; /* orders in force that require the tag: it stays */
	int tags_worn;  /* tags watching him now */
};
int programme_withdraw_consent(struct ops_ctx *x, const struct partners_case *c,
			       const char *what, const char *reason, int64_t version,
			       struct programme_leave_result *out);

int64_t programme_note(struct ops_ctx *x, const struct partners_case *c, const char *body);
/* The risks a disclosure names, NULL-terminated. */
extern const char *const programme_disclosure_risks[];
int64_t programme_disclose(struct ops_ctx *x, const struct partners_case *c, const char *risk,
			   const char *detail);

#endif
