/*
 * monitoring — devices, their assignment to cases, zones, and fixes posted
 * as JSON: POST/GET /api/v1/devices[/{uid}], POST /api/v1/cases/{ref}/
 * monitoring, POST/GET /api/v1/cases/{ref}/zones, DELETE .../zones/{id},
 * POST /api/v1/fixes.
 *
 * Zone geometry is GeoJSON (RFC 7946: [longitude, latitude]) and is checked
 * before it is stored: a Point with radius_m, or a Polygon with one closed,
 * simple ring.  A home zone's geometry is where the victim lives, so it is
 * sent only to roles that protect her.
 */
#include "api/api.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "core/account.h"
#include "core/geo.h"
#include "core/her.h"
#include "http/request.h"
#include "ingest/accept.h"
#include "monitor/node.h"
#include "ops/monitoring.h"
#include "store/cases.h"
#include "store/monitor.h"
#include "vigil.h"

#define MAX_RING 512

const char *const api_device_kinds[] = { "offender_tag", "victim_phone", "victim_alarm", NULL };
const char *const api_device_protocols[] = { "osmand", "teltonika", "json", NULL };
const char *const api_zone_kinds[] = { "exclusion", "proximity", NULL };

static bool in(const char *const *list, const char *s)
{
	for (; s && *list; list++)
		if (!strcmp(*list, s))
			return true;
	return false;
}

static json_t *num_or_null(double v)
{
	return isnan(v) ? json_null() : json_real(v);
}

/*
 * A device as the caller sees it (store/monitor.h, device_each_visible):
 * whether it is in use, and the case it watches when she may see that case.
 * Its live position goes only to those who may see the case that it watches
 * now (a victim's device's only to the roles that protect her), and only a
 * fix taken since that watch began: where it was before belongs to the case
 * (or the person) it watched then.  A free offender tag's (a tag on the
 * shelf being tested) only to the device managers of the agency that owns
 * it, and only since its last assignment ended.
 */
/*
 * Whether the tag was asked to report faster (a possible zone entry being
 * decided) or back at its normal period, and what came of it: requested
 * "fast" or "normal" (null: never asked), when, and the command's state
 * (asked, sent, acknowledged, unanswered, unavailable) with its times, text
 * and the tag's response.  commandable: its protocol takes commands.
 */
static json_t *reporting_json(const struct device *dv, const struct device_reporting *rp)
{
	bool asked = rp->mode[0] != '\0';

	return json_pack("{s:b, s:s?, s:o, s:s?, s:s?, s:o, s:o, s:s?}", "commandable",
			 strcmp(dv->protocol, "teltonika") == 0, "requested", asked ? rp->mode : NULL,
			 "at", req_time_json(asked ? rp->asked_at : 0), "state",
			 asked ? rp->state : NULL, "command",
			 asked && rp->command[0] ? rp->command : NULL, "sent_at",
			 req_time_json(asked ? rp->sent_at : 0), "acknowledged_at",
			 req_time_json(asked ? rp->acknowledged_at : 0), "response",
			 asked && rp->response[0] ? rp->response : NULL);
}

