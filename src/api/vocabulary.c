/*
 * vocabulary — GET /api/v1/vocabulary: every list of words the API accepts,
 * served from the very tables its validators check against, each value with
 * the words a person reads for it.
 *
 * The browser UI takes its choices from here instead of copies of its own,
 * so a value added to a table in C is offered at once and a value taken out
 * is never offered again (docs/ACCESS.md is generated from the permission
 * table in the same spirit).  The labels are data too: a value without one
 * reads as its own words ("in_person" → "In person").  tests/api/
 * vocabulary.test.mjs sends every value back to the API that validates it.
 */
#include "api/api.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "core/access.h"
#include "core/casefile.h"
#include "core/order.h"
#include "core/plan.h"
#include "core/victim.h"
#include "http/request.h"

/* Words for the values whose own words read badly or say too little. */
static const struct {
	const char *vocab, *value, *label;
} labels[] = {
	{ "relationships", "ex_partner", "Former partner" },
	{ "relationships", "friend_acquaintance", "Friend or acquaintance" },
	{ "relationships", "professional_customer", "Professional or customer" },
	{ "relationships", "online_only", "Known online only" },
	{ "channels", "emergency_call", "999 call" },
	{ "channels", "non_emergency_call", "101 call" },
	{ "channels", "agency_referral", "Referred by an agency" },
	{ "channels", "third_party", "Reported by someone else" },
	{ "behaviours", "social_media", "Social media contact" },
	{ "behaviours", "turning_up_home", "Turned up at her home" },
	{ "behaviours", "turning_up_work", "Turned up at her work" },
	{ "behaviours", "third_party_contact", "Contact through others" },
	{ "behaviours", "breach_of_order", "Breach of an order" },
	{ "classifications", "breach_of_order", "Breach of an order" },
	{ "classifications", "threats_to_kill", "Threats to kill" },
	{ "flags", "possible_misrecording", "Possibly misrecorded: a supervisor must sign it off" },
	{ "flags", "possible_serial", "Possible serial stalker" },
	{ "flags", "marac_referral", "MARAC referral" },
	{ "typologies", "intimacy_seeker", "Intimacy seeker" },
	{ "typologies", "incompetent_suitor", "Incompetent suitor" },
	{ "action_statuses", "in_progress", "In progress" },
	{ "action_statuses", "not_done", "Not done" },
	{ "closing_outcomes", "no_further_action_evidential", "No further action: the evidential test was not met" },
	{ "closing_outcomes", "victim_withdrew_support", "She withdrew her support" },
	{ "closing_outcomes", "risk_reduced_plan_complete", "Plan complete and the risk has fallen" },
	{ "closing_outcomes", "order_in_force_managed", "An order protects her and the risk is managed" },
	{ "closing_outcomes", "not_stalking_after_investigation", "Not stalking, after investigation" },
	{ "task_kinds", "notify_victim", "Tell her of an event" },
	{ "task_kinds", "duty_to_notify", "His duty to notify his name and address" },
	{ "task_kinds", "crime_record", "Record the breach as a crime" },
	{ "notify_events", "bail_conditions", "Bail conditions set" },
	{ "notify_events", "order_granted", "Order granted" },
	{ "notify_events", "order_changed", "Order varied or discharged" },
	{ "notify_events", "risk_level_changed", "Her risk level changed" },
	{ "contact_methods", "in_person", "In person" },
	{ "contact_methods", "text_message", "Text message" },
	{ "services", "childrens_services", "Children's services" },
	{ "condition_kinds", "no_contact", "No contact" },
	{ "condition_kinds", "exclusion_zone", "Exclusion zone" },
	{ "condition_kinds", "keep_away", "Keep away from her" },
	{ "condition_kinds", "attend_programme", "Attend a programme" },
	{ "condition_kinds", "wear_tag", "Wear a tag" },
	{ "breach_outcomes", "under_investigation", "Under investigation" },
	{ "breach_outcomes", "no_further_action", "No further action" },
	{ "device_kinds", "offender_tag", "Offender's tag" },
	{ "device_kinds", "victim_phone", "Her phone" },
	{ "device_kinds", "victim_alarm", "Her alarm" },
	{ "device_protocols", "osmand", "OsmAnd (Traccar Client phone app)" },
	{ "device_protocols", "teltonika", "Teltonika tag (TCP)" },
	{ "device_protocols", "json", "JSON over the API" },
	{ "zone_kinds", "exclusion", "Exclusion: a place he must not enter" },
	{ "zone_kinds", "proximity", "Proximity: around her, wherever she is" },
	{ "alert_outcomes", "breach_confirmed", "Breach confirmed" },
	{ "alert_outcomes", "false_alarm", "False alarm" },
	{ "alert_outcomes", "technical", "Technical (device or signal)" },
	{ "alert_steps", "called_victim", "Called her" },
	{ "alert_steps", "called_offender", "Called him" },
	{ "review_kinds", "review", "Periodic review" },
	{ "review_kinds", "closing", "Closing review (with its outcome)" },
	{ "signoff_decisions", "approve", "Approve: the classification stands" },
	{ "signoff_decisions", "reject", "Overturn: record it as stalking" },
	{ "agency_kinds", "nhs", "NHS trust" },
};

