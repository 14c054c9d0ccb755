/*
 * assessments — risk instruments, assessments and the typology:
 * GET /api/v1/instruments[/{id}], POST/GET /api/v1/cases/{ref}/assessments,
 * POST /api/v1/cases/{ref}/typology/suggest, POST/GET .../typology.
 *
 * The checklist's level is a floor: professional judgement may raise it (with
 * a reason) and never lower it, and both levels are always shown side by side
 * (core/instrument.c decides; this file stores and shows).  An assessment is
 * pinned to the instrument version it was made on and is never edited.
 */
#include "api/api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "core/account.h"
#include "core/casefile.h"
#include "core/instrument.h"
#include "core/typology.h"
#include "http/request.h"
#include "store/assessments.h"
#include "store/cases.h"
#include "store/incidents.h"
#include "vigil.h"

#define TEXT_MAX 4000
#define DAY_MS (24LL * 60 * 60 * 1000)

/* ---- instruments ---------------------------------------------------------- */

void api_instruments_list(struct req *r)
{
	const instrument_set *set = r->v->instruments;
	json_t *arr = json_array();

	for (size_t i = 0; i < instrument_set_count(set); i++) {
		const instrument *in = instrument_set_at(set, i);

		json_array_append_new(arr, json_pack("{s:s, s:i, s:s, s:s, s:I}", "id", instrument_id(in),
						     "version", instrument_version(in), "title",
						     instrument_title(in), "kind", instrument_kind(in),
						     "items", (json_int_t)instrument_item_count(in)));
	}
	req_reply(r, 200, json_pack("{s:o}", "instruments", arr));
}

void api_instrument_get(struct req *r)
{
	const instrument *in = instrument_set_find(r->v->instruments, req_param(r, "id"));

	if (!in) {
		req_fail(r, 404, "not_found", NULL, "there is no instrument '%s'", req_param(r, "id"));
		return;
	}
	req_reply(r, 200, instrument_json(in));
}

/* ---- assessments ------------------------------------------------------------- */

static json_t *level_json(const char *name)
{
	enum risk_level l = risk_level_parse(name);

	if (l == RISK_NONE)
		return json_null();
	return json_pack("{s:s, s:s}", "level", name, "definition", risk_level_definition(l));
}

static json_t *assessment_json(const struct assessment *a)
{
	return json_pack("{s:I, s:s, s:i, s:o, s:s?, s:{s:i, s:i, s:i}, s:o, s:o, s:b, s:o, s:s?,"
			 " s:o, s:{s:b, s:o}, s:s, s:o}",
			 "id", (json_int_t)a->id, "instrument", a->instrument, "instrument_version",
			 a->instrument_version, "answers", json_loads(a->answers, 0, NULL), "notes",
			 a->notes, "counts", "yes", a->yes, "no", a->no, "unknown", a->unknown,
			 "yes_items", json_loads(a->yes_items, 0, NULL), "computed_level",
			 level_json(a->computed), "visible_high", a->visible_high, "judged_level",
			 level_json(a->judged), "judgement_reason", a->reason, "final_level",
			 level_json(a->final), "marac", "due", a->marac, "reasons",
			 json_loads(a->marac_reasons, 0, NULL), "assessed_by", a->assessed_by_name,
			 "assessed_at", req_time_json(a->assessed_at));
}

static int add_assessment(const struct assessment *a, void *arg)
{
	json_array_append_new(arg, assessment_json(a));
	return 0;
}

void api_assessments_list(struct req *r)
{
	struct case_record c;
	json_t *arr = json_array();
	int rc;

	if (api_case_load(r, &c) < 0) {
		json_decref(arr);
		return;
	}
	rc = assessment_each(r->db, c.id, add_assessment, arr);
	if (rc < 0) {
		json_decref(arr);
		req_fail_db(r, rc);
	} else {
		req_reply(r, 200, json_pack("{s:s, s:o, s:o}", "ref", c.ref, "risk",
					    api_case_risk_json(r, &c), "assessments", arr));
	}
	case_record_free(&c);
}

