/*
 * Unit tests for core/instrument: the built-in instruments, scoring at every
 * band boundary, answer validation, version pinning, loader and override
 * errors, professional judgement, review intervals and the MARAC routes.
 * Run from the repository root: the built-in instruments are read from
 * instruments/.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/instrument.h"
#include "instruments.h"

static const instrument *ric(void)
{
	const instrument *in = instrument_set_find(instruments, "ric");

	assert_non_null(in);
	return in;
}

/* {item: value} for every item of in. */
static json_t *answers_all(const instrument *in, const char *value)
{
	json_t *a = json_object();

	for (size_t i = 0; i < instrument_item_count(in); i++)
		json_object_set_new(a, instrument_item_id(in, i), json_string(value));
	return a;
}

/* The first yes items yes, the next unknown items unknown, the rest no. */
static json_t *answers_count(const instrument *in, int yes, int unknown)
{
	json_t *a = json_object();

	for (int i = 0; i < (int)instrument_item_count(in); i++)
		json_object_set_new(a, instrument_item_id(in, (size_t)i),
				    json_string(i < yes ? "yes" : i < yes + unknown ? "unknown" : "no"));
	return a;
}

/* ---- temporary instrument directories ---------------------------------------- */

static char *tmpdir_new(void)
{
	char *d = strdup("/tmp/vigil-instrument-XXXXXX");

	assert_non_null(mkdtemp(d));
	return d;
}

