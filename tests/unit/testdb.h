/*
 * A fresh, migrated database for a group of unit tests: a SQLite file in
 * /tmp, or, given a name, a PostgreSQL database created on the server that
 * VIGIL_TEST_PG names (its maintenance database) and dropped after.  Included
 * by the tests that need one; every function is static inline, so a test
 * that uses only some of them compiles clean.
 */
#ifndef VIGIL_TESTS_TESTDB_H
#define VIGIL_TESTS_TESTDB_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/secret.h"
#include "db/db.h"

struct testdb {
	char path[512];  /* the SQLite file, or the PostgreSQL database's URL */
	char pgname[64]; /* the PostgreSQL database, "" for SQLite */
	db *d;
};

/* Run one statement on the PostgreSQL server's maintenance database. */
static inline int testdb_pg_admin(const char *sql)
{
	char err[256];
	db *a;
	int rc;

	if (db_open(&a, getenv("VIGIL_TEST_PG"), err, sizeof err) < 0) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	rc = db_exec(a, sql);
	if (rc < 0)
		fprintf(stderr, "%s: %s\n", sql, db_errmsg(a));
	db_close(a);
	return rc;
}

/* Open t: on PostgreSQL when pgname is given (made unique to this process),
 * else a SQLite file; migrated to the latest schema.  0 or -1 (said on
 * stderr). */
static inline int testdb_open(struct testdb *t, const char *pgname)
{
	char err[256], sql[128];

	if (secret_init() < 0)
		return -1;
	if (pgname) {
		const char *base = getenv("VIGIL_TEST_PG");
		const char *slash = base ? strrchr(base, '/') : NULL;

		if (!slash)
			return -1;
		snprintf(t->pgname, sizeof t->pgname, "%s_%d", pgname, (int)getpid());
		snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s", t->pgname);
		(void)testdb_pg_admin(sql); /* a database a killed run left */
		snprintf(sql, sizeof sql, "CREATE DATABASE %s", t->pgname);
		if (testdb_pg_admin(sql) < 0)
			return -1;
		snprintf(t->path, sizeof t->path, "%.*s/%s", (int)(slash - base), base, t->pgname);
	} else {
		int fd;

		t->pgname[0] = '\0';
		snprintf(t->path, sizeof t->path, "/tmp/vigil-test-XXXXXX");
		fd = mkstemp(t->path);
		if (fd < 0)
			return -1;
		close(fd);
	}
	if (db_open(&t->d, t->path, err, sizeof err) < 0 || db_migrate(t->d, err, sizeof err) < 0) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	return 0;
}

/* Close t and remove its database (the SQLite file with its log, or the
 * PostgreSQL database). */
static inline void testdb_remove(struct testdb *t)
{
	char p[600];

	db_close(t->d);
	t->d = NULL;
	if (t->pgname[0]) {
		snprintf(p, sizeof p, "DROP DATABASE IF EXISTS %s", t->pgname);
		(void)testdb_pg_admin(p);
		return;
	}
	unlink(t->path);
	snprintf(p, sizeof p, "%s-wal", t->path);
	unlink(p);
	snprintf(p, sizeof p, "%s-shm", t->path);
	unlink(p);
}

#endif
