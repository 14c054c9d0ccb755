/*
 * ops/help — requests for help from the public page (no account) and the
 * centre's triage of them: accepted as a case, answered, or passed to a
 * partner agency.
 *
 * What she wrote and how to reach her are sealed at rest (store/help.h) and
 * never named in the audit trail, which names a request by its number.  The
 * page's allowance of a few requests an hour from one connection is the
 * edge's (api/help.c).
 */
#ifndef VIGIL_OPS_HELP_H
#define VIGIL_OPS_HELP_H

#include <stdint.h>

#include "ops/ops.h"
#include "store/help.h"

/* Record a request for help (well formed: api/help.c): its id. */
int64_t ops_help_request_create(struct ops_ctx *x, const struct help_request_in *in);

/* The centre's decision on a new request. */
struct help_decision {
	const char *outcome; /* "accepted" (as case ref), "answered" (note), "passed" (to agency) */
	int64_t version;     /* the request's version read */
	const char *ref;     /* the case it was recorded as (accepted) */
	const char *agency;  /* the partner's code (passed) */
	const char *note;    /* what she was told, or NULL */
};
/* Decide request id, as it is then into *out (free with help_request_free):
 * ERR_NOT_FOUND; ERR_BAD_REQUEST (no case ref the actor may see, no such
 * agency); ERR_ALREADY_DECIDED; ERR_STALE_VERSION. */
int ops_help_request_decide(struct ops_ctx *x, int64_t id, const struct help_decision *q,
			    struct help_request *out);

#endif