static void write_file(const char *dir, const char *name, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void tmpdir_free(char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char path[512];

	while (d && (de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
		unlink(path);
	}
	if (d)
		closedir(d);
	rmdir(dir);
	free(dir);
}

/* A small instrument as JSON text (caller frees). */
static char *mini(const char *id, int version, const char *kind, const char *items,
		  const char *scoring)
{
	char *s = NULL;

	assert_true(asprintf(&s,
			     "{\"id\": \"%s\", \"version\": %d, \"title\": \"T\", "
			     "\"description\": \"D\", \"kind\": \"%s\", \"items\": %s, "
			     "\"scoring\": %s}",
			     id, version, kind, items, scoring) > 0);
	return s;
}

#define ITEMS3 "[{\"id\": \"a\", \"theme\": \"A\"}, {\"id\": \"b\", \"theme\": \"B\"}, " \
	       "{\"id\": \"c\", \"theme\": \"C\"}]"
#define NONE "{\"type\": \"none\"}"

/* ---- the built-in instruments ------------------------------------------------- */

static void builtin_instruments_are_the_three_of_the_issue(void **state)
{
	static const char *const screen[] = {
		"very_frightened",	"previous_stalking", "property_damage", "visits_home_work",
		"loitering",		"threats_violence",  "third_parties",	"violence_this_episode",
		"proxy",		"substance_misuse",  "violence_history",
	};
	static const char *const domains[] = { "violence", "persistence", "recurrence",
					       "psychosocial_harm" };
	const instrument *s, *j;

	(void)state;
	assert_int_equal(instrument_set_count(instruments), 3);
	assert_string_equal(instrument_id(instrument_set_at(instruments, 0)), "ric");
	assert_null(instrument_set_at(instruments, 3));
	assert_int_equal(instrument_version(ric()), 1);
	assert_string_equal(instrument_kind(ric()), "checklist");
	assert_int_equal(instrument_item_count(ric()), 27);
	assert_null(instrument_item_id(ric(), 27));
	for (size_t i = 0; i < 27; i++)
		assert_true(strlen(instrument_item_theme(ric(), i)) > 0);
	assert_null(instrument_item_theme(ric(), 27));
	s = instrument_set_find(instruments, "stalking-screen");
	assert_non_null(s);
	assert_string_equal(instrument_kind(s), "screen");
	assert_int_equal(instrument_item_count(s), 11);
	for (size_t i = 0; i < 11; i++)
		assert_string_equal(instrument_item_id(s, i), screen[i]);
	j = instrument_set_find(instruments, "structured-judgement");
	assert_non_null(j);
	assert_string_equal(instrument_kind(j), "judgement");
	assert_int_equal(instrument_item_count(j), 4);
	for (size_t i = 0; i < 4; i++)
		assert_string_equal(instrument_item_id(j, i), domains[i]);
	assert_null(instrument_set_find(instruments, "dash"));
	assert_null(instrument_set_find(instruments, NULL));
}

static void ric_has_a_stalking_item_and_a_fear_item(void **state)
{
	bool stalking = false, fear = false;

	(void)state;
	for (size_t i = 0; i < instrument_item_count(ric()); i++) {
		stalking |= strcmp(instrument_item_id(ric(), i), "stalking") == 0;
		fear |= strcmp(instrument_item_id(ric(), i), "fear") == 0;
	}
	assert_true(stalking);
	assert_true(fear);
}

static void risk_levels_have_names_and_definitions(void **state)
{
	(void)state;
	assert_string_equal(risk_level_name(RISK_STANDARD), "standard");
	assert_string_equal(risk_level_name(RISK_MEDIUM), "medium");
	assert_string_equal(risk_level_name(RISK_HIGH), "high");
	assert_null(risk_level_name(RISK_NONE));
	assert_null(risk_level_name((enum risk_level)3));
	assert_int_equal(risk_level_parse("medium"), RISK_MEDIUM);
	assert_int_equal(risk_level_parse("High"), RISK_NONE);
	assert_int_equal(risk_level_parse(NULL), RISK_NONE);
	assert_string_equal(risk_level_definition(RISK_STANDARD),
			    "no current evidence that serious harm is likely");
	assert_string_equal(risk_level_definition(RISK_MEDIUM),
			    "identifiable indicators of serious harm; unlikely unless circumstances "
			    "change");
	assert_string_equal(risk_level_definition(RISK_HIGH),
			    "identifiable indicators of serious harm; could happen at any time and "
			    "the impact would be serious");
	assert_null(risk_level_definition(RISK_NONE));
}

/* ---- scoring ------------------------------------------------------------------ */

static void ric_level_at_every_band_boundary(void **state)
{
	static const struct {
		int yes, unknown;
		enum risk_level level;
		bool visible_high;
	} cases[] = {
		{ 0, 0, RISK_STANDARD, false },	 { 1, 0, RISK_STANDARD, false },
		{ 9, 0, RISK_STANDARD, false },	 { 9, 18, RISK_STANDARD, false },
		{ 10, 0, RISK_MEDIUM, false },	 { 10, 17, RISK_MEDIUM, false },
		{ 13, 0, RISK_MEDIUM, false },	 { 13, 14, RISK_MEDIUM, false },
		{ 14, 0, RISK_HIGH, true },	 { 14, 13, RISK_HIGH, true },
		{ 26, 1, RISK_HIGH, true },	 { 27, 0, RISK_HIGH, true },
	};
	char field[64], why[512];

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		json_t *a = answers_count(ric(), cases[i].yes, cases[i].unknown);
		struct score sc;

		if (instrument_score(ric(), a, &sc, field, sizeof field, why, sizeof why) != 0)
			fail_msg("%d yes: refused: %s", cases[i].yes, why);
		if (sc.computed != cases[i].level || sc.visible_high != cases[i].visible_high ||
		    sc.yes != cases[i].yes || sc.unknown != cases[i].unknown ||
		    sc.no != 27 - cases[i].yes - cases[i].unknown ||
		    (int)json_array_size(sc.yes_items) != cases[i].yes)
			fail_msg("%d yes, %d unknown: got %s (visible high %d), %d/%d/%d",
				 cases[i].yes, cases[i].unknown, risk_level_name(sc.computed),
				 sc.visible_high, sc.yes, sc.no, sc.unknown);
		assert_int_equal(sc.highest_rating, RISK_NONE);
		assert_int_equal(json_object_size(sc.ratings), 0);
		score_free(&sc);
		json_decref(a);
	}
}

static void yes_items_are_listed_in_item_order(void **state)
{
	json_t *a = answers_all(ric(), "no");
	struct score sc;

	(void)state;
	json_object_set_new(a, "stalking", json_string("yes"));
	json_object_set_new(a, "fear", json_string("yes"));
	assert_int_equal(instrument_score(ric(), a, &sc, NULL, 0, NULL, 0), 0);
	assert_int_equal(json_array_size(sc.yes_items), 2);
	assert_string_equal(json_string_value(json_array_get(sc.yes_items, 0)), "fear");
	assert_string_equal(json_string_value(json_array_get(sc.yes_items, 1)), "stalking");
	score_free(&sc);
	score_free(&sc); /* twice is harmless */
	json_decref(a);
}

static void all_unknown_is_counted_never_as_no(void **state)
{
	json_t *a = answers_all(ric(), "unknown");
	struct score sc;

	(void)state;
	assert_int_equal(instrument_score(ric(), a, &sc, NULL, 0, NULL, 0), 0);
	assert_int_equal(sc.yes, 0);
	assert_int_equal(sc.no, 0);
	assert_int_equal(sc.unknown, 27);
	assert_int_equal(sc.computed, RISK_STANDARD);
	assert_false(sc.visible_high);
	assert_int_equal(json_array_size(sc.yes_items), 0);
	score_free(&sc);
	json_decref(a);
}

/* Scoring a with in is refused (-1), naming field and saying why (each
 * unless NULL). */
static void refused(const instrument *in, json_t *a, const char *field_want, const char *why_want)
{
	char field[64], why[1024];
	struct score sc;

	assert_int_equal(instrument_score(in, a, &sc, field, sizeof field, why, sizeof why), -1);
	if (field_want)
		assert_string_equal(field, field_want);
	if (why_want)
		assert_string_equal(why, why_want);
}

static void missing_items_are_all_named(void **state)
{
	json_t *a = answers_all(ric(), "no");
	char field[64], why[1024];
	struct score sc;

	(void)state;
	json_object_del(a, "fear");
	json_object_del(a, "isolation");
	assert_int_equal(instrument_score(ric(), a, &sc, field, sizeof field, why, sizeof why), -1);
	assert_string_equal(field, "answers.fear");
	assert_string_equal(why, "missing answers: fear, isolation");
	assert_null(sc.yes_items);
	score_free(&sc);
	json_decref(a);

	a = json_object();
	refused(ric(), a, "answers.current_injury",
		"missing answers: current_injury, fear, fears_harm, isolation, depression, "
		"separation, child_contact, stalking, pregnancy, other_children, "
		"child_abuse, threats_children, escalation, frequency, control_jealousy, "
		"weapons, threats_to_kill, strangulation, sexual_abuse, "
		"third_party_threat, harmed_others, animals, financial, "
		"substance_misuse, abuser_suicide, breach, criminal_history");
	json_decref(a);
}

static void extra_items_are_named(void **state)
{
	json_t *a = answers_all(ric(), "no");

	(void)state;
	json_object_set_new(a, "feer", json_string("yes"));
	json_object_set_new(a, "colour", json_string("no"));
	refused(ric(), a, "answers.feer", "items not in ric v1: feer, colour");
	json_object_set_new(a, "", json_string("no"));
	refused(ric(), a, NULL, "items not in ric v1: feer, colour, \"\"");
	json_object_del(a, "");
	for (int i = 0; i < 11; i++) {
		char key[16];

		snprintf(key, sizeof key, "x%d", i);
		json_object_set_new(a, key, json_string("no"));
	}
	refused(ric(), a, NULL,
		"items not in ric v1: feer, colour, x0, x1, x2, x3, x4, x5, x6, "
		"x7 and 3 more");
	json_decref(a);
}

static void bad_values_are_named(void **state)
{
	json_t *a = answers_all(ric(), "no");

	(void)state;
	json_object_set_new(a, "isolation", json_string("Yes"));
	json_object_set_new(a, "weapons", json_true());
	json_object_set_new(a, "fear", json_null());
	refused(ric(), a, "answers.fear",
		"answers other than yes, no or unknown: fear, isolation, weapons");
	/* every kind of problem in one sentence; the field is the first missing item */
	json_object_del(a, "separation");
	json_object_set_new(a, "colour", json_string("no"));
	refused(ric(), a, "answers.separation",
		"missing answers: separation; items not in ric v1: colour; answers "
		"other than yes, no or unknown: fear, isolation, weapons");
	json_decref(a);
}

static void answers_must_be_an_object(void **state)
{
	json_t *a = json_array();

	(void)state;
	refused(ric(), a, "answers", "answers must be an object of item id to answer");
	refused(ric(), NULL, "answers", NULL);
	json_decref(a);
}

static void a_short_why_buffer_is_cut_not_overrun(void **state)
{
	json_t *a = json_object();
	char field[8], why[16];
	struct score sc;

	(void)state;
	assert_int_equal(instrument_score(ric(), a, &sc, field, sizeof field, why, sizeof why), -1);
	assert_string_equal(field, "answers");
	assert_string_equal(why, "missing answers");
	json_decref(a);
}

static void the_screen_lists_its_yes_items_and_sets_no_level(void **state)
{
	const instrument *s = instrument_set_find(instruments, "stalking-screen");
	json_t *a = answers_all(s, "no");
	struct score sc;

	(void)state;
	json_object_set_new(a, "loitering", json_string("yes"));
	json_object_set_new(a, "proxy", json_string("yes"));
	json_object_set_new(a, "very_frightened", json_string("unknown"));
	assert_int_equal(instrument_score(s, a, &sc, NULL, 0, NULL, 0), 0);
	assert_int_equal(sc.yes, 2);
	assert_int_equal(sc.no, 8);
	assert_int_equal(sc.unknown, 1);
	assert_int_equal(sc.computed, RISK_NONE);
	assert_false(sc.visible_high);
	assert_string_equal(json_string_value(json_array_get(sc.yes_items, 0)), "loitering");
	assert_string_equal(json_string_value(json_array_get(sc.yes_items, 1)), "proxy");
	score_free(&sc);
	json_decref(a);
}

static json_t *rating(const char *r, const char *reason)
{
	return reason ? json_pack("{s:s, s:s}", "rating", r, "reason", reason)
		      : json_pack("{s:s}", "rating", r);
}

static void judgement_ratings_need_a_rating_and_a_reason(void **state)
{
	const instrument *j = instrument_set_find(instruments, "structured-judgement");
	json_t *a = json_object();
	char field[64], why[512];
	struct score sc;

	(void)state;
	json_object_set_new(a, "violence", rating("moderate", "threats of violence in messages"));
	json_object_set_new(a, "persistence", rating("high", "eighteen months, undeterred by arrest"));
	json_object_set_new(a, "recurrence", rating("low", "no earlier victims known"));
	json_object_set_new(a, "psychosocial_harm", rating("moderate", "has moved out of her home"));
	assert_int_equal(instrument_score(j, a, &sc, field, sizeof field, why, sizeof why), 0);
	assert_int_equal(sc.computed, RISK_NONE);
	assert_int_equal(sc.highest_rating, RISK_HIGH);
	assert_int_equal(sc.yes + sc.no + sc.unknown, 0);
	assert_int_equal(json_array_size(sc.yes_items), 0);
	assert_string_equal(json_string_value(json_object_get(sc.ratings, "persistence")), "high");
	assert_string_equal(json_string_value(json_object_get(sc.ratings, "recurrence")), "low");
	score_free(&sc);

	json_object_set_new(a, "persistence", rating("moderate", "x"));
	assert_int_equal(instrument_score(j, a, &sc, NULL, 0, NULL, 0), 0);
	assert_int_equal(sc.highest_rating, RISK_MEDIUM);
	score_free(&sc);

	json_object_set_new(a, "violence", rating("severe", "x"));
	json_object_set_new(a, "recurrence", rating("low", "   "));
	json_object_set_new(a, "persistence", json_string("high"));
	refused(j, a, "answers.violence",
		"bad ratings: violence (the rating must be low, moderate or high), "
		"persistence (must be an object with a rating and a reason), "
		"recurrence (a reason is required)");
	json_object_set_new(a, "violence", rating("low", NULL));
	json_object_set_new(a, "persistence", json_pack("{s:s, s:s, s:i}", "rating", "low", "reason",
							"r", "score", 3));
	json_object_set_new(a, "recurrence", rating("low", "r"));
	refused(j, a, NULL,
		"bad ratings: violence (a reason is required), persistence (has a "
		"field other than rating and reason)");
	json_decref(a);
}

/* ---- version pinning ---------------------------------------------------------- */

static void each_version_scores_its_own_items(void **state)
{
	char *d1 = tmpdir_new(), *d2 = tmpdir_new();
	char *v1 = mini("pin", 1, "checklist", ITEMS3,
			"{\"type\": \"count_yes\", \"bands\": [{\"min\": 0, \"max\": 1, \"level\": "
			"\"standard\"}, {\"min\": 2, \"level\": \"high\"}]}");
	char *v2 = mini("pin", 2, "checklist",
			"[{\"id\": \"a\", \"theme\": \"A\"}, {\"id\": \"b\", \"theme\": \"B\"}, "
			"{\"id\": \"d\", \"theme\": \"D\"}, {\"id\": \"e\", \"theme\": \"E\"}]",
			"{\"type\": \"count_yes\", \"bands\": [{\"min\": 0, \"max\": 2, \"level\": "
			"\"standard\"}, {\"min\": 3, \"max\": 4, \"level\": \"medium\"}]}");
	instrument_set *s1 = NULL, *s2 = NULL;
	const instrument *p1, *p2;
	json_t *a = json_pack("{s:s, s:s, s:s}", "a", "yes", "b", "yes", "c", "no");
	char field[64], why[256], err[512];
	struct score sc;

	(void)state;
	write_file(d1, "pin.json", v1);
	write_file(d2, "pin.json", v2);
	assert_int_equal(instrument_set_load(d1, &s1, err, sizeof err), 0);
	assert_int_equal(instrument_set_load(d2, &s2, err, sizeof err), 0);
	p1 = instrument_set_find(s1, "pin");
	p2 = instrument_set_find(s2, "pin");
	assert_int_equal(instrument_version(p1), 1);
	assert_int_equal(instrument_version(p2), 2);
	/* version 1's answers score under version 1 ... */
	assert_int_equal(instrument_score(p1, a, &sc, field, sizeof field, why, sizeof why), 0);
	assert_int_equal(sc.yes, 2);
	assert_int_equal(sc.computed, RISK_HIGH);
	score_free(&sc);
	/* ... and are not version 2's */
	refused(p2, a, "answers.d", "missing answers: d, e; items not in pin v2: c");
	json_decref(a);
	a = json_pack("{s:s, s:s, s:s, s:s}", "a", "yes", "b", "yes", "d", "no", "e", "unknown");
	assert_int_equal(instrument_score(p2, a, &sc, field, sizeof field, why, sizeof why), 0);
	assert_int_equal(sc.computed, RISK_STANDARD);
	assert_int_equal(sc.unknown, 1);
	score_free(&sc);
	json_decref(a);
	instrument_set_free(s2);
	instrument_set_free(s1);
	free(v2);
	free(v1);
	tmpdir_free(d2);
	tmpdir_free(d1);
}

/* ---- loader errors ------------------------------------------------------------ */

#define BANDS(bands) "{\"type\": \"count_yes\", \"bands\": [" bands "]}"
#define BANDS2(a, b) BANDS(a ", " b)
#define BAND(min, max, level) "{\"min\": " #min ", \"max\": " #max ", \"level\": \"" level "\"}"
#define OPEN(min, level) "{\"min\": " #min ", \"level\": \"" level "\"}"

static void broken_files_are_refused_naming_the_file_and_the_problem(void **state)
{
	static const struct {
		const char *kind, *items, *scoring, *error;
	} cases[] = {
		{ "checklist",
		  "[{\"id\": \"fear\", \"theme\": \"A\"}, {\"id\": \"isolation\", \"theme\": \"B\"}, "
		  "{\"id\": \"x\", \"theme\": \"C\"}, {\"id\": \"fear\", \"theme\": \"D\"}]",
		  NONE, "item 4: duplicate id 'fear'" },
		{ "survey", ITEMS3, NONE, "kind 'survey' is not checklist, screen or judgement" },
		{ "checklist", ITEMS3, BANDS2(BAND(0, 1, "standard"), OPEN(3, "high")),
		  "scoring: the bands leave a gap: 2 to 2 yes answers are in no band" },
		{ "checklist", ITEMS3, BANDS2(BAND(0, 2, "standard"), OPEN(2, "high")),
		  "scoring: bands 1 and 2 overlap: 2 to 2 is in both" },
		{ "checklist", ITEMS3, BANDS2(BAND(0, 1, "standard"), BAND(2, 2, "medium")),
		  "scoring: the bands stop at 2: 3 to 3 yes answers are in no band" },
		{ "checklist", ITEMS3, BANDS(BAND(0, 4, "standard")),
		  "scoring: band 1 ends at 4, above the 3 items" },
		{ "checklist", ITEMS3, BANDS(OPEN(1, "standard")),
		  "scoring: the bands start at 1, not 0" },
		{ "checklist", ITEMS3, BANDS2(BAND(0, 3, "standard"), OPEN(4, "high")),
		  "scoring: band 2 starts at 4, above the 3 items: it can never apply" },
		{ "checklist", ITEMS3, BANDS2(BAND(0, 1, "medium"), OPEN(2, "standard")),
		  "scoring: band 2 gives standard, below band 1's medium" },
		{ "checklist", ITEMS3, BANDS2(OPEN(0, "standard"), OPEN(2, "high")),
		  "scoring: band 1: only the last band may leave out max" },
		{ "checklist", ITEMS3,
		  BANDS2(BAND(0, 1, "standard"), "{\"min\": 2, \"level\": \"medium\", \"visible_high\": true}"),
		  "scoring: band 2: visible_high is only for a high band" },
		{ "checklist", ITEMS3, BANDS2(BAND(0, 1, "standard"), OPEN(2, "severe")),
		  "scoring: band 2: level must be standard, medium or high" },
		{ "checklist", ITEMS3, BANDS(BAND(2, 1, "standard")), "scoring: band 1: max 1 is below min 2" },
		{ "checklist", ITEMS3, BANDS("{\"min\": 0, \"level\": \"high\", \"maximum\": 3}"),
		  "scoring: band 1: unknown field 'maximum'" },
		{ "checklist", ITEMS3, "{\"type\": \"count_yes\"}",
		  "scoring: count_yes needs an array of bands" },
		{ "checklist", ITEMS3, BANDS(""), "scoring: 1 to 16 bands, not 0" },
		{ "checklist", ITEMS3, "{\"type\": \"sum\"}", "scoring: type 'sum' is not count_yes or none" },
		{ "checklist", ITEMS3, "{\"type\": \"none\", \"bands\": []}",
		  "scoring: unknown field 'bands'" },
		{ "judgement", ITEMS3, BANDS(OPEN(0, "standard")),
		  "scoring: a judgement has no yes answers to count: use none" },
		{ "checklist", "[]", NONE, "items must hold 1 to 100 items, not 0" },
		{ "checklist", "{}", NONE, "items must be an array" },
		{ "checklist", "[{\"id\": \"Fear\", \"theme\": \"A\"}]", NONE,
		  "item 1: id must be 1 to 64 lower-case letters, digits and _" },
		{ "checklist", "[{\"id\": \"fear-x\", \"theme\": \"A\"}]", NONE,
		  "item 1: id must be 1 to 64 lower-case letters, digits and _" },
		{ "checklist", "[{\"theme\": \"A\"}]", NONE, "item 1: missing field 'id'" },
		{ "checklist", "[{\"id\": \"a\", \"theme\": \" \"}]", NONE,
		  "item 1: theme must be a non-empty string" },
		{ "checklist", "[{\"id\": \"a\", \"theme\": \"two\\nlines\"}]", NONE,
		  "item 1: theme must be one line without control characters" },
		{ "checklist", "[{\"id\": \"a\", \"theme\": \"A\", \"answers\": [\"yes\"]}]", NONE,
		  "item 1: unknown field 'answers'" },
		{ "checklist", "[\"a\"]", NONE, "item 1: must be an object {\"id\", \"theme\"}" },
	};
	char err[512], want[700];

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *dir = tmpdir_new(), *text = mini("t", 1, cases[i].kind, cases[i].items,
						       cases[i].scoring);
		instrument_set *s = (instrument_set *)1;

		write_file(dir, "t.json", text);
		if (instrument_set_load(dir, &s, err, sizeof err) != -1)
			fail_msg("case %zu loaded: %s", i, text);
		assert_null(s);
		snprintf(want, sizeof want, "%s/t.json: %s", dir, cases[i].error);
		if (strcmp(err, want) != 0)
			fail_msg("case %zu:\n got  %s\n want %s", i, err, want);
		free(text);
		tmpdir_free(dir);
	}
}

