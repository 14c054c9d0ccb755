/* Unit tests for db/ (SQLite backend, migrations) and store/audit (the
 * audit chain: append, verify, and detection of tampering). */
#include <pthread.h>
#include <setjmp.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/mem.h"
#include "base/secret.h"
#include "db/db.h"
#include "store/account.h"
#include "store/audit.h"
#include "testdb.h"

/* Each group runs on a fresh database: a SQLite file, or (when VIGIL_TEST_PG
 * names a PostgreSQL server) a database created for the run and dropped after. */
struct fx {
	struct testdb t; /* first: testdb_setup() */
};

static int setup_sqlite(void **state)
{
	return testdb_setup(state, sizeof(struct fx), NULL, NULL);
}

static int setup_pg(void **state)
{
	return testdb_setup(state, sizeof(struct fx), "vigil_unit", NULL);
}

static void migrations_apply_once_and_record_the_version(void **state)
{
	struct fx *f = *state;
	char err[256];

	assert_int_equal(db_schema_version(f->t.d), db_schema_latest());
	assert_int_equal(db_migrate(f->t.d, err, sizeof err), DB_OK);
	assert_int_equal(db_schema_version(f->t.d), db_schema_latest());
}

static void a_newer_schema_is_refused(void **state)
{
	struct fx *f = *state;
	char err[256];

	assert_int_equal(db_run(f->t.d, "INSERT INTO schema_version (version, name, applied_at)"
				      " VALUES (999, 'future', 0)", ""),
			 DB_OK);
	assert_int_equal(db_migrate(f->t.d, err, sizeof err), DB_ERROR);
	assert_non_null(strstr(err, "newer"));
	assert_int_equal(db_run(f->t.d, "DELETE FROM schema_version WHERE version = 999", ""), DB_OK);
}

static void text_with_sql_metacharacters_round_trips(void **state)
{
	struct fx *f = *state;
	const char *evil = "Robert'); DROP TABLE agencies;-- \"x\" \\ %_ ? $1 :name \xe2\x9c\x93";
	struct agency a;

	assert_true(agency_add(f->t.d, "evil", evil, "other") > 0);
	assert_int_equal(agency_get_by_code(f->t.d, "evil", &a), 1);
	assert_string_equal(a.name, evil);
	assert_int_equal(agency_get_by_code(f->t.d, "nope", &a), 0);
}

static void unique_violations_are_reported_as_constraint(void **state)
{
	struct fx *f = *state;

	assert_true(agency_add(f->t.d, "dup", "One", "police") > 0);
	assert_int_equal(agency_add(f->t.d, "dup", "Two", "police"), DB_CONSTRAINT);
	/* and the CHECK on kind */
	assert_int_equal(agency_add(f->t.d, "k", "K", "army"), DB_CONSTRAINT);
}

static void append(db *d, const char *action, const char *detail)
{
	struct audit_entry e = { 0 };

	e.username = "tester";
	e.action = action;
	e.outcome = "ok";
	e.detail = detail;
	e.status = 200;
	assert_int_equal(audit_record(d, &e), DB_OK);
}

static void audit_chain_verifies_and_detects_tampering(void **state)
{
	struct fx *f = *state;
	struct audit_verify_result r;

	assert_int_equal(audit_verify(f->t.d, &r), 0); /* empty is intact */
	for (int i = 0; i < 5; i++)
		append(f->t.d, "test.append", "row");
	assert_int_equal(audit_verify(f->t.d, &r), 0);
	assert_int_equal(r.checked, 5);

	/* an altered field */
	assert_int_equal(db_run(f->t.d, "UPDATE audit_log SET detail = 'forged' WHERE id = 3", ""), DB_OK);
	assert_int_equal(audit_verify(f->t.d, &r), 1);
	assert_int_equal(r.broken_id, 3);
	assert_non_null(strstr(r.reason, "altered"));
	assert_int_equal(db_run(f->t.d, "UPDATE audit_log SET detail = 'row' WHERE id = 3", ""), DB_OK);
	assert_int_equal(audit_verify(f->t.d, &r), 0);

	/* a re-hashed row still breaks the link to the next one */
	assert_int_equal(db_run(f->t.d, "UPDATE audit_log SET hash = 'ab' || substr(hash, 3) WHERE id = 2", ""),
			 DB_OK);
	assert_int_equal(audit_verify(f->t.d, &r), 1);
	assert_int_equal(r.broken_id, 2);
}

static void audit_chain_detects_removed_rows(void **state)
{
	struct fx *f = *state;
	struct audit_verify_result r;

	assert_int_equal(db_run(f->t.d, "DELETE FROM audit_log", ""), DB_OK);
	assert_int_equal(db_run(f->t.d, "DELETE FROM chain_heads", ""), DB_OK);
	for (int i = 0; i < 4; i++)
		append(f->t.d, "test.append", NULL);
	/* the newest row removed: caught by the chain head */
	assert_int_equal(db_run(f->t.d, "DELETE FROM audit_log WHERE id = 4", ""), DB_OK);
	assert_int_equal(audit_verify(f->t.d, &r), 1);
	assert_non_null(strstr(r.reason, "removed"));
	/* a middle row removed */
	append(f->t.d, "again", NULL);
	assert_int_equal(db_run(f->t.d, "DELETE FROM audit_log WHERE id = 2", ""), DB_OK);
	assert_int_equal(audit_verify(f->t.d, &r), 1);
	assert_int_equal(r.broken_id, 3);
	assert_non_null(strstr(r.reason, "missing"));
}

