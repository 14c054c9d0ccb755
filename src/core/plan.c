/*
 * plan — action categories and statuses, the suggestion table, the
 * `assessed` gate, closing outcomes, tasks and overdue rules.
 *
 * The suggestion table is parsed into typed structs and validated strictly,
 * as the instruments are: a key the schema does not know, a category or
 * screen item that does not exist, an action no rule suggests, all stop the
 * server with the file and the place named.  A typo must never silently drop
 * a suggestion a victim's safety may depend on.
 */
#include "core/plan.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/jsonfile.h"
#include "base/mem.h"
#include "base/text.h"
#include "core/casefile.h"
#include "core/instrument.h"

#define FILE_MAX (1 << 20)
#define ID_MAX 64
#define TEXT_MAX 1000
#define WHY_MAX 400
#define ACTIONS_MAX 200
#define RULES_MAX 500
#define LIST_MAX 50

/* ---- actions ---------------------------------------------------------------- */

const char *const plan_categories[] = {
	"victim_safety", "perpetrator_management", "monitoring", "support_referral", "treatment",
	NULL,
};

static const char *const category_titles[] = {
	"victim safety and target hardening", "perpetrator management and orders",
	"monitoring and tagging", "support and referral", "treatment and intervention",
};

const char *plan_category_title(const char *category)
{
	for (int i = 0; category && plan_categories[i]; i++)
		if (strcmp(plan_categories[i], category) == 0)
			return category_titles[i];
	return NULL;
}

const char *const plan_action_statuses[] = { "planned", "in_progress", "done", "not_done", NULL };

const char *plan_action_status_name(enum plan_action_status s)
{
	return s >= 0 && s < PLAN_STATUS_COUNT ? plan_action_statuses[s] : NULL;
}

enum plan_action_status plan_action_status_parse(const char *name)
{
	int i = text_index(plan_action_statuses, PLAN_STATUS_COUNT, name);

	return i < 0 ? PLAN_STATUS_NONE : (enum plan_action_status)i;
}

int plan_action_move(enum plan_action_status from, enum plan_action_status to,
		     const char *reason, char *why, size_t whylen)
{
	bool ok;

	if (from < 0 || from >= PLAN_STATUS_COUNT || to < 0 || to >= PLAN_STATUS_COUNT)
		return text_fail(why, whylen, "status must be planned, in_progress, done or not_done");
	if (from == to)
		return 0;
	switch (from) {
	case PLAN_PLANNED: ok = to != PLAN_PLANNED; break;
	case PLAN_IN_PROGRESS: ok = to == PLAN_DONE || to == PLAN_NOT_DONE; break;
	default: ok = to == PLAN_IN_PROGRESS; break; /* reopen a finished action */
	}
	if (!ok)
		return text_fail(why, whylen, "an action cannot go from %s to %s; from %s it may go to %s",
			    plan_action_statuses[from], plan_action_statuses[to],
			    plan_action_statuses[from],
			    from == PLAN_PLANNED	   ? "in_progress, done or not_done"
			    : from == PLAN_IN_PROGRESS ? "done or not_done"
						       : "in_progress (reopened, with a reason)");
	if (to == PLAN_NOT_DONE && text_blank(reason))
		return text_fail(why, whylen, "an action that was not done needs the reason why");
	if ((from == PLAN_DONE || from == PLAN_NOT_DONE) && text_blank(reason))
		return text_fail(why, whylen, "reopening a %s action needs a reason",
			    plan_action_statuses[from]);
	return 0;
}

bool plan_action_overdue(enum plan_action_status s, int64_t due_at, int64_t now)
{
	return (s == PLAN_PLANNED || s == PLAN_IN_PROGRESS) && due_at != 0 && due_at < now;
}

/* ---- the suggestion table --------------------------------------------------- */

struct action {
	char *id;
	char *category;
	char *description;
	bool used;
};

struct rule {
	char *id;
	char *why;
	char **levels, **typologies, **screen_yes; /* NULL: no condition */
	size_t nlevels, ntypologies, nscreen;
	size_t *suggest; /* indexes into actions */
	size_t nsuggest;
};

struct plan_suggestions {
	int version;
	char *screen;
	struct action *actions;
	size_t nactions;
	struct rule *rules;
	size_t nrules;
};