static int keep_latest(const struct assessment *a, void *arg)
{
	json_t **out = arg;

	*out = assessment_json(a);
	return 1;
}

json_t *api_case_risk_json(struct req *r, const struct case_record *c)
{
	json_t *latest = NULL;

	assessment_latest(r->db, c->id, keep_latest, &latest);
	/* computed: the latest checklist's count (the floor), whatever came
	 * after it; judged: the latest assessor's judgement */
	return json_pack("{s:o, s:o, s:o, s:s?, s:o, s:o, s:o}", "level",
			 level_json(c->risk_level[0] ? c->risk_level : NULL), "computed_level",
			 level_json(c->risk_floor[0] ? c->risk_floor : NULL), "judged_level",
			 latest ? json_incref(json_object_get(latest, "judged_level")) : json_null(),
			 "set_by", c->risk_set_by[0] ? c->risk_set_by : NULL, "set_at",
			 req_time_json(c->risk_set_at), "review_due_at", req_time_json(c->review_due_at),
			 "latest_assessment", latest ? latest : json_null());
}

/* Should the stalking screen be offered after this checklist?  When its
 * stalking item is yes, there have been two or more incidents, or the victim
 * is very frightened. */
static bool offer_screen(const instrument *in, const struct score *sc, int64_t incidents)
{
	size_t i;
	json_t *v;

	if (strcmp(instrument_kind(in), "checklist") != 0)
		return false;
	if (incidents >= 2)
		return true;
	json_array_foreach(sc->yes_items, i, v)
		if (strcmp(json_string_value(v), "stalking") == 0 ||
		    strcmp(json_string_value(v), "fear") == 0)
			return true;
	return false;
}

