/*
 * backend — what an engine implements for db.c.  Private to src/db/.
 */
#ifndef VIGIL_DB_BACKEND_H
#define VIGIL_DB_BACKEND_H

#include "db/db.h"

struct db_backend {
	const char *name;
	int (*open)(db **out, const char *url, char *err, size_t errlen);
	void (*close)(db *d);
	const char *(*errmsg)(db *d);
	int (*exec)(db *d, const char *sql);
	int (*begin_read)(db *d);
	int (*begin_write)(db *d);
	int (*lock_chain)(db *d, const char *chain);
	int (*prepare)(db *d, db_stmt **out, const char *sql);
	int (*bind_int64)(db_stmt *s, int idx, int64_t v);
	int (*bind_text)(db_stmt *s, int idx, const char *v);
	int (*bind_null)(db_stmt *s, int idx);
	int (*bind_double)(db_stmt *s, int idx, double v);
	double (*column_double)(db_stmt *s, int col);
	int (*step)(db_stmt *s);
	int (*reset)(db_stmt *s);
	int (*column_is_null)(db_stmt *s, int col);
	int64_t (*column_int64)(db_stmt *s, int col);
	const char *(*column_text)(db_stmt *s, int col);
	void (*finalize)(db_stmt *s);
	int64_t (*changes)(db_stmt *s);
	int (*column_count)(db_stmt *s);
	const char *(*column_name)(db_stmt *s, int col);
	int (*column_type)(db_stmt *s, int col);
	int (*identity_sync)(db *d, const char *table);
	/* db_set_writer() (NULL: writers do not exclude each other) */
	void (*set_writer)(db *d, enum db_writer w);
	/* db_scrub_on() and db_compact() (NULL: nothing to do, or nothing the
	 * engine can do from a connection) */
	int (*scrub_on)(db *d);
	int (*compact)(db *d);
	/* Is the connection still usable (NULL: always)?  db_heal() (NULL:
	 * nothing to heal), db_set_name() and db_session_id() (NULL: nothing). */
	bool (*alive)(db *d);
	int (*heal)(db *d);
	void (*set_name)(db *d, const char *name);
	int64_t (*session_id)(db *d);
	/* Several nodes on one database (db.h); NULL listen and notice_wait on
	 * an engine that one node owns, NULL lease calls where one node always
	 * leads. */
	bool multinode;
	int (*lease_hold)(db *d, struct db_lease *l, const char *sessions);
	int (*lease_release)(db *d, struct db_lease *l);
	int (*lease_check)(db *d, const char *role, int64_t epoch);
	int (*notify)(db *d, const char *channel, const char *payload);
	int (*listen)(db *d, const char *channel);
	int (*notice_wait)(db *d, int timeout_ms, char *channel, size_t chlen, char *payload,
			   size_t paylen);
	/* Rewrite portable DDL tokens ({ID}, {BLOB}) for this engine. */
	const char *id_column;
	/* A query listing the database's own tables, one name per row. */
	const char *list_tables_sql;
};

/* Every connection and statement starts with a pointer to its backend. */
struct db_common {
	const struct db_backend *be;
};

/* A connection's start: its backend, and what db_set_keys() and
 * db_set_note() keep. */
struct db_conn_common {
	const struct db_backend *be;
	crypt_keys *keys;
	char note[320];
};

extern const struct db_backend db_sqlite_backend;
extern const struct db_backend db_pgsql_backend;

void db_count_error(void);
void db_count_reconnect(void);

#endif
