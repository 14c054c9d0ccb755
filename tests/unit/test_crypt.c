/* Unit tests for base/crypt: the data key file, sealed values and match keys. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/crypt.h"

struct fx {
	char dir[64];
	char path[128];
	crypt_keys *k;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);
	char err[300];

	if (!f || sodium_init() < 0)
		return -1;
	snprintf(f->dir, sizeof f->dir, "/tmp/vigil-crypt-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->path, sizeof f->path, "%s/data.key", f->dir);
	if (crypt_keyfile_create(f->path, err, sizeof err) < 0 ||
	    crypt_keys_load(f->path, &f->k, err, sizeof err) < 0 || crypt_keys_set_current(f->k, 1) < 0) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	char cmd[200];

	crypt_keys_free(f->k);
	snprintf(cmd, sizeof cmd, "rm -rf %s", f->dir);
	if (system(cmd) != 0)
		return -1;
	free(f);
	return 0;
}

/* Open s with ad; the plain text (caller frees) or NULL, why filled. */
static char *open_it(crypt_keys *k, const char *ad, const char *s, char *why, size_t whylen)
{
	char *out = NULL;

	why[0] = '\0';
	if (crypt_open(k, ad, s, &out, NULL, why, whylen) < 0)
		return NULL;
	return out;
}

static void round_trip(void **state)
{
	struct fx *f = *state;
	const char *plain = "12 St John's Road, London N1 2AB";
	char *s = crypt_seal(f->k, "person_identifiers.value:7", plain, strlen(plain)), *back, why[200];
	size_t len = 0;

	assert_non_null(s);
	assert_int_equal(crypt_sealed_key(s), 1);
	assert_null(strstr(s, "London"));
	assert_int_equal(crypt_open(f->k, "person_identifiers.value:7", s, &back, &len, why, sizeof why),
			 0);
	assert_string_equal(back, plain);
	assert_int_equal(len, strlen(plain));
	free(back);
	free(s);
	/* empty values seal and open too */
	s = crypt_seal(f->k, "x:1", "", 0);
	back = open_it(f->k, "x:1", s, why, sizeof why);
	assert_non_null(back);
	assert_string_equal(back, "");
	free(back);
	free(s);
}

static void each_seal_differs(void **state)
{
	struct fx *f = *state;
	char *a = crypt_seal(f->k, "x:1", "same", 4), *b = crypt_seal(f->k, "x:1", "same", 4);

	assert_string_not_equal(a, b); /* a fresh nonce each time */
	free(a);
	free(b);
}

static void wrong_associated_data_does_not_open(void **state)
{
	struct fx *f = *state;
	char *s = crypt_seal(f->k, "persons.full_name:12", "Jane Doe", 8), why[200];

	assert_null(open_it(f->k, "persons.full_name:13", s, why, sizeof why));
	assert_non_null(strstr(why, "altered in the database, or sealed for another row"));
	assert_null(open_it(f->k, "persons.description:12", s, why, sizeof why));
	free(s);
}

static void tampered_value_does_not_open(void **state)
{
	struct fx *f = *state;
	char *s = crypt_seal(f->k, "a:1", "07700 900123", 12), why[200];
	size_t n = strlen(s);

	/* a character of the ciphertext changed */
	s[n - 5] = s[n - 5] == 'A' ? 'B' : 'A';
	assert_null(open_it(f->k, "a:1", s, why, sizeof why));
	assert_non_null(strstr(why, "altered"));
	/* cut short */
	s[20] = '\0';
	assert_null(open_it(f->k, "a:1", s, why, sizeof why));
	assert_non_null(strstr(why, "well-formed"));
	free(s);
	/* clear text where a sealed value should be */
	assert_null(open_it(f->k, "a:1", "07700 900123", why, sizeof why));
	assert_non_null(strstr(why, "not a sealed value"));
	assert_null(open_it(f->k, "a:1", "vs1.x.AAAA", why, sizeof why));
	assert_non_null(strstr(why, "not a sealed value"));
}

