/*
 * store/auth — SQL for sessions and API tokens.
 */
#include "store/auth.h"

#include <stdio.h>
#include <string.h>

#include "base/clock.h"

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

int session_get_by_digest(db *d, const char *digest, struct session *out)
{
	db_stmt *s;
	int rc;

	snprintf(out->digest, sizeof out->digest, "%s", digest);
	rc = db_prepare(d, &s,
			"SELECT user_id, csrf_token, created_at, last_seen_at, expires_at"
			" FROM sessions WHERE token_hash = ?");
	if (rc < 0)
		return rc;
	db_bind_text(s, 1, out->digest);
	rc = db_step(s);
	if (rc == DB_ROW) {
		out->user_id = db_column_int64(s, 0);
		snprintf(out->csrf, sizeof out->csrf, "%s", db_column_text(s, 1));
		out->created_at = db_column_int64(s, 2);
		out->last_seen_at = db_column_int64(s, 3);
		out->expires_at = db_column_int64(s, 4);
	}
	db_finalize(s);
	return rc < 0 ? rc : rc == DB_ROW;
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
	int64_t id = 0;
	db_stmt *s;
	int rc;

	secret_token(raw);
	snprintf(clear, SECRET_TOKEN_LEN + 4, "vgl_%s", raw);
	secret_wipe(raw, sizeof raw);
	secret_digest(clear, digest);
	snprintf(prefix, sizeof prefix, "%.8s", clear);
	rc = db_prepare(d, &s,
			"INSERT INTO api_tokens (name, token_hash, prefix, user_id, scope,"
			" created_by, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
			" RETURNING id");
	if (rc < 0)
		return rc;
	db_bind_text(s, 1, name);
	db_bind_text(s, 2, digest);
	db_bind_text(s, 3, prefix);
	db_bind_int64(s, 4, user_id);
	db_bind_text(s, 5, token_scope_name(scope));
	db_bind_int64(s, 6, created_by);
	db_bind_int64(s, 7, clock_now_ms());
	if (expires_at)
		db_bind_int64(s, 8, expires_at);
	else
		db_bind_null(s, 8);
	rc = db_step(s);
	if (rc == DB_ROW)
		id = db_column_int64(s, 0);
	db_finalize(s);
	return rc < 0 ? rc : id;
}

#define TOKEN_COLS                                                                       \
	"t.id, t.name, t.prefix, t.user_id, u.username, t.scope, t.created_at, t.expires_at," \
	" t.last_used_at, t.revoked_at, u.agency_id,"                                        \
	" (SELECT COUNT(*) FROM api_token_devices td WHERE td.token_id = t.id)"              \
	" FROM api_tokens t JOIN users u ON u.id = t.user_id"

static void token_row(db_stmt *s, struct api_token *t)
{
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

static int token_get_one(db *d, const char *sql, const char *text, int64_t id,
			 struct api_token *out)
{
	db_stmt *s;
	int rc;

	rc = db_prepare(d, &s, sql);
	if (rc < 0)
		return rc;
	if (text)
		db_bind_text(s, 1, text);
	else
		db_bind_int64(s, 1, id);
	rc = db_step(s);
	if (rc == DB_ROW)
		token_row(s, out);
	db_finalize(s);
	return rc < 0 ? rc : rc == DB_ROW;
}

int token_get(db *d, const char *clear, struct api_token *out)
{
	char digest[SECRET_DIGEST_LEN];

	secret_digest(clear, digest);
	return token_get_one(d, "SELECT " TOKEN_COLS " WHERE t.token_hash = ?", digest, 0, out);
}

int token_get_by_id(db *d, int64_t id, struct api_token *out)
{
	return token_get_one(d, "SELECT " TOKEN_COLS " WHERE t.id = ?", NULL, id, out);
}

int token_each(db *d, int64_t agency_id, int (*fn)(const struct api_token *t, void *arg),
	       void *arg)
{
	struct api_token t;
	db_stmt *s;
	int rc;

	rc = db_prepare(d, &s, "SELECT " TOKEN_COLS " WHERE (? = 0 OR u.agency_id = ?) ORDER BY t.id");
	if (rc < 0)
		return rc;
	db_bind_int64(s, 1, agency_id);
	db_bind_int64(s, 2, agency_id);
	while ((rc = db_step(s)) == DB_ROW) {
		token_row(s, &t);
		if (fn(&t, arg))
			break;
	}
	db_finalize(s);
	return rc < 0 ? rc : 0;
}

int token_revoke(db *d, int64_t id)
{
	db_stmt *s;
	int64_t n = 0;
	int rc;

	rc = db_prepare(d, &s,
			"UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL");
	if (rc < 0)
		return rc;
	db_bind_int64(s, 1, clock_now_ms());
	db_bind_int64(s, 2, id);
	rc = db_step(s);
	if (rc == DB_DONE)
		n = db_changes(s);
	db_finalize(s);
	return rc < 0 ? rc : n > 0;
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

int token_device_each(db *d, int64_t token_id, int (*fn)(const char *uid, void *arg), void *arg)
{
	db_stmt *s;
	int rc;

	rc = db_prepare(d, &s,
			"SELECT dv.uid FROM api_token_devices td JOIN devices dv ON dv.id = td.device_id"
			" WHERE td.token_id = ? ORDER BY dv.uid");
	if (rc < 0)
		return rc;
	db_bind_int64(s, 1, token_id);
	while ((rc = db_step(s)) == DB_ROW)
		if (fn(db_column_text(s, 0), arg))
			break;
	db_finalize(s);
	return rc < 0 ? rc : 0;
}
