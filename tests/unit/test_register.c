/*
 * Unit tests for ops/register and store/register on SQLite: a suspect's
 * phone typed another way is recognised as a register entry's and another
 * case's suspect, once; a name or alias with the same date of birth is, with
 * another date of birth it is not; a removed entry is recognised no more and
 * is purged leaving nothing of him and one audit entry; an export verifies
 * where its key is trusted, and a payload altered by one byte, or signed by
 * a key not trusted, is refused with nothing imported; an entry made after
 * his cases is linked to them, telling no one.
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

#include "base/secret.h"
#include "core/identifier.h"
#include "db/db.h"
#include "ops/register.h"
#include "store/account.h"
#include "store/audit.h"
#include "store/cases.h"
#include "store/people.h"
#include "store/register.h"
#include "testdb.h"

#define DAY (24LL * 3600 * 1000)

struct fx {
	struct testdb t;
	char dir[64];
	int64_t sup, agency;
	struct ops_ctx x;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);
	char hash[SECRET_HASH_LEN];
	struct ops_actor who = { 0 };

	*state = f;
	if (!f || testdb_open(&f->t, NULL) < 0)
		return -1;
	snprintf(f->dir, sizeof f->dir, "/tmp/vigil-reg-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	f->agency = agency_add(f->t.d, "met", "Met", "police");
	if (f->agency <= 0 || secret_password_hash("a long enough password", hash) < 0)
		return -1;
	f->sup = user_add(f->t.d, "sup1", "Sue Pervisor", ROLE_SUPERVISOR, f->agency, hash);
	who.user_id = f->sup;
	snprintf(who.username, sizeof who.username, "sup1");
	who.role = ROLE_SUPERVISOR;
	who.agency_id = f->agency;
	snprintf(who.agency, sizeof who.agency, "met");
	ops_init(&f->x, NULL, f->t.d, &who);
	return f->sup > 0 ? 0 : -1;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	char p[600];

	if (!f)
		return 0;
	testdb_remove(&f->t);
	if (f->dir[0]) {
		snprintf(p, sizeof p, "rm -rf '%s'", f->dir);
		if (system(p) != 0)
			fprintf(stderr, "could not remove %s\n", f->dir);
	}
	free(f);
	return 0;
}

/* A person with one identifier (normalised as the API does) and aliases. */
struct who {
	struct person_in in;
	struct person_identifier id;
	char norm[IDENTIFIER_MAX + 1];
};

static void person(struct who *w, const char *name, const char *dob, enum identifier_kind k,
		   const char *value, const char *const *aliases, int naliases)
{
	memset(w, 0, sizeof *w);
	w->in.full_name = name;
	w->in.dob = dob;
	w->in.aliases = aliases;
	w->in.naliases = naliases;
	if (value) {
		assert_int_equal(identifier_normalise(k, value, w->norm, sizeof w->norm, NULL, 0), 0);
		w->id = (struct person_identifier){ k, w->norm, w->norm };
		w->in.ids = &w->id;
		w->in.nids = 1;
	}
}

static int64_t enter(struct fx *f, struct who *w)
{
	struct reg_enter in = { .person = w->in };
	int64_t id;

	in.d = (struct reg_decision){ "spo", "SPO/1", "serial", 2, "sup1", f->x.now + 30 * DAY, 0,
				      "full order granted" };
	assert_int_equal(db_begin_write(f->t.d), DB_OK);
	id = reg_entry_enter(&f->x, &in);
	assert_true(id > 0);
	assert_int_equal(db_commit(f->t.d), DB_OK);
	return id;
}

/* A case whose suspect is w; the recognitions reg_recognise added. */
static int64_t case_with(struct fx *f, struct who *w, int *added)
{
	struct case_new n = { "stranger", "online", NULL, f->sup, f->agency, f->sup, 2026, 0 };
	char ref[24];
	int64_t id, pid;

	assert_int_equal(db_begin_write(f->t.d), DB_OK);
	id = case_insert(f->t.d, &n, ref);
	assert_true(id > 0);
	pid = person_insert(f->t.d, &w->in);
	assert_true(pid > 0);
	assert_int_equal(case_person_add(f->t.d, id, pid, "suspect"), 0);
	*added = reg_recognise(&f->x, id);
	assert_int_equal(db_commit(f->t.d), DB_OK);
	return id;
}

struct seen {
	int n, entries, cases;
	char matched[8][128];
};

static int count_match(const struct register_match *m, void *arg)
{
	struct seen *s = arg;

	if (s->n < 8)
		snprintf(s->matched[s->n], sizeof s->matched[0], "%s", m->matched);
	s->n++;
	s->entries += m->entry_id != 0;
	s->cases += m->other_case_id != 0;
	return 0;
}

static int64_t count(struct fx *f, const char *sql)
{
	db_stmt *s;
	int64_t n = -1;

	assert_int_equal(db_prepare(f->t.d, &s, sql), DB_OK);
	if (db_step(s) == DB_ROW)
		n = db_column_int64(s, 0);
	db_finalize(s);
	return n;
}

