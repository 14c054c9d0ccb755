/*
 * ops/monitoring — devices, assignments and zones (ops/monitoring.h).
 */
#include "ops/monitoring.h"

#include <stdio.h>
#include <string.h>

#include "base/clock.h"
#include "monitor/node.h"
#include "store/account.h"
#include "vigil.h"

/* How far in the past an assignment may say it starts (a clock that is a
 * little behind); further back is refused: the history of where a device
 * was stays with the case that had it. */
#define ASSIGN_SKEW_MS 60000
#define ASSIGN_AHEAD_MS (90 * 86400 * 1000LL)

/* The engine reads the change again once it commits (node_config_changed
 * after ops_end): in the transaction, the notice to every node. */
static int config_changing(struct ops_ctx *x, int64_t changed)
{
	return node_config_changing(x->v->node, x->db, changed);
}

int ops_device_register(struct ops_ctx *x, const char *uid, const char *kind,
			const char *protocol, int expected_interval_s, struct device *out)
{
	int64_t id;
	int rc;

	ops_object(x, "device:%s", uid);
	rc = ops_begin(x);
	if (rc < 0)
		return rc;
	/* it belongs to the agency that registers it */
	id = device_insert(x->db, uid, kind, protocol, expected_interval_s, x->who.agency_id,
			   x->who.user_id);
	if (id == DB_CONSTRAINT)
		rc = ops_fail(x, ERR_CONFLICT, "uid", "a device '%s' is already registered", uid);
	else if (id < 0)
		rc = (int)id;
	else if (device_get_by_id(x->db, id, out) != 1)
		rc = DB_ERROR;
	/* the engine reads devices again once this commits, wherever it runs */
	if (rc >= 0)
		rc = config_changing(x, NODE_CHANGED_DEVICES);
	rc = ops_end(x, rc);
	if (rc >= 0)
		node_config_changed(x->v->node, NODE_CHANGED_DEVICES);
	return rc;
}

/* 409 for a device already watching someone, naming the case to those who
 * may see it. */
static int device_busy(struct ops_ctx *x, const struct device *dv, const struct assignment *held)
{
	struct case_record other;
	struct viewer v;
	int rc;

	ops_viewer(x, &v);
	if (case_get_by_id(x->db, held->case_id, &other) != 1)
		return ops_fail(x, ERR_DEVICE_IN_USE, "device", "device '%s' is in use", dv->uid);
	if (case_visible(x->db, other.id, &v) == 1)
		rc = ops_fail(x, ERR_DEVICE_IN_USE, "device",
			      "device '%s' is watching the %s of case %s%s; end that assignment first "
			      "(a device watches one person at a time)",
			      dv->uid, held->role, other.ref,
			      held->starts_at > x->now ? " (from a later date)" : "");
	else
		rc = ops_fail(x, ERR_DEVICE_IN_USE, "device",
			      "device '%s' is watching someone in a case you may not see (of %s); ask "
			      "them to end that assignment (a device watches one person at a time)",
			      dv->uid, other.agency);
	case_record_free(&other);
	return rc;
}

/* An assignment's period as it may be given. */
static int assignment_period(struct ops_ctx *x, const struct ops_assignment *in, int64_t *start,
			     int64_t *end)
{
	int64_t now = x->now;

	*start = in->start_given ? in->starts_at : now;
	*end = in->end_given ? in->ends_at : 0;
	if (in->start_given && *start < now - ASSIGN_SKEW_MS)
		return ops_fail(x, ERR_BAD_REQUEST, "starts_at",
				"an assignment cannot start before it is made: give a time from now "
				"on (the device's history stays with the case that had it)");
	if (*start < now)
		*start = now;
	if (*start > now + ASSIGN_AHEAD_MS)
		return ops_fail(x, ERR_BAD_REQUEST, "starts_at",
				"an assignment starts within 90 days (a device booked further ahead "
				"would be kept from everyone else)");
	if (in->end_given && *end <= *start)
		return ops_fail(x, ERR_BAD_REQUEST, "ends_at", "ends_at must be after starts_at");
	return 0;
}

int ops_device_assign(struct ops_ctx *x, const char *ref, const struct ops_assignment *in,
		      struct case_record *c, struct assignment *out)
{
	struct device dv;
	struct device_view dw;
	struct assignment held;
	struct viewer v;
	int64_t start, end, id;
	char lock[48];
	int rc;

