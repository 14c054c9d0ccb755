/* Unit tests for core/her and core/help: the PIN and app-name rules at their
 * edges, the words she is shown (never a place), and the public page's data
 * (FOUR in order, 999 first). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "core/help.h"
#include "core/her.h"

static void a_pin_is_four_to_eight_digits_not_one_repeated(void **state)
{
	char why[120];

	(void)state;
	assert_false(her_pin_valid("258", why, sizeof why));
	assert_non_null(strstr(why, "4 to 8 digits"));
	assert_true(her_pin_valid("2580", why, sizeof why));
	assert_true(her_pin_valid("25802580", why, sizeof why));
	assert_false(her_pin_valid("258025801", why, sizeof why));
	assert_false(her_pin_valid("1111", why, sizeof why));
	assert_non_null(strstr(why, "repeated"));
	assert_false(her_pin_valid("12a4", why, sizeof why));
	assert_non_null(strstr(why, "digits only"));
	assert_false(her_pin_valid("", why, sizeof why));
	assert_false(her_pin_valid(NULL, why, sizeof why));
}

static void an_app_name_is_plain_words(void **state)
{
	(void)state;
	assert_true(her_app_name_valid("Notes"));
	assert_true(her_app_name_valid("My notes 2"));
	assert_true(her_app_name_valid("abcdefghijklmnopqrstuvwxyz1234"));
	assert_false(her_app_name_valid("abcdefghijklmnopqrstuvwxyz12345"));
	assert_false(her_app_name_valid(""));
	assert_false(her_app_name_valid("<b>"));
	assert_false(her_app_name_valid(NULL));
}

static void she_is_shown_her_warnings_and_panics_only_in_words_without_a_place(void **state)
{
	static const char *const shown[] = { "zone_entry", "proximity", "lost_signal_near_zone", "panic" };
	static const char *const hidden[] = { "tamper", "lost_signal", "low_battery", "zone_warning", "" };

	(void)state;
	for (size_t i = 0; i < sizeof shown / sizeof shown[0]; i++) {
		const char *w = her_alert_words(shown[i]);

		assert_non_null(w);
		assert_null(strstr(w, " m "));
		assert_null(strstr(w, "metre"));
	}
	for (size_t i = 0; i < sizeof hidden / sizeof hidden[0]; i++)
		assert_null(her_alert_words(hidden[i]));
	assert_null(her_alert_words(NULL));
	assert_string_equal(her_state_words("dispatched"), "Police were sent");
	assert_string_equal(her_state_words("resolved"), "Dealt with");
}

static void the_public_page_asks_four_in_order_and_lists_999_first(void **state)
{
	static const char *const four[] = { "fixated", "obsessive", "unwanted", "repeated" };
	int n;
	const struct help_question *q = help_questions(&n);
	const struct help_line *l;

	(void)state;
	assert_int_equal(n, 4);
	for (int i = 0; i < 4; i++) {
		assert_string_equal(q[i].name, four[i]);
		assert_int_equal(q[i].text[strlen(q[i].text) - 1], '?');
	}
	l = help_lines(&n);
	assert_true(n >= 3);
	assert_string_equal(l[0].number, "999");
	assert_non_null(strstr(help_next_steps(), "999"));
	assert_true(help_wants_valid("advice") && help_wants_valid("report"));
	assert_false(help_wants_valid("x") || help_wants_valid(NULL));
	assert_true(help_state_valid("passed"));
	assert_false(help_state_valid("closed"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_pin_is_four_to_eight_digits_not_one_repeated),
		cmocka_unit_test(an_app_name_is_plain_words),
		cmocka_unit_test(she_is_shown_her_warnings_and_panics_only_in_words_without_a_place),
		cmocka_unit_test(the_public_page_asks_four_in_order_and_lists_999_first),
	};

	return cmocka_run_group_tests_name("her", tests, NULL, NULL);
}