static void a_phone_typed_another_way_is_recognised_once(void **state)
{
	struct fx *f = *state;
	struct who a, b, c;
	struct seen s = { 0 };
	int added;
	int64_t entry, first, second;

	person(&a, "Gary Fixated", NULL, IDENT_PHONE, "07700 900123", NULL, 0);
	entry = enter(f, &a);
	person(&b, "Unknown", NULL, IDENT_PHONE, "+44 (0)7700-900.123", NULL, 0);
	first = case_with(f, &b, &added);
	assert_int_equal(added, 1);
	assert_int_equal(register_matches_each(f->t.d, first, 0, count_match, &s), 0);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.entries, 1);
	assert_string_equal(s.matched[0], "phone +447700900123");
	/* a second case: the entry and the first case */
	person(&c, "Another", NULL, IDENT_PHONE, "0044 7700 900123", NULL, 0);
	second = case_with(f, &c, &added);
	assert_int_equal(added, 2);
	/* recognising again adds nothing */
	assert_int_equal(db_begin_write(f->t.d), DB_OK);
	assert_int_equal(reg_recognise(&f->x, second), 0);
	assert_int_equal(db_commit(f->t.d), DB_OK);
	memset(&s, 0, sizeof s);
	assert_int_equal(register_matches_each(f->t.d, second, 0, count_match, &s), 0);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.cases, 1);
	/* the entry counts both cases, and its history says so */
	memset(&s, 0, sizeof s);
	assert_int_equal(register_matches_each(f->t.d, 0, entry, count_match, &s), 0);
	assert_int_equal(s.n, 2);
	assert_int_equal(count(f, "SELECT COUNT(*) FROM register_history WHERE action = 'recognised'"), 2);
}

static void a_name_or_alias_with_the_same_date_of_birth_is_recognised(void **state)
{
	struct fx *f = *state;
	static const char *const aliases[] = { "Bobby Dazzler" };
	struct who a, b, c, d;
	struct seen s = { 0 };
	int added;
	int64_t id;

	person(&a, "Robert Aliasman", "1975-06-07", IDENT_EMAIL, "ra@example.org", aliases, 1);
	enter(f, &a);
	person(&b, "BOBBY  DAZZLER", "1975-06-07", IDENT_PHONE, NULL, NULL, 0);
	id = case_with(f, &b, &added);
	assert_int_equal(added, 1);
	assert_int_equal(register_matches_each(f->t.d, id, 0, count_match, &s), 0);
	assert_string_equal(s.matched[0], "name and date of birth");
	person(&c, "Bobby Dazzler", "1975-06-08", IDENT_PHONE, NULL, NULL, 0);
	case_with(f, &c, &added);
	assert_int_equal(added, 0);
	person(&d, "Robert Aliasman", NULL, IDENT_PHONE, NULL, NULL, 0);
	case_with(f, &d, &added);
	assert_int_equal(added, 0);
}

static void a_removed_entry_is_not_recognised_and_is_purged_leaving_nothing(void **state)
{
	struct fx *f = *state;
	struct who a, b;
	int added;
	int64_t entry, person_id;
	char sql[200];

	person(&a, "Temporary Person", NULL, IDENT_VEHICLE, "ab12 cde", NULL, 0);
	entry = enter(f, &a);
	snprintf(sql, sizeof sql, "SELECT person_id FROM register_entries WHERE id = %lld",
		 (long long)entry);
	person_id = count(f, sql);
	assert_int_equal(db_begin_write(f->t.d), DB_OK);
	assert_int_equal(reg_entry_remove(&f->x, entry, 1, "no"), ERR_BAD_REQUEST);
	assert_int_equal(reg_entry_remove(&f->x, entry, 2, "the panel lifted it"), ERR_CONFLICT);
	assert_int_equal(reg_entry_remove(&f->x, entry, 1, "the panel lifted it"), 0);
	assert_int_equal(db_commit(f->t.d), DB_OK);
	person(&b, "Someone", NULL, IDENT_VEHICLE, "AB12CDE", NULL, 0);
	case_with(f, &b, &added);
	assert_int_equal(added, 0);

	assert_int_equal(reg_purge(&f->x, true), 1);
	snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM register_history WHERE entry_id = %lld",
		 (long long)entry);
	assert_int_equal(count(f, sql), 0);
	snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM person_identifiers WHERE person_id = %lld",
		 (long long)person_id);
	assert_int_equal(count(f, sql), 0);
	snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM persons WHERE id = %lld", (long long)person_id);
	assert_int_equal(count(f, sql), 0);
	assert_int_equal(count(f, "SELECT COUNT(*) FROM register_entries"), 0);
	snprintf(sql, sizeof sql,
		 "SELECT COUNT(*) FROM audit_log WHERE action = 'register.purge' AND object ="
		 " 'register:%lld'",
		 (long long)entry);
	assert_int_equal(count(f, sql), 1);
	assert_int_equal(reg_purge(&f->x, true), 0);
}