/* jansson quotes the input near a syntax error, here the first byte of a
 * three-byte character: the message (which the API puts into JSON) escapes it
 * and stays valid UTF-8.  Found by fuzz_instrument. */
static void a_syntax_error_in_half_a_character_gives_a_text_message(void **state)
{
	char *dir = tmpdir_new(), err[512], want[600];
	instrument_set *s = (instrument_set *)1;
	json_t *j;

	(void)state;
	write_file(dir, "t.json", "{\"id\": \"\\\xef\x88\xac\"}");
	assert_int_equal(instrument_set_load(dir, &s, err, sizeof err), -1);
	assert_null(s);
	snprintf(want, sizeof want, "%s/t.json: line 1, column 10: invalid escape near '\"\\\\\\xef'", dir);
	assert_string_equal(err, want);
	j = json_string(err);
	assert_non_null(j);
	json_decref(j);
	tmpdir_free(dir);
}

static void broken_top_level_fields_are_refused(void **state)
{
	static const struct {
		const char *text, *error;
	} cases[] = {
		{ "{\"id\": \"t\",", "line 1, column 11: " },
		{ "{\"id\": \"t\", \"id\": \"u\"}", "line 1, column 16: duplicate object key near '\"id\"'" },
		{ "[]", "an instrument must be a JSON object" },
		{ "", "line 1, column 0: '[' or '{' expected near end of file" },
		{ "{\"id\": \"T\"}", "id must be 1 to 64 lower-case letters, digits and -" },
		{ "{\"version\": 1}", "missing field 'id'" },
		{ "{\"id\": \"t\", \"version\": 0}", "version must be from 1 to 2147483647" },
		{ "{\"id\": \"t\", \"version\": \"1\"}", "version must be an integer" },
		{ "{\"id\": \"t\", \"version\": 1}", "missing field 'title'" },
		{ "{\"id\": \"t\", \"version\": 1, \"title\": \"T\", \"description\": \"D\", \"kind\": 3}",
		  "kind (not a string) is not checklist, screen or judgement" },
		{ "{\"id\": \"t\", \"version\": 1, \"title\": \"T\", \"description\": \"D\", \"kind\": "
		  "\"screen\", \"items\": [{\"id\": \"a\", \"theme\": \"A\"}]}",
		  "missing field 'scoring'" },
		{ "{\"id\": \"t\", \"colour\": \"red\"}", "unknown field 'colour'" },
	};
	char err[512], want[700];

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *dir = tmpdir_new();
		instrument_set *s = NULL;

		write_file(dir, "t.json", cases[i].text);
		assert_int_equal(instrument_set_load(dir, &s, err, sizeof err), -1);
		snprintf(want, sizeof want, "%s/t.json: %s", dir, cases[i].error);
		if (strncmp(err, want, strlen(want)) != 0)
			fail_msg("case %zu:\n got  %s\n want %s...", i, err, want);
		tmpdir_free(dir);
	}
}

