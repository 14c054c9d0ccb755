/*
 * fuzz_plan_suggestions — libFuzzer target for the plan suggestion table
 * loader (core/plan.c).  Each input is written as a suggestions file into a
 * private temporary directory and loaded against the built-in instruments.
 * Aborts when an invariant breaks: a refusal without a message, with a
 * message that is not valid UTF-8 (the server prints it and the API may carry
 * it) or that does not name the file; a loaded table whose version is below
 * 1, whose screen is not the screen instrument, or whose suggestions for any
 * combination of risk level, typology and screen answers are not an array of
 * {"id", "category" (a plan category), "description", "because": [...]}
 * objects that plan_suggestion_get() finds again.  Build with `make fuzz`,
 * run from the repository root (the built-in instruments are read from
 * instruments/, or from $VIGIL_INSTRUMENTS) as
 * build/fuzz/fuzz_plan_suggestions -max_total_time=180.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/instrument.h"
#include "fuzz_files.h"
#include "core/plan.h"
#include "core/typology.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

FUZZ_FILES_INITIALIZE("suggestions", "s.json")

static bool is_category(const char *c)
{
	for (size_t i = 0; plan_categories[i]; i++)
		if (strcmp(plan_categories[i], c) == 0)
			return true;
	return false;
}

static void check_suggestions(const plan_suggestions *s, const struct plan_facts *f)
{
	json_t *arr = plan_suggest(s, f), *v;
	size_t i;

	if (!json_is_array(arr))
		abort();
	json_array_foreach(arr, i, v) {
		const char *id = json_string_value(json_object_get(v, "id"));
		const char *cat = json_string_value(json_object_get(v, "category"));
		const char *desc = json_string_value(json_object_get(v, "description"));
		const char *cat2, *desc2;
		json_t *because = json_object_get(v, "because");

		if (!id || !cat || !desc || !is_category(cat) || !json_is_array(because) ||
		    json_array_size(because) == 0)
			abort();
		if (plan_suggestion_get(s, id, &cat2, &desc2) != 0 || strcmp(cat, cat2) != 0 ||
		    strcmp(desc, desc2) != 0)
			abort();
	}
	json_decref(arr);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const levels[] = { NULL, "standard", "medium", "high" };
	char err[1024] = "";
	plan_suggestions *s = NULL;
	const instrument *screen;

	fuzz_files_write(data, size);
	if (plan_suggestions_load(fuzz_path, fuzz_builtin, &s, err, sizeof err) < 0) {
		fuzz_check_message(err);
		if (strncmp(err, fuzz_path, strlen(fuzz_path)) != 0)
			abort();
		return 0;
	}
	if (!s || plan_suggestions_version(s) < 1)
		abort();
	screen = instrument_set_find(fuzz_builtin, plan_suggestions_screen(s));
	if (!screen || strcmp(instrument_kind(screen), "screen") != 0)
		abort();

	/* every level × typology, with no screen, an empty one and all yes */
	json_t *none = json_array(), *all = json_array();

	for (size_t i = 0; i < instrument_item_count(screen); i++)
		json_array_append_new(all, json_string(instrument_item_id(screen, i)));
	for (size_t l = 0; l < sizeof levels / sizeof levels[0]; l++)
		for (int t = -1; t < TYPO_COUNT; t++) {
			struct plan_facts pf = { levels[l], t < 0 ? NULL : typology_name(t), NULL };

			check_suggestions(s, &pf);
			pf.screen_yes = none;
			check_suggestions(s, &pf);
			pf.screen_yes = all;
			check_suggestions(s, &pf);
		}
	json_decref(none);
	json_decref(all);
	plan_suggestions_free(s);
	return 0;
}
