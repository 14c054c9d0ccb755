/*
 * sqlite — the embedded engine.  WAL journal (readers never block the writer),
 * a busy timeout, foreign keys on, and BEGIN IMMEDIATE for write transactions
 * so that two writers queue on the lock instead of failing on an upgrade.
 *
 * Each connection keeps its most recently finalised statements, reset, and
 * hands one back when the same SQL is prepared again: parsing and planning a
 * statement costs more than running most of ours (a device looked up by uid
 * for every fix an OsmAnd phone sends spent two thirds of its time in the
 * parser).  A statement in use is never in the cache, so a caller that
 * prepares the same SQL twice at once gets two statements.
 *
 * Writers marked with db_set_writer() pass a gate in this process before
 * BEGIN IMMEDIATE, or before a write statement run outside a transaction,
 * and leave it when that transaction ends (see db.h).
 */
#include "db/backend.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/mem.h"

/* statements kept per connection, idle and reset */
#define STMT_CACHE 48

struct cached {
	sqlite3_stmt *st; /* NULL: a free slot */
	uint64_t hash;    /* of its SQL */
	uint64_t used;    /* when last put back: the oldest is dropped first */
};

struct db {
	struct db_conn_common c;
	sqlite3 *h;
	enum db_writer writer;
	bool in_gate; /* holds the gate: in a write transaction */
	struct cached cache[STMT_CACHE];
	uint64_t tick;
};

struct db_stmt {
	struct db_common c;
	struct db *d;
	sqlite3_stmt *st;
	uint64_t hash;
	int64_t changes;
};

/* FNV-1a: SQL texts are short, and a hit is confirmed by comparing them */
static uint64_t sql_hash(const char *sql)
{
	uint64_t h = 14695981039346656037ULL;

	for (const unsigned char *p = (const unsigned char *)sql; *p; p++)
		h = (h ^ *p) * 1099511628211ULL;
	return h;
}

/* An idle statement for sql, taken out of the cache; NULL if none. */
static sqlite3_stmt *cache_take(struct db *d, const char *sql, uint64_t hash)
{
	for (int i = 0; i < STMT_CACHE; i++) {
		struct cached *c = &d->cache[i];

		if (c->st && c->hash == hash && !strcmp(sqlite3_sql(c->st), sql)) {
			sqlite3_stmt *st = c->st;

			c->st = NULL;
			return st;
		}
	}
	return NULL;
}

/* Keep a finished statement for next time, reset and unbound, in a free
 * slot or in place of the least recently used. */
static void cache_put(struct db *d, sqlite3_stmt *st, uint64_t hash)
{
	struct cached *slot = &d->cache[0];

	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	for (int i = 0; i < STMT_CACHE; i++) {
		struct cached *c = &d->cache[i];

		if (!c->st) {
			slot = c;
			break;
		}
		if (c->used < slot->used)
			slot = c;
	}
	if (slot->st)
		sqlite3_finalize(slot->st);
	*slot = (struct cached){ .st = st, .hash = hash, .used = ++d->tick };
}

static void cache_clear(struct db *d)
{
	for (int i = 0; i < STMT_CACHE; i++) {
		sqlite3_finalize(d->cache[i].st);
		d->cache[i].st = NULL;
	}
}

static int map_rc(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_OK:
		return DB_OK;
	case SQLITE_ROW:
		return DB_ROW;
	case SQLITE_DONE:
		return DB_DONE;
	case SQLITE_CONSTRAINT:
		db_count_error();
		return DB_CONSTRAINT;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		db_count_error();
		return DB_BUSY;
	default:
		db_count_error();
		return DB_ERROR;
	}
}

/* Wait for a lock in short steps, for up to 10 s.  SQLite's own busy
 * timeout sleeps longer and longer (100 ms a try after the first few), so a
 * writer that commits back to back (the ingest committer) could keep another
 * (the engine raising an alert) waiting for a second. */
static int busy_wait(void *arg, int tries)
{
	(void)arg;
	if (tries >= 50000)
		return 0;
	nanosleep(&(struct timespec){ 0, 200000 }, NULL);
	return 1;
}

/* The write gate: one marked writer at a time; urgent ones first. */
static struct {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool held;
	int urgent_waiting;
} gate = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, false, 0 };

static void gate_enter(struct db *d)
{
	bool urgent = d->writer == DB_WRITER_URGENT;

	pthread_mutex_lock(&gate.mu);
	if (urgent)
		gate.urgent_waiting++;
	while (gate.held || (!urgent && gate.urgent_waiting > 0))
		pthread_cond_wait(&gate.cv, &gate.mu);
	if (urgent)
		gate.urgent_waiting--;
	gate.held = true;
	pthread_mutex_unlock(&gate.mu);
	d->in_gate = true;
}