static void strv_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void plan_suggestions_free(plan_suggestions *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->nactions; i++) {
		free(s->actions[i].id);
		free(s->actions[i].category);
		free(s->actions[i].description);
	}
	free(s->actions);
	for (size_t i = 0; i < s->nrules; i++) {
		struct rule *r = &s->rules[i];

		free(r->id);
		free(r->why);
		strv_free(r->levels, r->nlevels);
		strv_free(r->typologies, r->ntypologies);
		strv_free(r->screen_yes, r->nscreen);
		free(r->suggest);
	}
	free(s->rules);
	free(s->screen);
	free(s);
}

int plan_suggestions_version(const plan_suggestions *s)
{
	return s->version;
}

const char *plan_suggestions_screen(const plan_suggestions *s)
{
	return s->screen;
}

static bool id_valid(const char *s)
{
	size_t n = 0;

	for (; s && s[n]; n++)
		if (!((s[n] >= 'a' && s[n] <= 'z') || (s[n] >= '0' && s[n] <= '9') || s[n] == '-'))
			return false;
	return n > 0 && n <= ID_MAX;
}

static int only_fields(json_t *obj, const char *const *allowed, char *why, size_t whylen)
{
	const char *key;
	json_t *v;

	json_object_foreach(obj, key, v) {
		if (!case_vocab_has(allowed, key))
			return text_fail(why, whylen, "unknown field '%.64s'", key);
	}
	return 0;
}

/* A text field of 1..TEXT_MAX bytes, not blank; NULL with why. */
static const char *text_field(json_t *obj, const char *key, char *why, size_t whylen)
{
	json_t *v = json_object_get(obj, key);
	const char *s = json_string_value(v);

	if (!v) {
		text_fail(why, whylen, "missing field '%s'", key);
		return NULL;
	}
	if (!s || text_blank(s) || strlen(s) > TEXT_MAX) {
		text_fail(why, whylen, "%s must be text of 1 to %d bytes", key, TEXT_MAX);
		return NULL;
	}
	return s;
}

static struct action *action_find(const struct plan_suggestions *s, const char *id)
{
	for (size_t i = 0; i < s->nactions; i++)
		if (strcmp(s->actions[i].id, id) == 0)
			return &s->actions[i];
	return NULL;
}

static int parse_actions(struct plan_suggestions *s, json_t *actions, char *why, size_t whylen)
{
	static const char *const allowed[] = { "category", "description", NULL };
	const char *key;
	json_t *a;
	char sub[200];

	if (!json_is_object(actions))
		return text_fail(why, whylen, "actions must be an object of suggestion id to "
					 "{\"category\", \"description\"}");
	if (json_object_size(actions) == 0 || json_object_size(actions) > ACTIONS_MAX)
		return text_fail(why, whylen, "actions must hold 1 to %d actions", ACTIONS_MAX);
	s->actions = xcalloc(json_object_size(actions), sizeof *s->actions);
	json_object_foreach(actions, key, a) {
		const char *cat, *desc;

		if (!id_valid(key))
			return text_fail(why, whylen,
				    "action '%.64s': an id is 1 to %d lower-case letters, digits and -",
				    key, ID_MAX);
		if (!json_is_object(a))
			return text_fail(why, whylen, "action '%s': must be {\"category\", \"description\"}",
				    key);
		if (only_fields(a, allowed, sub, sizeof sub) < 0)
			return text_fail(why, whylen, "action '%s': %s", key, sub);
		if (!json_object_get(a, "category"))
			return text_fail(why, whylen, "action '%s': missing field 'category'", key);
		cat = json_string_value(json_object_get(a, "category"));
		if (!case_vocab_has(plan_categories, cat)) {
			char names[200];

			case_vocab_list(plan_categories, names, sizeof names);
			return text_fail(why, whylen, "action '%s': category must be one of: %s", key, names);
		}
		desc = text_field(a, "description", sub, sizeof sub);
		if (!desc)
			return text_fail(why, whylen, "action '%s': %s", key, sub);
		s->actions[s->nactions].id = xstrdup(key);
		s->actions[s->nactions].category = xstrdup(cat);
		s->actions[s->nactions].description = xstrdup(desc);
		s->nactions++;
	}
	return 0;
}