static json_t *device_json(struct req *r, const struct device *dv, const struct device_view *dw)
{
	struct device_live live;
	bool victim = strcmp(dv->kind, "offender_tag") != 0;
	json_t *o = json_pack("{s:I, s:s, s:s, s:s, s:i, s:o, s:I, s:s?, s:b, s:s?}", "id",
			      (json_int_t)dv->id, "uid", dv->uid, "kind", dv->kind, "protocol",
			      dv->protocol, "expected_interval_s", dv->expected_interval_s,
			      "created_at", req_time_json(dv->created_at), "rejected_fixes",
			      (json_int_t)dv->rejected_fixes, "agency", dv->agency[0] ? dv->agency : NULL,
			      "in_use", dw->busy, "case", dw->case_ref[0] ? dw->case_ref : NULL);

	/* what the rules take for a fix of it that reports no accuracy */
	json_object_set_new(o, "assumed_accuracy_m", json_real(fix_assumed_accuracy(dv->kind)));
	json_object_set_new(o, "reporting", reporting_json(dv, &dw->reporting));
	if (node_device_live(r->v->node, r->db, dv->id, &live)) {
		json_t *st = json_pack("{s:o, s:o, s:b, s:b}", "last_fix_at", req_time_json(live.fix_at),
				       "battery", num_or_null(live.battery), "signal_lost", live.lost,
				       "charging", live.charging);
		bool watches_hers = dw->case_ref[0] != '\0' && dw->watch_from <= clock_now_ms() &&
				    live.fix_at >= dw->watch_from;
		bool shelf = !dw->busy && !victim && dv->agency_id == r->who.agency_id &&
			     access_role_has(r->who.role, PERM_DEVICES_MANAGE) &&
			     live.fix_at >= dw->free_since;

		if (live.have_fix && ((watches_hers && (!victim || access_sees_victim_location(r->who.role))) ||
				      shelf))
			json_object_set_new(st, "last_position",
					    json_pack("{s:f, s:f, s:f, s:b}", "lat", live.lat, "lon", live.lon,
						      "accuracy_m", live.accuracy, "accuracy_assumed",
						      live.accuracy_assumed));
		json_object_set_new(o, "state", st);
	}
	return o;
}

void api_devices_create(struct req *r)
{
	static const char *const fields[] = { "uid", "kind", "protocol", "expected_interval_s", NULL };
	const char *uid, *kind, *protocol;
	int64_t interval = 60;
	struct device dv;
	struct device_view dw = { 0 };
	struct ops_ctx x;

	if (req_body_required(r) < 0 || req_body_only(r, fields) < 0 ||
	    req_body_str(r, "uid", true, FIX_UID_MAX, &uid) < 0 ||
	    req_body_str(r, "kind", true, 16, &kind) < 0 ||
	    req_body_str(r, "protocol", true, 16, &protocol) < 0 ||
	    req_body_int(r, "expected_interval_s", false, 1, 86400, &interval, NULL) < 0)
		return;
	if (!account_text_clean(uid, strlen(uid)) || strchr(uid, ' ')) {
		req_fail(r, 400, "bad_request", "uid", "uid must be printable text without spaces");
		return;
	}
	if (!strncmp(uid, HER_DEVICE_PREFIX, strlen(HER_DEVICE_PREFIX))) {
		req_fail(r, 400, "bad_request", "uid",
			 "uids beginning %s are her app's (enrolled on the case)", HER_DEVICE_PREFIX);
		return;
	}
	if (!in(api_device_kinds, kind)) {
		req_fail(r, 400, "bad_request", "kind",
			 "kind must be offender_tag, victim_phone or victim_alarm");
		return;
	}
	if (!in(api_device_protocols, protocol)) {
		req_fail(r, 400, "bad_request", "protocol", "protocol must be osmand, teltonika or json");
		return;
	}
	api_ops_begin(r, &x, 201);
	if (api_ops_end(r, &x, ops_device_register(&x, uid, kind, protocol, (int)interval, &dv)) == 0)
		req_reply(r, 201, device_json(r, &dv, &dw));
}

struct devices_out {
	struct req *r;
	json_t *arr;
	struct buf uids; /* for the audit entry: which devices were read */
	int n;
};

static int add_device(const struct device *dv, const struct device_view *dw, void *arg)
{
	struct devices_out *o = arg;

	json_array_append_new(o->arr, device_json(o->r, dv, dw));
	if (o->n < 50)
		buf_printf(&o->uids, "%s%s", o->n ? " " : "", dv->uid);
	o->n++;
	return 0;
}

/* GET /api/v1/devices: the devices the caller may see (?free=1: only those
 * free to assign). */
