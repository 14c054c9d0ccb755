/* Unit tests for core/account (field rules, sign-in throttling) and
 * core/access (the permission table). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "core/access.h"
#include "core/account.h"

static void usernames(void **state)
{
	static const char *good[] = { "ab", "olivia.grant", "dc_4021", "a-b", "0day" };
	static const char *bad[] = { "", "a", "Olivia", "-lead", ".dot", "has space", "x'y",
				     "é", "a;b",
				     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" };
	char why[200];

	(void)state;
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
		if (account_username_check(good[i], why, sizeof why) != 0)
			fail_msg("refused '%s': %s", good[i], why);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		if (account_username_check(bad[i], why, sizeof why) == 0)
			fail_msg("accepted '%s'", bad[i]);
}

static void passwords(void **state)
{
	char why[200], big[ACCOUNT_PASSWORD_MAX + 2];

	(void)state;
	assert_int_equal(account_password_check("correct horse battery", "bob", why, sizeof why), 0);
	assert_int_equal(account_password_check("short", "bob", why, sizeof why), -1);
	assert_non_null(strstr(why, "at least 12"));
	assert_int_equal(account_password_check("aaaaaaaaaaaaaaaa", "bob", why, sizeof why), -1);
	assert_int_equal(account_password_check("olivia.grant", "olivia.grant", why, sizeof why), -1);
	memset(big, 'x', sizeof big - 1);
	big[0] = 'y';
	big[sizeof big - 1] = '\0';
	assert_int_equal(account_password_check(big, "bob", why, sizeof why), -1);
	big[sizeof big - 2] = '\0';
	assert_int_equal(account_password_check(big, "bob", why, sizeof why), 0);
}

static void display_names_are_clean_utf8(void **state)
{
	char why[200];

	(void)state;
	assert_int_equal(account_display_name_check("DC Olivia O'Grant", why, sizeof why), 0);
	assert_int_equal(account_display_name_check("Zoë Łukasz 王", why, sizeof why), 0);
	assert_int_equal(account_display_name_check("", why, sizeof why), -1);
	assert_int_equal(account_display_name_check("tab\there", why, sizeof why), -1);
	assert_int_equal(account_display_name_check("bad \xff byte", why, sizeof why), -1);
	assert_int_equal(account_display_name_check("overlong \xc0\xaf", why, sizeof why), -1);
	assert_int_equal(account_display_name_check("surrogate \xed\xa0\x80", why, sizeof why), -1);
	assert_int_equal(account_display_name_check("truncated \xe2\x82", why, sizeof why), -1);
	assert_int_equal(account_display_name_check("c1 \xc2\x85", why, sizeof why), -1);
}

static const struct login_policy policy = {
	.max_failures = 5, .backoff_ms = 1000, .lockout_ms = 900000, .window_ms = 900000,
};

static void first_failure_is_free_then_waits_double(void **state)
{
	int64_t retry, now = 1000000, locked;
	int n;

	(void)state;
	assert_int_equal(account_login_gate(&policy, 0, 0, 0, now, &retry), LOGIN_ALLOW);
	account_login_failure(&policy, 0, 0, 0, now, &n, &locked);
	assert_int_equal(n, 1);
	assert_int_equal(locked, 0);
	assert_int_equal(account_login_gate(&policy, 1, now, 0, now, &retry), LOGIN_ALLOW);
	/* after 2 failures: 1 s; after 3: 2 s; after 4: 4 s */
	assert_int_equal(account_login_gate(&policy, 2, now, 0, now + 999, &retry), LOGIN_WAIT);
	assert_int_equal(retry, 1);
	assert_int_equal(account_login_gate(&policy, 2, now, 0, now + 1000, &retry), LOGIN_ALLOW);
	assert_int_equal(account_login_gate(&policy, 3, now, 0, now + 1999, &retry), LOGIN_WAIT);
	assert_int_equal(account_login_gate(&policy, 3, now, 0, now + 2000, &retry), LOGIN_ALLOW);
	assert_int_equal(account_login_gate(&policy, 4, now, 0, now + 3999, &retry), LOGIN_WAIT);
	assert_int_equal(account_login_gate(&policy, 4, now, 0, now + 4000, &retry), LOGIN_ALLOW);
}

static void max_failures_lock_for_the_lockout(void **state)
{
	int64_t retry, now = 1000000, locked;
	int n;

	(void)state;
	account_login_failure(&policy, 4, now - 10, 0, now, &n, &locked);
	assert_int_equal(n, 5);
	assert_int_equal(locked, now + 900000);
	assert_int_equal(account_login_gate(&policy, n, now, locked, now + 899999, &retry),
			 LOGIN_LOCKED);
	assert_int_equal(retry, 1);
	/* the lock served, the count starts again */
	assert_int_equal(account_login_gate(&policy, n, now, locked, now + 900000, &retry),
			 LOGIN_ALLOW);
	account_login_failure(&policy, n, now, locked, now + 900001, &n, &locked);
	assert_int_equal(n, 1);
	assert_int_equal(locked, 0);
}

static void old_failures_are_forgotten(void **state)
{
	int64_t retry, now = 5000000, locked;
	int n;

	(void)state;
	assert_int_equal(account_login_gate(&policy, 4, now - 900000, 0, now, &retry), LOGIN_ALLOW);
	account_login_failure(&policy, 4, now - 900000, 0, now, &n, &locked);
	assert_int_equal(n, 1);
}

static void every_role_round_trips_and_admin_alone_manages_users(void **state)
{
	(void)state;
	for (int r = 0; r < ROLE_COUNT; r++) {
		assert_int_equal(access_role_parse(access_role_name((enum role)r)), r);
		assert_true(access_role_has((enum role)r, PERM_SIGNED_IN));
		assert_true(access_role_has((enum role)r, PERM_PUBLIC));
		assert_int_equal(access_role_has((enum role)r, PERM_USERS_MANAGE), r == ROLE_ADMIN);
		assert_int_equal(access_role_has((enum role)r, PERM_AUDIT_READ),
				 r == ROLE_ADMIN || r == ROLE_SUPERVISOR);
	}
	assert_int_equal(access_role_parse("root"), ROLE_NONE);
	assert_int_equal(access_role_parse(NULL), ROLE_NONE);
	assert_false(access_role_has(ROLE_NONE, PERM_SIGNED_IN));
	assert_false(access_role_has(ROLE_ADMIN, PERM_COUNT));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(usernames),
		cmocka_unit_test(passwords),
		cmocka_unit_test(display_names_are_clean_utf8),
		cmocka_unit_test(first_failure_is_free_then_waits_double),
		cmocka_unit_test(max_failures_lock_for_the_lockout),
		cmocka_unit_test(old_failures_are_forgotten),
		cmocka_unit_test(every_role_round_trips_and_admin_alone_manages_users),
	};
	return cmocka_run_group_tests_name("account", tests, NULL, NULL);
}
