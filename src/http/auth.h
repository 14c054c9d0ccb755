/*
 * http/auth — who is calling: a browser session (cookie) or an API token
 * (Authorization: Bearer), and the session cookie itself.
 */
#ifndef VIGIL_HTTP_AUTH_H
#define VIGIL_HTTP_AUTH_H

#include <stddef.h>
#include <stdint.h>

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
};

/* Identify the caller from the request's cookie or bearer token. */
enum auth_result auth_identify(struct req *r);
/* The Set-Cookie value for a new session (max_age_s > 0) or a cleared one (0). */
void auth_cookie(char *out, size_t outlen, const char *token, int64_t max_age_s);

#endif
