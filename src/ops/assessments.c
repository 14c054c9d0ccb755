/*
 * ops/assessments — risk assessments and the typology decision
 * (ops/assessments.h).
 */
#include "ops/assessments.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/casefile.h"
#include "ops/victims.h"
#include "store/cases.h"
#include "store/incidents.h"
#include "vigil.h"

#define DAY_MS (24LL * 60 * 60 * 1000)

void ops_assessed_free(struct ops_assessed *o)
{
	json_decref(o->ratings);
	free(o->answers);
	free(o->yes_items);
	free(o->marac_reasons);
	memset(o, 0, sizeof *o);
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

int ops_assess(struct ops_ctx *x, const char *ref, const struct ops_assessment *in,
	       struct ops_assessed *out)
{
	const struct vigil_config *cfg = &x->v->cfg;
	const struct review_policy policy = { cfg->review_days[2], cfg->review_days[1],
					      cfg->review_days[0] };
	const instrument *ins = instrument_set_find(x->v->instruments, in->instrument);
	enum risk_level floor, judged = RISK_NONE, final;
	struct case_record c = { 0 };
	struct incident_summary is;
	struct score sc = { 0 };
	struct assessment *a = &out->a;
	json_t *reasons = json_array();
	char field[128], why[400];
	int64_t window, now = x->now;
	bool checklist, marac;
	int rc;

	memset(out, 0, sizeof *out);
	if (!ins) {
		rc = ops_fail(x, ERR_BAD_REQUEST, "instrument", "there is no instrument '%s'",
			      in->instrument);
		goto done;
	}
	if (in->judged_level) {
		judged = risk_level_parse(in->judged_level);
		if (judged == RISK_NONE) {
			rc = ops_fail(x, ERR_BAD_REQUEST, "judgement.level",
				      "judgement.level must be standard, medium or high");
			goto done;
		}
	}
	if (in->marac_on_judgement && !in->judgement_reason) {
		rc = ops_fail(x, ERR_BAD_REQUEST, "judgement.reason",
			      "a MARAC referral on judgement needs its reason");
		goto done;
	}
	if (instrument_score(ins, in->answers, &sc, field, sizeof field, why, sizeof why) < 0) {
		rc = ops_fail(x, ERR_BAD_REQUEST, field, "%s", why);
		goto done;
	}
	rc = ops_begin_case(x, ref, &c);
	if (rc < 0)
		goto done;
	if (c.status == CASE_CLOSED) {
		rc = ops_fail(x, ERR_ILLEGAL_TRANSITION, NULL, "the case is closed; reopen it first");
		goto out;
	}
	/* the floor: this checklist's own level, else the latest checklist's */
	checklist = sc.computed != RISK_NONE;
	floor = checklist ? RISK_NONE : risk_level_parse(c.risk_floor[0] ? c.risk_floor : NULL);
	if (judgement_apply(floor, sc.computed, judged, in->judgement_reason, &final, why,
			    sizeof why) < 0) {
		rc = ops_fail(x, ERR_BAD_REQUEST, "judgement.level", "%s", why);
		goto out;
	}
	/* MARAC: the count, the judgement, escalation in 12 months, a repeat */
	window = incidents_since(x->db, c.id, now - 365 * DAY_MS);
	rc = window < 0 ? (int)window : incident_summary(x->db, c.id, &is);
	if (rc < 0)
		goto out;
	{
		struct marac_facts mf = {
			.computed = sc.computed,
			.judgement_refer = in->marac_on_judgement,
			.judgement_reason = in->judgement_reason,
			.incidents_in_window = (int)window,
			.escalation_incidents = cfg->marac_escalation,
			.previously_referred = c.marac_referred_at &&
					       now - c.marac_referred_at < 365 * DAY_MS,
			.incident_since_referral = c.marac_referred_at && is.last_at > c.marac_referred_at,
		};

		marac = marac_due(&mf, reasons);
	}
	if (final != RISK_NONE)
		out->review_at = now + (int64_t)review_days(&policy, final) * DAY_MS;
	else
		out->review_at = c.review_due_at;
	out->answers = json_dumps(in->answers, JSON_COMPACT | JSON_SORT_KEYS);
	out->yes_items = json_dumps(sc.yes_items, JSON_COMPACT);
	out->marac_reasons = json_dumps(reasons, JSON_COMPACT);
	out->offer_screen = offer_screen(ins, &sc, is.count);
	if (strcmp(instrument_kind(ins), "judgement") == 0)
		out->ratings = json_incref(sc.ratings);
	a->case_id = c.id;
	a->instrument = instrument_id(ins);
	a->instrument_version = instrument_version(ins);
	a->answers = out->answers;
	a->notes = in->notes;
	a->yes = sc.yes;
	a->no = sc.no;
	a->unknown = sc.unknown;
	a->yes_items = out->yes_items;
	a->computed = risk_level_name(sc.computed);
	a->visible_high = sc.visible_high;
	a->judged = risk_level_name(judged);
	a->reason = in->judgement_reason;
	a->final = risk_level_name(final);
	a->marac = marac;
	a->marac_reasons = out->marac_reasons;
	a->assessed_by = x->who.user_id;
	a->assessed_by_name = x->who.username;
	a->assessed_at = now;

	a->id = assessment_insert(x->db, a);
	rc = a->id < 0 ? (int)a->id : 0;
	if (rc >= 0)
		rc = case_set_risk(x->db, c.id, risk_level_name(final),
				   checklist ? risk_level_name(sc.computed) : NULL, x->who.user_id, now,
				   out->review_at, marac ? now : 0);
	if (rc >= 0 && marac)
		rc = case_flag_raise(x->db, c.id, "marac_referral", out->marac_reasons);
	if (rc >= 0)
		rc = ops_event(x, c.id, "assessed", "%s",
			       final != RISK_NONE ? risk_level_name(final) : instrument_id(ins));
	/* she is told when her risk level changes */
	if (rc >= 0 && final != RISK_NONE && c.risk_level[0] &&
	    strcmp(c.risk_level, risk_level_name(final)) != 0) {
		char detail[80];

		snprintf(detail, sizeof detail, "risk level from %s to %s", c.risk_level,
			 risk_level_name(final));
		rc = ops_notify_task_open(x, c.id, "risk_level_changed", now, detail, 0);
	}
	if (rc >= 0)
		ops_detail(x, "%s v%d: %s", instrument_id(ins), instrument_version(ins),
			   final != RISK_NONE ? risk_level_name(final) : "no level");
out:
	rc = ops_end(x, rc);
done:
	if (rc < 0)
		ops_assessed_free(out);
	score_free(&sc);
	json_decref(reasons);
	case_record_free(&c);
	return rc;
}

int ops_typology_decide(struct ops_ctx *x, const char *ref, const char *typology,
			const char *rationale, const char *proposal, struct case_record *c)
{
	int64_t id;
	int rc;

	if (!case_vocab_has(case_typologies, typology))
		return ops_fail(x, ERR_BAD_REQUEST, "typology",
				"typology must be rejected, intimacy_seeker, incompetent_suitor, "
				"resentful, predatory or undetermined");
	rc = ops_begin_case(x, ref, c);
	if (rc < 0)
		return rc;
	id = typology_decision_insert(x->db, c->id, typology, rationale, proposal, x->who.user_id);
	rc = id < 0 ? (int)id : ops_event(x, c->id, "typology", "%s", typology);
	if (rc >= 0) {
		int64_t cid = c->id;

		ops_detail(x, "%s", typology);
		case_record_free(c);
		rc = case_get_by_id(x->db, cid, c) == 1 ? 0 : DB_ERROR;
	}
	return ops_end(x, rc);
}