/* Leave the gate once the connection's transaction has ended. */
static void gate_leave_if_done(struct db *d)
{
	if (!d->in_gate || !sqlite3_get_autocommit(d->h))
		return;
	d->in_gate = false;
	pthread_mutex_lock(&gate.mu);
	gate.held = false;
	pthread_cond_broadcast(&gate.cv);
	pthread_mutex_unlock(&gate.mu);
}

static void sq_set_writer(db *d, enum db_writer w)
{
	d->writer = w;
	/* The commit that finds the log past SQLite's threshold checkpoints it
	 * there and then, syncing the database file: tens of milliseconds or
	 * more.  An urgent writer leaves that to the others (the committer
	 * commits far more often, and the pool's connections as well). */
	sqlite3_wal_autocheckpoint(d->h, w == DB_WRITER_URGENT ? 0 : 1000);
}

static int sq_open(db **out, const char *url, char *err, size_t errlen)
{
	struct db *d = xcalloc(1, sizeof *d);
	const char *path = url;
	int rc;

	if (strncmp(path, "sqlite://", 9) == 0)
		path += 9;
	d->c.be = &db_sqlite_backend;
	rc = sqlite3_open_v2(path, &d->h,
			     SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_URI |
				     SQLITE_OPEN_NOMUTEX,
			     NULL);
	if (rc != SQLITE_OK) {
		snprintf(err, errlen, "cannot open SQLite database %s: %s", path,
			 d->h ? sqlite3_errmsg(d->h) : sqlite3_errstr(rc));
		goto fail;
	}
	sqlite3_busy_handler(d->h, busy_wait, NULL);
	sqlite3_extended_result_codes(d->h, 1);
	if (sqlite3_exec(d->h, "PRAGMA journal_mode=WAL", NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_exec(d->h, "PRAGMA foreign_keys=ON", NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_exec(d->h, "PRAGMA synchronous=NORMAL", NULL, NULL, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "cannot configure SQLite database %s: %s", path,
			 sqlite3_errmsg(d->h));
		goto fail;
	}
	*out = d;
	return DB_OK;
fail:
	sqlite3_close(d->h);
	free(d);
	return DB_ERROR;
}

static void sq_close(db *d)
{
	if (d->in_gate) {
		sqlite3_exec(d->h, "ROLLBACK", NULL, NULL, NULL);
		gate_leave_if_done(d);
	}
	cache_clear(d);
	sqlite3_close(d->h);
	free(d);
}

static const char *sq_errmsg(db *d)
{
	return sqlite3_errmsg(d->h);
}

static int sq_exec(db *d, const char *sql)
{
	int rc = map_rc(sqlite3_exec(d->h, sql, NULL, NULL, NULL));

	/* a COMMIT or ROLLBACK (or a BEGIN that failed) lets the next writer in */
	gate_leave_if_done(d);
	return rc;
}

static int sq_scrub_on(db *d)
{
	return sq_exec(d, "PRAGMA secure_delete = ON");
}

/* VACUUM copies the live rows into a new file (nothing freed survives it);
 * the checkpoint then moves the log into the database and empties it, so
 * that no frame keeps a page as it was. */
static int sq_compact(db *d)
{
	int rc = sq_exec(d, "VACUUM");

	if (rc >= 0)
		rc = sq_exec(d, "PRAGMA wal_checkpoint(TRUNCATE)");
	return rc;
}

static int sq_begin_read(db *d)
{
	/* deferred: the snapshot is taken at the first read and kept */
	return sq_exec(d, "BEGIN");
}

static int sq_begin_write(db *d)
{
	if (d->writer != DB_WRITER_PLAIN && !d->in_gate)
		gate_enter(d);
	return sq_exec(d, "BEGIN IMMEDIATE");
}

static int sq_lock_chain(db *d, const char *chain)
{
	/* The write transaction's lock already serialises every writer. */
	(void)d;
	(void)chain;
	return DB_OK;
}

/* One node owns a SQLite file: it always leads (no lease calls: db.c grants
 * it), and has no one to tell. */
static int sq_notify(db *d, const char *channel, const char *payload)
{
	(void)d;
	(void)channel;
	(void)payload;
	return DB_OK;
}

static int sq_prepare(db *d, db_stmt **out, const char *sql)
{
	struct db_stmt *s = xcalloc(1, sizeof *s);
	int rc;

	s->c.be = &db_sqlite_backend;
	s->d = d;
	s->hash = sql_hash(sql);
	s->st = cache_take(d, sql, s->hash);
	if (s->st)
		goto out;
	rc = sqlite3_prepare_v2(d->h, sql, -1, &s->st, NULL);
	if (rc != SQLITE_OK) {
		sqlite3_finalize(s->st);
		free(s);
		return map_rc(rc);
	}
	/* a text with more than one statement runs only its first: never
	 * cache one whose SQL would not match itself */
	if (s->st && strcmp(sqlite3_sql(s->st), sql))
		s->hash = 0;
out:
	*out = s;
	return DB_OK;
}

static int sq_bind_int64(db_stmt *s, int idx, int64_t v)
{
	return map_rc(sqlite3_bind_int64(s->st, idx, v));
}

static int sq_bind_text(db_stmt *s, int idx, const char *v)
{
	if (!v)
		return map_rc(sqlite3_bind_null(s->st, idx));
	return map_rc(sqlite3_bind_text(s->st, idx, v, -1, SQLITE_TRANSIENT));
}

static int sq_bind_double(db_stmt *s, int idx, double v)
{
	return map_rc(sqlite3_bind_double(s->st, idx, v));
}

static double sq_column_double(db_stmt *s, int col)
{
	return sqlite3_column_double(s->st, col);
}

static int sq_bind_null(db_stmt *s, int idx)
{
	return map_rc(sqlite3_bind_null(s->st, idx));
}

static int sq_step(db_stmt *s)
{
	struct db *d = s->d;
	int rc;

	/* a write outside a transaction on a marked connection is a
	 * transaction of its own: it passes the gate as well */
	if (d->writer != DB_WRITER_PLAIN && !d->in_gate && sqlite3_get_autocommit(d->h) &&
	    !sqlite3_stmt_readonly(s->st) && !sqlite3_stmt_busy(s->st))
		gate_enter(d);
	rc = map_rc(sqlite3_step(s->st));
	/* such a write is over (or an error rolled a transaction back) */
	if (rc != DB_ROW)
		gate_leave_if_done(d);
	if (rc == DB_DONE)
		s->changes = sqlite3_changes64(d->h);
	return rc;
}

static int sq_reset(db_stmt *s)
{
	sqlite3_reset(s->st);
	gate_leave_if_done(s->d); /* a write outside a transaction left half-read */
	return map_rc(sqlite3_clear_bindings(s->st));
}

static int sq_column_is_null(db_stmt *s, int col)
{
	return sqlite3_column_type(s->st, col) == SQLITE_NULL;
}

static int64_t sq_column_int64(db_stmt *s, int col)
{
	return sqlite3_column_int64(s->st, col);
}

static const char *sq_column_text(db_stmt *s, int col)
{
	return (const char *)sqlite3_column_text(s->st, col);
}

static void sq_finalize(db_stmt *s)
{
	if (s->st && s->hash)
		cache_put(s->d, s->st, s->hash);
	else
		sqlite3_finalize(s->st);
	gate_leave_if_done(s->d); /* a write outside a transaction left half-read */
	free(s);
}

static int64_t sq_changes(db_stmt *s)
{
	return s->changes;
}

static int sq_column_count(db_stmt *s)
{
	return sqlite3_column_count(s->st);
}

static const char *sq_column_name(db_stmt *s, int col)
{
	return sqlite3_column_name(s->st, col);
}

static int sq_column_type(db_stmt *s, int col)
{
	switch (sqlite3_column_type(s->st, col)) {
	case SQLITE_NULL:
		return DB_NULL;
	case SQLITE_INTEGER:
		return DB_INT;
	case SQLITE_FLOAT:
		return DB_REAL;
	default:
		return DB_TEXT;
	}
}

static int sq_identity_sync(db *d, const char *table)
{
	/* INTEGER PRIMARY KEY continues from the largest id by itself */
	(void)d;
	(void)table;
	return DB_OK;
}

const struct db_backend db_sqlite_backend = {
	.name = "sqlite",
	.open = sq_open,
	.close = sq_close,
	.errmsg = sq_errmsg,
	.exec = sq_exec,
	.begin_read = sq_begin_read,
	.begin_write = sq_begin_write,
	.lock_chain = sq_lock_chain,
	.prepare = sq_prepare,
	.bind_int64 = sq_bind_int64,
	.bind_text = sq_bind_text,
	.bind_null = sq_bind_null,
	.bind_double = sq_bind_double,
	.column_double = sq_column_double,
	.step = sq_step,
	.reset = sq_reset,
	.column_is_null = sq_column_is_null,
	.column_int64 = sq_column_int64,
	.column_text = sq_column_text,
	.finalize = sq_finalize,
	.changes = sq_changes,
	.column_count = sq_column_count,
	.column_name = sq_column_name,
	.column_type = sq_column_type,
	.identity_sync = sq_identity_sync,
	.set_writer = sq_set_writer,
	.scrub_on = sq_scrub_on,
	.compact = sq_compact,
	.multinode = false,
	.notify = sq_notify,
	.id_column = "INTEGER PRIMARY KEY",
	.list_tables_sql = "SELECT name FROM sqlite_master WHERE type = 'table'"
			   " AND name NOT LIKE 'sqlite_%' ORDER BY name",
};
