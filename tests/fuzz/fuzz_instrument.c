/*
 * fuzz_instrument — libFuzzer target for core/instrument.  Each input is
 * written as an instrument file into a private temporary directory and
 * loaded; the same bytes, parsed as JSON, are scored as answers against every
 * built-in instrument (and against the fuzzed instrument when it loaded), and
 * applied as a licensed-text override to the built-in set.  Aborts when an
 * invariant breaks: a refusal without a message or with a message that is not
 * valid UTF-8 (the API puts these sentences into JSON), a load error that does
 * not name the file, a score whose counts do not add up to the items or whose
 * level is outside the bands, a field that is not under "answers".  Build with
 * `make fuzz`, run from the repository root (the built-in instruments are read
 * from instruments/, or from $VIGIL_INSTRUMENTS) as
 * build/fuzz/fuzz_instrument -max_total_time=180.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/instrument.h"
#include "fuzz_files.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

FUZZ_FILES_INITIALIZE("instrument", "t.json")

static void check_score(const instrument *in, json_t *answers)
{
	char field[64], why[512];
	struct score sc;
	json_t *j = instrument_json(in);
	bool judgement = strcmp(instrument_kind(in), "judgement") == 0;
	json_t *sc_json = json_object_get(j, "scoring");
	int rc = instrument_score(in, answers, &sc, field, sizeof field, why, sizeof why);

	if (rc != 0) {
		if (rc != -1 || strncmp(field, "answers", 7) != 0 || sc.yes_items || sc.ratings)
			abort();
		fuzz_check_message(field);
		fuzz_check_message(why);
		goto out;
	}
	if (judgement) {
		if (sc.yes + sc.no + sc.unknown != 0 ||
		    json_object_size(sc.ratings) != instrument_item_count(in) ||
		    sc.highest_rating == RISK_NONE || sc.computed != RISK_NONE)
			abort();
	} else {
		if ((size_t)(sc.yes + sc.no + sc.unknown) != instrument_item_count(in) ||
		    json_array_size(sc.yes_items) != (size_t)sc.yes || sc.highest_rating != RISK_NONE)
			abort();
		/* a count rule always gives a level (the bands cover every count) */
		if ((sc.computed == RISK_NONE) !=
		    (strcmp(json_string_value(json_object_get(sc_json, "type")), "none") == 0))
			abort();
	}
	if (sc.visible_high && sc.computed != RISK_HIGH)
		abort();
out:
	score_free(&sc);
	json_decref(j);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	instrument_set *s = (instrument_set *)1;
	char err[512];
	json_t *answers;
	int rc;

	fuzz_files_write(data, size);
	rc = instrument_set_load(fuzz_dir, &s, err, sizeof err);
	if (rc != 0) {
		if (rc != -1 || s || strncmp(err, fuzz_path, strlen(fuzz_path)) != 0)
			abort();
		fuzz_check_message(err);
	} else {
		json_t *j;
		char *text;

		if (!s || instrument_set_count(s) != 1 ||
		    instrument_item_count(instrument_set_at(s, 0)) == 0)
			abort();
		j = instrument_json(instrument_set_at(s, 0));
		text = json_dumps(j, 0);
		if (!text)
			abort();
		free(text);
		json_decref(j);
	}

	answers = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
	for (size_t i = 0; i < instrument_set_count(fuzz_builtin); i++) {
		check_score(instrument_set_at(fuzz_builtin, i), answers);
		if (json_is_object(json_object_get(answers, "answers")))
			check_score(instrument_set_at(fuzz_builtin, i), json_object_get(answers, "answers"));
	}
	if (rc == 0)
		check_score(instrument_set_at(s, 0), answers);
	json_decref(answers);
	if (instrument_set_override(fuzz_builtin, fuzz_path, err, sizeof err) != 0)
		fuzz_check_message(err);
	if (rc == 0)
		instrument_set_free(s);
	return 0;
}
