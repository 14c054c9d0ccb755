/*
 * ops/incidents — the incident log and its evidence (ops/incidents.h).
 */
#include "ops/incidents.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "core/casefile.h"

#define SKEW_MS (5 * 60 * 1000) /* a client clock a little ahead is not "the future" */

/* Are all these attachment hashes (JSON text) held by the case? */
static int attachments_held(struct ops_ctx *x, int64_t case_id, const char *list)
{
	json_t *a = list ? json_loads(list, 0, NULL) : NULL, *it;
	char fn[8], ct[8];
	int64_t size;
	size_t i;
	int rc = 0;

	json_array_foreach(a, i, it) {
		int have = case_attachment_get(x->db, case_id, json_string_value(it), fn, sizeof fn,
					       ct, sizeof ct, &size);

		if (have != 1) {
			char f[48];

			snprintf(f, sizeof f, "attachments[%zu]", i);
			rc = have < 0 ? ops_fail_db(x, have)
				      : ops_fail(x, ERR_BAD_REQUEST, f,
						 "%s: no attachment with that hash was uploaded to this "
						 "case",
						 f);
			break;
		}
	}
	json_decref(a);
	return rc;
}

int ops_incident_record(struct ops_ctx *x, const char *ref, struct incident *e,
			struct case_record *c)
{
	int rc;

	memset(c, 0, sizeof *c);
	if (!case_vocab_has(case_behaviours, e->behaviour)) {
		char names[400];

		case_vocab_list(case_behaviours, names, sizeof names);
		return ops_fail(x, ERR_BAD_REQUEST, "behaviour", "behaviour must be one of: %s", names);
	}
	if (e->occurred_at > x->now + SKEW_MS)
		return ops_fail(x, ERR_BAD_REQUEST, "occurred_at", "occurred_at is in the future");
	if (e->occurred_until && e->occurred_until < e->occurred_at)
		return ops_fail(x, ERR_BAD_REQUEST, "occurred_until",
				"occurred_until is before occurred_at");
	if (e->amends && (!e->amend_reason || !*e->amend_reason))
		return ops_fail(x, ERR_BAD_REQUEST, "amend_reason",
				"an amendment needs the reason for the correction");
	if (!e->amends && e->amend_reason)
		return ops_fail(x, ERR_BAD_REQUEST, "amends",
				"amend_reason is given but not which entry it amends");
	rc = ops_begin_case(x, ref, c);
	if (rc < 0)
		return rc;
	if (e->amends) {
		rc = incident_exists(x->db, c->id, e->amends);
		if (rc == 0)
			rc = ops_fail(x, ERR_BAD_REQUEST, "amends",
				      "case %s has no incident %lld to amend", c->ref,
				      (long long)e->amends);
	}
	if (rc >= 0)
		rc = attachments_held(x, c->id, e->attachments);
	if (rc < 0)
		goto out;
	e->case_id = c->id;
	e->recorded_by = x->who.user_id;
	e->recorded_by_name = x->who.username;
	rc = incident_append(x->db, e);
	if (rc >= 0)
		rc = case_touch(x->db, c->id);
	/* a new incident makes a review of the risk due at once */
	if (rc >= 0)
		rc = case_review_due_now(x->db, c->id);
	/* a breach of an order is also a crime classification on the case */
	if (rc >= 0 && strcmp(e->behaviour, "breach_of_order") == 0) {
		rc = case_has_classification(x->db, c->id, "breach_of_order");
		if (rc == 0)
			rc = case_classification_add(x->db, c->id, "breach_of_order");
		if (rc >= 0)
			rc = ops_event(x, c->id, "classified", "breach_of_order, from incident");
	}
	if (rc >= 0)
		ops_detail(x, "incident %lld%s", (long long)e->seq,
			   e->amends ? " (amendment)" : "");
out:
	return ops_end(x, rc);
}

int ops_attachment_record(struct ops_ctx *x, const char *ref, const struct ops_attachment *in,
			  struct case_record *c)
{
	int rc = ops_begin_case(x, ref, c);

	if (rc < 0)
		return rc;
	rc = in->keep ? in->keep(x, in->keep_arg) : 0;
	if (rc < 0)
		goto out;
	ops_detail(x, "attachment %.16s (%s, %lld bytes)", in->hash, in->content_type,
		   (long long)in->size);
	rc = attachment_record(x->db, in->hash, in->size);
	if (rc >= 0)
		rc = case_attachment_add(x->db, c->id, in->hash, in->filename, in->content_type,
					 x->who.user_id);
	if (rc >= 0)
		rc = ops_event(x, c->id, "attachment", "%s", in->filename);
out:
	return ops_end(x, rc);
}
