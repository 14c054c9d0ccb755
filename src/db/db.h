/*
 * db — the database layer: the only code that talks to a database engine.
 *
 * One interface over two engines (SQLite now, PostgreSQL behind the same
 * calls): connections come from a pool, statements are prepared with `?`
 * placeholders and bound parameters only, and never built from input.  SQL
 * text handed to this module must be accepted by both engines; where they
 * differ (placeholders, identity columns, write locking) the difference lives
 * in the backend files, not in callers.
 *
 * Error convention: 0 (or DB_ROW/DB_DONE) on success, a negative DB_E* code on
 * failure; db_errmsg() then describes the failure on that connection.
 */
#ifndef VIGIL_DB_DB_H
#define VIGIL_DB_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

typedef struct db db;                 /* one connection */
typedef struct db_pool db_pool;       /* a fixed set of connections */
typedef struct db_stmt db_stmt;       /* a prepared statement on one connection */
typedef struct crypt_keys crypt_keys; /* base/crypt.h */

/* The failures are the program's error space's (base/err.h). */
enum {
	DB_OK = 0,
	DB_ROW = 1,     /* db_step(): a row is available */
	DB_DONE = 2,    /* db_step(): no more rows */
	DB_ERROR = ERR_DB,  /* any other failure */
	DB_CONSTRAINT = ERR_DB_CONSTRAINT, /* a UNIQUE/CHECK/foreign-key constraint refused the write */
	DB_BUSY = ERR_DB_BUSY,   /* the database stayed locked past the busy timeout */
	DB_GONE = ERR_DB_GONE,   /* the connection to the server is lost (db_heal() below) */
	DB_SEALED = ERR_DB_SEALED, /* not the engine's: a sealed value did not open, or there
				    * is no key to seal with (store/sealed.h); db_note() says which */
};

/*
 * Open a connection.  url is a file path (or "file:" URI) for SQLite, or a
 * "postgres://" / "postgresql://" URL.  On failure returns a negative code and
 * writes a message into err.  Caller closes with db_close().
 */
int db_open(db **out, const char *url, char *err, size_t errlen);
void db_close(db *d);
/* "sqlite" or "postgresql". */
const char *db_engine(const db *d);
const char *db_errmsg(db *d);

/*
 * Encryption at rest (store/sealed.h) happens above this layer, but the data
 * keys travel with the connection, so that every store function that reads
 * or writes a sealed value finds them without a parameter of its own: the
 * keys (not owned; NULL: none, and sealed values neither seal nor open), and
 * a note of the last sealed value that failed, for the caller's log.  A
 * pool's connections all get the pool's keys.
 */
