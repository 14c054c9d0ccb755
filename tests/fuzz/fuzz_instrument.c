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

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[] = "/tmp/vigil-fuzz-instrument-XXXXXX";
static char path[sizeof dir + 16];
static instrument_set *builtin;

static void cleanup(void)
{
	unlink(path);
	rmdir(dir);
	instrument_set_free(builtin);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *src = getenv("VIGIL_INSTRUMENTS");
	char err[512];

	(void)argc;
	(void)argv;
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		exit(1);
	}
	snprintf(path, sizeof path, "%s/t.json", dir);
	if (instrument_set_load(src ? src : "instruments", &builtin, err, sizeof err) < 0) {
		fprintf(stderr, "fuzz_instrument: %s (run from the repository root)\n", err);
		exit(1);
	}
	atexit(cleanup);
	return 0;
}

/* A message the API can put in a JSON string: non-empty, valid UTF-8. */
static void check_message(const char *s)
{
	json_t *j;

	if (!s[0])
		abort();
	j = json_string(s);
	if (!j)
		abort();
	json_decref(j);
}

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
		check_message(field);
		check_message(why);
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
	FILE *f = fopen(path, "wb");
	int rc;

	if (!f || fwrite(data, 1, size, f) != size || fclose(f) != 0)
		abort();
	rc = instrument_set_load(dir, &s, err, sizeof err);
	if (rc != 0) {
		if (rc != -1 || s || strncmp(err, path, strlen(path)) != 0)
			abort();
		check_message(err);
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
	for (size_t i = 0; i < instrument_set_count(builtin); i++) {
		check_score(instrument_set_at(builtin, i), answers);
		if (json_is_object(json_object_get(answers, "answers")))
			check_score(instrument_set_at(builtin, i), json_object_get(answers, "answers"));
	}
	if (rc == 0)
		check_score(instrument_set_at(s, 0), answers);
	json_decref(answers);
	if (instrument_set_override(builtin, path, err, sizeof err) != 0)
		check_message(err);
	if (rc == 0)
		instrument_set_free(s);
	return 0;
}