void api_devices_list(struct req *r)
{
	struct devices_out o = { r, json_array(), { 0 }, 0 };
	const char *free_only = req_query(r, "free");
	struct viewer v;
	json_t *kept;
	size_t i;
	int rc;

	if (free_only && strcmp(free_only, "1") && strcmp(free_only, "0") &&
	    strcmp(free_only, "true") && strcmp(free_only, "false")) {
		json_decref(o.arr);
		req_fail(r, 400, "bad_request", "free", "free must be 1 or 0");
		return;
	}
	buf_init(&o.uids);
	api_viewer(r, &v);
	rc = device_each_visible(r->db, &v, clock_now_ms(), NULL, add_device, &o);
	if (rc < 0) {
		json_decref(o.arr);
		buf_free(&o.uids);
		req_fail_db(r, rc);
		return;
	}
	if (free_only && (!strcmp(free_only, "1") || !strcmp(free_only, "true"))) {
		kept = json_array();
		for (i = 0; i < json_array_size(o.arr); i++) {
			json_t *d = json_array_get(o.arr, i);

			if (!json_is_true(json_object_get(d, "in_use")))
				json_array_append(kept, d);
		}
		json_decref(o.arr);
		o.arr = kept;
	}
	/* the audit names what was answered */
	buf_reset(&o.uids);
	for (i = 0; i < json_array_size(o.arr) && i < 50; i++)
		buf_printf(&o.uids, "%s%s", i ? " " : "",
			   json_string_value(json_object_get(json_array_get(o.arr, i), "uid")));
	req_audit_detail(r, "%zu devices: %s%s", json_array_size(o.arr),
			 o.uids.len ? o.uids.data : "", json_array_size(o.arr) > 50 ? " ..." : "");
	buf_free(&o.uids);
	req_reply(r, 200, json_pack("{s:o}", "devices", o.arr));
}

void api_device_get(struct req *r)
{
	struct device dv;
	struct device_view dw;
	struct viewer v;
	const char *uid = req_param(r, "uid");
	int rc;

	req_audit_object(r, "device:%s", uid);
	api_viewer(r, &v);
	rc = device_get_visible(r->db, &v, clock_now_ms(), uid, &dv, &dw);
	if (rc <= 0) {
		/* one that exists but is not the caller's is answered as unknown */
		if (rc < 0)
			req_fail_db(r, rc);
		else
			req_fail(r, 404, "not_found", NULL, "there is no device '%s'", uid);
		return;
	}
	req_reply(r, 200, device_json(r, &dv, &dw));
}

void api_case_monitoring(struct req *r)
{
	static const char *const fields[] = { "device", "role", "starts_at", "ends_at", NULL };
	struct ops_assignment in = { 0 };
	struct case_record c = { 0 };
	struct assignment as;
	struct ops_ctx x;

	if (req_body_required(r) < 0 || req_body_only(r, fields) < 0 ||
	    req_body_str(r, "device", true, FIX_UID_MAX, &in.device) < 0 ||
	    req_body_str(r, "role", true, 8, &in.role) < 0)
		return;
	if (strcmp(in.role, "suspect") && strcmp(in.role, "victim")) {
		req_fail(r, 400, "bad_request", "role", "role must be 'suspect' or 'victim'");
		return;
	}
	if (req_body_time(r, "starts_at", false, &in.starts_at, &in.start_given) < 0 ||
	    req_body_time(r, "ends_at", false, &in.ends_at, &in.end_given) < 0)
		return;
	api_ops_begin(r, &x, 201);
	if (api_ops_end(r, &x, ops_device_assign(&x, req_param(r, "ref"), &in, &c, &as)) == 0)
		req_reply(r, 201, json_pack("{s:I, s:s, s:s, s:s, s:o, s:o}", "id", (json_int_t)as.id,
					    "ref", c.ref, "device", in.device, "role", in.role,
					    "starts_at", req_time_json(as.starts_at), "ends_at",
					    req_time_json(as.ends_at)));
	case_record_free(&c);
}

/* PATCH /api/v1/cases/{ref}/monitoring/{id}: {"ends_at"?, "reason"}: the
 * device stops watching (now, or at a later time); one not yet started is
 * cancelled.  Its history stays with the case. */
