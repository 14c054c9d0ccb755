/*
 * session — sign in, sign out, and who am I.
 *
 * Sign-in answers the same "wrong username or password" for an unknown user
 * and a wrong password, and spends the same time on both, so that it cannot
 * be used to find out which usernames exist.  A disabled account is reported
 * only to someone who knows its password.
 *
 * The throttling of sign-ins (by address, and each account's failed
 * attempts, claimed before the slow password check) and the cookie are
 * here; the session opened or ended is an operation (ops/accounts.c).
 */
#include "api/api.h"

#include <stdio.h>

#include "base/clock.h"
#include "base/log.h"
#include "core/account.h"
#include "http/auth.h"
#include "http/request.h"
#include "http/throttle.h"
#include "ops/accounts.h"
#include "store/account.h"
#include "store/auth.h"
#include "vigil.h"

static json_t *permissions_json(enum role role)
{
	json_t *a = json_array();

	for (int p = PERM_SIGNED_IN; p < PERM_COUNT; p++)
		if (access_role_has(role, (enum perm)p))
			json_array_append_new(a, json_string(access_perm_name((enum perm)p)));
	return a;
}

static void retry_after(struct req *r, int64_t ms)
{
	char s[24];

	snprintf(s, sizeof s, "%lld", (long long)((ms + 999) / 1000));
	req_add_header(r, "Retry-After", s);
}

static void bad_credentials(struct req *r)
{
	req_audit_detail(r, "wrong username or password");
	req_fail(r, 401, "invalid_credentials", NULL, "wrong username or password");
}

/*
 * Claim a sign-in attempt on the account: re-read and re-check until the
 * attempt is recorded (as a failure, provisionally) against the state it was
 * checked on.  0 claimed, -1 after answering (429 or an error).  Claiming
 * before the slow password check is what makes concurrent guesses unable to
 * all pass the check at once.
 */
/* Whose sign-in state an attempt is counted on: an account, or a name that
 * is no account (counted alike, so the answers tell no one which exist). */
struct login_subject {
	struct user *u;  /* an account, or NULL */
	char key[SECRET_DIGEST_LEN]; /* else the name's digest */
	int failed;
	int64_t last_failed_at, locked_until;
};

static int subject_read(struct req *r, struct login_subject *s)
{
	int rc;

	if (!s->u)
		return login_name_get(r->db, s->key, &s->failed, &s->last_failed_at, &s->locked_until);
	rc = user_get_by_id(r->db, s->u->id, s->u);
	s->failed = s->u->failed_logins;
	s->last_failed_at = s->u->last_failed_at;
	s->locked_until = s->u->locked_until;
	return rc;
}

static int subject_claim(struct req *r, const struct login_subject *s, int failed, int64_t now,
			 int64_t locked)
{
	if (!s->u)
		return login_name_claim(r->db, s->key, s->failed, s->last_failed_at, s->locked_until,
					failed, now, locked);
	return user_login_claim(r->db, s->u->id, s->failed, s->last_failed_at, s->locked_until, failed,
				now, locked);
}

static int claim_attempt(struct req *r, const struct login_policy *policy, struct login_subject *u)
{
	for (int tries = 0; tries < 10; tries++) {
		int64_t now = clock_now_ms(), wait, locked;
		int failed, rc;

		rc = subject_read(r, u);
		if (rc < 0 || (u->u && rc == 0)) {
			req_fail_db(r, rc < 0 ? rc : DB_ERROR);
			return -1;
		}
		switch (account_login_gate(policy, u->failed, u->last_failed_at, u->locked_until, now,
					   &wait)) {
		case LOGIN_LOCKED:
			retry_after(r, wait);
			req_fail(r, 429, "account_locked", NULL,
				 "this account is locked after repeated failed sign-ins; try again in "
				 "%lld minutes or ask an administrator to unlock it",
				 (long long)((wait + 59999) / 60000));
			return -1;
		case LOGIN_WAIT:
			retry_after(r, wait);
			req_fail(r, 429, "login_throttled", NULL,
				 "too many failed sign-ins; wait %lld seconds before trying again",
				 (long long)((wait + 999) / 1000));
			return -1;
		case LOGIN_ALLOW:
			break;
		}
		account_login_failure(policy, u->failed, u->last_failed_at, u->locked_until, now,
				      &failed, &locked);
		rc = subject_claim(r, u, failed, now, locked);
		if (rc < 0) {
			req_fail_db(r, rc);
			return -1;
		}
		if (rc == 1)
			return 0;
	}
	req_add_header(r, "Retry-After", "1");
	req_fail(r, 429, "login_throttled", NULL, "too many sign-ins at once; try again");
	return -1;
}

/* The answer to a sign-in, built in its transaction: the session's cookie,
 * the account, and the audit entry naming who signed in. */
struct login_answer {
	struct req *r;
	const struct user *u;
	int64_t now;
	const char *token, *csrf;
};

static int answer_login(struct ops_ctx *x, void *arg)
{
	struct login_answer *a = arg;
	struct req *r = a->r;
	const struct vigil_config *cfg = &r->v->cfg;
	char cookie[200];

	r->who.signed_in = true;
	r->who.user_id = a->u->id;
	snprintf(r->who.username, sizeof r->who.username, "%s", a->u->username);
	snprintf(r->who.agency, sizeof r->who.agency, "%s", a->u->agency_code);
	auth_cookie(cookie, sizeof cookie, a->token, cfg->session_max_ms / 1000, cfg->https);
	req_add_header(r, "Set-Cookie", cookie);
	return api_answer(x, r, 200,
			  json_pack("{s:o, s:s, s:o, s:o, s:I}", "user", api_user_json(a->u),
				    "csrf_token", a->csrf, "permissions", permissions_json(a->u->role),
				    "session_expires_at", req_time_json(a->now + cfg->session_max_ms),
				    "idle_timeout_s", (json_int_t)(cfg->session_idle_ms / 1000)));
}

