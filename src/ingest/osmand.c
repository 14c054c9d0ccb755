/*
 * osmand — decoding the OsmAnd / Traccar Client protocol.
 *
 * Edge cases handled here: "timestamp" may be seconds (10 digits) or
 * milliseconds (13) or ISO 8601 text; speed comes in knots; "location" is
 * "lat,lon"; "hdop" stands in for accuracy when accuracy is absent (by
 * core/fix.h's model, as for Teltonika: 5 m per unit of HDOP, at least 5 m;
 * an HDOP of 0 says nothing); "batt" is a percentage and "charge" a boolean;
 * "alarm" names an event (sos, tamper, powerOff, lowBattery...).
 */
#include "ingest/osmand.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/clock.h"

#define KNOT_MPS 0.514444

static int number(const char *s, double *out)
{
	char *end;
	double v;

	if (!s || !*s)
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (errno || *end || end == s || !isfinite(v))
		return -1;
	*out = v;
	return 0;
}

/* A number for a coordinate: "nan" and "inf" are let through, so that the
 * fix check refuses them and counts the refusal against the device. */
static int coordinate(const char *s, double *out)
{
	char *end;

	if (!s || !*s)
		return -1;
	errno = 0;
	*out = strtod(s, &end);
	return errno == ERANGE || *end || end == s ? -1 : 0;
}

int osmand_parse_time(const char *s, int64_t *ms)
{
	size_t n = s ? strlen(s) : 0, digits = s ? strspn(s, "0123456789") : 0;

	if (n == 0)
		return -1;
	if (digits == n && n <= 13) {
		long long v = strtoll(s, NULL, 10);

		*ms = n >= 12 ? v : v * 1000; /* milliseconds have 12-13 digits since 2001 */
		return 0;
	}
	/* seconds with a fraction: "1795855008.5" */
	if (strchr(s, '.') && strspn(s, "0123456789.") == n) {
		double v;

		if (number(s, &v) < 0)
			return -1;
		*ms = (int64_t)(v * 1000);
		return 0;
	}
	return clock_parse(s, ms);
}

static unsigned alarm_flags(const char *a)
{
	if (!a)
		return 0;
	if (!strcasecmp(a, "sos") || !strcasecmp(a, "panic"))
		return FIX_SOS;
	if (!strcasecmp(a, "tampering") || !strcasecmp(a, "tamper") || !strcasecmp(a, "removing"))
		return FIX_TAMPER;
	if (!strcasecmp(a, "powerOff") || !strcasecmp(a, "powercut") || !strcasecmp(a, "powerCut"))
		return FIX_POWER_OFF;
	if (!strcasecmp(a, "lowBattery") || !strcasecmp(a, "lowbattery"))
		return FIX_LOW_BATTERY;
	if (!strcasecmp(a, "door") || !strcasecmp(a, "caseOpen") || !strcasecmp(a, "case_open"))
		return FIX_CASE_OPEN;
	return 0;
}

static bool truthy(const char *s)
{
	return s && (!strcmp(s, "1") || !strcasecmp(s, "true") || !strcasecmp(s, "yes"));
}

int osmand_decode_params(const struct osmand_param *p, size_t n, struct fix *f, char *why,
			 size_t whylen)
{
	bool have_lat = false, have_lon = false, have_time = false;
	double hdop = NAN, v;

	fix_init(f);
	for (size_t i = 0; i < n; i++) {
		const char *k = p[i].key, *val = p[i].value ? p[i].value : "";

		if (!strcmp(k, "id") || !strcmp(k, "deviceid")) {
			if (strlen(val) == 0 || strlen(val) > FIX_UID_MAX) {
				snprintf(why, whylen, "%s must be 1 to %d characters", k, FIX_UID_MAX);
				return -1;
			}
			snprintf(f->uid, sizeof f->uid, "%s", val);
		} else if (!strcmp(k, "lat") || !strcmp(k, "lon")) {
			if (coordinate(val, &v) < 0) {
				snprintf(why, whylen, "%s is not a number", k);
				return -1;
			}
			if (k[1] == 'a') {
				f->lat = v;
				have_lat = true;
			} else {
				f->lon = v;
				have_lon = true;
			}
		} else if (!strcmp(k, "location")) {
			const char *comma = strchr(val, ',');
			char lat[64];

			if (!comma || (size_t)(comma - val) >= sizeof lat) {
				snprintf(why, whylen, "location must be \"lat,lon\"");
				return -1;
			}
			memcpy(lat, val, (size_t)(comma - val));
			lat[comma - val] = '\0';
			if (coordinate(lat, &f->lat) < 0 || coordinate(comma + 1, &f->lon) < 0) {
				snprintf(why, whylen, "location must be \"lat,lon\" with numbers");
				return -1;
			}
			have_lat = have_lon = true;
		} else if (!strcmp(k, "timestamp")) {
			if (osmand_parse_time(val, &f->at) < 0) {
				snprintf(why, whylen,
					 "timestamp must be Unix seconds, Unix milliseconds or ISO 8601");
				return -1;
			}
			have_time = true;
		} else if (!strcmp(k, "speed") || !strcmp(k, "bearing") || !strcmp(k, "heading") ||
			   !strcmp(k, "altitude") || !strcmp(k, "accuracy") || !strcmp(k, "hdop") ||
			   !strcmp(k, "batt")) {
			if (number(val, &v) < 0) {
				snprintf(why, whylen, "%s is not a number", k);
				return -1;
			}
			if (!strcmp(k, "speed"))
				f->speed = v * KNOT_MPS;
			else if (!strcmp(k, "bearing") || !strcmp(k, "heading"))
				f->heading = v;
			else if (!strcmp(k, "altitude"))
				f->altitude = v;
			else if (!strcmp(k, "accuracy"))
				f->accuracy = v;
			else if (!strcmp(k, "hdop"))
				hdop = v;
			else
				f->battery = v;
		} else if (!strcmp(k, "charge")) {
			if (truthy(val))
				f->flags |= FIX_CHARGING;
		} else if (!strcmp(k, "alarm")) {
			f->flags |= alarm_flags(val);
		}
		/* other parameters (e.g. "valid", "driverUniqueId") are ignored */
	}
	if (!f->uid[0]) {
		snprintf(why, whylen, "id (or deviceid) is required");
		return -1;
	}
	if (!have_lat || !have_lon) {
		if (!f->flags) {
			snprintf(why, whylen, "lat and lon (or location) are required");
			return -1;
		}
		f->flags |= FIX_NO_POSITION;
		f->lat = f->lon = NAN; /* half a position is no position */
	}
	if (!have_time)
		f->at = clock_now_ms(); /* the app omits it only when it has no clock fix */
	if (isnan(f->accuracy) && !isnan(hdop))
		f->accuracy = fix_accuracy_from_dop(hdop, -1); /* satellites not given */
	return 0;
}

