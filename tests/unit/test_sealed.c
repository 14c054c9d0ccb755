/*
 * Unit tests for store/sealed on a real database (SQLite, and PostgreSQL when
 * VIGIL_TEST_PG names a server): a rotation re-seals every one of a victim's
 * aliases and identifiers, however many she has, so that the old key can be
 * retired and her values still open without it; and it ends when a victim's
 * name gives no match key.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/crypt.h"
#include "base/secret.h"
#include "core/identifier.h"
#include "db/db.h"
#include "store/account.h"
#include "store/cases.h"
#include "store/people.h"
#include "store/sealed.h"
#include "testdb.h"

/* More than a page of each (the pass once read the first 32 aliases and the
 * first 64 identifiers only). */
#define NALIASES 70
#define NIDS 150

struct fx {
	struct testdb t; /* first: testdb_setup() */
	int64_t user, agency, person;
};

/* A case whose victim has NALIASES aliases and NIDS identifiers. */
static int seed(void *fixture)
{
	struct fx *f = fixture;
	struct sealed_progress pr = { 0 };
	static char aliases[NALIASES][32], values[NIDS][64];
	const char *alias[NALIASES];
	struct person_identifier ids[NIDS];
	struct person_in p = { 0 };
	char ref[24];
	struct case_new n = { "ex_partner", "online", NULL, 0, 0, 0, 2026, 0 };
	int64_t case_id;

	/* key 1 current, and its first sealing (of nothing) done */
	if (testdb_keys(&f->t) < 0 || sealed_run_pending(f->t.d, 100, &pr, NULL, NULL) < 0)
		return -1;
	f->user = testdb_user(&f->t, "met", "operator1", "Omar", ROLE_OPERATOR, &f->agency);
	if (f->user <= 0)
		return -1;
	for (int i = 0; i < NALIASES; i++) {
		snprintf(aliases[i], sizeof aliases[i], "Jane Alias %d", i);
		alias[i] = aliases[i];
	}
	for (int i = 0; i < NIDS; i++) {
		snprintf(values[i], sizeof values[i], "jane.%d@example.org", i);
		ids[i].kind = IDENT_EMAIL;
		ids[i].value = values[i];
		ids[i].match_key = values[i];
	}
	p.sealed = true;
	p.full_name = "Jane Doe";
	p.dob = "1990-01-02";
	p.description = "tall";
	p.aliases = alias;
	p.naliases = NALIASES;
	p.ids = ids;
	p.nids = NIDS;
	n.owner_id = n.agency_id = n.created_by = f->user;
	n.agency_id = f->agency;
	if (db_begin_write(f->t.d) < 0)
		return -1;
	case_id = case_insert(f->t.d, &n, ref);
	f->person = case_id > 0 ? person_insert(f->t.d, &p) : -1;
	if (f->person <= 0 || case_person_add(f->t.d, case_id, f->person, "victim") < 0)
		return -1;
	return db_commit(f->t.d) < 0 ? -1 : 0;
}

static int setup_sqlite(void **state)
{
	return testdb_setup(state, sizeof(struct fx), NULL, seed);
}

static int setup_pg(void **state)
{
	return testdb_setup(state, sizeof(struct fx), "vigil_unit_sealed", seed);
}

static int count_alias(const char *name, void *arg)
{
	(void)name;
	++*(int *)arg;
	return 0;
}

static int count_identifier(const char *kind, const char *value, void *arg)
{
	(void)kind;
	(void)value;
	++*(int *)arg;
	return 0;
}

/* How many of the person's aliases open (person_aliases_each opens 64 at
 * the most). */
static int64_t aliases_opened(struct fx *f)
{
	char ad[SEALED_AD_MAX], *name;
	db_stmt *s;
	int64_t n = 0;

	sealed_ad(ad, "person_aliases.name", f->person);
	assert_int_equal(db_query(f->t.d, &s, "SELECT name FROM person_aliases WHERE person_id = ?",
				  "i", f->person),
			 DB_OK);
	while (db_step(s) == DB_ROW) {
		if (sealed_get(f->t.d, ad, db_column_text(s, 0), &name) == 0)
			n++;
		free(name);
	}
	db_finalize(s);
	return n;
}

/* How many of the values sql reads are sealed with key id (match: are match
 * keys under key id). */
static int64_t sealed_with(struct fx *f, const char *sql, bool match, int id)
{
	db_stmt *s;
	int64_t n = 0;

	assert_int_equal(db_prepare(f->t.d, &s, sql), DB_OK);
	while (db_step(s) == DB_ROW) {
		const char *v = db_column_text(s, 0);

		n += (match ? crypt_match_key(v) : crypt_sealed_key(v)) == id;
	}
	db_finalize(s);
	return n;
}