static void pool_hands_out_every_connection(void **state)
{
	struct fx *f = *state;
	char err[256];
	db_pool *p;
	db *a, *b;

	assert_int_equal(db_pool_open(&p, f->t.path, 2, "test pool", err, sizeof err), DB_OK);
	a = db_pool_acquire(p);
	b = db_pool_acquire(p);
	assert_ptr_not_equal(a, b);
	db_pool_release(p, a);
	assert_ptr_equal(db_pool_acquire(p), a);
	db_pool_release(p, a);
	db_pool_release(p, b);
	db_pool_close(p);
}

static void an_unreachable_postgres_server_is_reported_clearly(void **state)
{
	char err[256];
	db *d;

	(void)state;
	assert_int_equal(db_open(&d, "postgres://u@127.0.0.1:1/x?connect_timeout=2", err, sizeof err),
			 DB_ERROR);
	assert_non_null(strstr(err, "cannot connect to PostgreSQL"));
}

static void placeholders_inside_literals_are_left_alone(void **state)
{
	struct fx *f = *state;
	db_stmt *s;

	assert_int_equal(db_prepare(f->t.d, &s, "SELECT 'what?', ? || 'it''s?' -- a comment?\n"), DB_OK);
	assert_int_equal(db_bind_text(s, 1, "x"), DB_OK);
	assert_int_equal(db_step(s), DB_ROW);
	assert_string_equal(db_column_text(s, 0), "what?");
	assert_string_equal(db_column_text(s, 1), "xit's?");
	db_finalize(s);
}

/* A lease for this node (holder) with this deadline. */
static struct db_lease lease_of(const char *holder, int64_t ttl_ms)
{
	struct db_lease l = { .ttl_ms = ttl_ms };

	snprintf(l.role, sizeof l.role, "engine");
	snprintf(l.holder, sizeof l.holder, "%s", holder);
	return l;
}

static int hold(db *d, struct db_lease *l)
{
	int64_t me = db_session_id(d);

	return db_lease_hold(d, l, &me, 1);
}

/* The lease's epoch as a write transaction on d sees it: 1 still e, 0 not. */
static int check_in_tx(db *d, int64_t e)
{
	int rc;

	assert_int_equal(db_begin_write(d), DB_OK);
	rc = db_lease_check(d, "engine", e);
	assert_int_equal(db_rollback(d), DB_OK);
	return rc;
}

/* One node at a time holds the lease; renewing keeps it and its epoch; a
 * standby is granted it only when it lapses (a new epoch), and the old
 * holder's renewal then fails and its writes' epoch check refuses; a holder
 * that gives it up is replaced at once.  SQLite has one node, which always
 * holds it. */
static void a_lease_is_held_renewed_and_granted_again_only_when_it_lapses(void **state)
{
	struct fx *f = *state;
	struct db_lease a = lease_of("node-a", 400), b = lease_of("node-b", 400);
	char err[256];
	db *da, *db_;
	int64_t first;
	int rc = 0;

	assert_int_equal(db_open(&da, f->t.path, err, sizeof err), DB_OK);
	assert_int_equal(db_open(&db_, f->t.path, err, sizeof err), DB_OK);
	assert_int_equal(hold(da, &a), 1);
	assert_true(a.granted);
	first = a.epoch;
	assert_true(first > 0);
	assert_int_equal(hold(da, &a), 1);
	assert_false(a.granted); /* renewed */
	assert_int_equal(a.epoch, first);
	assert_int_equal(check_in_tx(da, first), 1);
	if (!db_multinode(f->t.d)) {
		assert_int_equal(hold(db_, &b), 1);
		db_close(da);
		db_close(db_);
		return;
	}
	assert_int_equal(hold(db_, &b), 0);
	assert_int_equal(b.epoch, 0);
	/* renewed within its deadline again and again, it stays a's */
	for (int i = 0; i < 4; i++) {
		usleep(200000);
		assert_int_equal(hold(da, &a), 1);
		assert_int_equal(hold(db_, &b), 0);
	}
	/* not renewed past its deadline (a frozen node): granted to b */
	usleep(600000);
	assert_int_equal(hold(db_, &b), 1);
	assert_true(b.granted);
	assert_true(b.epoch > first);
	/* b ended a's session (a's was the only one a recorded) */
	assert_int_equal(b.fenced, 1);
	/* a, waking: its session was ended (db_heal sees it and connects
	 * again), and its renewal fails */
	for (int i = 0; i < 200 && (rc = db_heal(da)) == 0; i++)
		usleep(10000);
	assert_int_equal(rc, 1);
	assert_int_equal(hold(da, &a), 0);
	assert_int_equal(a.epoch, 0);
	assert_int_equal(check_in_tx(da, first), 0);
	assert_int_equal(check_in_tx(db_, b.epoch), 1);
	/* given up, it is granted at once */
	assert_int_equal(db_lease_release(db_, &b), DB_OK);
	assert_int_equal(hold(da, &a), 1);
	assert_true(a.epoch > first);
	db_close(da);
	db_close(db_);
}

