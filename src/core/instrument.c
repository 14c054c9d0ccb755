/*
 * instrument — loading and validating instrument files, scoring answers,
 * professional judgement, review intervals and the MARAC flag.
 *
 * A file is parsed with jansson (duplicate keys refused) into typed structs;
 * nothing keeps the JSON.  Validation is strict and declarative: a field the
 * schema does not know is an error, so a typo ("item" for "items", "maximum"
 * for "max") stops the server instead of silently dropping a rule.  The loader
 * and the override are the only functions here that touch the file system.
 *
 * The band invariant, checked at load and relied on by instrument_score():
 * bands are contiguous from 0 to the item count, so every possible count of
 * yes answers falls in exactly one band.
 */
#include "core/instrument.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/jsonfile.h"
#include "base/mem.h"
#include "base/text.h"

#define FILE_MAX (1 << 20) /* bytes of an instrument or override file */
#define ID_MAX 64
#define TITLE_MAX 200
#define THEME_MAX 300
#define DESCRIPTION_MAX 4000
#define LICENSED_MAX 4000
#define REASON_MAX 10000
#define ITEMS_MAX 100
#define BANDS_MAX 16
#define NAMED_MAX 10 /* items named in a message when they come from input */

enum kind { KIND_CHECKLIST, KIND_SCREEN, KIND_JUDGEMENT, KIND_COUNT };
static const char *const kind_names[KIND_COUNT] = { "checklist", "screen", "judgement" };

enum scoring { SCORING_NONE, SCORING_COUNT_YES };

struct band {
	int min, max; /* yes answers, inclusive; max is the item count when open */
	bool open;    /* "or more": no max in the file */
	enum risk_level level;
	bool visible_high;
};

struct item {
	char *id;
	char *theme;    /* our own words */
	char *licensed; /* the deployment's licensed text, or NULL */
};

struct instrument {
	char *id;
	int version;
	char *title;
	char *description;
	enum kind kind;
	struct item *items;
	size_t nitems;
	enum scoring scoring;
	struct band *bands;
	size_t nbands;
	char *file; /* where it came from, for messages */
};

struct instrument_set {
	struct instrument **v;
	size_t n;
};

/*
 * Messages quote ids and keys taken from files and requests, and a message
 * cut to fit its buffer must still be valid UTF-8 (jansson refuses to make a
 * JSON string of anything else, and the API answers with these sentences).
 * So every cut is made at a character boundary.
 */


static void set_text(char *out, size_t outlen, const char *s)
{
	if (out && outlen) {
		snprintf(out, outlen, "%s", s);
		text_utf8_cut(out);
	}
}

/* An id or key from input, cut to at most CLIP_MAX bytes, for a message. */
#define CLIP_MAX 64
struct clip {
	char s[CLIP_MAX + 1];
};

static struct clip clip(const char *s)
{
	struct clip c;

	set_text(c.s, sizeof c.s, s);
	return c;
}

/* ---- risk levels ------------------------------------------------------------ */

static const char *const level_names[] = { "standard", "medium", "high" };

static const char *const level_definitions[] = {
	"no current evidence that serious harm is likely",
	"identifiable indicators of serious harm; unlikely unless circumstances change",
	("identifiable indicators of serious harm; could happen at any time and the impact "
	 "would be serious"),
};

static bool level_valid(enum risk_level l)
{
	return l >= RISK_STANDARD && l <= RISK_HIGH;
}

const char *risk_level_name(enum risk_level l)
{
	return level_valid(l) ? level_names[l] : NULL;
}

enum risk_level risk_level_parse(const char *s)
{
	int i = text_index(level_names, 3, s);

	return i < 0 ? RISK_NONE : (enum risk_level)i;
}

const char *risk_level_definition(enum risk_level l)
{
	return level_valid(l) ? level_definitions[l] : NULL;
}

static enum risk_level level_max(enum risk_level a, enum risk_level b)
{
	return a > b ? a : b;
}

/* ---- text checks ------------------------------------------------------------ */

/* Characters (UTF-8 code points; jansson guarantees valid UTF-8). */
static size_t utf8_len(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xC0) != 0x80;
	return n;
}

static bool has_control(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return true;
	return false;
}