static void a_rotation_reseals_every_alias_and_identifier(void **state)
{
	struct fx *f = *state;
	struct sealed_progress pr = { 0 };
	int64_t counts[8], clear;
	char err[300];
	int id, n;

	/* all sealed with key 1, and the census counts every one: her name and
	 * its match key, her date of birth, her description, and each alias's
	 * and each identifier's value and match key */
	assert_int_equal(sealed_with(f, "SELECT name FROM person_aliases", false, 1), NALIASES);
	assert_int_equal(sealed_with(f, "SELECT value FROM person_identifiers", false, 1), NIDS);
	assert_int_equal(sealed_census(f->t.d, counts, 8, &clear), 0);
	assert_int_equal(counts[1], 4 + 2 * NALIASES + 2 * NIDS);
	assert_int_equal(clear, 0);

	/* key 2 added to the file and rotated to */
	assert_int_equal(crypt_keyfile_add(f->t.keyfile, &id, err, sizeof err), 0);
	assert_int_equal(id, 2);
	assert_int_equal(crypt_keys_reload(f->t.keys, false, err, sizeof err), 1);
	assert_int_equal(sealed_rotate(f->t.d, 2, 100, 0, &pr, NULL, NULL), 0);
	assert_int_equal(pr.broken, 0);
	/* each value sealed anew once (its match key with it): her name, date
	 * of birth and description, every alias and every identifier */
	assert_int_equal(pr.sealed, 3 + NALIASES + NIDS);

	/* nothing is left with key 1, and the census says so */
	assert_int_equal(sealed_with(f, "SELECT name FROM person_aliases", false, 2), NALIASES);
	assert_int_equal(sealed_with(f, "SELECT name_key FROM person_aliases", true, 2), NALIASES);
	assert_int_equal(sealed_with(f, "SELECT value FROM person_identifiers", false, 2), NIDS);
	assert_int_equal(sealed_with(f, "SELECT match_key FROM person_identifiers", true, 2), NIDS);
	assert_int_equal(sealed_census(f->t.d, counts, 8, &clear), 0);
	assert_int_equal(counts[1], 0);
	assert_int_equal(counts[2], 4 + 2 * NALIASES + 2 * NIDS);
	assert_int_equal(clear, 0);

	/* key 1 retired and gone from the file: her values still open */
	assert_int_equal(sealed_retire(f->t.d, 1, err, sizeof err), 0);
	assert_int_equal(crypt_keyfile_remove(f->t.keyfile, 1, err, sizeof err), 0);
	assert_int_equal(crypt_keys_reload(f->t.keys, false, err, sizeof err), 1);
	assert_false(crypt_keys_has(f->t.keys, 1));
	n = 0;
	assert_int_equal(person_identifiers_each(f->t.d, f->person, true, count_identifier, &n),
			 0);
	assert_int_equal(n, NIDS);
	assert_int_equal(aliases_opened(f), NALIASES);
	/* and are all shown (once, the first 64 only) */
	n = 0;
	assert_int_equal(person_aliases_each(f->t.d, f->person, true, count_alias, &n), 0);
	assert_int_equal(n, NALIASES);
}

/* A victim whose name gives no match key (no letter or digit in it) has
 * none: a rotation re-seals her name once, and a census does not count the
 * match key she lacks as a value in clear. */
static void a_name_with_no_match_key_does_not_stop_a_rotation(void **state)
{
	static const char *const names[] = { "?", "Mary Roe" };
	struct fx *f = *state;
	struct sealed_progress pr = { 0 };
	struct case_new n = { "ex_partner", "online", NULL, 0, 0, 0, 2026, 0 };
	int64_t counts[8], clear, case_id, person, nokey;
	char err[300], ref[24];
	int id;

	n.owner_id = n.created_by = f->user;
	n.agency_id = f->agency;
	assert_int_equal(db_begin_write(f->t.d), DB_OK);
	case_id = case_insert(f->t.d, &n, ref);
	assert_true(case_id > 0);
	for (int i = 0; i < 2; i++) {
		struct person_in p = { .sealed = true, .full_name = names[i] };

		person = person_insert(f->t.d, &p);
		assert_true(person > 0);
		assert_int_equal(case_person_add(f->t.d, case_id, person, "victim"), 0);
	}
	assert_int_equal(db_commit(f->t.d), DB_OK);
	/* "?" has no match key */
	assert_int_equal(db_get_int64(f->t.d, &nokey,
				      "SELECT COUNT(*) FROM persons WHERE full_name IS NOT NULL"
				      " AND name_key IS NULL",
				      ""),
			 1);
	assert_int_equal(nokey, 1);

	assert_int_equal(crypt_keyfile_add(f->t.keyfile, &id, err, sizeof err), 0);
	assert_int_equal(crypt_keys_reload(f->t.keys, false, err, sizeof err), 1);
	assert_int_equal(sealed_rotate(f->t.d, id, 100, 0, &pr, NULL, NULL), 0);
	assert_int_equal(pr.broken, 0);
	assert_int_equal(sealed_census(f->t.d, counts, 8, &clear), 0);
	assert_int_equal(clear, 0);
	assert_true(id < 8);
	for (int k = 1; k < 8; k++)
		if (k != id)
			assert_int_equal(counts[k], 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_rotation_reseals_every_alias_and_identifier),
		cmocka_unit_test(a_name_with_no_match_key_does_not_stop_a_rotation),
	};
	int failed = cmocka_run_group_tests_name("store/sealed on SQLite", tests, setup_sqlite,
						 testdb_teardown);

	if (getenv("VIGIL_TEST_PG") && *getenv("VIGIL_TEST_PG"))
		failed += cmocka_run_group_tests_name("store/sealed on PostgreSQL", tests, setup_pg,
						      testdb_teardown);
	return failed;
}
