/*
 * migrate — numbered schema migrations, applied in order, each in its own
 * transaction and recorded in schema_version.  A migration is never edited
 * once released: a change to the schema is a new migration at the end.
 *
 * The SQL is written for both engines.  Two tokens are rewritten per engine:
 * {ID} becomes the engine's auto-numbered primary key column type.  Times are
 * BIGINT milliseconds since the epoch; booleans are INTEGER 0/1.
 */
#include "db/backend.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/mem.h"

struct migration {
	int version;
	const char *name;
	const char *sql;
};

static const struct migration migrations[] = {
	{ 1, "accounts, sessions, tokens and the audit trail",
	  "CREATE TABLE agencies ("
	  " id {ID},"
	  " code TEXT NOT NULL UNIQUE,"
	  " name TEXT NOT NULL,"
	  " kind TEXT NOT NULL CHECK (kind IN ('police','nhs','charity','contractor','other')),"
	  " created_at BIGINT NOT NULL);"
	  "CREATE TABLE users ("
	  " id {ID},"
	  " username TEXT NOT NULL UNIQUE,"
	  " display_name TEXT NOT NULL,"
	  " role TEXT NOT NULL,"
	  " agency_id BIGINT NOT NULL REFERENCES agencies(id),"
	  " password_hash TEXT NOT NULL,"
	  " disabled INTEGER NOT NULL DEFAULT 0,"
	  " failed_logins INTEGER NOT NULL DEFAULT 0,"
	  " last_failed_at BIGINT,"
	  " locked_until BIGINT,"
	  " created_at BIGINT NOT NULL,"
	  " updated_at BIGINT NOT NULL,"
	  " version BIGINT NOT NULL DEFAULT 1);"
	  "CREATE TABLE sessions ("
	  " token_hash TEXT PRIMARY KEY,"
	  " user_id BIGINT NOT NULL REFERENCES users(id),"
	  " csrf_token TEXT NOT NULL,"
	  " created_at BIGINT NOT NULL,"
	  " last_seen_at BIGINT NOT NULL,"
	  " expires_at BIGINT NOT NULL,"
	  " client_addr TEXT);"
	  "CREATE INDEX sessions_user ON sessions(user_id);"
	  "CREATE TABLE api_tokens ("
	  " id {ID},"
	  " name TEXT NOT NULL,"
	  " token_hash TEXT NOT NULL UNIQUE,"
	  " prefix TEXT NOT NULL,"
	  " user_id BIGINT NOT NULL REFERENCES users(id),"
	  " scope TEXT NOT NULL CHECK (scope IN ('api','metrics')),"
	  " created_by BIGINT REFERENCES users(id),"
	  " created_at BIGINT NOT NULL,"
	  " expires_at BIGINT,"
	  " last_used_at BIGINT,"
	  " revoked_at BIGINT);"
	  /* The audit trail: append-only, hash-chained.  id is the position in the
	   * chain, assigned from chain_heads, so a deleted row leaves a gap. */
	  "CREATE TABLE audit_log ("
	  " id BIGINT PRIMARY KEY,"
	  " at BIGINT NOT NULL,"
	  " user_id BIGINT,"
	  " username TEXT,"
	  " agency TEXT,"
	  " action TEXT NOT NULL,"
	  " object TEXT,"
	  " outcome TEXT NOT NULL,"
	  " status INTEGER,"
	  " client_addr TEXT,"
	  " detail TEXT,"
	  " prev_hash TEXT NOT NULL,"
	  " hash TEXT NOT NULL);"
	  "CREATE INDEX audit_log_at ON audit_log(at);"
	  "CREATE INDEX audit_log_user ON audit_log(username);"
	  /* The head of each hash chain, updated in the same transaction as the
	   * append, so that removing the newest rows is detected too. */
	  "CREATE TABLE chain_heads ("
	  " chain TEXT PRIMARY KEY,"
	  " last_id BIGINT NOT NULL,"
	  " hash TEXT NOT NULL);"
	  "CREATE TABLE settings ("
	  " key TEXT PRIMARY KEY,"
	  " value TEXT NOT NULL);" },
};

#define NMIGRATIONS ((int)(sizeof migrations / sizeof migrations[0]))

int db_schema_latest(void)
{
	return migrations[NMIGRATIONS - 1].version;
}

static int ensure_version_table(db *d)
{
	return db_exec(d, "CREATE TABLE IF NOT EXISTS schema_version ("
			  " version INTEGER PRIMARY KEY,"
			  " name TEXT NOT NULL,"
			  " applied_at BIGINT NOT NULL)");
}

int db_schema_version(db *d)
{
	db_stmt *s;
	int v = 0, rc;

	rc = ensure_version_table(d);
	if (rc < 0)
		return rc;
	rc = db_prepare(d, &s, "SELECT MAX(version) FROM schema_version");
	if (rc < 0)
		return rc;
	rc = db_step(s);
	if (rc == DB_ROW && !db_column_is_null(s, 0))
		v = (int)db_column_int64(s, 0);
	db_finalize(s);
	return rc < 0 ? rc : v;
}

/* Replace {ID} with the engine's identity column type. */
static char *render(db *d, const char *sql)
{
	const char *id = ((struct db_common *)d)->be->id_column;
	struct buf b;

	buf_init(&b);
	for (const char *p = sql; *p;) {
		if (strncmp(p, "{ID}", 4) == 0) {
			buf_puts(&b, id);
			p += 4;
		} else {
			buf_append(&b, p++, 1);
		}
	}
	return buf_steal(&b);
}

int db_migrate(db *d, char *err, size_t errlen)
{
	int have, rc;

	have = db_schema_version(d);
	if (have < 0) {
		snprintf(err, errlen, "cannot read schema version: %s", db_errmsg(d));
		return DB_ERROR;
	}
	if (have > db_schema_latest()) {
		snprintf(err, errlen,
			 "the database schema is version %d, newer than this vigil knows (%d): "
			 "it was written by a newer release; run that release or a later one",
			 have, db_schema_latest());
		return DB_ERROR;
	}
	for (int i = 0; i < NMIGRATIONS; i++) {
		const struct migration *m = &migrations[i];
		char *sql;

		if (m->version <= have)
			continue;
		if (db_begin_write(d) < 0) {
			snprintf(err, errlen, "migration %d: cannot begin: %s", m->version,
				 db_errmsg(d));
			return DB_ERROR;
		}
		/* Another process may have migrated while we waited for the lock. */
		rc = db_lock_chain(d, "schema_version");
		if (rc >= 0)
			rc = db_schema_version(d);
		if (rc >= m->version) {
			db_rollback(d);
			continue;
		}
		sql = render(d, m->sql);
		rc = db_exec(d, sql);
		free(sql);
		if (rc >= 0)
			rc = db_run(d, "INSERT INTO schema_version (version, name, applied_at) "
				       "VALUES (?, ?, ?)",
				    "iti", (int64_t)m->version, m->name, clock_now_ms());
		if (rc < 0) {
			snprintf(err, errlen, "migration %d (%s) failed: %s", m->version, m->name,
				 db_errmsg(d));
			db_rollback(d);
			return DB_ERROR;
		}
		if (db_commit(d) < 0) {
			snprintf(err, errlen, "migration %d: commit failed: %s", m->version,
				 db_errmsg(d));
			db_rollback(d);
			return DB_ERROR;
		}
	}
	return DB_OK;
}