void api_case_monitoring_end(struct req *r)
{
	static const char *const fields[] = { "ends_at", "reason", NULL };
	struct case_record c = { 0 };
	struct assignment as;
	struct device dv;
	struct ops_ctx x;
	const char *reason;
	int64_t end = 0, id;
	bool has_end = false;

	if (req_param_id(r, "id", "assignment", &id) < 0)
		return;
	if (req_body_only(r, fields) < 0 || req_body_time(r, "ends_at", false, &end, &has_end) < 0 ||
	    req_body_str(r, "reason", true, 1000, &reason) < 0)
		return;
	api_ops_begin(r, &x, 200);
	if (api_ops_end(r, &x,
			ops_device_unassign(&x, req_param(r, "ref"), id, has_end, end, reason, &c,
					    &as, &dv)) == 0)
		req_reply(r, 200, json_pack("{s:I, s:s, s:s, s:s, s:o, s:o}", "id", (json_int_t)as.id,
					    "ref", c.ref, "device", dv.uid, "role", as.role,
					    "starts_at", req_time_json(as.starts_at), "ends_at",
					    req_time_json(as.ends_at)));
	case_record_free(&c);
}

struct assignments_out {
	struct req *r;
	json_t *arr;
	const char *ref;
};

static int add_assignment(const struct assignment *as, void *arg)
{
	struct assignments_out *o = arg;
	struct device_view dw = { .busy = true };
	struct device dv;
	json_t *d;

	if (device_get_by_id(o->r->db, as->device_id, &dv) != 1)
		return 0;
	/* the case is one the caller may see (api_case_read) */
	snprintf(dw.case_ref, sizeof dw.case_ref, "%s", o->ref);
	dw.watch_from = as->starts_at;
	if (device_reporting_get(o->r->db, dv.id, &dw.reporting) < 0)
		memset(&dw.reporting, 0, sizeof dw.reporting); /* shown as never asked */
	d = device_json(o->r, &dv, &dw);
	json_object_set_new(d, "assignment",
			    json_pack("{s:I, s:s, s:o, s:o}", "id", (json_int_t)as->id, "role", as->role,
				      "starts_at", req_time_json(as->starts_at), "ends_at",
				      as->ends_at ? req_time_json(as->ends_at) : json_null()));
	json_array_append_new(o->arr, d);
	return 0;
}

/*
 * GET /api/v1/cases/{ref}/monitoring: the devices watching the case now,
 * each with its state (her position only to the roles that protect her).
 */
static json_t *assignments_json(struct req *r, const struct case_record *c, int *err)
{
	struct assignments_out o = { r, json_array(), c->ref };

	(void)err; /* a read that fails is req_read's */
	req_read(r, assignment_each_current(r->db, c->id, clock_now_ms(), add_assignment, &o));
	return json_pack("{s:s, s:o}", "ref", c->ref, "devices", o.arr);
}

void api_case_monitoring_list(struct req *r)
{
	api_case_page(r, assignments_json);
}

