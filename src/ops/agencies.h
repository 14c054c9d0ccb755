/*
 * ops/agencies — the agencies users belong to, and one agency giving another a service over its cases (today
 * monitoring: a force has a contractor's or another force's monitoring
 * centre watch its cases).  The client offers, the provider's administrator
 * accepts, and either side ends it; nothing counts on one side's say alone,
 * for a grant puts the provider's devices and desk in reach of the client's
 * cases and the client's cases in the provider's.
 *
 * Every change tells the live streams of every node to look again at what
 * each may see, when it commits.
 */
#ifndef VIGIL_OPS_AGENCIES_H
#define VIGIL_OPS_AGENCIES_H

#include <stdint.h>

#include "ops/ops.h"
#include "store/account.h"

/* A new agency (code, name and kind already well formed: core/account's
 * checks, agency_kind_valid()), as made into *out.  ERR_CONFLICT when the
 * code is taken. */
int ops_agency_create(struct ops_ctx *x, const char *code, const char *name, const char *kind,
		      struct agency *out);

/* The actor's agency offers provider (an agency code) the monitoring of its
 * cases, with a note (NULL: none).  *out is the grant as made (its note is
 * not filled).  ERR_BAD_REQUEST (no such agency, itself, not a monitoring
 * centre), ERR_CONFLICT (offered already). */
int ops_grant_offer(struct ops_ctx *x, const char *provider, const char *note,
		    struct agency_service *out);
/* The provider's administrator accepts offer id: ERR_NOT_FOUND when her
 * agency has none such waiting.  *out as it now is. */
int ops_grant_accept(struct ops_ctx *x, int64_t id, struct agency_service *out);
/* Either side ends live grant id: ERR_NOT_FOUND when the actor's agency has
 * none such. */
int ops_grant_revoke(struct ops_ctx *x, int64_t id);

#endif