/* A holder whose renewing session ended (its node died) is replaced at once,
 * without waiting for the deadline. */
static void a_lease_whose_holder_session_ended_is_granted_at_once(void **state)
{
	struct fx *f = *state;
	struct db_lease a = lease_of("node-a", 60000), b = lease_of("node-b", 60000);
	char err[256];
	db *da, *db_;
	int rc = 0;

	assert_int_equal(db_open(&da, f->t.path, err, sizeof err), DB_OK);
	assert_int_equal(db_open(&db_, f->t.path, err, sizeof err), DB_OK);
	assert_int_equal(hold(da, &a), 1);
	assert_int_equal(hold(db_, &b), 0);
	db_close(da);
	/* the server ends the session a moment after the client goes */
	for (int i = 0; i < 200 && (rc = hold(db_, &b)) == 0; i++)
		usleep(10000);
	assert_int_equal(rc, 1);
	assert_true(b.granted);
	db_close(db_);
}

/* A write transaction that checks the epoch holds the lease's row: a grant
 * to another node waits for it to commit, and one begun after the grant
 * finds the epoch changed. */
static void a_grant_waits_for_a_write_that_checked_the_epoch(void **state)
{
	struct fx *f = *state;
	struct db_lease a = lease_of("node-a", 200), b = lease_of("node-b", 200);
	char err[256];
	db *da, *dw, *db_;
	int64_t first;

	assert_int_equal(db_open(&da, f->t.path, err, sizeof err), DB_OK);
	assert_int_equal(db_open(&dw, f->t.path, err, sizeof err), DB_OK);
	assert_int_equal(db_open(&db_, f->t.path, err, sizeof err), DB_OK);
	assert_int_equal(hold(da, &a), 1);
	first = a.epoch;
	usleep(300000); /* lapsed */
	assert_int_equal(db_begin_write(dw), DB_OK);
	assert_int_equal(db_lease_check(dw, "engine", first), 1);
	assert_int_equal(db_exec(db_, "SET lock_timeout = 300"), DB_OK);
	/* the grant cannot lock the row while the write is open */
	assert_true(hold(db_, &b) < 0);
	assert_int_equal(db_commit(dw), DB_OK);
	assert_int_equal(hold(db_, &b), 1);
	assert_int_equal(check_in_tx(dw, first), 0);
	db_close(da);
	db_close(dw);
	db_close(db_);
}

/* A connection the server ended is found and connected again: while idle
 * (db_heal sees the server's goodbye without a round trip), and after a
 * statement failed on it (DB_GONE, then db_alive() false until healed); its
 * name and its LISTENs are restored. */
static void a_connection_the_server_ended_is_found_and_connected_again(void **state)
{
	struct fx *f = *state;
	char err[256], sql[128], ch[64], payload[64];
	db *d;
	int64_t pid;
	db_stmt *s;

	assert_int_equal(db_open(&d, f->t.path, err, sizeof err), DB_OK);
	db_set_name(d, "vigil unit test");
	assert_int_equal(db_listen(d, "vigil_heal_test"), DB_OK);
	assert_int_equal(db_heal(d), 0);
	/* ended while idle */
	pid = db_session_id(d);
	assert_true(pid > 0);
	snprintf(sql, sizeof sql, "SELECT pg_terminate_backend(%lld)", (long long)pid);
	assert_int_equal(db_exec(f->t.d, sql), DB_OK);
	for (int i = 0; i < 200 && db_alive(d) && db_heal(d) == 0; i++)
		usleep(10000);
	assert_int_not_equal(db_session_id(d), pid);
	assert_true(db_alive(d));
	assert_int_equal(db_prepare(d, &s, "SELECT current_setting('application_name')"), DB_OK);
	assert_int_equal(db_step(s), DB_ROW);
	assert_string_equal(db_column_text(s, 0), "vigil unit test");
	db_finalize(s);
	assert_int_equal(db_notify(f->t.d, "vigil_heal_test", "after"), DB_OK);
	assert_int_equal(db_notice_wait(d, 5000, ch, sizeof ch, payload, sizeof payload), 1);
	assert_string_equal(payload, "after");
	/* ended, then used: DB_GONE, dead until healed */
	pid = db_session_id(d);
	snprintf(sql, sizeof sql, "SELECT pg_terminate_backend(%lld)", (long long)pid);
	assert_int_equal(db_exec(f->t.d, sql), DB_OK);
	usleep(200000);
	assert_int_equal(db_exec(d, "SELECT 1"), DB_GONE);
	assert_false(db_alive(d));
	assert_int_equal(db_exec(d, "SELECT 1"), DB_GONE);
	assert_int_equal(db_heal(d), 1);
	assert_true(db_alive(d));
	assert_int_equal(db_exec(d, "SELECT 1"), DB_OK);
	db_close(d);
}