/* Check a GeoJSON geometry; fills ring for a polygon. -1 after a 400. */
static int check_geometry(struct req *r, json_t *g, bool *point, struct geo_point *centre)
{
	const char *type = json_string_value(json_object_get(g, "type"));
	json_t *coords = json_object_get(g, "coordinates");
	char why[200];

	if (!json_is_object(g) || !type) {
		req_fail(r, 400, "bad_request", "geometry",
			 "geometry must be a GeoJSON Point or Polygon: {\"type\", \"coordinates\"}");
		return -1;
	}
	if (!strcmp(type, "Point")) {
		if (!json_is_array(coords) || json_array_size(coords) < 2 ||
		    !json_is_number(json_array_get(coords, 0)) ||
		    !json_is_number(json_array_get(coords, 1))) {
			req_fail(r, 400, "bad_request", "geometry.coordinates",
				 "a Point's coordinates are [longitude, latitude]");
			return -1;
		}
		centre->lon = json_number_value(json_array_get(coords, 0));
		centre->lat = json_number_value(json_array_get(coords, 1));
		if (!geo_point_valid(*centre)) {
			req_fail(r, 400, "bad_request", "geometry.coordinates",
				 "coordinates out of range: [longitude -180..180, latitude -90..90]");
			return -1;
		}
		*point = true;
		return 0;
	}
	if (!strcmp(type, "Polygon")) {
		struct geo_point ring[MAX_RING];
		json_t *outer = json_array_get(coords, 0), *pt;
		size_t i, n;

		if (!json_is_array(coords) || json_array_size(coords) != 1 || !json_is_array(outer)) {
			req_fail(r, 400, "bad_request", "geometry.coordinates",
				 "a Polygon zone has exactly one ring (no holes): [[[lon, lat], ...]]");
			return -1;
		}
		n = json_array_size(outer);
		if (n > MAX_RING) {
			req_fail(r, 400, "bad_request", "geometry.coordinates",
				 "a polygon may have at most %d positions", MAX_RING);
			return -1;
		}
		json_array_foreach(outer, i, pt) {
			if (!json_is_array(pt) || json_array_size(pt) < 2 ||
			    !json_is_number(json_array_get(pt, 0)) || !json_is_number(json_array_get(pt, 1))) {
				req_fail(r, 400, "bad_request", "geometry.coordinates",
					 "position %zu is not [longitude, latitude]", i);
				return -1;
			}
			ring[i].lon = json_number_value(json_array_get(pt, 0));
			ring[i].lat = json_number_value(json_array_get(pt, 1));
		}
		if (geo_ring_check(ring, n, MAX_RING, why, sizeof why) < 0) {
			req_fail(r, 400, "bad_request", "geometry.coordinates", "%s", why);
			return -1;
		}
		*point = false;
		return 0;
	}
	req_fail(r, 400, "bad_request", "geometry.type", "geometry.type must be Point or Polygon");
	return -1;
}

static double body_num(struct req *r, const char *field, bool *present, bool *bad)
{
	json_t *v = json_object_get(r->body, field);

	*present = v && !json_is_null(v);
	*bad = *present && !json_is_number(v);
	return *present && !*bad ? json_number_value(v) : 0;
}

static json_t *zone_json(struct req *r, const struct zone *z)
{
	json_t *o = json_pack("{s:I, s:s, s:s, s:f, s:o}", "id", (json_int_t)z->id, "name", z->name,
			      "kind", z->kind, "warning_m", z->warning_m, "created_at",
			      req_time_json(z->created_at));

	if (z->radius_m > 0)
		json_object_set_new(o, "radius_m", json_real(z->radius_m));
	/* an exclusion zone is drawn around where the victim lives or works */
	if (z->geometry && access_sees_victim_location(r->who.role))
		json_object_set_new(o, "geometry", json_loads(z->geometry, 0, NULL));
	else if (z->geometry)
		json_object_set_new(o, "geometry_withheld", json_true());
	return o;
}