static void duplicate_instrument_ids_across_files_are_refused(void **state)
{
	char *dir = tmpdir_new(), *a = mini("t", 1, "checklist", ITEMS3, NONE),
	     *b = mini("t", 2, "screen", ITEMS3, NONE);
	instrument_set *s = NULL;
	char err[512], want[700];

	(void)state;
	write_file(dir, "b.json", b);
	write_file(dir, "a.json", a);
	assert_int_equal(instrument_set_load(dir, &s, err, sizeof err), -1);
	assert_null(s);
	snprintf(want, sizeof want, "%s/b.json: instrument id 't' is already defined by %s/a.json",
		 dir, dir);
	assert_string_equal(err, want);
	free(b);
	free(a);
	tmpdir_free(dir);
}

static void directories_without_instruments_are_refused(void **state)
{
	char *dir = tmpdir_new(), *t = mini("t", 1, "checklist", ITEMS3, NONE);
	instrument_set *s = NULL;
	char err[512], want[700], path[600];

	(void)state;
	assert_int_equal(instrument_set_load(dir, &s, err, sizeof err), -1);
	snprintf(want, sizeof want, "%s: no instrument files (*.json)", dir);
	assert_string_equal(err, want);
	/* other files and hidden files are not instruments */
	write_file(dir, "README.md", "not json");
	write_file(dir, ".t.json", "not json");
	write_file(dir, "json", "not json");
	assert_int_equal(instrument_set_load(dir, &s, err, sizeof err), -1);
	assert_string_equal(err, want);
	write_file(dir, "t.json", t);
	snprintf(path, sizeof path, "%s/", dir); /* a trailing slash is not doubled */
	assert_int_equal(instrument_set_load(path, &s, err, sizeof err), 0);
	assert_int_equal(instrument_set_count(s), 1);
	instrument_set_free(s);
	snprintf(path, sizeof path, "%s/missing", dir);
	assert_int_equal(instrument_set_load(path, &s, err, sizeof err), -1);
	snprintf(want, sizeof want,
		 "%s: cannot open the instrument directory: No such file or directory", path);
	assert_string_equal(err, want);
	instrument_set_free(NULL);
	free(t);
	tmpdir_free(dir);
}