/* SQLite has no server: a connection needs no healing, and the pool hands
 * its connections out as they are. */
static void sqlite_connections_need_no_healing(void **state)
{
	struct fx *f = *state;
	char err[256];
	db_pool *p;
	db *a;

	assert_int_equal(db_heal(f->t.d), 0);
	assert_true(db_alive(f->t.d));
	assert_int_equal(db_session_id(f->t.d), 0);
	db_set_name(f->t.d, "ignored");
	assert_int_equal(db_pool_open(&p, f->t.path, 1, "test pool", err, sizeof err), DB_OK);
	a = db_pool_acquire(p);
	assert_true(db_alive(a));
	assert_int_equal(db_exec(a, "SELECT 1"), DB_OK);
	db_pool_release(p, a);
	db_pool_close(p);
}

/* The pool replaces a connection the server ended while it sat in the pool:
 * the same connection comes out, alive, on a new session. */
static void the_pool_hands_out_no_connection_the_server_ended(void **state)
{
	struct fx *f = *state;
	char err[256], sql[128];
	db_pool *p;
	db *a;
	int64_t pid;

	assert_int_equal(db_pool_open(&p, f->t.path, 1, "test pool", err, sizeof err), DB_OK);
	a = db_pool_acquire(p);
	pid = db_session_id(a);
	db_pool_release(p, a);
	snprintf(sql, sizeof sql, "SELECT pg_terminate_backend(%lld)", (long long)pid);
	assert_int_equal(db_exec(f->t.d, sql), DB_OK);
	/* until the server has let it go */
	for (int i = 0; i < 200; i++) {
		db_stmt *s;
		int rc;

		snprintf(sql, sizeof sql, "SELECT 1 FROM pg_stat_activity WHERE pid = %lld",
			 (long long)pid);
		assert_int_equal(db_prepare(f->t.d, &s, sql), DB_OK);
		rc = db_step(s);
		db_finalize(s);
		if (rc == DB_DONE)
			break;
		usleep(10000);
	}
	assert_ptr_equal(db_pool_acquire(p), a);
	assert_true(db_alive(a));
	assert_int_not_equal(db_session_id(a), pid);
	assert_int_equal(db_exec(a, "SELECT 1"), DB_OK);
	db_pool_release(p, a);
	db_pool_close(p);
}

/* A notification reaches a listener when the sending transaction commits,
 * not before, and not at all when it rolls back.  SQLite sends nothing and
 * cannot listen. */
static void notifications_arrive_on_commit_only(void **state)
{
	struct fx *f = *state;
	char err[256], ch[64], payload[128];
	db *l;

	assert_int_equal(db_notify(f->t.d, "Bad-Name", "x"), DB_ERROR);
	if (!db_multinode(f->t.d)) {
		assert_int_equal(db_notify(f->t.d, "vigil_test", "x"), DB_OK);
		assert_int_equal(db_listen(f->t.d, "vigil_test"), DB_ERROR);
		return;
	}
	assert_int_equal(db_open(&l, f->t.path, err, sizeof err), DB_OK);
	assert_int_equal(db_listen(l, "vigil_test"), DB_OK);
	assert_int_equal(db_listen(l, "no good"), DB_ERROR);
	assert_int_equal(db_notice_wait(l, 50, ch, sizeof ch, payload, sizeof payload), 0);

	assert_int_equal(db_begin_write(f->t.d), DB_OK);
	assert_int_equal(db_notify(f->t.d, "vigil_test", "rolled back"), DB_OK);
	assert_int_equal(db_rollback(f->t.d), DB_OK);
	assert_int_equal(db_begin_write(f->t.d), DB_OK);
	assert_int_equal(db_notify(f->t.d, "vigil_test", "alert 42"), DB_OK);
	assert_int_equal(db_notice_wait(l, 100, ch, sizeof ch, payload, sizeof payload), 0);
	assert_int_equal(db_commit(f->t.d), DB_OK);
	assert_int_equal(db_notice_wait(l, 5000, ch, sizeof ch, payload, sizeof payload), 1);
	assert_string_equal(ch, "vigil_test");
	assert_string_equal(payload, "alert 42");
	assert_int_equal(db_notice_wait(l, 50, ch, sizeof ch, payload, sizeof payload), 0);
	db_close(l);
}