/* sep is the one punctuation character allowed besides [a-z0-9]. */
static bool id_valid(const char *s, char sep)
{
	size_t n = 0;

	for (; s[n]; n++)
		if (!((s[n] >= 'a' && s[n] <= 'z') || (s[n] >= '0' && s[n] <= '9') || s[n] == sep))
			return false;
	return n > 0 && n <= ID_MAX;
}

/*
 * The string field key of obj: a line of text (no control characters) of
 * 1..max characters, or any text when multiline.  NULL with why when it is
 * absent or wrong.
 */
static const char *text_field(json_t *obj, const char *key, size_t max, bool multiline,
			      char *why, size_t whylen)
{
	json_t *v = json_object_get(obj, key);
	const char *s;

	if (!v) {
		text_fail(why, whylen, "missing field '%s'", key);
		return NULL;
	}
	s = json_string_value(v);
	if (!s || text_blank(s)) {
		text_fail(why, whylen, "%s must be a non-empty string", key);
		return NULL;
	}
	if (utf8_len(s) > max) {
		text_fail(why, whylen, "%s is longer than %zu characters", key, max);
		return NULL;
	}
	if (!multiline && has_control(s)) {
		text_fail(why, whylen, "%s must be one line without control characters", key);
		return NULL;
	}
	return s;
}

/* Every key of obj is one of the NULL-terminated allowed; else -1 naming it. */
static int only_fields(json_t *obj, const char *const *allowed, char *why, size_t whylen)
{
	const char *key;
	json_t *v;

	json_object_foreach(obj, key, v) {
		const char *const *a = allowed;

		while (*a && strcmp(*a, key) != 0)
			a++;
		if (!*a)
			return text_fail(why, whylen, "unknown field '%s'", clip(key).s);
	}
	return 0;
}

/* An integer field in [lo, hi]: 0, 1 when absent and optional, or -1. */
static int int_field(json_t *obj, const char *key, bool optional, long long lo, long long hi,
		     int *out, char *why, size_t whylen)
{
	json_t *v = json_object_get(obj, key);
	long long n;

	if (!v) {
		if (optional)
			return 1;
		return text_fail(why, whylen, "missing field '%s'", key);
	}
	if (!json_is_integer(v))
		return text_fail(why, whylen, "%s must be an integer", key);
	n = json_integer_value(v);
	if (n < lo || n > hi)
		return text_fail(why, whylen, "%s must be from %lld to %lld", key, lo, hi);
	*out = (int)n;
	return 0;
}

/* ---- one instrument --------------------------------------------------------- */

static void instrument_free(struct instrument *in)
{
	if (!in)
		return;
	for (size_t i = 0; i < in->nitems; i++) {
		free(in->items[i].id);
		free(in->items[i].theme);
		free(in->items[i].licensed);
	}
	free(in->items);
	free(in->bands);
	free(in->file);
	free(in->description);
	free(in->title);
	free(in->id);
	free(in);
}

static size_t item_find(const struct instrument *in, const char *id)
{
	for (size_t i = 0; i < in->nitems; i++)
		if (strcmp(in->items[i].id, id) == 0)
			return i;
	return (size_t)-1;
}

static int parse_items(struct instrument *in, json_t *items, char *why, size_t whylen)
{
	static const char *const allowed[] = { "id", "theme", NULL };
	char sub[200];
	size_t n;

	if (!json_is_array(items))
		return text_fail(why, whylen, "items must be an array");
	n = json_array_size(items);
	if (n == 0 || n > ITEMS_MAX)
		return text_fail(why, whylen, "items must hold 1 to %d items, not %zu", ITEMS_MAX, n);
	in->items = xcalloc(n, sizeof *in->items);
	for (size_t i = 0; i < n; i++) {
		json_t *it = json_array_get(items, i);
		const char *id, *theme;

		if (!json_is_object(it))
			return text_fail(why, whylen, "item %zu: must be an object {\"id\", \"theme\"}", i + 1);
		if (only_fields(it, allowed, sub, sizeof sub) < 0)
			return text_fail(why, whylen, "item %zu: %s", i + 1, sub);
		if (!json_object_get(it, "id"))
			return text_fail(why, whylen, "item %zu: missing field 'id'", i + 1);
		id = json_string_value(json_object_get(it, "id"));
		if (!id || !id_valid(id, '_'))
			return text_fail(why, whylen,
				    "item %zu: id must be 1 to %d lower-case letters, digits and _",
				    i + 1, ID_MAX);
		if (item_find(in, id) != (size_t)-1)
			return text_fail(why, whylen, "item %zu: duplicate id '%s'", i + 1, id);
		theme = text_field(it, "theme", THEME_MAX, false, sub, sizeof sub);
		if (!theme)
			return text_fail(why, whylen, "item %zu: %s", i + 1, sub);
		in->items[i].id = xstrdup(id);
		in->items[i].theme = xstrdup(theme);
		in->nitems = i + 1;
	}
	return 0;
}

