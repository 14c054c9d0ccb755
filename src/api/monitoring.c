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
#include "http/request.h"
#include "ingest/accept.h"
#include "monitor/node.h"
#include "store/cases.h"
#include "store/monitor.h"
#include "vigil.h"

#define MAX_RING 512

static const char *const kinds[] = { "offender_tag", "victim_phone", "victim_alarm", NULL };
static const char *const protocols[] = { "osmand", "teltonika", "json", NULL };

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

/* Does a device of hers watch a case the caller may see? */
static bool victim_case_visible(struct req *r, int64_t device_id)
{
	int64_t cases[16];
	struct viewer v;
	int n = assignment_cases_of_device(r->db, device_id, clock_now_ms(), cases, 16);

	api_viewer(r, &v);
	for (int i = 0; i < n; i++)
		if (case_visible(r->db, cases[i], &v) == 1)
			return true;
	return false;
}

static json_t *device_json(struct req *r, const struct device *dv)
{
	struct device_live live;
	json_t *o = json_pack("{s:I, s:s, s:s, s:s, s:i, s:o, s:I}", "id", (json_int_t)dv->id, "uid",
			      dv->uid, "kind", dv->kind, "protocol", dv->protocol,
			      "expected_interval_s", dv->expected_interval_s, "created_at",
			      req_time_json(dv->created_at), "rejected_fixes",
			      (json_int_t)dv->rejected_fixes);
	bool victim = strcmp(dv->kind, "offender_tag") != 0;

	if (node_device_live(r->v->node, r->db, dv->id, &live)) {
		json_t *st = json_pack("{s:o, s:o, s:b, s:b}", "last_fix_at", req_time_json(live.fix_at),
				       "battery", num_or_null(live.battery), "signal_lost", live.lost,
				       "charging", live.charging);

		/* a victim's position only to the roles that protect her, and of
		 * them only to those who may see a case her device watches */
		if (live.have_fix && (!victim || (access_sees_victim_location(r->who.role) &&
						  victim_case_visible(r, dv->id))))
			json_object_set_new(st, "last_position",
					    json_pack("{s:f, s:f, s:f}", "lat", live.lat, "lon", live.lon,
						      "accuracy_m", live.accuracy));
		json_object_set_new(o, "state", st);
	}
	return o;
}

void api_devices_create(struct req *r)
{
	static const char *const fields[] = { "uid", "kind", "protocol", "expected_interval_s", NULL };
	const char *uid, *kind, *protocol;
	int64_t interval = 60, id;
	struct device dv;

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
	if (!in(kinds, kind)) {
		req_fail(r, 400, "bad_request", "kind",
			 "kind must be offender_tag, victim_phone or victim_alarm");
		return;
	}
	if (!in(protocols, protocol)) {
		req_fail(r, 400, "bad_request", "protocol", "protocol must be osmand, teltonika or json");
		return;
	}
	req_audit_object(r, "device:%s", uid);
	if (req_tx_begin(r) < 0)
		return;
	id = device_insert(r->db, uid, kind, protocol, (int)interval);
	if (id == DB_CONSTRAINT) {
		req_tx_rollback(r);
		req_fail(r, 409, "conflict", "uid", "a device '%s' is already registered", uid);
		return;
	}
	/* the engine reads devices again once this commits, wherever it runs */
	if (id < 0 || device_get_by_id(r->db, id, &dv) != 1 ||
	    node_config_changing(r->v->node, r->db, NODE_CHANGED_DEVICES) < 0) {
		req_tx_rollback(r);
		req_fail_db(r, DB_ERROR);
		return;
	}
	req_reply(r, 201, device_json(r, &dv));
	if (req_tx_commit(r) == 0)
		node_config_changed(r->v->node, NODE_CHANGED_DEVICES);
}

static int add_device(const struct device *dv, void *arg)
{
	void **a = arg;

	json_array_append_new(a[1], device_json(a[0], dv));
	return 0;
}