static void large_integers_and_nulls_round_trip(void **state)
{
	struct fx *f = *state;
	db_stmt *s;

	assert_int_equal(db_prepare(f->t.d, &s, "SELECT CAST(? AS BIGINT), CAST(? AS TEXT)"), DB_OK);
	db_bind_int64(s, 1, INT64_MIN + 1);
	db_bind_null(s, 2);
	assert_int_equal(db_step(s), DB_ROW);
	assert_true(db_column_int64(s, 0) == INT64_MIN + 1);
	assert_true(db_column_is_null(s, 1));
	assert_null(db_column_text(s, 1));
	assert_int_equal(db_step(s), DB_DONE);
	db_finalize(s);
}


/* The SQLite backend keeps finished statements for reuse: one prepared
 * again must start afresh, with no parameter or row left from before. */
static void a_statement_prepared_again_starts_afresh(void **state)
{
	struct fx *f = *state;
	const char *sql = "SELECT CAST(? AS BIGINT) UNION ALL SELECT 2";
	db_stmt *s;

	assert_int_equal(db_prepare(f->t.d, &s, sql), DB_OK);
	db_bind_int64(s, 1, 41);
	assert_int_equal(db_step(s), DB_ROW);
	assert_true(db_column_int64(s, 0) == 41);
	db_finalize(s); /* left with a row still to read */
	assert_int_equal(db_prepare(f->t.d, &s, sql), DB_OK);
	assert_int_equal(db_step(s), DB_ROW);
	assert_true(db_column_is_null(s, 0)); /* the old 41 is not bound */
	assert_int_equal(db_step(s), DB_ROW);
	assert_true(db_column_int64(s, 0) == 2);
	assert_int_equal(db_step(s), DB_DONE);
	db_finalize(s);
}

static void the_same_sql_prepared_twice_at_once_gives_two_statements(void **state)
{
	struct fx *f = *state;
	const char *sql = "SELECT CAST(? AS BIGINT)";
	db_stmt *a, *b;

	for (int round = 0; round < 3; round++) {
		assert_int_equal(db_prepare(f->t.d, &a, sql), DB_OK);
		db_bind_int64(a, 1, 1);
		assert_int_equal(db_step(a), DB_ROW);
		assert_int_equal(db_prepare(f->t.d, &b, sql), DB_OK);
		assert_ptr_not_equal(a, b);
		db_bind_int64(b, 1, 2);
		assert_int_equal(db_step(b), DB_ROW);
		assert_true(db_column_int64(a, 0) == 1);
		assert_true(db_column_int64(b, 0) == 2);
		db_finalize(b);
		db_finalize(a);
	}
}

/* More texts than are kept, built in one buffer: each runs its own SQL. */
static void many_statement_texts_in_one_buffer_each_run_their_own(void **state)
{
	struct fx *f = *state;
	char sql[64];
	db_stmt *s;

	for (int round = 0; round < 2; round++) {
		for (int i = 0; i < 200; i++) {
			snprintf(sql, sizeof sql, "SELECT %d + CAST(? AS BIGINT)", i);
			assert_int_equal(db_prepare(f->t.d, &s, sql), DB_OK);
			db_bind_int64(s, 1, 1000 * round);
			assert_int_equal(db_step(s), DB_ROW);
			assert_true(db_column_int64(s, 0) == i + 1000 * round);
			db_finalize(s);
		}
	}
}

/* A kept statement whose table has gone fails as a fresh one would. */
static void a_kept_statement_on_a_dropped_table_fails_cleanly(void **state)
{
	struct fx *f = *state;
	const char *sql = "SELECT COUNT(*) FROM kept_t";
	db_stmt *s;
	int rc;

	assert_int_equal(db_exec(f->t.d, "CREATE TABLE kept_t (x BIGINT)"), DB_OK);
	assert_int_equal(db_prepare(f->t.d, &s, sql), DB_OK);
	assert_int_equal(db_step(s), DB_ROW);
	db_finalize(s);
	assert_int_equal(db_exec(f->t.d, "DROP TABLE kept_t"), DB_OK);
	rc = db_prepare(f->t.d, &s, sql);
	if (rc == DB_OK) {
		assert_true(db_step(s) < 0);
		db_finalize(s);
	}
	assert_int_equal(db_exec(f->t.d, "CREATE TABLE kept_t (x BIGINT, y BIGINT)"), DB_OK);
	assert_int_equal(db_exec(f->t.d, "INSERT INTO kept_t VALUES (1, 2)"), DB_OK);
	assert_int_equal(db_prepare(f->t.d, &s, sql), DB_OK);
	assert_int_equal(db_step(s), DB_ROW);
	assert_true(db_column_int64(s, 0) == 1);
	db_finalize(s);
}

/* The write gate (SQLite): a queued writer waits behind the one writing, and
 * an urgent writer that arrives after it still goes first. */
struct gate_arg {
	const char *path;
	enum db_writer writer;
	const char *insert; /* what it writes */
	bool lone;          /* as a statement outside a transaction (else in one) */
	atomic_int *order;  /* the next place in the queue */
	atomic_int ready;
	int place;          /* where this writer got in (0: not yet) */
};

