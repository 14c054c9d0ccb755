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
#include "ops/assessments.h"
#include "store/assessments.h"
#include "store/cases.h"
#include "store/incidents.h"
#include "vigil.h"

#define TEXT_MAX 4000

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

static json_t *assessments_json(struct req *r, const struct case_record *c, int *err)
{
	json_t *arr = json_array();

	(void)err; /* a read that fails is req_read's */
	req_read(r, assessment_each(r->db, c->id, add_assessment, arr));
	return json_pack("{s:s, s:o, s:o}", "ref", c->ref, "risk", api_case_risk_json(r, c),
			 "assessments", arr);
}

void api_assessments_list(struct req *r)
{
	api_case_page(r, assessments_json);
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

	req_read(r, assessment_latest(r->db, c->id, keep_latest, &latest));
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

void api_assessments_create(struct req *r)
{
	static const char *const fields[] = { "instrument", "answers", "notes", "judgement", NULL };
	static const char *const jfields[] = { "level", "reason", "marac", NULL };
	struct ops_assessment in = { 0 };
	struct ops_assessed out;
	struct ops_ctx x;
	json_t *jj, *o;

	if (req_body_required(r) < 0 || req_body_only(r, fields) < 0 ||
	    req_body_str(r, "instrument", true, 64, &in.instrument) < 0 ||
	    req_body_str(r, "notes", false, TEXT_MAX, &in.notes) < 0)
		return;
	in.answers = json_object_get(r->body, "answers");
	if (!json_is_object(in.answers)) {
		req_fail(r, 400, "bad_request", "answers",
			 "answers must be an object of item id to answer");
		return;
	}
	jj = json_object_get(r->body, "judgement");
	if (jj && !json_is_null(jj)) {
		json_t *m;

		if (!json_is_object(jj)) {
			req_fail(r, 400, "bad_request", "judgement",
				 "judgement must be {\"level\", \"reason\", \"marac\"}");
			return;
		}
		if (req_obj_str(r, jj, "level", "judgement.level", false, 16, &in.judged_level) < 0)
			return;
		in.judgement_reason = json_string_value(json_object_get(jj, "reason"));
		m = json_object_get(jj, "marac");
		if (m && !json_is_boolean(m)) {
			req_fail(r, 400, "bad_request", "judgement.marac", "marac must be true or false");
			return;
		}
		in.marac_on_judgement = json_is_true(m);
		if (in.judgement_reason && (strlen(in.judgement_reason) > TEXT_MAX || !*in.judgement_reason)) {
			req_fail(r, 400, "bad_request", "judgement.reason",
				 "judgement.reason must be 1 to %d bytes", TEXT_MAX);
			return;
		}
		if (req_obj_only(r, jj, "judgement", jfields) < 0)
			return;
	}
	api_ops_begin(r, &x, 201);
	if (api_ops_end(r, &x, ops_assess(&x, req_param(r, "ref"), &in, &out)) < 0)
		return;
	o = assessment_json(&out.a);
	json_object_set_new(o, "review_due_at", req_time_json(out.review_at));
	json_object_set_new(o, "offer", out.offer_screen ? json_pack("[s]", "stalking-screen")
							 : json_array());
	if (out.ratings)
		json_object_set_new(o, "ratings", json_incref(out.ratings));
	req_reply(r, 201, o);
	ops_assessed_free(&out);
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
	struct ops_ctx x;
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
	if (api_case_read(r, &x, &c) < 0)
		return;
	f.relationship = c.relationship;
	req_read(r, incident_behaviours_each(r->db, c.id, count_behaviour, &f));
	req_read(r, assessment_each(r->db, c.id, screen_yes, &screen));
	f.screen_yes = screen;
	typology_suggest(&f, &res);
	out = typology_result_json(&res);
	json_object_set_new(out, "ref", json_string(c.ref));
	json_object_set_new(out, "prompts", typology_prompts(res.proposed));
	req_reply(r, 200, out);
	api_read_end(r, &x);
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

/* A page (api_page_fn) that cannot fail: a read that does is req_read's. */
static json_t *typology_json(struct req *r, const struct case_record *c, int *err)
{
	json_t *hist = json_array();
	enum typology t = typology_parse(c->typology[0] ? c->typology : "undetermined");

	(void)err;
	req_read(r, typology_decisions_each(r->db, c->id, add_decision, hist));
	return json_pack("{s:s, s:s?, s:o, s:o}", "ref", c->ref, "typology",
			 c->typology[0] ? c->typology : NULL, "prompts",
			 c->typology[0] ? typology_prompts(t) : json_array(), "history", hist);
}

void api_typology_get(struct req *r)
{
	api_case_page(r, typology_json);
}

struct decision_answer {
	struct req *r;
	struct case_record c;
};

static int answer_typology(struct ops_ctx *x, void *arg)
{
	struct decision_answer *a = arg;

	return api_answer(x, a->r, 201, typology_json(a->r, &a->c, NULL));
}

void api_typology_decide(struct req *r)
{
	static const char *const fields[] = { "typology", "rationale", "proposal", NULL };
	const char *type, *rationale;
	struct decision_answer a = { 0 };
	struct ops_ctx x;
	json_t *proposal;
	char *ptext = NULL;

	if (req_body_required(r) < 0 || req_body_only(r, fields) < 0 ||
	    req_body_str(r, "typology", true, 32, &type) < 0 ||
	    req_body_str(r, "rationale", true, TEXT_MAX, &rationale) < 0)
		return;
	if (typology_parse(type) == TYPO_COUNT) {
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
	a.r = r;
	api_ops_answer(r, &x, 201, answer_typology, &a);
	api_ops_end(r, &x, ops_typology_decide(&x, req_param(r, "ref"), type, rationale, ptext, &a.c));
	case_record_free(&a.c);
	free(ptext);
}