void api_assessments_create(struct req *r)
{
	static const char *const fields[] = { "instrument", "answers", "notes", "judgement", NULL };
	const struct vigil_config *cfg = &r->v->cfg;
	const struct review_policy policy = { cfg->review_days[2], cfg->review_days[1],
					      cfg->review_days[0] };
	const char *iname, *notes, *jlevel = NULL, *jreason = NULL;
	char field[128], why[400];
	struct score sc = { 0 };
	struct case_record c = { 0 };
	struct assessment a = { 0 };
	struct incident_summary is;
	enum risk_level floor, judged = RISK_NONE, final;
	const instrument *in;
	json_t *answers, *jj, *reasons = json_array(), *out;
	char *answers_text = NULL, *yes_text = NULL, *reasons_text = NULL;
	int64_t now = clock_now_ms(), review_at = 0, window;
	bool checklist, marac_judgement = false, marac;
	int rc;

	if (req_body_required(r) < 0 || req_body_only(r, fields) < 0 ||
	    req_body_str(r, "instrument", true, 64, &iname) < 0 ||
	    req_body_str(r, "notes", false, TEXT_MAX, &notes) < 0)
		goto out;
	in = instrument_set_find(r->v->instruments, iname);
	if (!in) {
		req_fail(r, 400, "bad_request", "instrument", "there is no instrument '%s'", iname);
		goto out;
	}
	answers = json_object_get(r->body, "answers");
	if (!json_is_object(answers)) {
		req_fail(r, 400, "bad_request", "answers",
			 "answers must be an object of item id to answer");
		goto out;
	}
	jj = json_object_get(r->body, "judgement");
	if (jj && !json_is_null(jj)) {
		json_t *m;

		if (!json_is_object(jj)) {
			req_fail(r, 400, "bad_request", "judgement",
				 "judgement must be {\"level\", \"reason\", \"marac\"}");
			goto out;
		}
		jlevel = json_string_value(json_object_get(jj, "level"));
		jreason = json_string_value(json_object_get(jj, "reason"));
		m = json_object_get(jj, "marac");
		if (m && !json_is_boolean(m)) {
			req_fail(r, 400, "bad_request", "judgement.marac", "marac must be true or false");
			goto out;
		}
		marac_judgement = json_is_true(m);
		if (json_object_get(jj, "level") && !json_is_null(json_object_get(jj, "level"))) {
			judged = risk_level_parse(jlevel);
			if (judged == RISK_NONE) {
				req_fail(r, 400, "bad_request", "judgement.level",
					 "judgement.level must be standard, medium or high");
				goto out;
			}
		}
		if (jreason && (strlen(jreason) > TEXT_MAX || !*jreason)) {
			req_fail(r, 400, "bad_request", "judgement.reason",
				 "judgement.reason must be 1 to %d bytes", TEXT_MAX);
			goto out;
		}
		if (marac_judgement && !jreason) {
			req_fail(r, 400, "bad_request", "judgement.reason",
				 "a MARAC referral on judgement needs its reason");
			goto out;
		}
		{
			const char *key;
			json_t *val;

			json_object_foreach(jj, key, val) {
				if (strcmp(key, "level") && strcmp(key, "reason") && strcmp(key, "marac")) {
					snprintf(field, sizeof field, "judgement.%s", key);
					req_fail(r, 400, "bad_request", field, "unknown field '%s'", field);
					goto out;
				}
			}
		}
	}
	if (instrument_score(in, answers, &sc, field, sizeof field, why, sizeof why) < 0) {
		req_fail(r, 400, "bad_request", field, "%s", why);
		goto out;
	}
	if (api_case_load(r, &c) < 0)
		goto out;
	if (c.status == CASE_CLOSED) {
		req_fail(r, 409, "illegal_transition", NULL, "the case is closed; reopen it first");
		goto out;
	}
	/* the floor: this checklist's own level, else the latest checklist's */
	checklist = sc.computed != RISK_NONE;
	floor = checklist ? RISK_NONE : risk_level_parse(c.risk_floor[0] ? c.risk_floor : NULL);
	if (judgement_apply(floor, sc.computed, judged, jreason, &final, why, sizeof why) < 0) {
		req_fail(r, 400, "bad_request", "judgement.level", "%s", why);
		goto out;
	}
	/* MARAC: the count, the judgement, escalation in 12 months, a repeat */
	window = incidents_since(r->db, c.id, now - 365 * DAY_MS);
	if (window < 0 || incident_summary(r->db, c.id, &is) < 0) {
		req_fail_db(r, DB_ERROR);
		goto out;
	}
	{
		struct marac_facts mf = {
			.computed = sc.computed,
			.judgement_refer = marac_judgement,
			.judgement_reason = jreason,
			.incidents_in_window = (int)window,
			.escalation_incidents = cfg->marac_escalation,
			.previously_referred = c.marac_referred_at &&
					       now - c.marac_referred_at < 365 * DAY_MS,
			.incident_since_referral = c.marac_referred_at && is.last_at > c.marac_referred_at,
		};

		marac = marac_due(&mf, reasons);
	}
	if (final != RISK_NONE)
		review_at = now + (int64_t)review_days(&policy, final) * DAY_MS;
	else
		review_at = c.review_due_at;

	answers_text = json_dumps(answers, JSON_COMPACT | JSON_SORT_KEYS);
	yes_text = json_dumps(sc.yes_items, JSON_COMPACT);
	reasons_text = json_dumps(reasons, JSON_COMPACT);
	a.case_id = c.id;
	a.instrument = instrument_id(in);
	a.instrument_version = instrument_version(in);
	a.answers = answers_text;
	a.notes = notes;
	a.yes = sc.yes;
	a.no = sc.no;
	a.unknown = sc.unknown;
	a.yes_items = yes_text;
	a.computed = risk_level_name(sc.computed);
	a.visible_high = sc.visible_high;
	a.judged = risk_level_name(judged);
	a.reason = jreason;
	a.final = risk_level_name(final);
	a.marac = marac;
	a.marac_reasons = reasons_text;
	a.assessed_by = r->who.user_id;
	a.assessed_by_name = r->who.username;
	a.assessed_at = now;

	if (req_tx_begin(r) < 0)
		goto out;
	a.id = assessment_insert(r->db, &a);
	rc = a.id < 0 ? (int)a.id : 0;
	if (rc >= 0)
		rc = case_set_risk(r->db, c.id, risk_level_name(final),
				   checklist ? risk_level_name(sc.computed) : NULL, r->who.user_id, now,
				   review_at, marac ? now : 0);
	if (rc >= 0 && marac) {
		char *note = json_dumps(reasons, JSON_COMPACT);

		rc = case_flag_raise(r->db, c.id, "marac_referral", note);
		free(note);
	}
	if (rc >= 0)
		rc = case_event_add(r->db, c.id, r->who.user_id, r->who.username, "assessed",
				    final != RISK_NONE ? risk_level_name(final) : instrument_id(in));
	/* she is told when her risk level changes */
	if (rc >= 0 && final != RISK_NONE && c.risk_level[0] &&
	    strcmp(c.risk_level, risk_level_name(final)) != 0) {
		char detail[80];

		snprintf(detail, sizeof detail, "risk level from %s to %s", c.risk_level,
			 risk_level_name(final));
		rc = api_notify_task_open(r, c.id, "risk_level_changed", now, detail, 0);
	}
	if (rc < 0) {
		req_tx_rollback(r);
		req_fail_db(r, rc);
		goto out;
	}
	req_audit_detail(r, "%s v%d: %s", instrument_id(in), instrument_version(in),
			 final != RISK_NONE ? risk_level_name(final) : "no level");
	out = assessment_json(&a);
	json_object_set_new(out, "review_due_at", req_time_json(review_at));
	json_object_set_new(out, "offer",
			    offer_screen(in, &sc, is.count) ? json_pack("[s]", "stalking-screen")
							     : json_array());
	if (strcmp(instrument_kind(in), "judgement") == 0)
		json_object_set_new(out, "ratings", json_incref(sc.ratings));
	req_reply(r, 201, out);
	req_tx_commit(r);
out:
	score_free(&sc);
	json_decref(reasons);
	free(answers_text);
	free(yes_text);
	free(reasons_text);
	case_record_free(&c);
}