void api_zones_create(struct req *r)
{
	static const char *const fields[] = { "name", "kind", "geometry", "radius_m", "warning_m", NULL };
	const char *name, *kind;
	struct case_record c = { 0 };
	struct geo_point centre;
	json_t *g;
	char *gtext = NULL, why[200];
	bool point = false, has_r, bad_r, has_w, bad_w;
	double radius, warning;
	int64_t id;
	struct zone z = { 0 };
	struct ops_zone zn = { 0 };
	struct ops_ctx x;

	if (req_body_required(r) < 0 || req_body_only(r, fields) < 0 ||
	    req_body_str(r, "name", true, 100, &name) < 0 || req_body_str(r, "kind", true, 12, &kind) < 0)
		return;
	if (account_display_name_check(name, why, sizeof why) < 0) {
		req_fail(r, 400, "bad_request", "name", "%s", why);
		return;
	}
	if (!in(api_zone_kinds, kind)) {
		req_fail(r, 400, "bad_request", "kind", "kind must be 'exclusion' or 'proximity'");
		return;
	}
	radius = body_num(r, "radius_m", &has_r, &bad_r);
	warning = body_num(r, "warning_m", &has_w, &bad_w);
	if (bad_w || (has_w && (warning < 0 || warning > 5000 || !isfinite(warning)))) {
		req_fail(r, 400, "bad_request", "warning_m", "warning_m must be 0 to 5000 metres");
		return;
	}
	if (!has_w)
		warning = 200;
	g = json_object_get(r->body, "geometry");
	if (!strcmp(kind, "exclusion")) {
		if (!g || check_geometry(r, g, &point, &centre) < 0) {
			if (!g)
				req_fail(r, 400, "bad_request", "geometry",
					 "an exclusion zone needs a geometry (a Point with radius_m, or a Polygon)");
			return;
		}
		if (point && (!has_r || bad_r)) {
			req_fail(r, 400, "bad_request", "radius_m", "a Point zone needs radius_m");
			return;
		}
		if (!point && has_r) {
			req_fail(r, 400, "bad_request", "radius_m", "a Polygon zone has no radius_m");
			return;
		}
	} else {
		if (g && !json_is_null(g)) {
			req_fail(r, 400, "bad_request", "geometry",
				 "a proximity zone follows the victim's device: give radius_m, no geometry");
			return;
		}
		if (!has_r || bad_r) {
			req_fail(r, 400, "bad_request", "radius_m", "a proximity zone needs radius_m");
			return;
		}
	}
	if ((has_r || point) && (!isfinite(radius) || radius < 10 || radius > 50000)) {
		req_fail(r, 400, "bad_request", "radius_m", "radius_m must be 10 to 50000 metres");
		return;
	}
	if (g && !json_is_null(g))
		gtext = json_dumps(g, JSON_COMPACT);
	zn.name = name;
	zn.kind = kind;
	zn.geometry = gtext;
	zn.radius_m = has_r ? radius : 0;
	zn.warning_m = warning;
	api_ops_begin(r, &x, 201);
	if (api_ops_end(r, &x, ops_zone_draw(&x, req_param(r, "ref"), &zn, &c, &id)) == 0) {
		z.id = id;
		snprintf(z.name, sizeof z.name, "%s", name);
		snprintf(z.kind, sizeof z.kind, "%s", kind);
		z.geometry = gtext;
		z.radius_m = zn.radius_m;
		z.warning_m = warning;
		z.created_at = x.now;
		req_reply(r, 201, zone_json(r, &z));
	}
	free(gtext);
	case_record_free(&c);
}

static int add_zone(const struct zone *z, void *arg)
{
	void **a = arg;

	json_array_append_new(a[1], zone_json(a[0], z));
	return 0;
}

static json_t *zones_json(struct req *r, const struct case_record *c, int *err)
{
	json_t *arr = json_array();
	void *a[2] = { r, arr };

	(void)err; /* a read that fails is req_read's */
	req_read(r, zone_each(r->db, c->id, add_zone, a));
	return json_pack("{s:s, s:o}", "ref", c->ref, "zones", arr);
}

void api_zones_list(struct req *r)
{
	api_case_page(r, zones_json);
}

void api_zone_remove(struct req *r)
{
	struct case_record c = { 0 };
	struct ops_ctx x;
	int64_t id;

	if (req_param_id(r, "id", "zone", &id) < 0)
		return;
	api_ops_begin(r, &x, 200);
	if (api_ops_end(r, &x, ops_zone_remove(&x, req_param(r, "ref"), id, &c)) == 0)
		req_reply(r, 200, json_pack("{s:I, s:b}", "id", (json_int_t)id, "removed", 1));
	case_record_free(&c);
}

/* The events a fix may report, and their flags. */
static const struct {
	const char *name;
	unsigned flag;
} fix_events[] = {
	{ "sos", FIX_SOS },		{ "panic", FIX_SOS },	      { "tamper", FIX_TAMPER },
	{ "case_open", FIX_CASE_OPEN }, { "powered_off", FIX_POWER_OFF }, { "low_battery", FIX_LOW_BATTERY },
	{ "charging", FIX_CHARGING },
};