static int parse_band(struct band *b, json_t *o, bool last, char *why, size_t whylen)
{
	static const char *const allowed[] = { "min", "max", "level", "visible_high", NULL };
	json_t *vh;
	int rc;

	if (!json_is_object(o))
		return text_fail(why, whylen, "must be an object {\"min\", \"max\", \"level\"}");
	if (only_fields(o, allowed, why, whylen) < 0)
		return -1;
	if (int_field(o, "min", false, 0, ITEMS_MAX, &b->min, why, whylen) < 0)
		return -1;
	rc = int_field(o, "max", true, 0, ITEMS_MAX, &b->max, why, whylen);
	if (rc < 0)
		return -1;
	b->open = rc == 1;
	if (b->open && !last)
		return text_fail(why, whylen, "only the last band may leave out max");
	if (!b->open && b->max < b->min)
		return text_fail(why, whylen, "max %d is below min %d", b->max, b->min);
	b->level = risk_level_parse(json_string_value(json_object_get(o, "level")));
	if (b->level == RISK_NONE)
		return text_fail(why, whylen, "level must be standard, medium or high");
	vh = json_object_get(o, "visible_high");
	if (vh && !json_is_boolean(vh))
		return text_fail(why, whylen, "visible_high must be true or false");
	b->visible_high = json_is_true(vh);
	if (b->visible_high && b->level != RISK_HIGH)
		return text_fail(why, whylen, "visible_high is only for a high band");
	return 0;
}

/* Bands contiguous from 0 to the item count, levels never falling. */
static int check_bands(const struct instrument *in, char *why, size_t whylen)
{
	int items = (int)in->nitems;
	const struct band *last = &in->bands[in->nbands - 1];

	if (in->bands[0].min != 0)
		return text_fail(why, whylen, "scoring: the bands start at %d, not 0", in->bands[0].min);
	for (size_t i = 1; i < in->nbands; i++) {
		const struct band *p = &in->bands[i - 1], *b = &in->bands[i];

		if (b->min <= p->max)
			return text_fail(why, whylen, "scoring: bands %zu and %zu overlap: %d to %d is in both",
				    i, i + 1, b->min, p->max < b->max ? p->max : b->max);
		if (b->min > p->max + 1)
			return text_fail(why, whylen,
				    "scoring: the bands leave a gap: %d to %d yes answers are in no band",
				    p->max + 1, b->min - 1);
		if (b->level < p->level)
			return text_fail(why, whylen, "scoring: band %zu gives %s, below band %zu's %s", i + 1,
				    level_names[b->level], i, level_names[p->level]);
	}
	if (last->open) {
		if (last->min > items)
			return text_fail(why, whylen,
				    "scoring: band %zu starts at %d, above the %d items: it can never apply",
				    in->nbands, last->min, items);
	} else if (last->max < items) {
		return text_fail(why, whylen,
			    "scoring: the bands stop at %d: %d to %d yes answers are in no band",
			    last->max, last->max + 1, items);
	} else if (last->max > items) {
		return text_fail(why, whylen, "scoring: band %zu ends at %d, above the %d items",
			    in->nbands, last->max, items);
	}
	return 0;
}