static const char *const review_kinds[] = { "review", "closing", NULL };
static const char *const signoff_decisions[] = { "approve", "reject", NULL };
static const char *const agency_kinds[] = { "police", "nhs", "charity", "contractor", "other",
					    NULL };

/* A value's own words: "in_person" → "In person". */
static json_t *own_words(const char *value)
{
	char buf[128];
	size_t i;

	for (i = 0; value[i] && i < sizeof buf - 1; i++)
		buf[i] = value[i] == '_' ? ' ' : value[i];
	buf[i] = 0;
	if (buf[0])
		buf[0] = (char)toupper((unsigned char)buf[0]);
	return json_string(buf);
}

static json_t *label_of(const char *vocab, const char *value, const char *title)
{
	char buf[200];

	for (size_t i = 0; i < sizeof labels / sizeof labels[0]; i++)
		if (!strcmp(labels[i].vocab, vocab) && !strcmp(labels[i].value, value))
			return json_string(labels[i].label);
	if (title) {
		snprintf(buf, sizeof buf, "%s", title);
		buf[0] = (char)toupper((unsigned char)buf[0]);
		return json_string(buf);
	}
	return own_words(value);
}

static void add(json_t *out, const char *name, const char *const *list,
		const char *(*title)(const char *))
{
	json_t *arr = json_array();

	for (size_t i = 0; list[i]; i++)
		json_array_append_new(arr, json_pack("{s:s, s:o}", "value", list[i], "label",
						     label_of(name, list[i], title ? title(list[i]) : NULL)));
	json_object_set_new(out, name, arr);
}

/* The roles, from the permission table, with what each is. */
static json_t *roles_json(void)
{
	json_t *arr = json_array();

	for (int i = 0; i < ROLE_COUNT; i++)
		json_array_append_new(arr, json_pack("{s:s, s:o, s:s}", "value",
						     access_role_name((enum role)i), "label",
						     own_words(access_role_name((enum role)i)),
						     "summary", access_role_summary((enum role)i)));
	return arr;
}

json_t *api_vocabulary_json(void)
{
	json_t *v = json_object();

	add(v, "relationships", case_relationships, NULL);
	add(v, "channels", case_channels, NULL);
	add(v, "classifications", case_classifications, NULL);
	add(v, "behaviours", case_behaviours, NULL);
	add(v, "risk_levels", case_risk_levels, NULL);
	add(v, "typologies", case_typologies, NULL);
	add(v, "flags", case_flags, NULL);
	{
		const char *st[CASE_STATUS_COUNT + 1] = { 0 };

		for (int i = 0; i < CASE_STATUS_COUNT; i++)
			st[i] = case_status_name((enum case_status)i);
		add(v, "statuses", st, NULL);
	}
	add(v, "plan_categories", plan_categories, plan_category_title);
	add(v, "action_statuses", plan_action_statuses, NULL);
	add(v, "closing_outcomes", plan_closing_outcomes, NULL);
	add(v, "review_kinds", review_kinds, NULL);
	add(v, "task_kinds", plan_task_kinds, NULL);
	add(v, "notify_events", plan_notify_events, NULL);
	add(v, "order_kinds", order_kinds, order_kind_title);
	add(v, "order_statuses", order_statuses, NULL);
	add(v, "condition_kinds", order_condition_kinds, NULL);
	add(v, "breach_outcomes", api_breach_outcomes, NULL);
	add(v, "contact_methods", victim_contact_methods, NULL);
	add(v, "services", victim_services, NULL);
	add(v, "referral_statuses", victim_referral_statuses, NULL);
	add(v, "device_kinds", api_device_kinds, NULL);
	add(v, "device_protocols", api_device_protocols, NULL);
	add(v, "zone_kinds", api_zone_kinds, NULL);
	add(v, "alert_outcomes", api_alert_outcomes, NULL);
	add(v, "alert_steps", api_alert_steps, NULL);
	add(v, "signoff_decisions", signoff_decisions, NULL);
	add(v, "agency_kinds", agency_kinds, NULL);
	json_object_set_new(v, "roles", roles_json());
	return v;
}

void api_vocabulary(struct req *r)
{
	req_add_header(r, "Cache-Control", "private, max-age=300");
	req_reply(r, 200, json_pack("{s:o}", "vocabularies", api_vocabulary_json()));
}