void api_devices_list(struct req *r)
{
	json_t *arr = json_array();
	void *a[2] = { r, arr };
	int rc = device_each(r->db, add_device, a);

	if (rc < 0) {
		json_decref(arr);
		req_fail_db(r, rc);
		return;
	}
	req_reply(r, 200, json_pack("{s:o}", "devices", arr));
}

void api_device_get(struct req *r)
{
	struct device dv;
	int rc = device_get(r->db, req_param(r, "uid"), &dv);

	if (rc <= 0) {
		if (rc < 0)
			req_fail_db(r, rc);
		else
			req_fail(r, 404, "not_found", NULL, "there is no device '%s'", req_param(r, "uid"));
		return;
	}
	req_reply(r, 200, device_json(r, &dv));
}

void api_case_monitoring(struct req *r)
{
	static const char *const fields[] = { "device", "role", "starts_at", "ends_at", NULL };
	const char *uid, *role, *starts, *ends;
	int64_t start = clock_now_ms(), end = 0, id;
	struct case_record c = { 0 };
	struct device dv;
	int rc;

	if (req_body_required(r) < 0 || req_body_only(r, fields) < 0 ||
	    req_body_str(r, "device", true, FIX_UID_MAX, &uid) < 0 ||
	    req_body_str(r, "role", true, 8, &role) < 0 ||
	    req_body_str(r, "starts_at", false, 40, &starts) < 0 ||
	    req_body_str(r, "ends_at", false, 40, &ends) < 0)
		return;
	if (strcmp(role, "suspect") && strcmp(role, "victim")) {
		req_fail(r, 400, "bad_request", "role", "role must be 'suspect' or 'victim'");
		return;
	}
	if ((starts && clock_parse(starts, &start) < 0) || (ends && clock_parse(ends, &end) < 0) ||
	    (end && end <= start)) {
		req_fail(r, 400, "bad_request", starts && clock_parse(starts, &start) < 0 ? "starts_at" : "ends_at",
			 "starts_at and ends_at must be RFC 3339 times, ends_at after starts_at");
		return;
	}
	if (api_case_load(r, &c) < 0)
		return;
	rc = device_get(r->db, uid, &dv);
	if (rc <= 0) {
		if (rc < 0)
			req_fail_db(r, rc);
		else
			req_fail(r, 400, "bad_request", "device", "there is no device '%s'", uid);
		goto out;
	}
	if ((strcmp(dv.kind, "offender_tag") == 0) != (strcmp(role, "suspect") == 0)) {
		req_fail(r, 400, "bad_request", "role",
			 "an offender tag watches the suspect; a victim's phone or alarm the victim");
		goto out;
	}
	req_audit_detail(r, "device %s watches the %s", uid, role);
	if (req_tx_begin(r) < 0)
		goto out;
	id = assignment_insert(r->db, dv.id, c.id, role, start, end, r->who.user_id);
	rc = id < 0 ? (int)id : case_event_add(r->db, c.id, r->who.user_id, r->who.username,
						"monitoring", uid);
	if (rc >= 0)
		rc = node_config_changing(r->v->node, r->db, c.id);
	if (rc < 0) {
		req_tx_rollback(r);
		req_fail_db(r, rc);
		goto out;
	}
	req_reply(r, 201, json_pack("{s:I, s:s, s:s, s:s, s:o, s:o}", "id", (json_int_t)id, "ref",
				    c.ref, "device", uid, "role", role, "starts_at", req_time_json(start),
				    "ends_at", req_time_json(end)));
	if (req_tx_commit(r) == 0)
		node_config_changed(r->v->node, c.id);
out:
	case_record_free(&c);
}

struct assignments_out {
	struct req *r;
	json_t *arr;
};

