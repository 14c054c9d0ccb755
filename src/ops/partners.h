/*
 * ops/partners — the rules of sharing a case with partner agencies (issue
 * 18), apart from HTTP: a typed request and the acting user in, the store
 * calls made, a refusal out with the field it is about.  The caller (api/)
 * holds the transaction the operation runs in, and audits it there, so that
 * the change and its audit entry stand or fall together.
 *
 * Codes: 0 (or an id) on success, PARTNERS_* (the same values as base/err.h's
 * ERR_* on the ops-layer branch) on a refusal, DB_* on a database failure.
 */
#ifndef VIGIL_OPS_PARTNERS_H
#define VIGIL_OPS_PARTNERS_H

#include <stdbool.h>
#include <stdint.h>

#include "core/access.h"
#include "db/db.h"

enum {
	PARTNERS_BAD_REQUEST = -100, /* the request is not one that can be made */
	PARTNERS_NOT_FOUND = -101,   /* no such record */
	PARTNERS_FORBIDDEN = -102,   /* not the actor's to do */
	PARTNERS_CONFLICT = -104,    /* the records forbid it as they stand */
	PARTNERS_STALE = -105,       /* the record changed since the actor read it */
};

/* Who acts, and what went wrong. */
struct partners_ctx {
	db *d;
	int64_t user_id;
	const char *username;
	enum role role;
	int64_t agency_id;
	int64_t now;
	int code;
	char field[64];    /* the input it is about, "" none */
	char message[512]; /* a sentence for the person who asked */
};

/* Fill x->code, field and message; returns code. */
int partners_fail(struct partners_ctx *x, int code, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

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
int64_t partners_share(struct partners_ctx *x, const struct partners_case *c,
		       const struct share_request *s);
/* Withdraw share id (at version), now: by the case's agency, or by the
 * partner itself.  0. */
int partners_withdraw(struct partners_ctx *x, const struct partners_case *c, int64_t id,
		      int64_t version, const char *reason);
/* The parts of case_id the viewer reads: her role's, and for a partner's
 * staff (access_role_by_share) those her agency's shares open.  0 on a
 * database failure too (nothing opens). */
unsigned partners_case_parts(db *d, enum role role, int64_t agency_id, int64_t case_id);

#endif