void db_set_keys(db *d, crypt_keys *k);
crypt_keys *db_keys(db *d);
void db_pool_set_keys(db_pool *p, crypt_keys *k);
void db_set_note(db *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
const char *db_note(db *d);

/*
 * Old values on disk.  Sealing a value that was in clear, or re-sealing one
 * with a new key, leaves the old bytes where the engine freed them until
 * they are written over.  db_scrub_on(): from now on this connection's
 * deletes and updates overwrite what they free (SQLite's secure_delete).
 * db_compact(): rewrite the database so that no freed space keeps old
 * content, and empty the write-ahead log (SQLite: VACUUM, then a truncating
 * checkpoint; it waits for other writers).  PostgreSQL keeps old row
 * versions until its own VACUUM FULL, which an administrator runs: both do
 * nothing there.  0 or negative.
 */
int db_scrub_on(db *d);
/* From now on every commit on this connection survives the machine losing
 * power, not only the process crashing (SQLite's synchronous=FULL; the pool's
 * connections have NORMAL, which in WAL mode survives a crash).  PostgreSQL's
 * commit is durable as it is: nothing to do.  0 or negative. */
int db_sync_full(db *d);
int db_compact(db *d);

/* A result the caller must look at: every store/ function's and the
 * database's own (the compiler refuses a call that drops one; (void) says
 * on purpose, with a comment why). */
#define DB_CHECKED __attribute__((warn_unused_result))

/* Run SQL without parameters or results (DDL, fixed statements). */
int db_exec(db *d, const char *sql);

/* Transactions.  db_begin() is a read transaction with one consistent
 * snapshot.  db_begin_write() is for transactions that write: on SQLite it
 * takes the write lock up front (BEGIN IMMEDIATE), so it never fails half-way
 * on a lock upgrade. */
int db_begin(db *d);
int db_begin_write(db *d);
int db_commit(db *d);
int db_rollback(db *d);
/* Serialise appends to one hash chain (e.g. "audit") until the transaction
 * ends.  SQLite's write lock already does; PostgreSQL takes an advisory lock. */
int db_lock_chain(db *d, const char *chain);

/* Statements.  Parameters are numbered from 1, columns from 0. */
int db_prepare(db *d, db_stmt **out, const char *sql);
int db_bind_int64(db_stmt *s, int idx, int64_t v);
int db_bind_text(db_stmt *s, int idx, const char *v); /* NULL binds SQL NULL */
int db_bind_double(db_stmt *s, int idx, double v);
int db_bind_null(db_stmt *s, int idx);
/* Returns DB_ROW, DB_DONE or a negative error. */
int db_step(db_stmt *s);
/* Re-run a statement with new parameters. */
int db_reset(db_stmt *s);
int db_column_is_null(db_stmt *s, int col);
int64_t db_column_int64(db_stmt *s, int col);
double db_column_double(db_stmt *s, int col);
/* Valid until the next db_step/db_reset/db_finalize; NULL for SQL NULL. */
const char *db_column_text(db_stmt *s, int col);
void db_finalize(db_stmt *s);
/* Result columns of a stepped statement: how many, their names, and whether a
 * value is an integer (DB_INT), a real (DB_REAL), text (DB_TEXT) or NULL. */
enum { DB_NULL, DB_INT, DB_TEXT, DB_REAL };
int db_column_count(db_stmt *s);
const char *db_column_name(db_stmt *s, int col);
int db_column_type(db_stmt *s, int col);
/* Rows changed by the last INSERT/UPDATE/DELETE statement stepped. */
int64_t db_changes(db_stmt *s);

/* Convenience for writes that return no rows: prepare, bind the parameters
 * described by fmt ('t' text, 'i' int64, 'd' double, 'n' NULL, which takes no
 * argument), step once and finalize. */
int db_run(db *d, const char *sql, const char *fmt, ...);
/* The same for a question of whether a row exists: 1, 0, or negative (an
 * int64_t parameter must be passed as one: 'i' reads int64_t). */
int db_exists(db *d, const char *sql, const char *fmt, ...) DB_CHECKED;
/* The same for a query of one integer (a count, a maximum, an id): its first
 * row's first column into *out (0 when there is no row or it is NULL).
 * 1 when there was a row, 0 when none, or negative. */
__attribute__((warn_unused_result)) int db_get_int64(db *d, int64_t *out, const char *sql,
						     const char *fmt, ...);

/*
 * The rest of a store function's plumbing, so that what is left in store/ is
 * the SQL and what a row means.  fmt as db_run's, plus 'I': an int64_t that
 * binds SQL NULL when it is 0 (an optional user, time or reference), as
 * db_bind_id() does; and 'N': an int64_t that binds SQL NULL when it is
 * negative (a value where 0 is a real answer: a length, a refusal).
 *
 * db_query(): prepare and bind, for a caller that steps itself; 0, or
 * negative with *out NULL.  db_write(): run a write once and answer how many
 * rows it changed, 0 when none matched (a stale version, a row gone), or
 * negative.  db_one(): the first row read by row() into out; 1, 0 when there
 * is none (out untouched), or negative.  db_each(): fn(s, arg) for every row
 * until fn answers nonzero (the caller has what it wanted: not an error); 0
 * or negative for a database failure.  db_rows(): db_each's loop over a
 * statement the caller prepared and bound itself (a query whose parameters
 * depend on its filters); it finalizes the statement.
 */
typedef void db_row_fn(db_stmt *s, void *out);
typedef int db_each_fn(db_stmt *s, void *arg);
int db_bind_id(db_stmt *s, int idx, int64_t v);
int db_query(db *d, db_stmt **out, const char *sql, const char *fmt, ...) DB_CHECKED;
int db_write(db *d, const char *sql, const char *fmt, ...) DB_CHECKED;
int db_one(db *d, db_row_fn *row, void *out, const char *sql, const char *fmt, ...) DB_CHECKED;
int db_each(db *d, db_each_fn *fn, void *arg, const char *sql, const char *fmt, ...) DB_CHECKED;
int db_rows(db_stmt *s, db_each_fn *fn, void *arg) DB_CHECKED;

/* Pool: n connections to url, named name (db_set_name).  db_pool_acquire
 * blocks until one is free and heals it (db_heal) before handing it out, so a
 * connection the server ended while it sat in the pool is replaced, never
 * handed out dead.  While the server cannot be reached it hands connections
 * out dead (db_alive() false) rather than wait: the caller answers at once
 * that the database is away.  Then only one acquirer in RETRY_MS tries to
 * connect again, and the pool logs when the database went and came back. */
int db_pool_open(db_pool **out, const char *url, int n, const char *name, char *err,
		 size_t errlen);
void db_pool_close(db_pool *p);
db *db_pool_acquire(db_pool *p);
void db_pool_release(db_pool *p, db *d);
/* Count of statement failures across the pool (exported as a metric). */
uint64_t db_error_count(void);

/* After rows were inserted with explicit ids (an import), move the table's id
 * generator past them (PostgreSQL identity columns; nothing on SQLite). */
int db_identity_sync(db *d, const char *table);

/* Every table of the schema, parents before children (the order an import
 * inserts in), NULL-terminated; schema_version is not among them. */
extern const char *const db_tables[];
/* Calls fn with the name of each table the database actually has. */
int db_tables_each(db *d, int (*fn)(const char *table, void *arg), void *arg);

/*
 * Whole tables, for export and import (cli/transfer.c), so that the SQL that
 * names a table stays here: table must be one of db_tables[] and a column a
 * plain lower-case name (else DB_ERROR, the reason in db_note()).  db_table_select() prepares every row of table (none:
 * no row, only its columns) for the caller to step and finalize;
 * db_table_count() counts them; db_table_insert() prepares an INSERT of the
 * n columns cols, bound as parameters 1..n.
 */
int db_table_select(db *d, const char *table, bool none, db_stmt **out);
int db_table_count(db *d, const char *table, int64_t *n);
int db_table_insert(db *d, const char *table, const char *const *cols, int n, db_stmt **out);

/*
 * Several nodes on one database.  PostgreSQL can be shared by several `vigil
 * serve` nodes; a SQLite file serves one.  On an engine that cannot be shared
 * db_lease_hold() always grants and db_notify() sends nothing, so one code
 * path serves both; db_listen() and db_notice_wait() need db_multinode().
 */
bool db_multinode(const db *d);

/*
 * Connections that die.  A server may end a session (a restart, an
 * administrator's pg_terminate_backend, an idle timeout, a pooler) or become
 * unreachable.  A statement that fails for that reason returns DB_GONE: it
 * did not run, or its transaction is lost with the session (never committed
 * by halves).  The connection then stays dead (db_alive() false) until
 * db_heal() connects it again.  SQLite has no server: never DB_GONE, and
 * db_heal() has nothing to do.
 */
/* Is the connection still usable, as far as is known without asking the
 * server?  False once an operation on it found it dead. */
bool db_alive(db *d);
/* Ask the server the smallest question (a connection it ended shows only
 * when used): 0, or negative (DB_GONE when it is dead). */
int db_ping(db *d);
/* Make the connection usable before it is used again: first, without
 * blocking, look whether the server ended it while it was idle (its goodbye
 * is waiting on the socket); if it is dead, connect again, restoring what
 * the session had been given (db_set_name, db_listen; each transaction and
 * statement starts afresh anyway).  0 when it was usable, 1 when it has just
 * been connected again, DB_GONE when the server cannot be reached (the
 * message in db_errmsg()).  Blocks for at most the connect timeout (5 s). */
int db_heal(db *d);
/* Name the connection for the server's administrators (PostgreSQL's
 * application_name, kept across reconnections); nothing on SQLite. */
void db_set_name(db *d, const char *name);
/* This connection's session on the server (its backend process id), 0 on
 * SQLite or when it is not connected. */
int64_t db_session_id(db *d);
/* Connections connected again by db_heal() (exported as a metric). */
uint64_t db_reconnect_count(void);

/* SQLite lets one connection write at a time, and a connection that finds
 * the lock taken polls for it: a writer that commits back to back (the ingest
 * committer) can keep another (the engine, raising an alert) waiting for tens
 * of milliseconds.  Connections marked here queue at a gate in this process
 * before they take SQLite's lock (db_begin_write(), or a write statement run
 * outside a transaction), and an urgent one goes ahead of the queued ones.  Connections left unmarked (the pool's) take SQLite's lock as they
 * always did.  An urgent connection also never checkpoints the write-ahead
 * log (the others do).  Does nothing on PostgreSQL, where writers do not
 * exclude each other. */
enum db_writer { DB_WRITER_PLAIN, DB_WRITER_QUEUED, DB_WRITER_URGENT };
void db_set_writer(db *d, enum db_writer w);
/*
 * Leadership is a lease: a row of the `leases` table naming its holder (a
 * node), an epoch (the fencing token: one more at every grant) and a deadline
 * on the database's own clock, never the nodes' clocks.  The holder renews it
 * well before the deadline; another node is granted it when it is free
 * (never held, released, or past its deadline) or when the session that
 * renews it has ended (its node died: no need to wait out the deadline).  A
 * node granted a lease ends the sessions the previous holder recorded
 * (pg_terminate_backend, which needs the nodes to share one role), so a
 * holder that was frozen or cut off, and wakes, finds its connections dead
 * and its lease gone; and a write made in a transaction that checks the epoch
 * (db_lease_check) cannot commit once another node has been granted the
 * lease.  A holder must not act past its own deadline, measured on its
 * monotonic clock from before it asked (node.c).  SQLite: one node, always
 * granted.
 */
struct db_lease {
	char role[32];   /* what is led (the row's name) */
	char holder[64]; /* this node: unique among the nodes */
	int64_t ttl_ms;  /* a grant or renewal lasts this long */
	/* set by db_lease_hold(): */
	int64_t epoch;   /* the fencing token while held, 0 when not */
	bool granted;    /* this call granted it (a new epoch), not renewed it */
	int fenced;      /* sessions of the previous holder ended by this grant */
};
/* Renew the lease, or ask for it when not held: 1 held (l->epoch), 0 held
 * by another node, negative when the database failed (the lease is then as
 * it was: held until its deadline, which the caller counts itself).
 * sessions: this node's sessions (db_session_id; the asking connection's
 * first), which the next holder ends. */
int db_lease_hold(db *d, struct db_lease *l, const int64_t *sessions, int nsessions);
/* Give the lease up at once (a clean stop: the next node need not wait). */
int db_lease_release(db *d, struct db_lease *l);
/* In a write transaction on d: 1 when role's lease still has this epoch (its
 * row is then locked until the transaction ends, so no other node can be
 * granted it before this transaction commits), 0 when another node has been
 * granted it since, negative on a database error. */
int db_lease_check(db *d, const char *role, int64_t epoch);
/* Tell the nodes listening on channel (a plain lower-case name): delivered
 * when the transaction commits, at once outside one; payload at most
 * DB_NOTIFY_MAX bytes.  Nothing on SQLite. */
#define DB_NOTIFY_MAX 4000
int db_notify(db *d, const char *channel, const char *payload);
/* Listen on channel on this connection (DB_ERROR where !db_multinode()). */
int db_listen(db *d, const char *channel);
/* Wait up to timeout_ms for a notification on a listening connection: 1 with
 * its channel and payload copied (truncated to the buffers), 0 when none came,
 * negative when the connection failed. */
int db_notice_wait(db *d, int timeout_ms, char *channel, size_t chlen, char *payload,
		   size_t paylen);

/* Migrations: bring the schema up to date.  Refuses (DB_ERROR, message in
 * err) a database whose schema is newer than this binary knows. */
int db_migrate(db *d, char *err, size_t errlen);
/* The schema version in the database (0 for an empty one), or negative. */
int db_schema_version(db *d);
/* The same, read only (the table is not made when missing: negative): a
 * round trip that shows the database answers (GET /healthz). */
int db_schema_read(db *d);
/* The highest version this binary knows. */
int db_schema_latest(void);

#endif