static void wrong_key_does_not_open(void **state)
{
	struct fx *f = *state;
	char other[160], err[300], why[200], *s;
	crypt_keys *k2;

	/* another file's key 1 */
	snprintf(other, sizeof other, "%s/other.key", f->dir);
	assert_int_equal(crypt_keyfile_create(other, err, sizeof err), 0);
	assert_int_equal(crypt_keys_load(other, &k2, err, sizeof err), 0);
	s = crypt_seal(f->k, "a:1", "secret", 6);
	assert_null(open_it(k2, "a:1", s, why, sizeof why));
	assert_non_null(strstr(why, "does not open with key 1"));
	/* the two key 1s have different check values */
	{
		char c1[CRYPT_CHECK_LEN], c2[CRYPT_CHECK_LEN];

		assert_int_equal(crypt_keys_check(f->k, 1, c1), 0);
		assert_int_equal(crypt_keys_check(k2, 1, c2), 0);
		assert_string_not_equal(c1, c2);
		assert_int_equal(strlen(c1), 16);
	}
	/* no key current: nothing seals */
	assert_null(crypt_seal(k2, "a:1", "x", 1));
	crypt_keys_free(k2);
	free(s);
}

static void unknown_key_is_named(void **state)
{
	struct fx *f = *state;
	char *s = crypt_seal(f->k, "a:1", "secret", 6), why[200];

	/* the same value claiming key 7 */
	char *moved = malloc(strlen(s) + 2);

	sprintf(moved, "vs1.7.%s", s + strlen("vs1.1."));
	assert_null(open_it(f->k, "a:1", moved, why, sizeof why));
	assert_non_null(strstr(why, "sealed with key 7, which the data key file"));
	free(moved);
	free(s);
}

static void rotation_keeps_old_values_readable(void **state)
{
	struct fx *f = *state;
	char err[300], why[200], *old, *neu, *back;
	int id = 0;

	old = crypt_seal(f->k, "a:1", "before", 6);
	assert_int_equal(crypt_keyfile_add(f->path, &id, err, sizeof err), 0);
	assert_int_equal(id, 2);
	/* the file changed: a reload sees key 2, key 1 stays current */
	assert_int_equal(crypt_keys_reload(f->k, false, err, sizeof err), 1);
	assert_int_equal(crypt_keys_reload(f->k, false, err, sizeof err), 0);
	assert_true(crypt_keys_has(f->k, 2));
	assert_int_equal(crypt_keys_current(f->k), 1);
	assert_int_equal(crypt_keys_set_current(f->k, 2), 0);
	neu = crypt_seal(f->k, "a:1", "after", 5);
	assert_int_equal(crypt_sealed_key(neu), 2);
	back = open_it(f->k, "a:1", old, why, sizeof why);
	assert_string_equal(back, "before");
	free(back);
	back = open_it(f->k, "a:1", neu, why, sizeof why);
	assert_string_equal(back, "after");
	free(back);
	/* key 1 retired: what it sealed no longer opens, key 2's does */
	assert_int_equal(crypt_keyfile_remove(f->path, 1, err, sizeof err), 0);
	assert_int_equal(crypt_keys_reload(f->k, false, err, sizeof err), 1);
	assert_false(crypt_keys_has(f->k, 1));
	assert_int_equal(crypt_keys_current(f->k), 2);
	assert_null(open_it(f->k, "a:1", old, why, sizeof why));
	assert_non_null(strstr(why, "key 1"));
	back = open_it(f->k, "a:1", neu, why, sizeof why);
	assert_string_equal(back, "after");
	free(back);
	/* the last key is never removed */
	assert_int_equal(crypt_keyfile_remove(f->path, 2, err, sizeof err), -1);
	free(old);
	free(neu);
}

static void a_key_added_elsewhere_is_found_when_opening(void **state)
{
	struct fx *f = *state;
	char err[300], why[200], *s, *back;
	crypt_keys *k2;
	int id;

	/* another process adds key 2 and seals with it */
	assert_int_equal(crypt_keyfile_add(f->path, &id, err, sizeof err), 0);
	assert_int_equal(crypt_keys_load(f->path, &k2, err, sizeof err), 0);
	assert_int_equal(crypt_keys_set_current(k2, 2), 0);
	s = crypt_seal(k2, "a:1", "new", 3);
	/* ours, read before, looks in the file again */
	back = open_it(f->k, "a:1", s, why, sizeof why);
	assert_non_null(back);
	assert_string_equal(back, "new");
	free(back);
	free(s);
	crypt_keys_free(k2);
}