static int json_num(json_t *o, const char *key, double *out)
{
	json_t *v = json_object_get(o, key);

	if (!v || json_is_null(v))
		return 0;
	if (!json_is_number(v))
		return -1;
	*out = json_number_value(v);
	return isfinite(*out) ? 0 : -1;
}

int osmand_decode_json(const char *body, size_t len, struct fix *f, char *why, size_t whylen)
{
	json_error_t err;
	json_t *root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &err), *loc, *coords, *batt, *ts,
	       *id;
	int rc = -1;

	fix_init(f);
	if (!root || !json_is_object(root)) {
		snprintf(why, whylen, "the body is not a JSON object%s%s", root ? "" : ": ",
			 root ? "" : err.text);
		goto out;
	}
	id = json_object_get(root, "device_id");
	if (!json_is_string(id) || json_string_length(id) == 0 ||
	    json_string_length(id) > FIX_UID_MAX) {
		snprintf(why, whylen, "device_id is required (1 to %d characters)", FIX_UID_MAX);
		goto out;
	}
	snprintf(f->uid, sizeof f->uid, "%s", json_string_value(id));
	loc = json_object_get(root, "location");
	if (!json_is_object(loc)) {
		snprintf(why, whylen, "location is required");
		goto out;
	}
	coords = json_object_get(loc, "coords");
	if (!json_is_object(coords) || !json_is_number(json_object_get(coords, "latitude")) ||
	    !json_is_number(json_object_get(coords, "longitude"))) {
		snprintf(why, whylen, "location.coords.latitude and longitude are required");
		goto out;
	}
	f->lat = json_number_value(json_object_get(coords, "latitude"));
	f->lon = json_number_value(json_object_get(coords, "longitude"));
	if (json_num(coords, "accuracy", &f->accuracy) < 0 || json_num(coords, "speed", &f->speed) < 0 ||
	    json_num(coords, "heading", &f->heading) < 0 ||
	    json_num(coords, "altitude", &f->altitude) < 0) {
		snprintf(why, whylen, "location.coords fields must be numbers");
		goto out;
	}
	/* the JSON form gives speed in m/s already; a negative speed or heading
	 * means "unknown" in the app */
	if (!isnan(f->speed) && f->speed < 0)
		f->speed = NAN;
	if (!isnan(f->heading) && f->heading < 0)
		f->heading = NAN;
	ts = json_object_get(loc, "timestamp");
	if (json_is_string(ts)) {
		if (osmand_parse_time(json_string_value(ts), &f->at) < 0) {
			snprintf(why, whylen, "location.timestamp is not a time");
			goto out;
		}
	} else if (json_is_integer(ts)) {
		char t[32];

		snprintf(t, sizeof t, "%lld", (long long)json_integer_value(ts));
		if (osmand_parse_time(t, &f->at) < 0) {
			snprintf(why, whylen, "location.timestamp is not a time");
			goto out;
		}
	} else {
		snprintf(why, whylen, "location.timestamp is required");
		goto out;
	}
	batt = json_object_get(loc, "battery");
	if (json_is_object(batt)) {
		json_t *lvl = json_object_get(batt, "level");

		/* the app reports 0..1, or -1 when unknown */
		if (json_is_number(lvl) && json_number_value(lvl) >= 0)
			f->battery = json_number_value(lvl) <= 1 ? json_number_value(lvl) * 100
								  : json_number_value(lvl);
		if (json_is_true(json_object_get(batt, "is_charging")))
			f->flags |= FIX_CHARGING;
	}
	if (json_is_string(json_object_get(loc, "event")))
		f->flags |= alarm_flags(json_string_value(json_object_get(loc, "event")));
	if (json_is_string(json_object_get(root, "alarm")))
		f->flags |= alarm_flags(json_string_value(json_object_get(root, "alarm")));
	rc = 0;
out:
	json_decref(root);
	return rc;
}