static void files_load_in_name_order(void **state)
{
	char *dir = tmpdir_new(), *a = mini("zz", 1, "checklist", ITEMS3, NONE),
	     *b = mini("aa", 1, "checklist", ITEMS3, NONE);
	instrument_set *s = NULL;
	char err[512];

	(void)state;
	write_file(dir, "b.json", b);
	write_file(dir, "a.json", a);
	assert_int_equal(instrument_set_load(dir, &s, err, sizeof err), 0);
	assert_string_equal(instrument_id(instrument_set_at(s, 0)), "zz");
	assert_string_equal(instrument_id(instrument_set_at(s, 1)), "aa");
	instrument_set_free(s);
	free(b);
	free(a);
	tmpdir_free(dir);
}

/* ---- licensed text -------------------------------------------------------------- */

static void licensed_text_overrides_the_display_text(void **state)
{
	char *dir = tmpdir_new();
	instrument_set *s = NULL;
	char err[512], path[600];
	const instrument *in;
	json_t *j, *items;

	(void)state;
	assert_int_equal(instrument_set_load("instruments", &s, err, sizeof err), 0);
	in = instrument_set_find(s, "ric");
	write_file(dir, "licensed.json",
		   "{\"ric\": {\"fear\": \"Licensed wording for item two\"}, "
		   "\"stalking-screen\": {\"proxy\": \"Licensed proxy wording\"}}");
	snprintf(path, sizeof path, "%s/licensed.json", dir);
	assert_int_equal(instrument_set_override(s, path, err, sizeof err), 0);
	assert_string_equal(instrument_item_theme(in, 1), "Licensed wording for item two");
	assert_string_equal(instrument_item_theme(in, 0), "The latest incident left the victim hurt");
	j = instrument_json(in);
	items = json_object_get(j, "items");
	assert_string_equal(json_string_value(json_object_get(json_array_get(items, 1), "theme")),
			    "Licensed wording for item two");
	assert_true(json_is_true(json_object_get(json_array_get(items, 1), "licensed_text")));
	assert_true(json_is_false(json_object_get(json_array_get(items, 0), "licensed_text")));
	json_decref(j);
	/* applying again replaces the text */
	write_file(dir, "licensed.json", "{\"ric\": {\"fear\": \"Second wording\"}}");
	assert_int_equal(instrument_set_override(s, path, err, sizeof err), 0);
	assert_string_equal(instrument_item_theme(in, 1), "Second wording");
	instrument_set_free(s);
	tmpdir_free(dir);
}