static int add_assignment(const struct assignment *as, void *arg)
{
	struct assignments_out *o = arg;
	struct device dv;
	json_t *d;

	if (device_get_by_id(o->r->db, as->device_id, &dv) != 1)
		return 0;
	d = device_json(o->r, &dv);
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
void api_case_monitoring_list(struct req *r)
{
	struct case_record c = { 0 };
	struct assignments_out o = { r, json_array() };
	int rc;

	if (api_case_load(r, &c) < 0) {
		json_decref(o.arr);
		return;
	}
	rc = assignment_each_current(r->db, c.id, clock_now_ms(), add_assignment, &o);
	if (rc < 0) {
		json_decref(o.arr);
		req_fail_db(r, rc);
	} else {
		req_reply(r, 200, json_pack("{s:s, s:o}", "ref", c.ref, "devices", o.arr));
	}
	case_record_free(&c);
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

	if (req_body_required(r) < 0 || req_body_only(r, fields) < 0 ||
	    req_body_str(r, "name", true, 100, &name) < 0 || req_body_str(r, "kind", true, 12, &kind) < 0)
		return;
	if (account_display_name_check(name, why, sizeof why) < 0) {
		req_fail(r, 400, "bad_request", "name", "%s", why);
		return;
	}
	if (strcmp(kind, "exclusion") && strcmp(kind, "proximity")) {
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
	if (api_case_load(r, &c) < 0)
		return;
	if (g && !json_is_null(g))
		gtext = json_dumps(g, JSON_COMPACT);
	req_audit_detail(r, "%s zone '%s'", kind, name); /* never the coordinates */
	if (req_tx_begin(r) < 0)
		goto out;
	id = zone_insert(r->db, c.id, name, kind, gtext, has_r ? radius : 0, warning, r->who.user_id);
	if (id >= 0)
		id = case_event_add(r->db, c.id, r->who.user_id, r->who.username, "zone", name) < 0 ? DB_ERROR : id;
	if (id >= 0 && node_config_changing(r->v->node, r->db, c.id) < 0)
		id = DB_ERROR;
	if (id < 0) {
		req_tx_rollback(r);
		req_fail_db(r, (int)id);
		goto out;
	}
	z.id = id;
	snprintf(z.name, sizeof z.name, "%s", name);
	snprintf(z.kind, sizeof z.kind, "%s", kind);
	z.geometry = gtext;
	z.radius_m = has_r ? radius : 0;
	z.warning_m = warning;
	z.created_at = clock_now_ms();
	req_reply(r, 201, zone_json(r, &z));
	if (req_tx_commit(r) == 0)
		node_config_changed(r->v->node, c.id);
out:
	free(gtext);
	case_record_free(&c);
}

static int add_zone(const struct zone *z, void *arg)
{
	void **a = arg;

	json_array_append_new(a[1], zone_json(a[0], z));
	return 0;
}

void api_zones_list(struct req *r)
{
	struct case_record c;
	json_t *arr = json_array();
	void *a[2] = { r, arr };

	if (api_case_load(r, &c) < 0) {
		json_decref(arr);
		return;
	}
	if (zone_each(r->db, c.id, add_zone, a) < 0) {
		json_decref(arr);
		req_fail_db(r, DB_ERROR);
	} else {
		req_reply(r, 200, json_pack("{s:s, s:o}", "ref", c.ref, "zones", arr));
	}
	case_record_free(&c);
}

void api_zone_remove(struct req *r)
{
	struct case_record c = { 0 };
	char *end;
	long long id = strtoll(req_param(r, "id"), &end, 10);
	int rc;

	if (*end || id <= 0) {
		req_fail(r, 404, "not_found", NULL, "there is no zone %s", req_param(r, "id"));
		return;
	}
	if (api_case_load(r, &c) < 0)
		return;
	if (req_tx_begin(r) < 0)
		goto out;
	rc = zone_remove(r->db, c.id, id);
	if (rc > 0 && node_config_changing(r->v->node, r->db, c.id) < 0)
		rc = DB_ERROR;
	if (rc <= 0) {
		req_tx_rollback(r);
		if (rc < 0)
			req_fail_db(r, rc);
		else
			req_fail(r, 404, "not_found", NULL, "case %s has no zone %lld", c.ref, id);
		goto out;
	}
	req_reply(r, 200, json_pack("{s:I, s:b}", "id", (json_int_t)id, "removed", 1));
	if (req_tx_commit(r) == 0)
		node_config_changed(r->v->node, c.id);
out:
	case_record_free(&c);
}

/* POST /api/v1/fixes: {"fixes": [{"device","at","lat","lon","accuracy_m","speed_mps",
 * "heading","altitude","battery","events":["sos",...]}]} */
void api_fixes_post(struct req *r)
{
	json_t *arr = json_object_get(r->body ? r->body : NULL, "fixes"), *it, *out;
	struct fix *f;
	int *res;
	char (*why)[160];
	size_t n, i;

	if (req_body_required(r) < 0)
		return;
	if (!json_is_array(arr) || json_array_size(arr) == 0 || json_array_size(arr) > 1000) {
		req_fail(r, 400, "bad_request", "fixes", "fixes must be a list of 1 to 1000 positions");
		return;
	}
	n = json_array_size(arr);
	f = xcalloc(n, sizeof *f);
	res = xcalloc(n, sizeof *res);
	why = xcalloc(n, sizeof *why);
	json_array_foreach(arr, i, it) {
		const char *uid = json_string_value(json_object_get(it, "device"));
		const char *at = json_string_value(json_object_get(it, "at"));
		json_t *ev = json_object_get(it, "events"), *e;
		size_t k;
		char field[48];

		fix_init(&f[i]);
		snprintf(field, sizeof field, "fixes[%zu]", i);
		if (!json_is_object(it) || !uid || strlen(uid) > FIX_UID_MAX || !at ||
		    clock_parse(at, &f[i].at) < 0) {
			req_fail(r, 400, "bad_request", field,
				 "%s needs device and at (RFC 3339), and lat, lon", field);
			goto out;
		}
		snprintf(f[i].uid, sizeof f[i].uid, "%s", uid);
		if (json_is_number(json_object_get(it, "lat")) && json_is_number(json_object_get(it, "lon"))) {
			f[i].lat = json_number_value(json_object_get(it, "lat"));
			f[i].lon = json_number_value(json_object_get(it, "lon"));
		} else {
			f[i].flags |= FIX_NO_POSITION;
		}
#define OPTNUM(key, dst) \
	if (json_is_number(json_object_get(it, key))) dst = json_number_value(json_object_get(it, key))
		OPTNUM("accuracy_m", f[i].accuracy);
		OPTNUM("speed_mps", f[i].speed);
		OPTNUM("heading", f[i].heading);
		OPTNUM("altitude", f[i].altitude);
		OPTNUM("battery", f[i].battery);
#undef OPTNUM
		json_array_foreach(ev, k, e) {
			const char *s = json_string_value(e);

			if (!s)
				continue;
			f[i].flags |= !strcmp(s, "sos") || !strcmp(s, "panic") ? FIX_SOS
				      : !strcmp(s, "tamper")			 ? FIX_TAMPER
				      : !strcmp(s, "case_open")			 ? FIX_CASE_OPEN
				      : !strcmp(s, "powered_off")		 ? FIX_POWER_OFF
				      : !strcmp(s, "low_battery")		 ? FIX_LOW_BATTERY
				      : !strcmp(s, "charging")			 ? FIX_CHARGING
										 : 0;
		}
		if ((f[i].flags & FIX_NO_POSITION) && !(f[i].flags & ~(unsigned)FIX_NO_POSITION)) {
			req_fail(r, 400, "bad_request", field, "%s has no position and no event", field);
			goto out;
		}
	}
	if (ingest_accept_batch(r->v, r->db, f, n, res, why) < 0) {
		req_add_header(r, "Retry-After", "1");
		req_fail(r, 503, "unavailable", NULL, "the positions could not be stored; send them again");
		goto out;
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
	free(why);
}