/* An optional number of a fix: 0 (absent, or stored in *dst), -1 after a 400. */
static int fix_number(struct req *r, json_t *it, const char *field, const char *key, double *dst)
{
	json_t *v = json_object_get(it, key);

	if (!v || json_is_null(v))
		return 0;
	if (!json_is_number(v)) {
		req_fail(r, 400, "bad_request", field, "%s.%s must be a number", field, key);
		return -1;
	}
	*dst = json_number_value(v);
	return 0;
}

/* One fix of a batch, checked: 0, or -1 after a 400 naming its field. */
static int fix_parse(struct req *r, json_t *it, size_t i, struct fix *f)
{
	static const char *const keys[] = { "device",	 "at",	    "lat",     "lon",	  "accuracy_m",
					    "speed_mps", "heading", "altitude", "battery", "events",
					    NULL };
	const char *key, *uid, *at;
	json_t *val, *ev, *e, *lat, *lon;
	char field[48];
	size_t k;

	fix_init(f);
	snprintf(field, sizeof field, "fixes[%zu]", i);
	if (!json_is_object(it)) {
		req_fail(r, 400, "bad_request", field, "%s must be an object", field);
		return -1;
	}
	json_object_foreach(it, key, val) {
		bool known = false;

		for (k = 0; keys[k]; k++)
			known = known || !strcmp(keys[k], key);
		if (!known) {
			req_fail(r, 400, "bad_request", field,
				 "%s has an unknown field '%.40s' (known: device, at, lat, lon, "
				 "accuracy_m, speed_mps, heading, altitude, battery, events)",
				 field, key);
			return -1;
		}
	}
	uid = json_string_value(json_object_get(it, "device"));
	if (!uid || !*uid || strlen(uid) != json_string_length(json_object_get(it, "device")) ||
	    strlen(uid) > FIX_UID_MAX || !account_text_clean(uid, strlen(uid))) {
		req_fail(r, 400, "bad_request", field,
			 "%s.device must be the device's id (printable text, at most %d characters)",
			 field, FIX_UID_MAX);
		return -1;
	}
	at = json_string_value(json_object_get(it, "at"));
	if (!at || clock_parse(at, &f->at) < 0) {
		req_fail(r, 400, "bad_request", field, "%s.at must be an RFC 3339 time", field);
		return -1;
	}
	snprintf(f->uid, sizeof f->uid, "%s", uid);
	lat = json_object_get(it, "lat");
	lon = json_object_get(it, "lon");
	if ((lat && !json_is_null(lat) && !json_is_number(lat)) ||
	    (lon && !json_is_null(lon) && !json_is_number(lon)) ||
	    (json_is_number(lat) != json_is_number(lon))) {
		req_fail(r, 400, "bad_request", field, "%s.lat and .lon must be numbers, both or neither",
			 field);
		return -1;
	}
	if (json_is_number(lat)) {
		f->lat = json_number_value(lat);
		f->lon = json_number_value(lon);
	} else {
		f->flags |= FIX_NO_POSITION;
	}
	if (fix_number(r, it, field, "accuracy_m", &f->accuracy) < 0 ||
	    fix_number(r, it, field, "speed_mps", &f->speed) < 0 ||
	    fix_number(r, it, field, "heading", &f->heading) < 0 ||
	    fix_number(r, it, field, "altitude", &f->altitude) < 0 ||
	    fix_number(r, it, field, "battery", &f->battery) < 0)
		return -1;
	ev = json_object_get(it, "events");
	if (ev && !json_is_null(ev) && !json_is_array(ev)) {
		req_fail(r, 400, "bad_request", field, "%s.events must be a list of event names", field);
		return -1;
	}
	json_array_foreach(ev, k, e) {
		const char *name = json_string_value(e);
		unsigned flag = 0;

		for (size_t j = 0; name && j < sizeof fix_events / sizeof fix_events[0]; j++)
			if (!strcmp(fix_events[j].name, name))
				flag = fix_events[j].flag;
		if (!flag) {
			req_fail(r, 400, "bad_request", field,
				 "%s.events[%zu] must be one of sos, panic, tamper, case_open, "
				 "powered_off, low_battery, charging",
				 field, k);
			return -1;
		}
		f->flags |= flag;
	}
	if ((f->flags & FIX_NO_POSITION) && !(f->flags & ~(unsigned)FIX_NO_POSITION)) {
		req_fail(r, 400, "bad_request", field, "%s has no position and no event", field);
		return -1;
	}
	return 0;
}

