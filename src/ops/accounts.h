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

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ops/ops.h"
#include "store/account.h"
#include "store/auth.h"

/* ---- accounts ------------------------------------------------------------- */

/* A new account.  username and display_name are well formed (core/account's
 * checks); the password is checked here against the centre's policy. */
struct user_request {
	const char *username;
	const char *display_name; /* NULL: the username */
	enum role role;
	const char *agency;       /* its agency's code; NULL: the actor's */
	const char *password;     /* NULL for a service account only */
	bool service;             /* acts through its API tokens, never signs in */
};

/* Make an account of the actor's own agency, as made into *out.
 * ERR_BAD_REQUEST (a service account with a password or the admin role, a
 * password the policy refuses, no such agency), ERR_FORBIDDEN (another
 * agency), ERR_CONFLICT (the username is taken), ERR_BUSY (the password
 * cannot be hashed now).  Returns its id. */
int64_t ops_user_create(struct ops_ctx *x, const struct user_request *q, struct user *out);

/* The account username of the actor's agency: ERR_NOT_FOUND when there is
 * none (another agency's account is not hers to see). */
int ops_user_get(struct ops_ctx *x, const char *username, struct user *out);

/* A change of an account; unset fields leave it as it is. */
struct user_update_request {
	int64_t version;          /* the version the actor read */
	const char *display_name; /* well formed, or NULL */
	enum role role;           /* ROLE_NONE: unchanged */
	const char *agency;       /* move it to this agency (the actor's own only) */
	int disabled;             /* 1 disable, 0 enable, -1 unchanged */
	bool unlock;              /* end a lockout after failed sign-ins */
	const char *password;     /* reset it */
};

/* Change account username of the actor's agency, as it is then into *out.
 * ERR_NOT_FOUND, ERR_BAD_REQUEST, ERR_FORBIDDEN, ERR_BUSY as above;
 * ERR_CONFLICT when the actor would disable her own account or take away
 * her own admin role; ERR_STALE_VERSION. */
int ops_user_update(struct ops_ctx *x, const char *username, const struct user_update_request *q,
		    struct user *out);

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

/* ---- sessions ------------------------------------------------------------- */

/* Open a browser session for account user_id, whose password was found right
 * (its failed sign-ins are forgotten), from client_addr until expires_at:
 * its clear id and CSRF token into token and csrf. */
int ops_session_open(struct ops_ctx *x, int64_t user_id, const char *client_addr,
		     int64_t expires_at, char token[SECRET_TOKEN_LEN], char csrf[SECRET_TOKEN_LEN]);
/* End the actor's session whose id has digest digest: its open streams end
 * at once, on every node. */
int ops_session_close(struct ops_ctx *x, const char *digest);

#endif
