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

#include "base/crypt.h"
#include "base/secret.h"
#include "core/access.h"
#include "db/db.h"
#include "store/account.h"
#include "store/sealed.h"

struct testdb {
	char path[512];    /* the SQLite file, or the PostgreSQL database's URL */
	char pgname[64];   /* the PostgreSQL database, "" for SQLite */
	db *d;
	char keyfile[64];  /* testdb_keys(): the data key file, "" none */
	crypt_keys *keys;
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

/* A data key file of the test's own (key 1), recorded by the database as
 * current and set on the connection, so that sealed values seal.  0 or -1
 * (said on stderr). */
static inline int testdb_keys(struct testdb *t)
{
	char err[300];
	int fd;

	snprintf(t->keyfile, sizeof t->keyfile, "/tmp/vigil-test-key-XXXXXX");
	fd = mkstemp(t->keyfile);
	if (fd < 0)
		return -1;
	close(fd);
	unlink(t->keyfile); /* made by crypt_keyfile_create, which never overwrites */
	if (crypt_keyfile_create(t->keyfile, err, sizeof err) < 0 ||
	    crypt_keys_load(t->keyfile, &t->keys, err, sizeof err) < 0 ||
	    sealed_attach(t->d, t->keys, err, sizeof err) < 0) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	db_set_keys(t->d, t->keys);
	return 0;
}

/* An agency (code, made now) and a user of role in it: the user's id (and
 * the agency's in *agency_id), or -1. */
static inline int64_t testdb_user(struct testdb *t, const char *agency, const char *username,
				  const char *name, enum role role, int64_t *agency_id)
{
	char hash[SECRET_HASH_LEN];
	int64_t a = agency_add(t->d, agency, agency, "police");

	if (a <= 0 || secret_password_hash("a long enough password", hash) < 0)
		return -1;
	if (agency_id)
		*agency_id = a;
	return user_add(t->d, username, name, role, a, hash);
}

/* Close t and remove its database (the SQLite file with its log, or the
 * PostgreSQL database) and its key file. */
static inline void testdb_remove(struct testdb *t)
{
	char p[600];

	db_close(t->d);
	t->d = NULL;
	crypt_keys_free(t->keys);
	t->keys = NULL;
	if (t->keyfile[0])
		unlink(t->keyfile);
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

/*
 * A group's setup and teardown, for a fixture whose first member is a
 * struct testdb: size bytes zeroed, the database opened (on PostgreSQL when
 * pgname is given), then seed(fixture) when given; the teardown removes the
 * database and frees the fixture.
 */
static inline int testdb_setup(void **state, size_t size, const char *pgname,
			       int (*seed)(void *fixture))
{
	struct testdb *t = calloc(1, size);

	*state = t;
	if (!t || testdb_open(t, pgname) < 0)
		return -1;
	return seed ? seed(t) : 0;
}

static inline int testdb_teardown(void **state)
{
	struct testdb *t = *state;

	if (t)
		testdb_remove(t);
	free(t);
	return 0;
}

#endif
