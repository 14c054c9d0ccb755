/*
 * http/auth — session and token authentication.
 *
 * A session ends when unused for session_idle_ms or, whatever its use, at its
 * absolute expiry.  An expired session is deleted when seen and reported as
 * AUTH_EXPIRED, so the browser can say "your session expired" rather than
 * "wrong password".  last_seen_at is written at most every few seconds, so a
 * busy client does not turn every read into a write.
 */
#include "http/auth.h"

#include <microhttpd.h>
#include <stdio.h>
#include <string.h>

#include "base/clock.h"
#include "base/log.h"
#include "http/request.h"
#include "store/account.h"
#include "store/auth.h"
#include "vigil.h"

#define TOUCH_EVERY_MS 5000

/* A session's or token's bookkeeping (last seen, an ended session removed):
 * the request goes on without it, but a failure is said. */
static void touched(int rc, db *d)
{
	if (rc < 0)
		log_error("a session's bookkeeping was not written: %s", db_errmsg(d));
}

static void fill_principal(struct req *r, const struct user *u)
{
	struct principal *w = &r->who;

	w->signed_in = true;
	w->user_id = u->id;
	snprintf(w->username, sizeof w->username, "%s", u->username);
	snprintf(w->display_name, sizeof w->display_name, "%s", u->display_name);
	w->role = u->role;
	w->agency_id = u->agency_id;
	snprintf(w->agency, sizeof w->agency, "%s", u->agency_code);
}

/* Is a token live at now? AUTH_OK, or why not. */
static enum auth_result token_live(const struct api_token *t, int64_t now)
{
	if (t->revoked_at)
		return AUTH_INVALID;
	if (t->expires_at && t->expires_at <= now)
		return AUTH_TOKEN_EXPIRED;
	return AUTH_OK;
}

/* What a lookup's answer rc (1 found, 0 none, negative) says: AUTH_OK to go
 * on, or the result to answer. */
static enum auth_result found(int rc)
{
	return rc < 0 ? AUTH_ERROR : rc == 0 ? AUTH_INVALID : AUTH_OK;
}

static enum auth_result by_token(struct req *r, const char *clear)
{
	int64_t now = clock_now_ms();
	struct api_token t;
	struct user u;
	int rc;

	if ((rc = found(token_get(r->db, clear, &t))) != AUTH_OK)
		return rc;
	if (token_live(&t, now) != AUTH_OK)
		return token_live(&t, now);
	if ((rc = found(user_get_by_id(r->db, t.user_id, &u))) != AUTH_OK)
		return rc;
	if (u.disabled)
		return AUTH_DISABLED;
	fill_principal(r, &u);
	r->who.via_token = true;
	r->who.token_id = t.id;
	r->who.device_token = t.devices > 0 ? t.id : 0;
	r->who.scope = t.scope;
	if (now - t.last_used_at > TOUCH_EVERY_MS)
		touched(token_touch(r->db, t.id, now), r->db);
	return AUTH_OK;
}

static enum auth_result by_session(struct req *r, const char *token)
{
	int64_t now = clock_now_ms();
	struct session s;
	struct user u;
	int rc;

	if ((rc = found(session_get(r->db, token, &s))) != AUTH_OK)
		return rc;
	if (now >= s.expires_at || now - s.last_seen_at >= r->v->cfg.session_idle_ms) {
		touched(session_delete(r->db, s.digest), r->db);
		return AUTH_EXPIRED;
	}
	if ((rc = found(user_get_by_id(r->db, s.user_id, &u))) != AUTH_OK)
		return rc;
	if (u.disabled) {
		touched(session_delete(r->db, s.digest), r->db);
		return AUTH_DISABLED;
	}
	fill_principal(r, &u);
	r->who.scope = TOKEN_SCOPE_API;
	memcpy(r->who.session_digest, s.digest, sizeof s.digest);
	memcpy(r->who.csrf, s.csrf, sizeof s.csrf);
	r->who.session_expires_at = s.expires_at;
	if (now - s.last_seen_at > TOUCH_EVERY_MS)
		touched(session_touch(r->db, s.digest, now), r->db);
	return AUTH_OK;
}

enum auth_result auth_recheck(db *d, struct principal *w, enum perm perm)
{
	int64_t now = clock_now_ms();
	struct user u;
	int64_t user_id;
	int rc;

	if (w->via_token) {
		struct api_token t;

		if ((rc = found(token_get_by_id(d, w->token_id, &t))) != AUTH_OK)
			return rc;
		if (token_live(&t, now) != AUTH_OK)
			return token_live(&t, now);
		user_id = t.user_id;
	} else {
		struct session s;

		if ((rc = found(session_get_by_digest(d, w->session_digest, &s))) != AUTH_OK)
			return rc;
		if (now >= s.expires_at)
			return AUTH_EXPIRED;
		if (now - s.last_seen_at > TOUCH_EVERY_MS)
			touched(session_touch(d, s.digest, now), d);
		user_id = s.user_id;
	}
	if ((rc = found(user_get_by_id(d, user_id, &u))) != AUTH_OK)
		return rc;
	if (u.disabled)
		return AUTH_DISABLED;
	w->role = u.role;
	w->agency_id = u.agency_id;
	snprintf(w->agency, sizeof w->agency, "%s", u.agency_code);
	if (!access_role_has(u.role, perm))
		return AUTH_FORBIDDEN;
	return AUTH_OK;
}

const char *auth_result_reason(enum auth_result a)
{
	switch (a) {
	case AUTH_OK:
		return "";
	case AUTH_EXPIRED:
		return "your session has expired; sign in again";
	case AUTH_TOKEN_EXPIRED:
		return "this API token has expired";
	case AUTH_DISABLED:
		return "this account has been disabled";
	case AUTH_FORBIDDEN:
		return "your role no longer allows this";
	case AUTH_ERROR:
		return "the server could not check your session; reconnect";
	default:
		return "you have signed out, or the session or token is no longer valid";
	}
}

enum auth_result auth_identify(struct req *r)
{
	struct MHD_Connection *c = r->conn;
	const char *authz = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
	const char *cookie;

	if (authz) {
		if (strncasecmp(authz, "Bearer ", 7) != 0)
			return AUTH_INVALID;
		authz += 7;
		while (*authz == ' ')
			authz++;
		if (strlen(authz) > 200)
			return AUTH_INVALID;
		return by_token(r, authz);
	}
	cookie = MHD_lookup_connection_value(c, MHD_COOKIE_KIND, AUTH_COOKIE);
	if (cookie && *cookie) {
		if (strlen(cookie) > 200)
			return AUTH_INVALID;
		return by_session(r, cookie);
	}
	return AUTH_NONE;
}

void auth_cookie(char *out, size_t outlen, const char *token, int64_t max_age_s, bool secure)
{
	snprintf(out, outlen, "%s=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%lld%s",
		 AUTH_COOKIE, max_age_s > 0 ? token : "", (long long)(max_age_s > 0 ? max_age_s : 0),
		 secure ? "; Secure" : "");
}