static void unknown_override_ids_are_refused_and_nothing_is_applied(void **state)
{
	static const struct {
		const char *text, *error;
	} cases[] = {
		{ "{\"ric\": {\"isolation\": \"Licensed\", \"feer\": \"x\"}, \"dash\": {\"a\": \"b\"}}",
		  "unknown instruments: dash; unknown items: ric.feer" },
		{ "{\"ric\": {\"isolation\": \"Licensed\", \"feer\": \"x\", \"fare\": \"y\"}}",
		  "unknown items: ric.feer, ric.fare" },
		{ "{\"ric\": {\"isolation\": \"Licensed\", \"fear\": \"\"}}",
		  "ric.fear: the text must be a non-empty string" },
		{ "{\"ric\": {\"isolation\": \"Licensed\", \"fear\": 3}}",
		  "ric.fear: the text must be a non-empty string" },
		{ "{\"ric\": {\"isolation\": \"Licensed\"}, \"stalking-screen\": []}",
		  "stalking-screen: must be an object of item id to text" },
		{ "{\"\": {\"fear\": \"x\"}, \"ric\": {\"\": \"y\"}}",
		  "unknown instruments: \"\"; unknown items: ric.\"\"" },
		{ "[]", "must be an object {\"instrument\": {\"item\": \"text\"}}" },
		{ "{\"ric\": {\"fear\": \"a\", \"fear\": \"b\"}}", "line 1, column 28: duplicate object key near '\"fear\"'" },
	};
	char *dir = tmpdir_new();
	char err[512], path[600], want[800];
	instrument_set *s = NULL;
	const instrument *in;

	(void)state;
	assert_int_equal(instrument_set_load("instruments", &s, err, sizeof err), 0);
	in = instrument_set_find(s, "ric");
	snprintf(path, sizeof path, "%s/licensed.json", dir);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		write_file(dir, "licensed.json", cases[i].text);
		assert_int_equal(instrument_set_override(s, path, err, sizeof err), -1);
		snprintf(want, sizeof want, "%s: %s", path, cases[i].error);
		if (strncmp(err, want, strlen(want)) != 0)
			fail_msg("case %zu:\n got  %s\n want %s", i, err, want);
		assert_string_equal(instrument_item_theme(in, 3),
				    "Victim is cut off from family, friends or other support");
	}
	snprintf(path, sizeof path, "%s/missing.json", dir);
	assert_int_equal(instrument_set_override(s, path, err, sizeof err), -1);
	snprintf(want, sizeof want, "%s: cannot open: No such file or directory", path);
	assert_string_equal(err, want);
	instrument_set_free(s);
	tmpdir_free(dir);
}

