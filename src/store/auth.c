/*
 * store/auth — SQL for sessions and API tokens.
 */
#include "store/auth.h"

#include <stdio.h>
#include <string.h>

#include "base/clock.h"
#include "store/each.h"

int session_create(db *d, int64_t user_id, const char *client_addr, int64_t expires_at,
		   char token[SECRET_TOKEN_LEN], char csrf[SECRET_TOKEN_LEN])
{
	char digest[SECRET_DIGEST_LEN];
	int64_t now = clock_now_ms();

	secret_token(token);
	secret_token(csrf);
	secret_digest(token, digest);
	return db_run(d,
		      "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at,"
		      " last_seen_at, expires_at, client_addr) VALUES (?, ?, ?, ?, ?, ?, ?)",
		      "titiiit", digest, user_id, csrf, now, now, expires_at, client_addr);
}

int session_get(db *d, const char *token, struct session *out)
{
	char digest[SECRET_DIGEST_LEN];

	secret_digest(token, digest);
	return session_get_by_digest(d, digest, out);
}

static void session_row(db_stmt *s, void *out)
{
	struct session *se = out;

	se->user_id = db_column_int64(s, 0);
	snprintf(se->csrf, sizeof se->csrf, "%s", db_column_text(s, 1));
	se->created_at = db_column_int64(s, 2);
	se->last_seen_at = db_column_int64(s, 3);
	se->expires_at = db_column_int64(s, 4);
}

int session_get_by_digest(db *d, const char *digest, struct session *out)
{
	snprintf(out->digest, sizeof out->digest, "%s", digest);
	return db_one(d, session_row, out,
		      "SELECT user_id, csrf_token, created_at, last_seen_at, expires_at"
		      " FROM sessions WHERE token_hash = ?",
		      "t", out->digest);
}

int session_touch(db *d, const char *digest, int64_t at)
{
	return db_run(d, "UPDATE sessions SET last_seen_at = ? WHERE token_hash = ?", "it", at,
		      digest);
}

int session_delete(db *d, const char *digest)
{
	return db_run(d, "DELETE FROM sessions WHERE token_hash = ?", "t", digest);
}

int session_purge(db *d, int64_t now, int64_t idle_cutoff)
{
	return db_run(d, "DELETE FROM sessions WHERE expires_at <= ? OR last_seen_at < ?", "ii",
		      now, idle_cutoff);
}

const char *token_scope_name(enum token_scope s)
{
	return s == TOKEN_SCOPE_METRICS ? "metrics" : "api";
}

int token_scope_parse(const char *name, enum token_scope *out)
{
	if (strcmp(name, "api") == 0)
		*out = TOKEN_SCOPE_API;
	else if (strcmp(name, "metrics") == 0)
		*out = TOKEN_SCOPE_METRICS;
	else
		return -1;
	return 0;
}

int64_t token_create(db *d, const char *name, int64_t user_id, enum token_scope scope,
		     int64_t created_by, int64_t expires_at, char clear[SECRET_TOKEN_LEN + 4])
{
	char raw[SECRET_TOKEN_LEN], digest[SECRET_DIGEST_LEN], prefix[12];
	int64_t id;
	int rc;

	secret_token(raw);
	snprintf(clear, SECRET_TOKEN_LEN + 4, "vgl_%s", raw);
	secret_wipe(raw, sizeof raw);
	secret_digest(clear, digest);
	snprintf(prefix, sizeof prefix, "%.8s", clear);
	rc = db_get_int64(d, &id,
			  "INSERT INTO api_tokens (name, token_hash, prefix, user_id, scope,"
			  " created_by, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
			  " RETURNING id",
			  "tttitiiI", name, digest, prefix, user_id, token_scope_name(scope), created_by,
			  clock_now_ms(), expires_at);
	return rc < 0 ? rc : id;
}

#define TOKEN_COLS                                                                       \
	"t.id, t.name, t.prefix, t.user_id, u.username, t.scope, t.created_at, t.expires_at," \
	" t.last_used_at, t.revoked_at, u.agency_id,"                                        \
	" (SELECT COUNT(*) FROM api_token_devices td WHERE td.token_id = t.id)"              \
	" FROM api_tokens t JOIN users u ON u.id = t.user_id"

static void token_row(db_stmt *s, void *out)
{
	struct api_token *t = out;

	t->id = db_column_int64(s, 0);
	snprintf(t->name, sizeof t->name, "%s", db_column_text(s, 1));
	snprintf(t->prefix, sizeof t->prefix, "%s", db_column_text(s, 2));
	t->user_id = db_column_int64(s, 3);
	snprintf(t->username, sizeof t->username, "%s", db_column_text(s, 4));
	if (token_scope_parse(db_column_text(s, 5), &t->scope) < 0)
		t->scope = TOKEN_SCOPE_METRICS; /* least privilege for anything unexpected */
	t->created_at = db_column_int64(s, 6);
	t->expires_at = db_column_int64(s, 7);
	t->last_used_at = db_column_int64(s, 8);
	t->revoked_at = db_column_int64(s, 9);
	t->agency_id = db_column_int64(s, 10);
	t->devices = db_column_int64(s, 11);
}


int token_get(db *d, const char *clear, struct api_token *out)
{
	char digest[SECRET_DIGEST_LEN];

	secret_digest(clear, digest);
	return db_one(d, token_row, out, "SELECT " TOKEN_COLS " WHERE t.token_hash = ?", "t",
		      digest);
}

int token_get_by_id(db *d, int64_t id, struct api_token *out)
{
	return db_one(d, token_row, out, "SELECT " TOKEN_COLS " WHERE t.id = ?", "i", id);
}

STORE_EACH(token_each, struct api_token, token_row);

int token_each(db *d, int64_t agency_id, int (*fn)(const struct api_token *t, void *arg),
	       void *arg)
{
	struct token_each e = { fn, arg, 0 };

	return db_each(d, token_each_row, &e,
		       "SELECT " TOKEN_COLS " WHERE (? = 0 OR u.agency_id = ?) ORDER BY t.id", "ii",
		       agency_id, agency_id);
}

int token_revoke(db *d, int64_t id)
{
	int rc = db_write(d, "UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
			  "ii", clock_now_ms(), id);

	return rc < 0 ? rc : rc > 0;
}

int token_touch(db *d, int64_t id, int64_t at)
{
	return db_run(d, "UPDATE api_tokens SET last_used_at = ? WHERE id = ?", "ii", at, id);
}

int token_device_add(db *d, int64_t token_id, int64_t device_id)
{
	return db_run(d, "INSERT INTO api_token_devices (token_id, device_id) VALUES (?, ?)", "ii",
		      token_id, device_id);
}

struct uid_each {
	int (*fn)(const char *uid, void *arg);
	void *arg;
};

static int uid_each_row(db_stmt *s, void *arg)
{
	struct uid_each *e = arg;

	return e->fn(db_column_text(s, 0), e->arg);
}

int token_device_each(db *d, int64_t token_id, int (*fn)(const char *uid, void *arg), void *arg)
{
	struct uid_each e = { fn, arg };

	return db_each(d, uid_each_row, &e,
		       "SELECT dv.uid FROM api_token_devices td JOIN devices dv ON dv.id = td.device_id"
		       " WHERE td.token_id = ? ORDER BY dv.uid",
		       "i", token_id);
}