	memset(c, 0, sizeof *c);
	rc = assignment_period(x, in, &start, &end);
	if (rc >= 0)
		rc = ops_begin_case(x, ref, c);
	if (rc < 0)
		return rc;
	ops_viewer(x, &v);
	rc = device_get_visible(x->db, &v, x->now, in->device, &dv, &dw);
	if (rc <= 0) {
		if (rc == 0)
			rc = ops_fail(x, ERR_BAD_REQUEST, "device", "there is no device '%s'", in->device);
		goto out;
	}
	if ((strcmp(dv.kind, "offender_tag") == 0) != (strcmp(in->role, "suspect") == 0)) {
		rc = ops_fail(x, ERR_BAD_REQUEST, "role",
			      "an offender tag watches the suspect; a victim's phone or alarm the "
			      "victim");
		goto out;
	}
	/* the device's owner must be the case's agency or serve it */
	rc = agency_serves(x->db, dv.agency_id, c->agency_id, AGENCY_SERVICE_MONITORING);
	if (rc <= 0) {
		if (rc == 0)
			rc = ops_fail(x, ERR_FORBIDDEN, "device",
				      "device '%s' belongs to %s, which does not provide monitoring to "
				      "%s (the agency of case %s)",
				      in->device, dv.agency[0] ? dv.agency : "no agency", c->agency,
				      c->ref);
		goto out;
	}
	ops_detail(x, "device %s watches the %s", in->device, in->role);
	/* one device, one wearer: checked and written under the device's lock */
	snprintf(lock, sizeof lock, "device:%lld", (long long)dv.id);
	rc = db_lock_chain(x->db, lock);
	if (rc >= 0)
		rc = assignment_overlapping(x->db, dv.id, start, end, &held);
	if (rc == 1) {
		rc = device_busy(x, &dv, &held);
		goto out;
	}
	id = rc < 0 ? rc : assignment_insert(x->db, dv.id, c->id, in->role, start, end, x->who.user_id);
	rc = id < 0 ? (int)id : ops_event(x, c->id, "monitoring", "%s", in->device);
	if (rc >= 0)
		rc = config_changing(x, c->id);
	if (rc >= 0) {
		memset(out, 0, sizeof *out);
		out->id = id;
		out->device_id = dv.id;
		out->case_id = c->id;
		snprintf(out->role, sizeof out->role, "%s", in->role);
		out->starts_at = start;
		out->ends_at = end;
	}
out:
	rc = ops_end(x, rc);
	if (rc >= 0)
		node_config_changed(x->v->node, c->id);
	return rc;
}

int ops_device_unassign(struct ops_ctx *x, const char *ref, int64_t id, bool end_given,
			int64_t ends_at, const char *reason, struct case_record *c,
			struct assignment *as, struct device *dv)
{
	int64_t now = x->now, end = end_given ? ends_at : now;
	int rc;

	memset(c, 0, sizeof *c);
	if (end_given && end < now - ASSIGN_SKEW_MS)
		return ops_fail(x, ERR_BAD_REQUEST, "ends_at",
				"an assignment cannot be ended in the past: give a time from now on");
	if (end < now)
		end = now;
	rc = ops_begin_case(x, ref, c);
	if (rc < 0)
		return rc;
	rc = ops_found(x, assignment_get(x->db, c->id, id, as), c->ref, "device assignment", id);
	if (rc < 0)
		goto out;
	if (as->ends_at && as->ends_at <= now) {
		rc = ops_fail(x, ERR_CONFLICT, NULL, "assignment %lld already ended", (long long)id);
		goto out;
	}
	if (as->ends_at && end > as->ends_at) {
		char when[40];

		clock_format(as->ends_at, when, sizeof when);
		rc = ops_fail(x, ERR_BAD_REQUEST, "ends_at",
			      "an assignment can only be shortened (it ends already at %s); make a "
			      "new one to watch for longer",
			      when);
		goto out;
	}
	if (end < as->starts_at)
		end = as->starts_at; /* not started yet: cancelled */
	if (device_get_by_id(x->db, as->device_id, dv) != 1) {
		rc = DB_ERROR;
		goto out;
	}
	ops_detail(x, "device %s stops watching the %s: %s", dv->uid, as->role, reason);
	rc = assignment_end(x->db, as->id, end);
	if (rc == 0)
		rc = ops_fail(x, ERR_CONFLICT, NULL, "assignment %lld already ended", (long long)id);
	if (rc > 0)
		rc = ops_event(x, c->id, "monitoring_ended", "%s", dv->uid);
	if (rc >= 0)
		rc = config_changing(x, c->id);
	if (rc >= 0)
		as->ends_at = end;
out:
	rc = ops_end(x, rc);
	if (rc >= 0)
		node_config_changed(x->v->node, c->id);
	return rc;
}

int ops_zone_draw(struct ops_ctx *x, const char *ref, const struct ops_zone *in,
		  struct case_record *c, int64_t *id)
{
	int rc = ops_begin_case(x, ref, c);

	if (rc < 0)
		return rc;
	*id = zone_insert(x->db, c->id, in->name, in->kind, in->geometry, in->radius_m,
			  in->warning_m, x->who.user_id);
	rc = *id < 0 ? (int)*id : ops_event(x, c->id, "zone", "%s", in->name);
	if (rc >= 0)
		rc = config_changing(x, c->id);
	/* never the coordinates, nor the name (sealed: it may name her places) */
	if (rc >= 0)
		ops_detail(x, "%s zone %lld", in->kind, (long long)*id);
	rc = ops_end(x, rc);
	if (rc >= 0)
		node_config_changed(x->v->node, c->id);
	return rc;
}

int ops_zone_remove(struct ops_ctx *x, const char *ref, int64_t id, struct case_record *c)
{
	int rc = ops_begin_case(x, ref, c);

	if (rc < 0)
		return rc;
	rc = ops_found(x, zone_remove(x->db, c->id, id), c->ref, "zone", id);
	if (rc > 0)
		rc = config_changing(x, c->id);
	rc = ops_end(x, rc);
	if (rc >= 0)
		node_config_changed(x->v->node, c->id);
	return rc;
}