/* A list of strings, each checked by ok(); -1 with why. */
static int parse_list(json_t *v, const char *name, char ***out, size_t *n,
		      bool (*ok)(const char *s, const void *ctx), const void *ctx,
		      const char *expect, char *why, size_t whylen)
{
	size_t i;
	json_t *it;

	if (!json_is_array(v) || json_array_size(v) == 0 || json_array_size(v) > LIST_MAX)
		return text_fail(why, whylen, "when.%s must be a list of 1 to %d names", name, LIST_MAX);
	*out = xcalloc(json_array_size(v), sizeof **out);
	json_array_foreach(v, i, it) {
		const char *s = json_string_value(it);

		if (!s || !ok(s, ctx))
			return text_fail(why, whylen, "when.%s: '%.64s' is not %s", name, s ? s : "(not text)",
				    expect);
		(*out)[(*n)++] = xstrdup(s);
	}
	return 0;
}

static bool ok_level(const char *s, const void *ctx)
{
	(void)ctx;
	return risk_level_parse(s) != RISK_NONE;
}

static bool ok_typology(const char *s, const void *ctx)
{
	(void)ctx;
	return case_vocab_has(case_typologies, s);
}

static bool ok_screen_item(const char *s, const void *ctx)
{
	const instrument *in = ctx;

	for (size_t i = 0; i < instrument_item_count(in); i++)
		if (strcmp(instrument_item_id(in, i), s) == 0)
			return true;
	return false;
}

static int parse_rule(struct plan_suggestions *s, struct rule *r, json_t *o,
		      const instrument *screen, char *why, size_t whylen)
{
	static const char *const allowed[] = { "id", "why", "when", "suggest", NULL };
	static const char *const when_allowed[] = { "risk_level", "typology", "screen_yes", NULL };
	const char *id, *text;
	json_t *when, *v, *sug, *it;
	char expect[160];
	size_t i;

	if (!json_is_object(o))
		return text_fail(why, whylen, "must be {\"id\", \"why\", \"when\", \"suggest\"}");
	if (only_fields(o, allowed, why, whylen) < 0)
		return -1;
	id = json_string_value(json_object_get(o, "id"));
	if (!id || !id_valid(id))
		return text_fail(why, whylen, "id must be 1 to %d lower-case letters, digits and -", ID_MAX);
	for (size_t k = 0; k < s->nrules; k++)
		if (strcmp(s->rules[k].id, id) == 0)
			return text_fail(why, whylen, "duplicate rule id '%s'", id);
	r->id = xstrdup(id);
	text = text_field(o, "why", why, whylen);
	if (!text)
		return -1;
	r->why = xstrdup(text);
	when = json_object_get(o, "when");
	if (!json_is_object(when))
		return text_fail(why, whylen, "when must be an object (may be empty: every case)");
	if (only_fields(when, when_allowed, why, whylen) < 0)
		return -1;
	if ((v = json_object_get(when, "risk_level")) &&
	    parse_list(v, "risk_level", &r->levels, &r->nlevels, ok_level, NULL,
		       "a risk level (standard, medium, high)", why, whylen) < 0)
		return -1;
	if ((v = json_object_get(when, "typology")) &&
	    parse_list(v, "typology", &r->typologies, &r->ntypologies, ok_typology, NULL,
		       "a typology (rejected, intimacy_seeker, incompetent_suitor, resentful, "
		       "predatory, undetermined)",
		       why, whylen) < 0)
		return -1;
	snprintf(expect, sizeof expect, "an item of the screen '%s'", s->screen);
	if ((v = json_object_get(when, "screen_yes")) &&
	    parse_list(v, "screen_yes", &r->screen_yes, &r->nscreen, ok_screen_item, screen, expect,
		       why, whylen) < 0)
		return -1;
	sug = json_object_get(o, "suggest");
	if (!json_is_array(sug) || json_array_size(sug) == 0 || json_array_size(sug) > LIST_MAX)
		return text_fail(why, whylen, "suggest must be a list of 1 to %d action ids", LIST_MAX);
	r->suggest = xcalloc(json_array_size(sug), sizeof *r->suggest);
	json_array_foreach(sug, i, it) {
		const char *aid = json_string_value(it);
		struct action *a = aid ? action_find(s, aid) : NULL;

		if (!a)
			return text_fail(why, whylen, "suggests '%.64s' which is not among the actions",
				    aid ? aid : "(not text)");
		for (size_t k = 0; k < r->nsuggest; k++)
			if (r->suggest[k] == (size_t)(a - s->actions))
				return text_fail(why, whylen, "suggests '%s' twice", aid);
		a->used = true;
		r->suggest[r->nsuggest++] = (size_t)(a - s->actions);
	}
	return 0;
}