static void match_keys(void **state)
{
	struct fx *f = *state;
	char a[CRYPT_MATCH_LEN], b[CRYPT_MATCH_LEN], c[CRYPT_MATCH_LEN], err[300], other[160];
	crypt_keys *k2;

	assert_int_equal(crypt_match(f->k, 0, "phone", "+447700900123", a), 0);
	assert_int_equal(crypt_match(f->k, 1, "phone", "+447700900123", b), 0);
	assert_string_equal(a, b); /* deterministic: it can be looked up */
	assert_int_equal(crypt_match_key(a), 1);
	assert_null(strstr(a, "7700"));
	assert_int_equal(crypt_match(f->k, 0, "email", "+447700900123", c), 0);
	assert_string_not_equal(a, c); /* the domain counts */
	assert_int_equal(crypt_match(f->k, 0, "phone", "+447700900124", c), 0);
	assert_string_not_equal(a, c);
	assert_int_equal(crypt_match(f->k, 9, "phone", "+447700900123", c), -1);
	/* another key, another match key */
	snprintf(other, sizeof other, "%s/m.key", f->dir);
	assert_int_equal(crypt_keyfile_create(other, err, sizeof err), 0);
	assert_int_equal(crypt_keys_load(other, &k2, err, sizeof err), 0);
	assert_int_equal(crypt_match(k2, 1, "phone", "+447700900123", c), 0);
	assert_string_not_equal(a, c);
	assert_int_equal(crypt_match_key("+447700900123"), 0);
	crypt_keys_free(k2);
}

static void key_file_is_checked(void **state)
{
	struct fx *f = *state;
	char path[160], err[300];
	crypt_keys *k2 = NULL;
	struct stat st;
	int fd;

	/* made 0600, never overwritten */
	assert_int_equal(stat(f->path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(crypt_keyfile_create(f->path, err, sizeof err), -1);
	assert_non_null(strstr(err, "never overwritten"));
	/* missing */
	snprintf(path, sizeof path, "%s/missing.key", f->dir);
	assert_int_equal(crypt_keys_load(path, &k2, err, sizeof err), -1);
	assert_non_null(strstr(err, "cannot read the data key file"));
	assert_null(k2);
	/* readable by others */
	assert_int_equal(chmod(f->path, 0644), 0);
	assert_int_equal(crypt_keys_load(f->path, &k2, err, sizeof err), -1);
	assert_non_null(strstr(err, "chmod 600"));
	assert_int_equal(chmod(f->path, 0600), 0);
	/* not a key file: the audit key's format, a truncated key, a duplicate */
	const char *bad[] = {
		"public 00\nsecret 00\n",
		"key 1 0011\n",
		"key 0 " "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n",
		"key 1 00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n"
		"key 1 00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n",
		"# only a comment\n",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		snprintf(path, sizeof path, "%s/bad%zu.key", f->dir, i);
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
		assert_true(fd >= 0);
		assert_int_equal(write(fd, bad[i], strlen(bad[i])), (ssize_t)strlen(bad[i]));
		close(fd);
		assert_int_equal(crypt_keys_load(path, &k2, err, sizeof err), -1);
		assert_non_null(strstr(err, path));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(each_seal_differs, setup, teardown),
		cmocka_unit_test_setup_teardown(wrong_associated_data_does_not_open, setup, teardown),
		cmocka_unit_test_setup_teardown(tampered_value_does_not_open, setup, teardown),
		cmocka_unit_test_setup_teardown(wrong_key_does_not_open, setup, teardown),
		cmocka_unit_test_setup_teardown(unknown_key_is_named, setup, teardown),
		cmocka_unit_test_setup_teardown(rotation_keeps_old_values_readable, setup, teardown),
		cmocka_unit_test_setup_teardown(a_key_added_elsewhere_is_found_when_opening, setup,
						teardown),
		cmocka_unit_test_setup_teardown(match_keys, setup, teardown),
		cmocka_unit_test_setup_teardown(key_file_is_checked, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