static int parse_scoring(struct instrument *in, json_t *sc, char *why, size_t whylen)
{
	static const char *const allowed_none[] = { "type", NULL };
	static const char *const allowed_count[] = { "type", "bands", NULL };
	const char *type;
	char sub[200];
	json_t *bands;
	size_t n;

	if (!json_is_object(sc))
		return text_fail(why, whylen, "scoring must be an object with a type");
	type = json_string_value(json_object_get(sc, "type"));
	if (!type)
		return text_fail(why, whylen, "scoring: type must be \"count_yes\" or \"none\"");
	if (strcmp(type, "none") == 0) {
		in->scoring = SCORING_NONE;
		if (only_fields(sc, allowed_none, sub, sizeof sub) < 0)
			return text_fail(why, whylen, "scoring: %s", sub);
		return 0;
	}
	if (strcmp(type, "count_yes") != 0)
		return text_fail(why, whylen, "scoring: type '%s' is not count_yes or none", clip(type).s);
	in->scoring = SCORING_COUNT_YES;
	if (in->kind == KIND_JUDGEMENT)
		return text_fail(why, whylen, "scoring: a judgement has no yes answers to count: use none");
	if (only_fields(sc, allowed_count, sub, sizeof sub) < 0)
		return text_fail(why, whylen, "scoring: %s", sub);
	bands = json_object_get(sc, "bands");
	if (!json_is_array(bands))
		return text_fail(why, whylen, "scoring: count_yes needs an array of bands");
	n = json_array_size(bands);
	if (n == 0 || n > BANDS_MAX)
		return text_fail(why, whylen, "scoring: 1 to %d bands, not %zu", BANDS_MAX, n);
	in->bands = xcalloc(n, sizeof *in->bands);
	for (size_t i = 0; i < n; i++) {
		if (parse_band(&in->bands[i], json_array_get(bands, i), i + 1 == n, sub,
			       sizeof sub) < 0)
			return text_fail(why, whylen, "scoring: band %zu: %s", i + 1, sub);
		in->nbands = i + 1;
	}
	if (in->bands[n - 1].open)
		in->bands[n - 1].max = (int)in->nitems;
	return check_bands(in, why, whylen);
}

/* The instrument described by root, or NULL with why (without the file name). */
static struct instrument *instrument_parse(json_t *root, char *why, size_t whylen)
{
	static const char *const allowed[] = { "id",	"version", "title", "description",
					       "kind", "items",	  "scoring", NULL };
	struct instrument *in = xcalloc(1, sizeof *in);
	const char *id, *title, *description, *kind;
	json_t *items, *scoring;
	int k;

	if (!json_is_object(root)) {
		text_fail(why, whylen, "an instrument must be a JSON object");
		goto out;
	}
	if (only_fields(root, allowed, why, whylen) < 0)
		goto out;
	id = json_string_value(json_object_get(root, "id"));
	if (!json_object_get(root, "id")) {
		text_fail(why, whylen, "missing field 'id'");
		goto out;
	}
	if (!id || !id_valid(id, '-')) {
		text_fail(why, whylen, "id must be 1 to %d lower-case letters, digits and -", ID_MAX);
		goto out;
	}
	in->id = xstrdup(id);
	if (int_field(root, "version", false, 1, INT_MAX, &in->version, why, whylen) < 0)
		goto out;
	title = text_field(root, "title", TITLE_MAX, false, why, whylen);
	if (!title)
		goto out;
	in->title = xstrdup(title);
	description = text_field(root, "description", DESCRIPTION_MAX, true, why, whylen);
	if (!description)
		goto out;
	in->description = xstrdup(description);
	if (!json_object_get(root, "kind")) {
		text_fail(why, whylen, "missing field 'kind'");
		goto out;
	}
	kind = json_string_value(json_object_get(root, "kind"));
	for (k = 0; kind && k < KIND_COUNT; k++)
		if (strcmp(kind, kind_names[k]) == 0)
			break;
	if (!kind || k == KIND_COUNT) {
		text_fail(why, whylen, "kind %s%s%s is not checklist, screen or judgement",
		     kind ? "'" : "", kind ? clip(kind).s : "(not a string)", kind ? "'" : "");
		goto out;
	}
	in->kind = (enum kind)k;
	items = json_object_get(root, "items");
	if (!items) {
		text_fail(why, whylen, "missing field 'items'");
		goto out;
	}
	if (parse_items(in, items, why, whylen) < 0)
		goto out;
	scoring = json_object_get(root, "scoring");
	if (!scoring) {
		text_fail(why, whylen, "missing field 'scoring'");
		goto out;
	}
	if (parse_scoring(in, scoring, why, whylen) < 0)
		goto out;
	return in;
out:
	instrument_free(in);
	return NULL;
}