void api_login(struct req *r)
{
	static const char *const fields[] = { "username", "password", NULL };
	const struct vigil_config *cfg = &r->v->cfg;
	const struct login_policy policy = {
		.max_failures = cfg->login_max_failures,
		.backoff_ms = cfg->login_backoff_ms,
		.lockout_ms = cfg->login_lockout_ms,
		.window_ms = cfg->login_lockout_ms,
	};
	char token[SECRET_TOKEN_LEN], csrf[SECRET_TOKEN_LEN];
	const char *username, *password;
	int64_t now = clock_now_ms(), wait;
	struct user u;
	struct login_answer ans = { r, &u, now, token, csrf };
	struct ops_ctx x;
	int rc;

	if (req_body_required(r) < 0 || req_body_only(r, fields) < 0 ||
	    req_body_str(r, "username", true, 64, &username) < 0 ||
	    req_body_str(r, "password", true, ACCOUNT_PASSWORD_MAX, &password) < 0)
		return;
	req_audit_object(r, "user:%s", username);

	/* The address's claim is given back unless a password is found wrong. */
	wait = throttle_claim(r->v->throttle, r->client_addr, now);
	if (wait > 0) {
		retry_after(r, wait);
		req_fail(r, 429, "too_many_attempts", NULL,
			 "many failed sign-ins from this address: one attempt every few seconds; "
			 "try again in %lld seconds",
			 (long long)((wait + 999) / 1000));
		return;
	}
	rc = user_get_by_name(r->db, username, &u);
	if (rc < 0) {
		throttle_refund(r->v->throttle, r->client_addr);
		req_fail_db(r, rc);
		return;
	}
	if (rc == 0 || u.service) {
		/* a name that is no account (or a service account, which never
		 * signs in): counted, slowed and locked exactly as an account's
		 * wrong password is, and answered the same, in the same time */
		struct login_subject name = { NULL, "", 0, 0, 0 };
		char folded[65];
		size_t i;

		for (i = 0; username[i] && i < sizeof folded - 1; i++)
			folded[i] = (char)((username[i] >= 'A' && username[i] <= 'Z') ? username[i] + 32
										 : username[i]);
		folded[i] = '\0';
		secret_digest(folded, name.key);
		if (claim_attempt(r, &policy, &name) < 0) {
			throttle_refund(r->v->throttle, r->client_addr);
			return;
		}
		secret_password_dummy_verify(password);
		bad_credentials(r);
		return;
	}
	{
		struct login_subject acct = { &u, "", 0, 0, 0 };

		if (claim_attempt(r, &policy, &acct) < 0) {
			throttle_refund(r->v->throttle, r->client_addr);
			return;
		}
	}
	if (!secret_password_verify(u.password_hash, password)) {
		/* the claim stands as the failure; the wait before the next attempt
		 * counts from now, when the check ended, not from its start */
		if (user_login_failed_at(r->db, u.id, clock_now_ms()) < 0) {
			/* a failure not recorded would not count against the guesser */
			req_fail_db(r, DB_ERROR);
			return;
		}
		bad_credentials(r);
		return;
	}
	throttle_refund(r->v->throttle, r->client_addr);
	if (u.disabled) {
		/* the right password is not a guess: give the claim back, so the
		 * account signs in at once when it is enabled again */
		if (user_login_succeeded(r->db, u.id) < 0)
			log_error("sign-in of a disabled account: its claim not given back: %s",
				  db_errmsg(r->db));
		req_fail(r, 401, "account_disabled", NULL,
			 "this account has been disabled; ask an administrator");
		return;
	}

	api_ops_answer(r, &x, 200, answer_login, &ans);
	api_ops_end(r, &x,
		    ops_session_open(&x, u.id, r->client_addr, now + cfg->session_max_ms, token, csrf));
	secret_wipe(token, sizeof token);
	secret_wipe(csrf, sizeof csrf);
}

void api_logout(struct req *r)
{
	char cookie[200];
	struct ops_ctx x;

	if (r->who.via_token) {
		req_fail(r, 400, "bad_request", NULL,
			 "signing out ends a browser session; to stop a token, revoke it");
		return;
	}
	api_ops_begin(r, &x, 200);
	if (api_ops_end(r, &x, ops_session_close(&x, r->who.session_digest)) < 0)
		return;
	auth_cookie(cookie, sizeof cookie, NULL, 0, r->v->cfg.https);
	req_add_header(r, "Set-Cookie", cookie);
	req_reply(r, 200, json_pack("{s:b}", "signed_out", 1));
}

void api_me(struct req *r)
{
	struct user u;
	json_t *out;
	int rc;

	rc = user_get_by_id(r->db, r->who.user_id, &u);
	if (rc <= 0) {
		req_fail_db(r, rc);
		return;
	}
	out = json_pack("{s:o, s:o, s:s, s:{s:s?, s:s?, s:b}}", "user", api_user_json(&u),
			"permissions", permissions_json(u.role), "auth",
			r->who.via_token ? "token" : "session", "ui", "map_tiles", r->v->cfg.map_tiles,
			"map_attribution", r->v->cfg.map_attribution, "geocoder",
			r->v->cfg.geocoder != NULL);
	if (!r->who.via_token) {
		json_object_set_new(out, "csrf_token", json_string(r->who.csrf));
		json_object_set_new(out, "session_expires_at",
				    req_time_json(r->who.session_expires_at));
		json_object_set_new(out, "idle_timeout_s",
				    json_integer(r->v->cfg.session_idle_ms / 1000));
	}
	req_reply(r, 200, out);
}