static void instrument_json_describes_items_and_scoring(void **state)
{
	json_t *j = instrument_json(ric()), *bands, *want;

	(void)state;
	assert_string_equal(json_string_value(json_object_get(j, "id")), "ric");
	assert_int_equal(json_integer_value(json_object_get(j, "version")), 1);
	assert_string_equal(json_string_value(json_object_get(j, "kind")), "checklist");
	assert_int_equal(json_array_size(json_object_get(j, "items")), 27);
	assert_int_equal(json_array_size(json_object_get(j, "answers")), 3);
	bands = json_object_get(json_object_get(j, "scoring"), "bands");
	want = json_loads("[{\"min\":0,\"max\":9,\"level\":\"standard\"},{\"min\":10,\"max\":13,"
			  "\"level\":\"medium\"},{\"min\":14,\"level\":\"high\",\"visible_high\":true}]",
			  0, NULL);
	assert_true(json_equal(bands, want));
	json_decref(want);
	json_decref(j);
	j = instrument_json(instrument_set_find(instruments, "structured-judgement"));
	assert_string_equal(json_string_value(json_object_get(json_object_get(j, "scoring"), "type")),
			    "none");
	assert_int_equal(json_array_size(json_object_get(j, "ratings")), 3);
	assert_null(json_object_get(j, "answers"));
	json_decref(j);
}

/* ---- professional judgement ----------------------------------------------------- */

static void judgement_may_raise_with_a_reason_and_never_lower(void **state)
{
	static const struct {
		enum risk_level floor, computed, judged;
		const char *reason;
		int rc;
		enum risk_level final;
		const char *why;
	} cases[] = {
		/* no judgement: the higher of floor and computed */
		{ RISK_NONE, RISK_STANDARD, RISK_NONE, NULL, 0, RISK_STANDARD, "" },
		{ RISK_HIGH, RISK_STANDARD, RISK_NONE, NULL, 0, RISK_HIGH, "" },
		{ RISK_MEDIUM, RISK_HIGH, RISK_NONE, NULL, 0, RISK_HIGH, "" },
		{ RISK_NONE, RISK_NONE, RISK_NONE, "ignored", 0, RISK_NONE, "" },
		/* raising needs a reason */
		{ RISK_NONE, RISK_MEDIUM, RISK_HIGH, "threatened to kill her yesterday", 0, RISK_HIGH, "" },
		{ RISK_NONE, RISK_STANDARD, RISK_MEDIUM, "escalating messages", 0, RISK_MEDIUM, "" },
		{ RISK_MEDIUM, RISK_STANDARD, RISK_HIGH, "released from custody", 0, RISK_HIGH, "" },
		{ RISK_NONE, RISK_MEDIUM, RISK_HIGH, NULL, -1, RISK_NONE,
		  "raising the level by professional judgement needs a reason" },
		{ RISK_NONE, RISK_MEDIUM, RISK_HIGH, " \t\n", -1, RISK_NONE,
		  "raising the level by professional judgement needs a reason" },
		{ RISK_MEDIUM, RISK_STANDARD, RISK_HIGH, "", -1, RISK_NONE,
		  "raising the level by professional judgement needs a reason" },
		/* agreeing needs nothing */
		{ RISK_NONE, RISK_MEDIUM, RISK_MEDIUM, NULL, 0, RISK_MEDIUM, "" },
		{ RISK_HIGH, RISK_STANDARD, RISK_HIGH, NULL, 0, RISK_HIGH, "" },
		/* lowering is refused, with or without a reason */
		{ RISK_NONE, RISK_MEDIUM, RISK_STANDARD, "she has moved away", -1, RISK_NONE,
		  "professional judgement may raise the level but never lower it: the checklist "
		  "gives medium" },
		{ RISK_NONE, RISK_HIGH, RISK_MEDIUM, "he is in hospital", -1, RISK_NONE,
		  "professional judgement may raise the level but never lower it: the checklist "
		  "gives high (visible high risk)" },
		{ RISK_NONE, RISK_HIGH, RISK_STANDARD, NULL, -1, RISK_NONE,
		  "professional judgement may raise the level but never lower it: the checklist "
		  "gives high (visible high risk)" },
		{ RISK_HIGH, RISK_STANDARD, RISK_MEDIUM, "new checklist is lower", -1, RISK_NONE,
		  "professional judgement may raise the level but never lower it: the latest "
		  "checklist gives high (visible high risk)" },
		{ RISK_HIGH, RISK_NONE, RISK_STANDARD, "screen shows little", -1, RISK_NONE,
		  "professional judgement may raise the level but never lower it: the latest "
		  "checklist gives high (visible high risk)" },
		/* no computed level and no floor: any judged level needs a reason */
		{ RISK_NONE, RISK_NONE, RISK_MEDIUM, "ratings of moderate", 0, RISK_MEDIUM, "" },
		{ RISK_NONE, RISK_NONE, RISK_STANDARD, "nothing found", 0, RISK_STANDARD, "" },
		{ RISK_NONE, RISK_NONE, RISK_STANDARD, NULL, -1, RISK_NONE,
		  "a level set by professional judgement needs a reason" },
		/* not a level */
		{ RISK_NONE, RISK_MEDIUM, (enum risk_level)3, "x", -1, RISK_NONE,
		  "the level must be standard, medium or high" },
		{ (enum risk_level)-2, RISK_MEDIUM, RISK_NONE, NULL, -1, RISK_NONE,
		  "the level must be standard, medium or high" },
	};
	char why[256];

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		enum risk_level final = (enum risk_level)99;
		int rc = judgement_apply(cases[i].floor, cases[i].computed, cases[i].judged,
					 cases[i].reason, &final, why, sizeof why);

		if (rc != cases[i].rc || strcmp(why, cases[i].why) != 0 ||
		    (rc == 0 && final != cases[i].final) || (rc != 0 && final != 99))
			fail_msg("case %zu: rc %d final %d why '%s'", i, rc, final, why);
	}
}