static void *gate_writer(void *p)
{
	struct gate_arg *a = p;
	char err[256];
	db_stmt *s;
	db *d;

	if (db_open(&d, a->path, err, sizeof err) < 0)
		return NULL;
	db_set_writer(d, a->writer);
	atomic_store(&a->ready, 1);
	if (a->lone && db_prepare(d, &s, a->insert) == DB_OK) {
		if (db_step(s) == DB_DONE)
			a->place = atomic_fetch_add(a->order, 1);
		db_finalize(s);
	} else if (!a->lone && db_begin_write(d) == DB_OK) {
		a->place = atomic_fetch_add(a->order, 1);
		db_exec(d, a->insert);
		db_commit(d);
	}
	db_close(d);
	return NULL;
}

/* Start a writer and let it reach the gate. */
static void start_waiting(pthread_t *t, struct gate_arg *a)
{
	assert_int_equal(pthread_create(t, NULL, gate_writer, a), 0);
	while (!atomic_load(&a->ready))
		usleep(1000);
	usleep(100000);
}

/* While a queued writer holds the gate, another queued writer and then an
 * urgent one arrive; when it commits, the urgent one goes first.  The rows'
 * order in table is the order of writing. */
static void urgent_goes_first(struct fx *f, const char *table, bool lone_urgent)
{
	atomic_int order = 1;
	char err[256], sql[128], *rows;
	struct gate_arg queued = { f->t.path, DB_WRITER_QUEUED, NULL, false, &order, 0, 0 },
			urgent = { f->t.path, DB_WRITER_URGENT, NULL, lone_urgent, &order, 0, 0 };
	char qsql[128], usql[128];
	pthread_t tq, tu;
	db *holder;
	db_stmt *s;
	struct buf b;

	snprintf(sql, sizeof sql, "CREATE TABLE %s (who TEXT)", table);
	assert_int_equal(db_exec(f->t.d, sql), DB_OK);
	snprintf(qsql, sizeof qsql, "INSERT INTO %s VALUES ('queued')", table);
	snprintf(usql, sizeof usql, "INSERT INTO %s VALUES ('urgent')", table);
	queued.insert = qsql;
	urgent.insert = usql;
	assert_int_equal(db_open(&holder, f->t.path, err, sizeof err), DB_OK);
	db_set_writer(holder, DB_WRITER_QUEUED);
	assert_int_equal(db_begin_write(holder), DB_OK);
	start_waiting(&tq, &queued);
	start_waiting(&tu, &urgent);
	assert_int_equal(queued.place, 0); /* neither is in yet */
	assert_int_equal(urgent.place, 0);
	snprintf(sql, sizeof sql, "INSERT INTO %s VALUES ('holder')", table);
	assert_int_equal(db_exec(holder, sql), DB_OK);
	assert_int_equal(db_commit(holder), DB_OK);
	pthread_join(tq, NULL);
	pthread_join(tu, NULL);
	assert_true(queued.place > 0 && urgent.place > 0);
	if (!lone_urgent) { /* places are taken inside the gate */
		assert_int_equal(urgent.place, 1);
		assert_int_equal(queued.place, 2);
	}
	buf_init(&b);
	snprintf(sql, sizeof sql, "SELECT who FROM %s ORDER BY rowid", table);
	assert_int_equal(db_prepare(holder, &s, sql), DB_OK);
	while (db_step(s) == DB_ROW)
		buf_printf(&b, "%s ", db_column_text(s, 0));
	db_finalize(s);
	rows = buf_steal(&b);
	assert_string_equal(rows, "holder urgent queued ");
	free(rows);
	/* a failed BEGIN leaves the gate too: the holder writes again */
	assert_int_equal(db_begin_write(holder), DB_OK);
	assert_true(db_begin_write(holder) < 0); /* already in a transaction */
	assert_int_equal(db_rollback(holder), DB_OK);
	assert_int_equal(db_begin_write(holder), DB_OK);
	assert_int_equal(db_commit(holder), DB_OK);
	db_close(holder);
}

static void an_urgent_writer_goes_ahead_of_a_queued_one(void **state)
{
	urgent_goes_first(*state, "gate_t", false);
}

/* The same with the urgent write made outside a transaction: a lone
 * statement passes the gate too. */
static void a_lone_urgent_statement_goes_ahead_of_a_queued_writer(void **state)
{
	urgent_goes_first(*state, "gate2_t", true);
}

/* An urgent writer never checkpoints: past SQLite's threshold of 1,000 pages
 * the log goes on growing under its commits; a queued writer's next commit
 * checkpoints it (and the log starts again from its beginning). */
