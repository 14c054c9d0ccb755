/*
 * test_alertkind — the alert kinds' table (core/alertkind.c): every kind the
 * engine raises is in it, with the severity, the channels and the victim's
 * words the engine and the notifier had before the table, and the desk's
 * steps; an unknown kind goes to the centre only.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/alertkind.h"

#define ALL (ALERT_TO_CENTRE | ALERT_TO_POLICE | ALERT_TO_VICTIM)

static const struct {
	const char *kind, *offender, *victim;
	unsigned to;
} pinned[] = {
	{ "zone_entry", "critical", "critical", ALL },
	{ "zone_warning", "high", "high", ALERT_TO_CENTRE },
	{ "proximity", "critical", "critical", ALL },
	{ "proximity_warning", "high", "high", ALERT_TO_CENTRE },
	{ "panic", "critical", "critical", ALERT_TO_CENTRE | ALERT_TO_POLICE },
	{ "sos", "critical", "critical", ALERT_TO_CENTRE },
	{ "tamper", "critical", "critical", ALERT_TO_CENTRE },
	{ "case_open", "high", "high", ALERT_TO_CENTRE },
	{ "powered_off", "high", "high", ALERT_TO_CENTRE },
	{ "low_battery", "medium", "medium", ALERT_TO_CENTRE },
	{ "clock_fault", "medium", "medium", ALERT_TO_CENTRE },
	{ "lost_signal", "high", "medium", ALERT_TO_CENTRE },
	{ "lost_signal_near_zone", "critical", "critical", ALL },
};
#define NPINNED (sizeof pinned / sizeof pinned[0])

static void test_every_kind_pinned(void **state)
{
	size_t n = 0;

	(void)state;
	for (size_t i = 0; i < NPINNED; i++) {
		const struct alert_kind *k = alert_kind_find(pinned[i].kind);

		assert_string_equal(k->kind, pinned[i].kind);
		assert_string_equal(alert_kind_severity(pinned[i].kind, true), pinned[i].offender);
		assert_string_equal(alert_kind_severity(pinned[i].kind, false), pinned[i].victim);
		assert_int_equal(k->to, pinned[i].to);
	}
	for (n = 0; alert_kinds[n].kind; n++)
		;
	assert_int_equal(n, NPINNED); /* a new kind is pinned here too */
}

static void test_victim_words_only_for_her_channel(void **state)
{
	(void)state;
	for (int i = 0; alert_kinds[i].kind; i++) {
		const struct alert_kind *k = &alert_kinds[i];

		assert_int_equal(k->victim_text != NULL, (k->to & ALERT_TO_VICTIM) != 0);
		assert_true(k->to & ALERT_TO_CENTRE); /* the centre hears of everything */
		assert_non_null(k->steps[0]);         /* the desk always has a step */
		if (k->victim_text) {
			/* never where he is, nor a number to call but 999 */
			assert_null(strstr(k->victim_text, "metre"));
			assert_null(strstr(k->victim_text, "street"));
			assert_non_null(strstr(k->victim_text, "999"));
		}
	}
	assert_non_null(strstr(alert_kind_find("lost_signal_near_zone")->victim_text, "lost contact"));
	assert_non_null(strstr(alert_kind_find("zone_entry")->victim_text, "Help is coming"));
}

static void test_unknown_kind_goes_to_the_centre(void **state)
{
	const struct alert_kind *k = alert_kind_find("a_kind_of_a_newer_node");

	(void)state;
	assert_int_equal(k->to, ALERT_TO_CENTRE);
	assert_string_equal(alert_kind_severity("a_kind_of_a_newer_node", true), "high");
	assert_null(k->victim_text);
	assert_int_equal(alert_kind_find(NULL)->to, ALERT_TO_CENTRE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_kind_pinned),
		cmocka_unit_test(test_victim_words_only_for_her_channel),
		cmocka_unit_test(test_unknown_kind_goes_to_the_centre),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