static void an_export_verifies_where_trusted_and_a_tampered_one_is_refused(void **state)
{
	struct fx *f = *state;
	unsigned char sk[SECRET_SIGN_SK_LEN];
	char key[128], trust[128], pk[SECRET_SIGN_PK_HEX], err[300], issuer[64];
	struct who a;
	json_t *doc, *bad;
	char *payload;
	FILE *t;
	int rc, added, updated;

	person(&a, "Exported Man", "1980-01-01", IDENT_PHONE, "07700900999", NULL, 0);
	enter(f, &a);
	snprintf(key, sizeof key, "%s/key", f->dir);
	snprintf(trust, sizeof trust, "%s/trusted", f->dir);
	assert_int_equal(secret_sign_key_create(key, pk, err, sizeof err), 0);
	assert_int_equal(secret_sign_key_load(key, sk, pk, err, sizeof err), 0);
	doc = reg_export(&f->x, sk, pk, &rc);
	assert_non_null(doc);
	secret_wipe(sk, sizeof sk);

	/* not trusted yet */
	t = fopen(trust, "w");
	assert_non_null(t);
	fprintf(t, "# none of ours\n%s other\n", "ab" "ab" "ab" "ab");
	fclose(t);
	assert_int_equal(db_begin_write(f->t.d), DB_OK);
	rc = reg_import(&f->x, doc, trust, NULL, "monthly exchange", &added, &updated, issuer,
			sizeof issuer);
	assert_int_equal(rc, ERR_SIGNATURE_INVALID);
	db_rollback(f->t.d);

	t = fopen(trust, "w");
	assert_non_null(t);
	fprintf(t, "%s met\n", pk);
	fclose(t);
	/* one byte of the payload changed: refused */
	bad = json_deep_copy(doc);
	payload = strdup(json_string_value(json_object_get(bad, "payload")));
	payload[strlen(payload) / 2] ^= 1;
	json_object_set_new(bad, "payload", json_string(payload));
	free(payload);
	assert_int_equal(db_begin_write(f->t.d), DB_OK);
	rc = reg_import(&f->x, bad, trust, NULL, "monthly exchange", &added, &updated, issuer,
			sizeof issuer);
	assert_int_equal(rc, ERR_SIGNATURE_INVALID);
	assert_int_equal(added, 0);
	db_rollback(f->t.d);
	json_decref(bad);

	/* as signed: brought in, then known */
	assert_int_equal(db_begin_write(f->t.d), DB_OK);
	rc = reg_import(&f->x, doc, trust, NULL, "monthly exchange", &added, &updated, issuer,
			sizeof issuer);
	assert_int_equal(rc, 0);
	assert_int_equal(db_commit(f->t.d), DB_OK);
	assert_string_equal(issuer, "met");
	assert_true(added >= 1);
	assert_int_equal(db_begin_write(f->t.d), DB_OK);
	rc = reg_import(&f->x, doc, trust, NULL, "monthly exchange", &added, &updated, issuer,
			sizeof issuer);
	assert_int_equal(rc, 0);
	assert_int_equal(db_commit(f->t.d), DB_OK);
	assert_int_equal(added, 0);
	assert_true(updated >= 1);
	json_decref(doc);
}

static void an_entry_made_after_his_cases_is_linked_to_them_and_tells_no_one(void **state)
{
	struct fx *f = *state;
	struct who a, b, c;
	struct seen s = { 0 };
	int added;
	char sql[200];
	int64_t entry;

	person(&b, "Earlier Case", NULL, IDENT_HANDLE, "@Night.Owl", NULL, 0);
	case_with(f, &b, &added);
	person(&c, "Unrelated", NULL, IDENT_HANDLE, "@day.lark", NULL, 0);
	case_with(f, &c, &added);
	person(&a, "Night Owl", NULL, IDENT_HANDLE, "night.owl", NULL, 0);
	entry = enter(f, &a);
	snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM register_entry_cases WHERE entry_id = %lld",
		 (long long)entry);
	assert_int_equal(count(f, sql), 1);
	assert_int_equal(register_matches_each(f->t.d, 0, entry, count_match, &s), 0);
	assert_int_equal(s.n, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(a_phone_typed_another_way_is_recognised_once, setup,
						teardown),
		cmocka_unit_test_setup_teardown(a_name_or_alias_with_the_same_date_of_birth_is_recognised,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			a_removed_entry_is_not_recognised_and_is_purged_leaving_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(
			an_export_verifies_where_trusted_and_a_tampered_one_is_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(
			an_entry_made_after_his_cases_is_linked_to_them_and_tells_no_one, setup, teardown),
	};

	return cmocka_run_group_tests_name("ops/register on SQLite", tests, NULL, NULL);
}
