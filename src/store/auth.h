/*
 * store/auth — browser sessions and API tokens.
 *
 * Only digests of session ids and tokens are stored (secret_digest()); the
 * clear values exist in the client and, briefly, in the request being served.
 */
#ifndef VIGIL_STORE_AUTH_H
#define VIGIL_STORE_AUTH_H

#include <stdbool.h>
#include <stdint.h>

#include "base/secret.h"
#include "db/db.h"

struct session {
	char digest[SECRET_DIGEST_LEN];
	int64_t user_id;
	char csrf[SECRET_TOKEN_LEN];
	int64_t created_at;
	int64_t last_seen_at;
	int64_t expires_at; /* absolute end, whatever the activity */
};

/* Create a session for user_id; writes the clear session id and CSRF token
 * into token and csrf.  expires_at is the absolute end. */
int session_create(db *d, int64_t user_id, const char *client_addr, int64_t expires_at,
		   char token[SECRET_TOKEN_LEN], char csrf[SECRET_TOKEN_LEN]) DB_CHECKED;
/* Find by clear session id: 1 found, 0 not, negative on error. */
int session_get(db *d, const char *token, struct session *out) DB_CHECKED;
/* The same by the stored digest (a live stream checking its session again). */
int session_get_by_digest(db *d, const char *digest, struct session *out) DB_CHECKED;
int session_touch(db *d, const char *digest, int64_t at) DB_CHECKED;
int session_delete(db *d, const char *digest) DB_CHECKED;
/* Remove sessions idle since before idle_cutoff or past their absolute end. */
int session_purge(db *d, int64_t now, int64_t idle_cutoff) DB_CHECKED;

enum token_scope { TOKEN_SCOPE_API, TOKEN_SCOPE_METRICS };

struct api_token {
	int64_t id;
	char name[101];
	char prefix[12];
	int64_t user_id;
	char username[65];
	enum token_scope scope;
	int64_t created_at;
	int64_t expires_at;   /* 0: never */
	int64_t last_used_at; /* 0: never */
	int64_t revoked_at;   /* 0: live */
	int64_t agency_id;    /* its user's agency */
	int64_t devices;      /* how many devices it is bound to (0: not bound) */
};

const char *token_scope_name(enum token_scope s);
int token_scope_parse(const char *name, enum token_scope *out) DB_CHECKED;
/* Create a token; writes the clear token ("vgl_" + 43 characters) into
 * clear, shown to its creator once.  Returns the new id or negative. */
int64_t token_create(db *d, const char *name, int64_t user_id, enum token_scope scope,
		     int64_t created_by, int64_t expires_at, char clear[SECRET_TOKEN_LEN + 4]) DB_CHECKED;
/* Look up by clear token: 1 found (live or not: check revoked/expired), 0 not. */
int token_get(db *d, const char *clear, struct api_token *out) DB_CHECKED;
int token_get_by_id(db *d, int64_t id, struct api_token *out) DB_CHECKED;
/* Tokens of the users of agency_id (every agency when 0), oldest first. */
int token_each(db *d, int64_t agency_id, int (*fn)(const struct api_token *t, void *arg),
	       void *arg) DB_CHECKED;
/* Bind a token to a device: it then posts fixes for and reads only the
 * devices it is bound to. */
int token_device_add(db *d, int64_t token_id, int64_t device_id) DB_CHECKED;
int token_device_each(db *d, int64_t token_id, int (*fn)(const char *uid, void *arg),
		      void *arg) DB_CHECKED;
/* 1 revoked now, 0 no such live token. */
int token_revoke(db *d, int64_t id) DB_CHECKED;
int token_touch(db *d, int64_t id, int64_t at) DB_CHECKED;

#endif