static void an_urgent_writer_leaves_checkpoints_to_the_others(void **state)
{
	struct fx *f = *state;
	char err[256], wal[600], v[600];
	struct stat st;
	db *urgent, *queued;
	db_stmt *s;

	assert_int_equal(db_open(&urgent, f->t.path, err, sizeof err), DB_OK);
	assert_int_equal(db_open(&queued, f->t.path, err, sizeof err), DB_OK);
	db_set_writer(urgent, DB_WRITER_URGENT);
	db_set_writer(queued, DB_WRITER_QUEUED);
	assert_int_equal(db_exec(urgent, "CREATE TABLE ckpt_t (x TEXT)"), DB_OK);
	memset(v, 'v', sizeof v - 1);
	v[sizeof v - 1] = '\0';
	for (int t = 0; t < 60; t++) { /* some 1,900 pages */
		assert_int_equal(db_begin_write(urgent), DB_OK);
		assert_int_equal(db_prepare(urgent, &s, "INSERT INTO ckpt_t VALUES (?)"), DB_OK);
		for (int i = 0; i < 200; i++) {
			db_reset(s);
			db_bind_text(s, 1, v);
			assert_int_equal(db_step(s), DB_DONE);
		}
		db_finalize(s);
		assert_int_equal(db_commit(urgent), DB_OK);
	}
	snprintf(wal, sizeof wal, "%s-wal", f->t.path);
	assert_int_equal(stat(wal, &st), 0);
	assert_true(st.st_size > 1500 * 4096);
	/* the queued writer's commit checkpoints; the log restarts at the next write */
	assert_int_equal(db_begin_write(queued), DB_OK);
	assert_int_equal(db_exec(queued, "INSERT INTO ckpt_t VALUES ('q')"), DB_OK);
	assert_int_equal(db_commit(queued), DB_OK);
	assert_int_equal(db_begin_write(queued), DB_OK);
	assert_int_equal(db_exec(queued, "INSERT INTO ckpt_t VALUES ('r')"), DB_OK);
	assert_int_equal(db_commit(queued), DB_OK);
	assert_int_equal(db_prepare(queued, &s, "PRAGMA wal_checkpoint(PASSIVE)"), DB_OK);
	assert_int_equal(db_step(s), DB_ROW);
	assert_true(db_column_int64(s, 1) < 100); /* frames in the log now */
	db_finalize(s);
	db_close(queued);
	db_close(urgent);
}

/* db_query, db_write, db_one, db_each and db_rows: what a store function is
 * left to write (the helpers' answers are the contract store/ relies on). */
struct helper_row {
	int64_t id, ref;
	char name[16];
	int seen;
};

static void helper_read(db_stmt *s, void *out)
{
	struct helper_row *r = out;

	r->id = db_column_int64(s, 0);
	r->ref = db_column_is_null(s, 2) ? -1 : db_column_int64(s, 2);
	snprintf(r->name, sizeof r->name, "%s", db_column_text(s, 1) ? db_column_text(s, 1) : "");
}

static int helper_count(db_stmt *s, void *arg)
{
	struct helper_row *r = arg;

	helper_read(s, r);
	return ++r->seen == 2; /* stop after the second row */
}

/* db_one of helper_t's row id into r: 1, 0 when there is none. */
static int helper_one(db *d, struct helper_row *r, int64_t id)
{
	return db_one(d, helper_read, r, "SELECT id, name, ref FROM helper_t WHERE id = ?", "i", id);
}