/* ---- typology ------------------------------------------------------------------- */

static int count_behaviour(const char *behaviour, int64_t n, void *arg)
{
	struct typology_facts *f = arg;
	int i = typology_behaviour_index(behaviour);

	if (i >= 0)
		f->behaviour[i] += (int)n;
	f->incidents += (int)n;
	return 0;
}

static int screen_yes(const struct assessment *a, void *arg)
{
	json_t **out = arg;

	if (strcmp(a->instrument, "stalking-screen") != 0)
		return 0;
	*out = json_loads(a->yes_items, 0, NULL);
	return 1; /* the newest screen */
}

void api_typology_suggest(struct req *r)
{
	static const char *const fields[] = { "motives", NULL };
	struct typology_facts f;
	struct typology_result res;
	struct case_record c;
	json_t *motives, *screen = NULL, *out;
	const char *key;
	json_t *val;

	if (req_body_only(r, fields) < 0)
		return;
	typology_facts_init(&f);
	motives = r->body ? json_object_get(r->body, "motives") : NULL;
	if (motives && !json_is_object(motives)) {
		req_fail(r, 400, "bad_request", "motives",
			 "motives must be an object of motive to true, false or null (unknown)");
		return;
	}
	json_object_foreach(motives, key, val) {
		char field[96];
		int ans = json_is_true(val) ? TYPO_YES : json_is_false(val) ? TYPO_NO : TYPO_UNKNOWN;

		snprintf(field, sizeof field, "motives.%s", key);
		if ((!json_is_boolean(val) && !json_is_null(val)) ||
		    typology_motive_set(&f, key, ans) < 0) {
			req_fail(r, 400, "bad_request", field,
				 "%s: motives are reconciliation_or_revenge, believes_relationship, "
				 "seeks_date_ignores_refusal, grievance, sexual_covert_preparation; each "
				 "true, false or null",
				 field);
			return;
		}
	}
	if (api_case_load(r, &c) < 0)
		return;
	f.relationship = c.relationship;
	incident_behaviours_each(r->db, c.id, count_behaviour, &f);
	assessment_each(r->db, c.id, screen_yes, &screen);
	f.screen_yes = screen;
	typology_suggest(&f, &res);
	out = typology_result_json(&res);
	json_object_set_new(out, "ref", json_string(c.ref));
	json_object_set_new(out, "prompts", typology_prompts(res.proposed));
	req_reply(r, 200, out);
	json_decref(screen);
	case_record_free(&c);
}

