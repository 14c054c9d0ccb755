/*
 * plan — the rules of risk management plans that need no database: action
 * categories and the life of an action, the suggestion table (data, loaded
 * from plans/suggestions.json) and how it matches a case, the gates a case
 * must pass to be `assessed` or `closed`, closing outcomes, case tasks and
 * when things are overdue.  Pure: no I/O except plan_suggestions_load().
 *
 * Functions return 0 (or a value), or -1 with a sentence a user can act on in
 * why/err.  Allocation aborts on failure (base/mem.h).
 */
#ifndef VIGIL_CORE_PLAN_H
#define VIGIL_CORE_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct instrument_set;

/* ---- actions ---------------------------------------------------------------- */

/* The five categories of a plan action (DESIGN.md section 2), NULL-terminated:
 * victim_safety (victim safety and target hardening), perpetrator_management
 * (perpetrator management and orders), monitoring (monitoring and tagging),
 * support_referral (support and referral), treatment (treatment and
 * intervention). */
extern const char *const plan_categories[];
/* The category's title ("victim safety and target hardening"); NULL if unknown. */
const char *plan_category_title(const char *category);

enum plan_action_status {
	PLAN_PLANNED,
	PLAN_IN_PROGRESS,
	PLAN_DONE,
	PLAN_NOT_DONE,
	PLAN_STATUS_COUNT,
	PLAN_STATUS_NONE = -1,
};
extern const char *const plan_action_statuses[];
const char *plan_action_status_name(enum plan_action_status s);
enum plan_action_status plan_action_status_parse(const char *name);

/*
 * May an action move from one status to another?  planned → in_progress,
 * done or not_done; in_progress → done or not_done; done or not_done back to
 * in_progress (reopened).  not_done and a reopening need a reason that is not
 * blank.  Staying in the same status is allowed.  0, or -1 with why.
 */
int plan_action_move(enum plan_action_status from, enum plan_action_status to,
		     const char *reason, char *why, size_t whylen);
/* An action still to do whose due time has passed. */
bool plan_action_overdue(enum plan_action_status s, int64_t due_at, int64_t now);

/* ---- the suggestion table --------------------------------------------------- */

typedef struct plan_suggestions plan_suggestions; /* opaque; owns its rules */

/*
 * Load and validate the suggestion table at path (JSON, duplicate keys
 * refused, at most 1 MiB).  Schema (every field required unless marked, no
 * others allowed):
 *   version   integer >= 1
 *   screen    the id of the screen instrument whose yes items rules name
 *             (must be loaded in instruments, of kind "screen")
 *   actions   object: suggestion id ([a-z0-9-]) → {"category": one of
 *             plan_categories, "description": text}; each used by a rule
 *   rules     array of {"id": [a-z0-9-] unique, "why": text, "when": {
 *             "risk_level"?: [levels], "typology"?: [typologies],
 *             "screen_yes"?: [items of the screen]}, "suggest": [action ids]}
 * A rule applies when every condition it gives holds: the case's level is
 * one listed, its typology one listed, and at least one listed screen item
 * was answered yes in the latest screen.  `when: {}` applies to every case.
 * 0 and *out (free with plan_suggestions_free()), or -1 with err naming the
 * file and the problem ("plans/suggestions.json: rule 2 (high-rejected):
 * suggests 'tag' which is not among the actions").
 */
int plan_suggestions_load(const char *path, const struct instrument_set *instruments,
			  plan_suggestions **out, char *err, size_t errlen);
void plan_suggestions_free(plan_suggestions *s);
int plan_suggestions_version(const plan_suggestions *s);
/* The screen instrument's id the rules refer to. */
const char *plan_suggestions_screen(const plan_suggestions *s);

/* What a case's suggestions depend on.  NULL or "" for an unknown level or
 * typology; screen_yes a JSON array of item ids (or NULL: no screen). */
struct plan_facts {
	const char *risk_level;
	const char *typology;
	json_t *screen_yes;
};

/*
 * The suggestions for a case: a JSON array (caller owns) of
 * {"id", "category", "description", "because": [{"rule", "why"}]}, one per
 * suggested action in the table's action order, each with every rule that
 * brought it.
 */
json_t *plan_suggest(const plan_suggestions *s, const struct plan_facts *f);
/* The suggestion with this id in a list plan_suggest() made (borrowed), or
 * NULL when it is not there. */
json_t *plan_suggestion_in(json_t *list, const char *id);
/* The suggestion with this id: 0 with its category and description (owned by
 * the table), or -1. */
int plan_suggestion_get(const plan_suggestions *s, const char *id, const char **category,
			const char **description);

/* ---- gates ------------------------------------------------------------------ */

/* What the `assessed` gate looks at. */
struct plan_gate_facts {
	bool has_plan;
	int actions_ready;        /* actions (not not_done) with an owner and a due date */
	bool high_risk;
	bool advocate_referral;   /* an advocacy referral offered, accepted, declined or completed */
};

/*
 * May the case move to `assessed`?  It needs a plan with at least one action
 * that has an owner and a due date, and, at high risk, an advocate referral
 * (offered, accepted or declined).  0, or -1 with why naming exactly what is
 * missing, every item of it.
 */
int plan_gate_assessed(const struct plan_gate_facts *f, char *why, size_t whylen);

/* ---- reviews ---------------------------------------------------------------- */

/* Outcomes a closing review may record, NULL-terminated.  None of them means
 * "a warning notice instead of an investigation". */
extern const char *const plan_closing_outcomes[];
/*
 * Is outcome a closing outcome?  0, or -1 with why: a warning notice (or a
 * Police Information Notice, words of advice...) in its place is refused
 * with its own explanation, any other unknown word with the list.
 */
int plan_closing_outcome_check(const char *outcome, char *why, size_t whylen);

/* ---- case tasks ------------------------------------------------------------- */

/* Kinds of task: notify_victim (tell her about an event), duty_to_notify
 * (the subject of an SPO missed his three days to notify name and address),
 * crime_record (a breach to record as a crime). */
extern const char *const plan_task_kinds[];
/* Events she must be told about: arrest, charge, release, bail_conditions,
 * order_granted, order_changed, risk_level_changed. */
extern const char *const plan_notify_events[];

/* A task not done whose due time has passed. */
bool plan_task_overdue(int64_t due_at, int64_t done_at, int64_t now);
/* When a notify_victim task for an event at event_at falls due: hours later. */
int64_t plan_notify_due(int64_t event_at, int hours);

/* ---- contact ---------------------------------------------------------------- */

/* Has the victim gone uncontacted for longer than days?  last_contact 0 means
 * never; then the case's age (from opened_at) counts. */
bool plan_contact_overdue(int64_t last_contact, int64_t opened_at, int days, int64_t now);

#endif