static void the_store_helpers_bind_step_and_answer_as_documented(void **state)
{
	struct fx *f = *state;
	struct helper_row r = { 0 };
	db_stmt *s;

	assert_int_equal(db_exec(f->t.d, "CREATE TABLE helper_t (id INTEGER PRIMARY KEY, name TEXT,"
				       " ref INTEGER)"),
			 DB_OK);
	/* 'I' binds NULL for 0 and the value otherwise */
	for (int64_t i = 1; i <= 3; i++)
		assert_int_equal(db_run(f->t.d, "INSERT INTO helper_t VALUES (?, ?, ?)", "itI", i,
					i == 2 ? "two" : "other", i == 1 ? (int64_t)0 : i * 10),
				 DB_OK);
	assert_int_equal(helper_one(f->t.d, &r, 1), 1);
	assert_int_equal(r.ref, -1);
	assert_int_equal(db_one(f->t.d, helper_read, &r, "SELECT id, name, ref FROM helper_t"
						       " WHERE name = ?", "t", "two"),
			 1);
	assert_int_equal(r.id, 2);
	assert_int_equal(r.ref, 20);
	/* none: 0, and out untouched */
	assert_int_equal(helper_one(f->t.d, &r, 9), 0);
	assert_int_equal(r.id, 2);
	/* rows changed: 2, then 0 for a version that no longer matches */
	assert_int_equal(db_write(f->t.d, "UPDATE helper_t SET name = ? WHERE id >= ?", "ti", "x",
				  (int64_t)2),
			 2);
	assert_int_equal(db_write(f->t.d, "UPDATE helper_t SET name = 'y' WHERE id = ? AND name = ?",
				  "it", (int64_t)2, "two"),
			 0);
	/* each: stops when fn answers nonzero, and that is not an error */
	r.seen = 0;
	assert_int_equal(db_each(f->t.d, helper_count, &r, "SELECT id, name, ref FROM helper_t"
							 " ORDER BY id", ""),
			 0);
	assert_int_equal(r.seen, 2);
	assert_int_equal(r.id, 2);
	/* rows over a statement prepared by the caller, finalized by db_rows */
	r.seen = 0;
	assert_int_equal(db_query(f->t.d, &s, "SELECT id, name, ref FROM helper_t WHERE id > ?", "i",
				  (int64_t)2),
			 DB_OK);
	assert_int_equal(db_rows(s, helper_count, &r), 0);
	assert_int_equal(r.seen, 1);
	assert_int_equal(r.id, 3);
	/* failures are negative, and leave nothing to finalize (PostgreSQL's
	 * backend prepares at the first step, so it fails there) */
	if (db_query(f->t.d, &s, "SELECT nothing FROM no_such_table", "") < 0) {
		assert_null(s);
	} else {
		assert_true(db_step(s) < 0);
		db_finalize(s);
	}
	assert_true(db_write(f->t.d, "UPDATE no_such_table SET x = 1", "") < 0);
	assert_true(db_one(f->t.d, helper_read, &r, "SELECT * FROM no_such_table", "") < 0);
	assert_true(db_each(f->t.d, helper_count, &r, "SELECT * FROM no_such_table", "") < 0);
	/* 'N' binds NULL for a negative value and keeps 0 */
	assert_int_equal(db_run(f->t.d, "UPDATE helper_t SET ref = ? WHERE id = ?", "Ni", (int64_t)-1,
				(int64_t)2),
			 DB_OK);
	assert_int_equal(db_run(f->t.d, "UPDATE helper_t SET ref = ? WHERE id = ?", "Ni", (int64_t)0,
				(int64_t)3),
			 DB_OK);
	assert_int_equal(helper_one(f->t.d, &r, 2), 1);
	assert_int_equal(r.ref, -1);
	assert_int_equal(helper_one(f->t.d, &r, 3), 1);
	assert_int_equal(r.ref, 0);
	/* a format character that is not one is refused, not bound as something else */
	assert_true(db_write(f->t.d, "UPDATE helper_t SET name = ?", "z", "x") < 0);
	assert_int_equal(db_exec(f->t.d, "DROP TABLE helper_t"), DB_OK);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(migrations_apply_once_and_record_the_version),
		cmocka_unit_test(a_newer_schema_is_refused),
		cmocka_unit_test(text_with_sql_metacharacters_round_trips),
		cmocka_unit_test(the_store_helpers_bind_step_and_answer_as_documented),
		cmocka_unit_test(unique_violations_are_reported_as_constraint),
		cmocka_unit_test(audit_chain_verifies_and_detects_tampering),
		cmocka_unit_test(audit_chain_detects_removed_rows),
		cmocka_unit_test(pool_hands_out_every_connection),
		cmocka_unit_test(placeholders_inside_literals_are_left_alone),
		cmocka_unit_test(large_integers_and_nulls_round_trip),
		cmocka_unit_test(a_lease_is_held_renewed_and_granted_again_only_when_it_lapses),
		cmocka_unit_test(notifications_arrive_on_commit_only),
		cmocka_unit_test(a_statement_prepared_again_starts_afresh),
		cmocka_unit_test(the_same_sql_prepared_twice_at_once_gives_two_statements),
		cmocka_unit_test(many_statement_texts_in_one_buffer_each_run_their_own),
		cmocka_unit_test(a_kept_statement_on_a_dropped_table_fails_cleanly),
	};
	const struct CMUnitTest sqlite_only[] = {
		cmocka_unit_test(an_urgent_writer_goes_ahead_of_a_queued_one),
		cmocka_unit_test(a_lone_urgent_statement_goes_ahead_of_a_queued_writer),
		cmocka_unit_test(an_urgent_writer_leaves_checkpoints_to_the_others),
		cmocka_unit_test(sqlite_connections_need_no_healing),
	};
	const struct CMUnitTest pg_only[] = {
		cmocka_unit_test(a_lease_whose_holder_session_ended_is_granted_at_once),
		cmocka_unit_test(a_grant_waits_for_a_write_that_checked_the_epoch),
		cmocka_unit_test(a_connection_the_server_ended_is_found_and_connected_again),
		cmocka_unit_test(the_pool_hands_out_no_connection_the_server_ended),
	};
	const struct CMUnitTest once[] = {
		cmocka_unit_test(an_unreachable_postgres_server_is_reported_clearly),
	};
	int failed = cmocka_run_group_tests_name("db on SQLite", tests, setup_sqlite, testdb_teardown);

	failed += cmocka_run_group_tests_name("db on SQLite only", sqlite_only, setup_sqlite,
					      testdb_teardown);
	failed += cmocka_run_group_tests_name("db engine-independent", once, NULL, NULL);
	if (getenv("VIGIL_TEST_PG") && *getenv("VIGIL_TEST_PG")) {
		failed += cmocka_run_group_tests_name("db on PostgreSQL", tests, setup_pg, testdb_teardown);
		failed += cmocka_run_group_tests_name("db on PostgreSQL only", pg_only, setup_pg,
						      testdb_teardown);
	}
	return failed;
}