/* ---- reviews and MARAC ----------------------------------------------------------- */

static void review_days_follow_the_level(void **state)
{
	struct review_policy p = { 3, 14, 0 };

	(void)state;
	assert_int_equal(review_days(NULL, RISK_HIGH), 7);
	assert_int_equal(review_days(NULL, RISK_MEDIUM), 28);
	assert_int_equal(review_days(NULL, RISK_STANDARD), 90);
	assert_int_equal(review_days(NULL, RISK_NONE), -1);
	assert_int_equal(review_days(&p, RISK_HIGH), 3);
	assert_int_equal(review_days(&p, RISK_MEDIUM), 14);
	assert_int_equal(review_days(&p, RISK_STANDARD), 90); /* 0 takes the default */
	assert_int_equal(review_days(&p, (enum risk_level)5), -1);
}

static void marac_is_due_by_each_route_alone_and_not_without_one(void **state)
{
	static const struct {
		struct marac_facts f;
		bool due;
		const char *reason;
	} cases[] = {
		{ { RISK_MEDIUM, false, NULL, 2, 0, false, false }, false, NULL },
		{ { RISK_NONE, false, NULL, 0, 0, false, false }, false, NULL },
		/* the count reached high */
		{ { RISK_HIGH, false, NULL, 0, 0, false, false }, true,
		  "the checklist count reached high (visible high risk)" },
		/* professional judgement, with a reason; without one it does not apply */
		{ { RISK_MEDIUM, true, "children at risk", 0, 0, false, false }, true,
		  "professional judgement: children at risk" },
		{ { RISK_MEDIUM, true, "  ", 0, 0, false, false }, false, NULL },
		{ { RISK_MEDIUM, true, NULL, 0, 0, false, false }, false, NULL },
		/* potential escalation: 3 in the window by default, configurable */
		{ { RISK_STANDARD, false, NULL, 3, 0, false, false }, true,
		  "potential escalation: 3 incidents in the window (threshold 3)" },
		{ { RISK_STANDARD, false, NULL, 4, 5, false, false }, false, NULL },
		{ { RISK_STANDARD, false, NULL, 5, 5, false, false }, true,
		  "potential escalation: 5 incidents in the window (threshold 5)" },
		/* a repeat referral needs a new incident since */
		{ { RISK_STANDARD, false, NULL, 1, 0, true, true }, true,
		  "repeat referral: a new incident since a referral within the last 12 months" },
		{ { RISK_STANDARD, false, NULL, 1, 0, true, false }, false, NULL },
		{ { RISK_STANDARD, false, NULL, 1, 0, false, true }, false, NULL },
	};

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		json_t *reasons = json_array();
		bool due = marac_due(&cases[i].f, reasons);

		if (due != cases[i].due)
			fail_msg("case %zu: due %d", i, due);
		assert_int_equal(json_array_size(reasons), cases[i].reason ? 1 : 0);
		if (cases[i].reason)
			assert_string_equal(json_string_value(json_array_get(reasons, 0)),
					    cases[i].reason);
		assert_int_equal(marac_due(&cases[i].f, NULL), cases[i].due);
		json_decref(reasons);
	}
}

static void marac_lists_every_route_that_applies(void **state)
{
	struct marac_facts f = { RISK_HIGH, true, "weapons at home", 3, 0, true, true };
	json_t *reasons = json_array();

	(void)state;
	assert_true(marac_due(&f, reasons));
	assert_int_equal(json_array_size(reasons), 4);
	assert_string_equal(json_string_value(json_array_get(reasons, 1)),
			    "professional judgement: weapons at home");
	json_decref(reasons);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(builtin_instruments_are_the_three_of_the_issue),
		cmocka_unit_test(ric_has_a_stalking_item_and_a_fear_item),
		cmocka_unit_test(risk_levels_have_names_and_definitions),
		cmocka_unit_test(ric_level_at_every_band_boundary),
		cmocka_unit_test(yes_items_are_listed_in_item_order),
		cmocka_unit_test(all_unknown_is_counted_never_as_no),
		cmocka_unit_test(missing_items_are_all_named),
		cmocka_unit_test(extra_items_are_named),
		cmocka_unit_test(bad_values_are_named),
		cmocka_unit_test(answers_must_be_an_object),
		cmocka_unit_test(a_short_why_buffer_is_cut_not_overrun),
		cmocka_unit_test(the_screen_lists_its_yes_items_and_sets_no_level),
		cmocka_unit_test(judgement_ratings_need_a_rating_and_a_reason),
		cmocka_unit_test(each_version_scores_its_own_items),
		cmocka_unit_test(broken_files_are_refused_naming_the_file_and_the_problem),
		cmocka_unit_test(a_syntax_error_in_half_a_character_gives_a_text_message),
		cmocka_unit_test(broken_top_level_fields_are_refused),
		cmocka_unit_test(duplicate_instrument_ids_across_files_are_refused),
		cmocka_unit_test(directories_without_instruments_are_refused),
		cmocka_unit_test(files_load_in_name_order),
		cmocka_unit_test(licensed_text_overrides_the_display_text),
		cmocka_unit_test(unknown_override_ids_are_refused_and_nothing_is_applied),
		cmocka_unit_test(instrument_json_describes_items_and_scoring),
		cmocka_unit_test(judgement_may_raise_with_a_reason_and_never_lower),
		cmocka_unit_test(review_days_follow_the_level),
		cmocka_unit_test(marac_is_due_by_each_route_alone_and_not_without_one),
		cmocka_unit_test(marac_lists_every_route_that_applies),
	};
	return cmocka_run_group_tests_name("instrument", tests, load_instruments, free_instruments);
}
