/*
 * ops/partners — the rules of sharing a case with partner agencies (issue
 * 18), apart from HTTP: a typed request and the acting user in, the store
 * calls made, a refusal out with the field it is about.  The caller (api/)
 * holds the transaction the operation runs in, and audits it there, so that
 * the change and its audit entry stand or fall together.
 *
 * The context and the error are ops/ops.h's: 0 (or an id) on success, a
 * refusal (ERR_BAD_REQUEST, ERR_NOT_FOUND, ERR_FORBIDDEN, ERR_CONFLICT,
 * ERR_STALE_VERSION) with x->err filled, or a database failure (DB_*), which
 * the caller names (ops_fail_db) when x->err is still empty.
 */
#ifndef VIGIL_OPS_PARTNERS_H
#define VIGIL_OPS_PARTNERS_H

#include <stdbool.h>
#include <stdint.h>

#include "core/access.h"
#include "db/db.h"

struct ops_ctx;

/* The case an operation is on, as the caller loaded it (visible to the actor). */
struct partners_case {
	int64_t id;
	const char *ref;
	int64_t agency_id; /* the agency that owns it */
	int64_t owner_id;
	const char *typology;   /* "" when not decided */
	const char *risk_level; /* "" when not assessed */
};

struct share_request {
	const char *agency;       /* the partner's code */
	const char *purpose;      /* access_purpose_name() */
	const char *basis;        /* "consent" or "lawful_basis" */
	const char *consent_of;   /* with consent: "victim" or "offender" */
	const char *consent_note; /* how it was given */
	const char *lawful_basis; /* without: the basis recorded */
	const char *note;
	int64_t from;             /* 0: now; never ahead of now */
	const char *origin;       /* NULL: "share" */
};

/* Share the case with a partner for a purpose: the case's own agency (its
 * officers and supervisors) shares it; the agency's kind must fit the
 * purpose; consent is the consent of the person the purpose is about.  The
 * new share's id. */
int64_t partners_share(struct ops_ctx *x, const struct partners_case *c,
		       const struct share_request *s);
/* Withdraw share id (at version), now: by the case's agency, or by the
 * partner itself.  0. */
int partners_withdraw(struct ops_ctx *x, const struct partners_case *c, int64_t id,
		      int64_t version, const char *reason);

#endif
