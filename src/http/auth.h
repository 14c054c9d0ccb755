/*
 * http/auth — who is calling: a browser session (cookie) or an API token
 * (Authorization: Bearer), and the session cookie itself.
 */
#ifndef VIGIL_HTTP_AUTH_H
#define VIGIL_HTTP_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/access.h"
#include "db/db.h"

struct req;

#define AUTH_COOKIE "vigil_session"

enum auth_result {
	AUTH_NONE = 0,      /* no credentials presented */
	AUTH_OK = 1,        /* r->who filled in */
	AUTH_INVALID = -1,  /* unknown or revoked session or token */
	AUTH_EXPIRED = -2,  /* a session that timed out */
	AUTH_TOKEN_EXPIRED = -5, /* an API token past its expiry */
	AUTH_DISABLED = -3, /* the account is disabled */
	AUTH_ERROR = -4,    /* database failure */
	AUTH_FORBIDDEN = -6, /* (auth_recheck) the role no longer has the permission */
};

/* Identify the caller from the request's cookie or bearer token. */
enum auth_result auth_identify(struct req *r);
/*
 * Is the caller of a long-lived request (a live stream) still who she was
 * and still allowed perm?  Reads her session or token and her account again:
 * AUTH_OK with who's role and agency brought up to date; AUTH_INVALID when
 * she signed out or the token was revoked, AUTH_EXPIRED / AUTH_TOKEN_EXPIRED,
 * AUTH_DISABLED, AUTH_FORBIDDEN when her role no longer has perm.  An open
 * stream counts as use of its session (it is kept from going idle) but never
 * outlives the session's absolute end.
 */
struct principal;
enum auth_result auth_recheck(db *d, struct principal *who, enum perm perm);
/* The sentence a stream ends with, for each result other than AUTH_OK. */
const char *auth_result_reason(enum auth_result a);
/* The Set-Cookie value for a new session (max_age_s > 0) or a cleared one (0). */
void auth_cookie(char *out, size_t outlen, const char *token, int64_t max_age_s, bool secure);

#endif