static int add_decision(const struct typology_decision *t, void *arg)
{
	json_array_append_new(arg, json_pack("{s:I, s:s, s:s, s:o, s:s, s:o}", "version",
					     (json_int_t)t->id, "typology", t->typology, "rationale",
					     t->rationale, "proposal",
					     t->proposal ? json_loads(t->proposal, 0, NULL) : json_null(),
					     "decided_by", t->decided_by, "decided_at",
					     req_time_json(t->decided_at)));
	return 0;
}

static json_t *typology_json(struct req *r, const struct case_record *c)
{
	json_t *hist = json_array();
	enum typology t = typology_parse(c->typology[0] ? c->typology : "undetermined");

	typology_decisions_each(r->db, c->id, add_decision, hist);
	return json_pack("{s:s, s:s?, s:o, s:o}", "ref", c->ref, "typology",
			 c->typology[0] ? c->typology : NULL, "prompts",
			 c->typology[0] ? typology_prompts(t) : json_array(), "history", hist);
}

void api_typology_get(struct req *r)
{
	struct case_record c;

	if (api_case_load(r, &c) < 0)
		return;
	req_reply(r, 200, typology_json(r, &c));
	case_record_free(&c);
}

void api_typology_decide(struct req *r)
{
	static const char *const fields[] = { "typology", "rationale", "proposal", NULL };
	const char *type, *rationale;
	struct case_record c = { 0 };
	json_t *proposal;
	char *ptext = NULL;
	int64_t id;

	if (req_body_required(r) < 0 || req_body_only(r, fields) < 0 ||
	    req_body_str(r, "typology", true, 32, &type) < 0 ||
	    req_body_str(r, "rationale", true, TEXT_MAX, &rationale) < 0)
		return;
	if (typology_parse(type) == TYPO_COUNT || !case_vocab_has(case_typologies, type)) {
		req_fail(r, 400, "bad_request", "typology",
			 "typology must be rejected, intimacy_seeker, incompetent_suitor, resentful, "
			 "predatory or undetermined");
		return;
	}
	proposal = json_object_get(r->body, "proposal");
	if (proposal && !json_is_null(proposal)) {
		if (!json_is_object(proposal)) {
			req_fail(r, 400, "bad_request", "proposal",
				 "proposal is the aid's answer the decision followed, as given");
			return;
		}
		ptext = json_dumps(proposal, JSON_COMPACT);
		if (strlen(ptext) > 64 * 1024) {
			free(ptext);
			req_fail(r, 400, "bad_request", "proposal", "proposal is too large");
			return;
		}
	}
	if (api_case_load(r, &c) < 0)
		goto out;
	if (req_tx_begin(r) < 0)
		goto out;
	id = typology_decision_insert(r->db, c.id, type, rationale, ptext, r->who.user_id);
	if (id >= 0)
		id = case_event_add(r->db, c.id, r->who.user_id, r->who.username, "typology", type);
	if (id < 0) {
		req_tx_rollback(r);
		req_fail_db(r, (int)id);
		goto out;
	}
	req_audit_detail(r, "%s", type);
	case_record_free(&c);
	if (case_get(r->db, req_param(r, "ref"), &c) != 1) {
		req_tx_rollback(r);
		req_fail_db(r, DB_ERROR);
		goto out;
	}
	req_reply(r, 201, typology_json(r, &c));
	req_tx_commit(r);
out:
	free(ptext);
	case_record_free(&c);
}