/* ---- files ------------------------------------------------------------------ */

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool is_instrument_file(const char *name)
{
	size_t n = strlen(name);

	return name[0] != '.' && n > 5 && strcmp(name + n - 5, ".json") == 0;
}

int instrument_set_load(const char *dir, instrument_set **out, char *err, size_t errlen)
{
	struct instrument_set *s = xcalloc(1, sizeof *s);
	char **names = NULL;
	size_t nnames = 0, cap = 0;
	const char *slash;
	struct dirent *de;
	DIR *d;
	int rc = -1;

	*out = NULL;
	d = opendir(dir);
	if (!d) {
		text_fail(err, errlen, "%s: cannot open the instrument directory: %s", dir,
		     strerror(errno));
		goto out;
	}
	while ((de = readdir(d)) != NULL) {
		if (!is_instrument_file(de->d_name))
			continue;
		if (nnames == cap) {
			cap = cap ? cap * 2 : 8;
			names = xrealloc(names, cap * sizeof *names);
		}
		names[nnames++] = xstrdup(de->d_name);
	}
	closedir(d);
	if (nnames == 0) {
		text_fail(err, errlen, "%s: no instrument files (*.json)", dir);
		goto out;
	}
	qsort(names, nnames, sizeof *names, name_cmp);
	slash = dir[0] && dir[strlen(dir) - 1] == '/' ? "" : "/";
	s->v = xcalloc(nnames, sizeof *s->v);
	for (size_t i = 0; i < nnames; i++) {
		char *path = xasprintf("%s%s%s", dir, slash, names[i]);
		char why[300];
		struct instrument *in = NULL;
		const instrument *dup;
		json_t *root = jsonfile_load(path, FILE_MAX, why, sizeof why);

		if (root)
			in = instrument_parse(root, why, sizeof why);
		json_decref(root);
		if (!in) {
			text_fail(err, errlen, "%s: %s", path, why);
			free(path);
			goto out;
		}
		in->file = path;
		dup = instrument_set_find(s, in->id);
		if (dup) {
			text_fail(err, errlen, "%s: instrument id '%s' is already defined by %s", path,
			     in->id, dup->file);
			instrument_free(in);
			goto out;
		}
		s->v[s->n++] = in;
	}
	*out = s;
	s = NULL;
	rc = 0;
out:
	for (size_t i = 0; i < nnames; i++)
		free(names[i]);
	free(names);
	instrument_set_free(s);
	return rc;
}

/* Append name to a ", "-separated list (an empty name as ""). */
static void list_add(struct buf *b, const char *name)
{
	buf_printf(b, "%s%s", b->len ? ", " : "", name[0] ? clip(name).s : "\"\"");
}

int instrument_set_override(instrument_set *s, const char *path, char *err, size_t errlen)
{
	struct buf unknown_in, unknown_items;
	json_t *root, *items, *text;
	const char *iid, *item;
	char why[300];
	int rc = -1, named = 0;

	buf_init(&unknown_in);
	buf_init(&unknown_items);
	root = jsonfile_load(path, FILE_MAX, why, sizeof why);
	if (!root) {
		text_fail(err, errlen, "%s: %s", path, why);
		goto out;
	}
	if (!json_is_object(root)) {
		text_fail(err, errlen, "%s: must be an object {\"instrument\": {\"item\": \"text\"}}",
		     path);
		goto out;
	}
	/* check everything before changing anything */
	json_object_foreach(root, iid, items) {
		const struct instrument *in = instrument_set_find(s, iid);

		if (!in) {
			if (named++ < NAMED_MAX)
				list_add(&unknown_in, iid);
			continue;
		}
		if (!json_is_object(items)) {
			text_fail(err, errlen, "%s: %s: must be an object of item id to text", path, iid);
			goto out;
		}
		json_object_foreach(items, item, text) {
			const char *t = json_string_value(text);

			if (item_find(in, item) == (size_t)-1) {
				if (named++ < NAMED_MAX)
					buf_printf(&unknown_items, "%s%s.%s",
						   unknown_items.len ? ", " : "", iid,
						   item[0] ? clip(item).s : "\"\"");
				continue;
			}
			if (!t || text_blank(t)) {
				text_fail(err, errlen, "%s: %s.%s: the text must be a non-empty string", path,
				     iid, item);
				goto out;
			}
			if (utf8_len(t) > LICENSED_MAX) {
				text_fail(err, errlen, "%s: %s.%s: the text is longer than %d characters",
				     path, iid, item, LICENSED_MAX);
				goto out;
			}
		}
	}
	/* decided by the count, never by the text: an empty id must not slip through */
	if (named) {
		text_fail(err, errlen, "%s: %s%s%s%s%s%s", path,
		     unknown_in.len ? "unknown instruments: " : "", unknown_in.len ? unknown_in.data : "",
		     unknown_in.len && unknown_items.len ? "; " : "",
		     unknown_items.len ? "unknown items: " : "",
		     unknown_items.len ? unknown_items.data : "", named > NAMED_MAX ? " and more" : "");
		goto out;
	}
	json_object_foreach(root, iid, items) {
		struct instrument *in = (struct instrument *)instrument_set_find(s, iid);

		json_object_foreach(items, item, text) {
			struct item *it = &in->items[item_find(in, item)];

			free(it->licensed);
			it->licensed = xstrdup(json_string_value(text));
		}
	}
	rc = 0;
out:
	json_decref(root);
	buf_free(&unknown_items);
	buf_free(&unknown_in);
	return rc;
}

