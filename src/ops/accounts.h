/*
 * ops/accounts — the accounts of the centre's staff and of its integrations:
 * API tokens, and the bookkeeping of a browser session (one opened for a
 * password found right, one ended).
 *
 * An administrator manages the accounts of her own agency, and only those;
 * a token acts as its account, so it is made for oneself or for a service
 * account of one's own agency, never for another person.  Every change that
 * moves who may see what (a role, an account disabled, a token revoked, a
 * session ended) tells the live streams of every node to look again at what
 * each may see, when it commits.
 *
 * What stays at the edge (api/session.c): the throttling of sign-ins by
 * address and by account (counted before the slow password check, answered
 * with Retry-After) and the session's cookie.
 */
#ifndef VIGIL_OPS_ACCOUNTS_H
#define VIGIL_OPS_ACCOUNTS_H

#include <stddef.h>
#include <stdint.h>

#include "ops/ops.h"
#include "store/account.h"
#include "store/auth.h"

/* ---- API tokens ------------------------------------------------------------ */

struct token_request {
	const char *name;
	const char *username;       /* the account it acts as; NULL: the actor */
	enum token_scope scope;
	int64_t expires_in_days;    /* 0: never */
	const char *const *devices; /* uids it is bound to (an api token only; a
				     * NULL entry: not a device id), or NULL */
	size_t ndevices;
};

/* Make a token; its clear value (shown once) into clear, the token as made
 * into *out.  ERR_BAD_REQUEST (no such account in the actor's agency, a
 * disabled one, a device its account may not use), ERR_FORBIDDEN (another
 * person's account).  Returns the token's id. */
int64_t ops_token_create(struct ops_ctx *x, const struct token_request *q, struct api_token *out,
			 char clear[SECRET_TOKEN_LEN + 4]);
/* Revoke live token id of an account of the actor's agency: ERR_NOT_FOUND
 * when there is none such. */
int ops_token_revoke(struct ops_ctx *x, int64_t id);

#endif