/* POST /api/v1/fixes: {"fixes": [{"device","at","lat","lon","accuracy_m","speed_mps",
 * "heading","altitude","battery","events":["sos",...]}]}.  Only for devices the
 * caller may see (store/monitor.h); any other is answered unknown_device, as
 * one that is not registered, and nothing of it is stored. */
void api_fixes_post(struct req *r)
{
	static const char *const fields[] = { "fixes", NULL };
	json_t *arr = json_object_get(r->body ? r->body : NULL, "fixes"), *it, *out;
	int64_t now = clock_now_ms();
	struct viewer v;
	struct fix *f;
	int *res, *skip;
	char (*why)[160];
	size_t n, i, j;

	if (req_body_required(r) < 0 || req_body_only(r, fields) < 0)
		return;
	if (!json_is_array(arr) || json_array_size(arr) == 0 || json_array_size(arr) > 1000) {
		req_fail(r, 400, "bad_request", "fixes", "fixes must be a list of 1 to 1000 positions");
		return;
	}
	n = json_array_size(arr);
	f = xcalloc(n, sizeof *f);
	res = xcalloc(n, sizeof *res);
	skip = xcalloc(n, sizeof *skip);
	why = xcalloc(n, sizeof *why);
	json_array_foreach(arr, i, it) {
		if (fix_parse(r, it, i, &f[i]) < 0)
			goto out;
	}
	/* the caller's devices: each uid looked up once */
	api_viewer(r, &v);
	for (i = 0; i < n; i++) {
		struct device dv;
		int rc;

		for (j = 0; j < i && strcmp(f[j].uid, f[i].uid); j++)
			;
		if (j < i) {
			skip[i] = skip[j];
			continue;
		}
		rc = device_get_visible(r->db, &v, now, f[i].uid, &dv, NULL);
		if (rc < 0) {
			req_add_header(r, "Retry-After", "1");
			req_fail(r, 503, "unavailable", NULL, "the positions could not be stored; send them again");
			goto out;
		}
		skip[i] = rc == 0;
	}
	{
		/* the visible ones go to ingest together; the others are unknown */
		struct fix *mine = xcalloc(n, sizeof *mine);
		int *mres = xcalloc(n, sizeof *mres);
		char (*mwhy)[160] = xcalloc(n, sizeof *mwhy);
		size_t m = 0;
		int rc = 0;

		for (i = 0; i < n; i++)
			if (!skip[i])
				mine[m++] = f[i];
		if (m)
			rc = ingest_accept_batch(r->v, r->db, mine, m, mres, mwhy);
		for (i = 0, j = 0; rc >= 0 && i < n; i++) {
			if (skip[i]) {
				res[i] = ACCEPT_UNKNOWN;
				snprintf(why[i], sizeof why[i], "device '%s' is not registered", f[i].uid);
			} else {
				res[i] = mres[j];
				memcpy(why[i], mwhy[j], sizeof why[i]);
				j++;
			}
		}
		free(mine);
		free(mres);
		free(mwhy);
		if (rc < 0) {
			req_add_header(r, "Retry-After", "1");
			req_fail(r, 503, "unavailable", NULL,
				 "the positions could not be stored; send them again");
			goto out;
		}
	}
	out = json_array();
	for (i = 0; i < n; i++) {
		static const char *names[] = { "stored", "duplicate" };
		const char *st = res[i] >= 0 ? names[res[i]] : res[i] == ACCEPT_UNKNOWN ? "unknown_device"
										 : "rejected";

		json_array_append_new(out, json_pack("{s:s, s:s?}", "result", st, "reason",
						     res[i] < 0 ? why[i] : NULL));
	}
	req_audit_detail(r, "%zu fixes", n);
	req_reply(r, 200, json_pack("{s:o}", "results", out));
out:
	free(f);
	free(res);
	free(skip);
	free(why);
}