void instrument_set_free(instrument_set *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++)
		instrument_free(s->v[i]);
	free(s->v);
	free(s);
}

size_t instrument_set_count(const instrument_set *s)
{
	return s->n;
}

const instrument *instrument_set_at(const instrument_set *s, size_t i)
{
	return i < s->n ? s->v[i] : NULL;
}

const instrument *instrument_set_find(const instrument_set *s, const char *id)
{
	for (size_t i = 0; id && i < s->n; i++)
		if (strcmp(s->v[i]->id, id) == 0)
			return s->v[i];
	return NULL;
}

/* ---- accessors -------------------------------------------------------------- */

const char *instrument_id(const instrument *in)
{
	return in->id;
}

int instrument_version(const instrument *in)
{
	return in->version;
}

const char *instrument_kind(const instrument *in)
{
	return kind_names[in->kind];
}

const char *instrument_title(const instrument *in)
{
	return in->title;
}

const char *instrument_description(const instrument *in)
{
	return in->description;
}

size_t instrument_item_count(const instrument *in)
{
	return in->nitems;
}

const char *instrument_item_id(const instrument *in, size_t i)
{
	return i < in->nitems ? in->items[i].id : NULL;
}

const char *instrument_item_theme(const instrument *in, size_t i)
{
	if (i >= in->nitems)
		return NULL;
	return in->items[i].licensed ? in->items[i].licensed : in->items[i].theme;
}

static json_t *string_array(const char *const *v, size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_string(v[i]));
	return a;
}

static const char *const answer_names[] = { "yes", "no", "unknown" };
static const char *const rating_names[] = { "low", "moderate", "high" };

json_t *instrument_json(const instrument *in)
{
	json_t *o = json_object(), *items = json_array(), *sc = json_object();

	json_object_set_new(o, "id", json_string(in->id));
	json_object_set_new(o, "version", json_integer(in->version));
	json_object_set_new(o, "title", json_string(in->title));
	json_object_set_new(o, "description", json_string(in->description));
	json_object_set_new(o, "kind", json_string(kind_names[in->kind]));
	if (in->kind == KIND_JUDGEMENT)
		json_object_set_new(o, "ratings", string_array(rating_names, 3));
	else
		json_object_set_new(o, "answers", string_array(answer_names, 3));
	for (size_t i = 0; i < in->nitems; i++) {
		const struct item *it = &in->items[i];

		json_array_append_new(items, json_pack("{s:s, s:s, s:b}", "id", it->id, "theme",
						       it->licensed ? it->licensed : it->theme,
						       "licensed_text", it->licensed != NULL));
	}
	json_object_set_new(o, "items", items);
	if (in->scoring == SCORING_COUNT_YES) {
		json_t *bands = json_array();

		json_object_set_new(sc, "type", json_string("count_yes"));
		for (size_t i = 0; i < in->nbands; i++) {
			const struct band *b = &in->bands[i];
			json_t *jb = json_object();

			json_object_set_new(jb, "min", json_integer(b->min));
			if (!b->open)
				json_object_set_new(jb, "max", json_integer(b->max));
			json_object_set_new(jb, "level", json_string(level_names[b->level]));
			if (b->visible_high)
				json_object_set_new(jb, "visible_high", json_true());
			json_array_append_new(bands, jb);
		}
		json_object_set_new(sc, "bands", bands);
	} else {
		json_object_set_new(sc, "type", json_string("none"));
	}
	json_object_set_new(o, "scoring", sc);
	return o;
}