static int parse_table(struct plan_suggestions *s, json_t *root,
		       const struct instrument_set *instruments, char *why, size_t whylen)
{
	static const char *const allowed[] = { "version", "screen", "actions", "rules", NULL };
	const instrument *screen;
	json_t *v, *rules;
	char sub[WHY_MAX];

	if (!json_is_object(root))
		return text_fail(why, whylen, "the suggestion table must be a JSON object");
	if (only_fields(root, allowed, why, whylen) < 0)
		return -1;
	v = json_object_get(root, "version");
	if (!json_is_integer(v) || json_integer_value(v) < 1 || json_integer_value(v) > 1000000)
		return text_fail(why, whylen, "version must be an integer from 1");
	s->version = (int)json_integer_value(v);
	v = json_object_get(root, "screen");
	if (!json_is_string(v))
		return text_fail(why, whylen, "screen must name the screen instrument (e.g. "
					 "\"stalking-screen\")");
	screen = instruments ? instrument_set_find(instruments, json_string_value(v)) : NULL;
	if (!screen || strcmp(instrument_kind(screen), "screen") != 0)
		return text_fail(why, whylen, "screen: '%.64s' is not a screen instrument that is loaded",
			    json_string_value(v));
	s->screen = xstrdup(json_string_value(v));
	if (!json_object_get(root, "actions"))
		return text_fail(why, whylen, "missing field 'actions'");
	if (parse_actions(s, json_object_get(root, "actions"), why, whylen) < 0)
		return -1;
	rules = json_object_get(root, "rules");
	if (!json_is_array(rules) || json_array_size(rules) == 0 ||
	    json_array_size(rules) > RULES_MAX)
		return text_fail(why, whylen, "rules must be a list of 1 to %d rules", RULES_MAX);
	s->rules = xcalloc(json_array_size(rules), sizeof *s->rules);
	for (size_t i = 0; i < json_array_size(rules); i++) {
		json_t *o = json_array_get(rules, i);
		const char *rid = json_string_value(json_object_get(o, "id"));

		if (parse_rule(s, &s->rules[i], o, screen, sub, sizeof sub) < 0) {
			s->nrules = i + 1; /* free what the failed rule holds */
			if (rid && id_valid(rid))
				return text_fail(why, whylen, "rule %zu (%s): %s", i + 1, rid, sub);
			return text_fail(why, whylen, "rule %zu: %s", i + 1, sub);
		}
		s->nrules = i + 1;
	}
	for (size_t i = 0; i < s->nactions; i++)
		if (!s->actions[i].used)
			return text_fail(why, whylen, "action '%s' is suggested by no rule",
				    s->actions[i].id);
	return 0;
}

int plan_suggestions_load(const char *path, const struct instrument_set *instruments,
			  plan_suggestions **out, char *err, size_t errlen)
{
	struct plan_suggestions *s = xcalloc(1, sizeof *s);
	char why[WHY_MAX + 200];
	json_t *root;
	int rc = -1;

	*out = NULL;
	root = jsonfile_load(path, FILE_MAX, why, sizeof why);
	if (!root || parse_table(s, root, instruments, why, sizeof why) < 0) {
		text_fail(err, errlen, "%s: %s", path, why);
		goto out;
	}
	*out = s;
	s = NULL;
	rc = 0;
out:
	json_decref(root);
	plan_suggestions_free(s);
	return rc;
}

static bool has(char **list, size_t n, const char *s)
{
	for (size_t i = 0; s && i < n; i++)
		if (strcmp(list[i], s) == 0)
			return true;
	return false;
}

static bool rule_applies(const struct rule *r, const struct plan_facts *f)
{
	if (r->levels && !has(r->levels, r->nlevels, f->risk_level))
		return false;
	if (r->typologies && !has(r->typologies, r->ntypologies, f->typology))
		return false;
	if (r->screen_yes) {
		bool any = false;
		size_t i;
		json_t *it;

		json_array_foreach(f->screen_yes, i, it)
			any = any || has(r->screen_yes, r->nscreen, json_string_value(it));
		if (!any)
			return false;
	}
	return true;
}

json_t *plan_suggestion_in(json_t *list, const char *id)
{
	size_t i;
	json_t *it;

	json_array_foreach(list, i, it) {
		const char *sid = json_string_value(json_object_get(it, "id"));

		if (sid && id && strcmp(sid, id) == 0)
			return it;
	}
	return NULL;
}