/* ---- scoring ---------------------------------------------------------------- */

void score_free(struct score *s)
{
	if (!s)
		return;
	json_decref(s->yes_items);
	json_decref(s->ratings);
	s->yes_items = NULL;
	s->ratings = NULL;
}

/* NULL when v is a valid judgement answer, else what is wrong with it. */
static const char *judgement_problem(json_t *v)
{
	static const char *const allowed[] = { "rating", "reason", NULL };
	const char *reason;

	if (!json_is_object(v))
		return "must be an object with a rating and a reason";
	if (only_fields(v, allowed, NULL, 0) < 0)
		return "has a field other than rating and reason";
	if (text_index(rating_names, 3, json_string_value(json_object_get(v, "rating"))) < 0)
		return "the rating must be low, moderate or high";
	reason = json_string_value(json_object_get(v, "reason"));
	if (!reason || text_blank(reason))
		return "a reason is required";
	if (utf8_len(reason) > REASON_MAX)
		return "the reason is too long";
	return NULL;
}

int instrument_score(const instrument *in, json_t *answers, struct score *out, char *field,
		     size_t fieldlen, char *why, size_t whylen)
{
	struct buf missing, extra, bad, msg;
	const char *first = NULL, *key;
	int nextra = 0, rc = -1;
	json_t *v;

	memset(out, 0, sizeof *out);
	out->computed = RISK_NONE;
	out->highest_rating = RISK_NONE;
	set_text(field, fieldlen, "");
	set_text(why, whylen, "");
	if (!json_is_object(answers)) {
		set_text(field, fieldlen, "answers");
		return text_fail(why, whylen, "answers must be an object of item id to answer");
	}
	buf_init(&missing);
	buf_init(&extra);
	buf_init(&bad);
	buf_init(&msg);
	for (size_t i = 0; i < in->nitems; i++) {
		const char *id = in->items[i].id;

		if (!json_object_get(answers, id)) {
			list_add(&missing, id);
			first = first ? first : id;
		}
	}
	/* extra keys come from the request: name a few, count the rest */
	json_object_foreach(answers, key, v) {
		if (item_find(in, key) != (size_t)-1)
			continue;
		if (nextra++ < NAMED_MAX)
			list_add(&extra, key);
		first = first ? first : key;
	}
	for (size_t i = 0; i < in->nitems; i++) {
		const char *id = in->items[i].id, *problem;

		v = json_object_get(answers, id);
		if (!v)
			continue;
		if (in->kind == KIND_JUDGEMENT) {
			problem = judgement_problem(v);
			if (problem)
				buf_printf(&bad, "%s%s (%s)", bad.len ? ", " : "", id, problem);
		} else {
			problem = text_index(answer_names, 3, json_string_value(v)) < 0 ? "" : NULL;
			if (problem)
				list_add(&bad, id);
		}
		if (problem)
			first = first ? first : id;
	}
	if (first) {
		if (missing.len)
			buf_printf(&msg, "missing answers: %s", missing.data);
		if (extra.len) {
			buf_printf(&msg, "%sitems not in %s v%d: %s", msg.len ? "; " : "", in->id,
				   in->version, extra.data);
			if (nextra > NAMED_MAX)
				buf_printf(&msg, " and %d more", nextra - NAMED_MAX);
		}
		if (bad.len)
			buf_printf(&msg, "%s%s: %s", msg.len ? "; " : "",
				   in->kind == KIND_JUDGEMENT ? "bad ratings"
							      : "answers other than yes, no or unknown",
				   bad.data);
		if (field && fieldlen) {
			snprintf(field, fieldlen, "answers.%s", first);
			text_utf8_cut(field);
		}
		set_text(why, whylen, msg.data);
		goto out;
	}
	out->yes_items = json_array();
	out->ratings = json_object();
	for (size_t i = 0; i < in->nitems; i++) {
		const char *id = in->items[i].id;

		v = json_object_get(answers, id);
		if (in->kind == KIND_JUDGEMENT) {
			const char *r = json_string_value(json_object_get(v, "rating"));

			json_object_set_new(out->ratings, id, json_string(r));
			out->highest_rating =
				level_max(out->highest_rating,
					  (enum risk_level)text_index(rating_names, 3, r));
			continue;
		}
		switch (text_index(answer_names, 3, json_string_value(v))) {
		case 0:
			out->yes++;
			json_array_append_new(out->yes_items, json_string(id));
			break;
		case 1:
			out->no++;
			break;
		default:
			out->unknown++;
			break;
		}
	}
	/* the bands cover 0..nitems (check_bands), so one of them holds the count */
	for (size_t i = 0; in->scoring == SCORING_COUNT_YES && i < in->nbands; i++)
		if (out->yes >= in->bands[i].min && out->yes <= in->bands[i].max) {
			out->computed = in->bands[i].level;
			out->visible_high = in->bands[i].visible_high;
			break;
		}
	rc = 0;
out:
	buf_free(&msg);
	buf_free(&bad);
	buf_free(&extra);
	buf_free(&missing);
	return rc;
}

/* ---- professional judgement ------------------------------------------------- */

int judgement_apply(enum risk_level floor, enum risk_level computed, enum risk_level judged,
		    const char *reason, enum risk_level *final, char *why, size_t whylen)
{
	enum risk_level base;

	set_text(why, whylen, "");
	if ((floor != RISK_NONE && !level_valid(floor)) ||
	    (computed != RISK_NONE && !level_valid(computed)) ||
	    (judged != RISK_NONE && !level_valid(judged)))
		return text_fail(why, whylen, "the level must be standard, medium or high");
	base = level_max(floor, computed);
	if (judged == RISK_NONE) {
		*final = base;
		return 0;
	}
	if (judged < base)
		/* a computed level is a floor: "visible high risk" above all */
		return text_fail(why, whylen,
			    "professional judgement may raise the level but never lower it: "
			    "the %schecklist gives %s%s",
			    floor > computed ? "latest " : "", level_names[base],
			    base == RISK_HIGH ? " (visible high risk)" : "");
	if (judged > base && text_blank(reason))
		return text_fail(why, whylen,
			    base == RISK_NONE
				    ? "a level set by professional judgement needs a reason"
				    : "raising the level by professional judgement needs a reason");
	*final = judged;
	return 0;
}

/* ---- reviews ---------------------------------------------------------------- */

int review_days(const struct review_policy *p, enum risk_level l)
{
	switch (l) {
	case RISK_HIGH:
		return p && p->high_days > 0 ? p->high_days : REVIEW_HIGH_DAYS;
	case RISK_MEDIUM:
		return p && p->medium_days > 0 ? p->medium_days : REVIEW_MEDIUM_DAYS;
	case RISK_STANDARD:
		return p && p->standard_days > 0 ? p->standard_days : REVIEW_STANDARD_DAYS;
	default:
		return -1;
	}
}

/* ---- MARAC referral --------------------------------------------------------- */

static void reason_add(json_t *reasons, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void reason_add(json_t *reasons, const char *fmt, ...)
{
	struct buf b;
	va_list ap;

	if (!reasons)
		return;
	buf_init(&b);
	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	json_array_append_new(reasons, json_string(b.data));
	buf_free(&b);
}

bool marac_due(const struct marac_facts *f, json_t *reasons)
{
	int threshold = f->escalation_incidents > 0 ? f->escalation_incidents
						    : MARAC_ESCALATION_INCIDENTS;
	bool due = false;

	if (f->computed == RISK_HIGH) {
		reason_add(reasons, "the checklist count reached high (visible high risk)");
		due = true;
	}
	if (f->judgement_refer && !text_blank(f->judgement_reason)) {
		reason_add(reasons, "professional judgement: %s", f->judgement_reason);
		due = true;
	}
	if (f->incidents_in_window >= threshold) {
		reason_add(reasons, "potential escalation: %d incidents in the window (threshold %d)",
			   f->incidents_in_window, threshold);
		due = true;
	}
	if (f->previously_referred && f->incident_since_referral) {
		reason_add(reasons,
			   "repeat referral: a new incident since a referral within the last 12 months");
		due = true;
	}
	return due;
}