json_t *plan_suggest(const plan_suggestions *s, const struct plan_facts *f)
{
	json_t **because = xcalloc(s->nactions, sizeof *because), *out = json_array();

	for (size_t i = 0; i < s->nrules; i++) {
		const struct rule *r = &s->rules[i];

		if (!rule_applies(r, f))
			continue;
		for (size_t k = 0; k < r->nsuggest; k++) {
			size_t a = r->suggest[k];

			if (!because[a])
				because[a] = json_array();
			json_array_append_new(because[a],
					      json_pack("{s:s, s:s}", "rule", r->id, "why", r->why));
		}
	}
	for (size_t a = 0; a < s->nactions; a++) {
		if (!because[a])
			continue;
		json_array_append_new(out, json_pack("{s:s, s:s, s:s, s:o}", "id", s->actions[a].id,
						     "category", s->actions[a].category,
						     "description", s->actions[a].description,
						     "because", because[a]));
	}
	free(because);
	return out;
}

int plan_suggestion_get(const plan_suggestions *s, const char *id, const char **category,
			const char **description)
{
	const struct action *a = id ? action_find(s, id) : NULL;

	if (!a)
		return -1;
	*category = a->category;
	*description = a->description;
	return 0;
}

/* ---- gates ------------------------------------------------------------------ */

int plan_gate_assessed(const struct plan_gate_facts *f, char *why, size_t whylen)
{
	struct buf b;
	int rc = 0;

	buf_init(&b);
	if (!f->has_plan)
		buf_puts(&b, "a risk management plan with at least one action that has an owner "
			     "and a due date (there is no plan)");
	else if (f->actions_ready < 1)
		buf_puts(&b, "at least one plan action with an owner and a due date (no action "
			     "of the plan has both)");
	if (f->high_risk && !f->advocate_referral)
		buf_printf(&b, "%san advocate referral offered, accepted or declined (the case is "
			       "high risk and none is recorded)",
			   b.len ? "; and " : "");
	if (b.len) {
		text_fail(why, whylen, "to move to assessed the case needs %s", b.data);
		rc = -1;
	}
	buf_free(&b);
	return rc;
}

/* ---- reviews ---------------------------------------------------------------- */

const char *const plan_closing_outcomes[] = {
	"convicted",		      /* the suspect was convicted */
	"acquitted",		      /* tried and acquitted (an order may remain) */
	"no_further_action_evidential", /* investigated; the evidential test was not met */
	"victim_withdrew_support",    /* investigated; the victim withdrew her support */
	"risk_reduced_plan_complete", /* the plan is done and the risk has fallen */
	"order_in_force_managed",     /* an order protects her and the risk is managed */
	"suspect_deceased",
	"transferred",		      /* to another force or centre, with the plan */
	"not_stalking_after_investigation",
	NULL,
};

/* Words for a warning given in place of an investigation. */
static const char *const warning_words[] = {
	"warning", "warning_notice", "pin", "police_information_notice", "harassment_warning",
	"harassment_notice", "words_of_advice", "cease_and_desist", "first_instance_warning",
	"informal_warning", "caution_letter", NULL,
};

int plan_closing_outcome_check(const char *outcome, char *why, size_t whylen)
{
	char names[600];

	if (case_vocab_has(plan_closing_outcomes, outcome))
		return 0;
	if (case_vocab_has(warning_words, outcome) || (outcome && strstr(outcome, "warning")))
		return text_fail(why, whylen,
			    "'%.64s' is not a closing outcome: a warning notice instead of an "
			    "investigation is not how a stalking case ends (Police Information "
			    "Notices are no longer issued); investigate and record what came of it",
			    outcome);
	case_vocab_list(plan_closing_outcomes, names, sizeof names);
	return text_fail(why, whylen, "outcome must be one of: %s", names);
}

/* ---- case tasks ------------------------------------------------------------- */

const char *const plan_task_kinds[] = { "notify_victim", "duty_to_notify", "crime_record", NULL };

const char *const plan_notify_events[] = {
	"arrest", "charge", "release", "bail_conditions", "order_granted", "order_changed",
	"risk_level_changed", NULL,
};

bool plan_task_overdue(int64_t due_at, int64_t done_at, int64_t now)
{
	return done_at == 0 && due_at != 0 && due_at < now;
}

int64_t plan_notify_due(int64_t event_at, int hours)
{
	return event_at + (int64_t)hours * 3600 * 1000;
}

/* ---- contact ---------------------------------------------------------------- */

bool plan_contact_overdue(int64_t last_contact, int64_t opened_at, int days, int64_t now)
{
	int64_t since = last_contact ? last_contact : opened_at;

	return now - since > (int64_t)days * 24 * 3600 * 1000;
}
