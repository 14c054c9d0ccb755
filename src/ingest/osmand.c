/*
 * osmand — decoding the OsmAnd / Traccar Client protocol.
 *
 * Edge cases handled here: "timestamp" may be seconds (10 digits) or
 * milliseconds (13), or a date and time as Traccar's own decoder takes it
 * (ISO 8601, or "2014-06-04 09:10:11", which the query carries as
 * "2014-06-04+09%3A10%3A11"; UTC when it names no zone); speed comes in
 * knots; "location" is "lat,lon"; "hdop" stands in for accuracy when
 * accuracy is absent (by core/fix.h's model, as for Teltonika: 5 m per unit
 * of HDOP, at least 5 m; an HDOP of 0 says nothing); "batt" is a percentage
 * and "charge" a boolean; "alarm" names an event (sos, tamper, powerOff,
 * lowBattery...).  An event report is never refused for its position: with
 * a garbled or half position it is an event without one.
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
#include "base/text.h"
#include "core/account.h"

#define KNOT_MPS 0.514444
/* the longest number taken: Java prints a double in at most 24 characters */
#define NUMBER_MAX 64

static bool digit(char c)
{
	return c >= '0' && c <= '9';
}

static const char *skip_digits(const char *p)
{
	while (digit(*p))
		p++;
	return p;
}

/*
 * A decimal number: -?D+(.D+)?([eE][+-]?D+)?, finite and in range.  The
 * exponent is there because Java (the Traccar Client app) prints a double
 * under 10^-3 as "1.0E-4"; strtod alone would also take "0x33" (51),
 * "inf", "nan", " 5" and "+5".
 */
static int decimal(const char *s, double *out)
{
	const char *p = s;
	char *end;
	double v;

	if (!s || strlen(s) > NUMBER_MAX)
		return -1;
	if (*p == '-')
		p++;
	if (!digit(*p))
		return -1;
	p = skip_digits(p);
	if (*p == '.') {
		if (!digit(*++p))
			return -1;
		p = skip_digits(p);
	}
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '+' || *p == '-')
			p++;
		if (!digit(*p))
			return -1;
		p = skip_digits(p);
	}
	if (*p)
		return -1;
	errno = 0;
	v = strtod(s, &end);
	/* ERANGE: beyond a double ("1e400") or below its precision ("1e-400") */
	if (errno == ERANGE || *end || !isfinite(v))
		return -1;
	*out = v;
	return 0;
}

/* A date and time: what clock_parse takes, and the same without a zone
 * (Traccar's "2014-06-04 09:10:11", and ISO 8601 without one), taken as UTC.
 * A date alone is not a time of a fix. */
static int date_time(const char *s, int64_t *ms)
{
	char utc[64];
	const char *p;

	if (strlen(s) < 19 || strlen(s) >= sizeof utc - 1)
		return -1;
	p = s + 19; /* after "YYYY-MM-DDTHH:MM:SS", if that is what it is */
	if (*p == '.')
		p = skip_digits(p + 1);
	if (*p == '\0') {
		snprintf(utc, sizeof utc, "%sZ", s);
		return clock_parse(utc, ms);
	}
	return clock_parse(s, ms);
}

int osmand_parse_time(const char *s, int64_t *ms)
{
	size_t n = s ? strlen(s) : 0, d = s ? strspn(s, "0123456789") : 0;
	int64_t v = 0;

	if (n == 0)
		return -1;
	/* Unix seconds have 9 or 10 digits in this century, milliseconds 12 or
	 * 13: at most 13 digits, so neither the value nor v * 1000 overflows */
	if (d == n && n <= 13) {
		for (size_t i = 0; i < n; i++)
			v = v * 10 + (s[i] - '0');
		*ms = n >= 12 ? v : v * 1000;
		return 0;
	}
	/* seconds with a fraction, "1795855008.5": read in integers, at most 11
	 * digits of seconds (through a double, a value far beyond any time made
	 * the conversion to int64_t undefined behaviour) */
	if (d >= 1 && d <= 11 && s[d] == '.' && n > d + 1 && strspn(s + d + 1, "0123456789") == n - d - 1) {
		int frac = 0;

		for (size_t i = 0; i < d; i++)
			v = v * 10 + (s[i] - '0');
		for (size_t i = 0, scale = 100; i < 3; i++, scale /= 10)
			if (d + 1 + i < n)
				frac += (s[d + 1 + i] - '0') * (int)scale;
		*ms = v * 1000 + frac;
		return 0;
	}
	return date_time(s, ms);
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

static int hexv(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
					     : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* Decode one piece in place ('+' and %XX); its decoded length, or -1. */
static long form_decode(char *s)
{
	char *w = s;

	for (const char *r = s; *r; r++) {
		if (*r == '+') {
			*w++ = ' ';
		} else if (*r == '%') {
			if (hexv(r[1]) < 0 || hexv(r[2]) < 0)
				return -1;
			*w++ = (char)(hexv(r[1]) * 16 + hexv(r[2]));
			r += 2;
		} else {
			*w++ = *r;
		}
	}
	*w = '\0';
	return w - s;
}

int osmand_parse_form(char *s, struct osmand_param *p, size_t max, size_t *n, char *why,
		      size_t whylen)
{
	char *save = NULL;

	for (char *tok = strtok_r(s, "&", &save); tok; tok = strtok_r(NULL, "&", &save)) {
		char *eq = strchr(tok, '=');
		long kl, vl;

		if (*n >= max)
			return text_fail(why, whylen, "more than %zu parameters", max);
		if (eq)
			*eq = '\0';
		kl = form_decode(tok);
		vl = eq ? form_decode(eq + 1) : 0;
		if (kl < 0 || vl < 0)
			return text_fail(why, whylen,
					 "a '%%' must be followed by two hexadecimal digits");
		p[*n] = (struct osmand_param){ .key = tok, .value = eq ? eq + 1 : "",
					       .key_len = (size_t)kl, .value_len = (size_t)vl };
		(*n)++;
	}
	return 0;
}

/* The parameters the decoder uses; each may be given once. */
enum key {
	K_ID, K_LAT, K_LON, K_LOCATION, K_TIMESTAMP, K_SPEED, K_BEARING, K_ALTITUDE,
	K_ACCURACY, K_HDOP, K_BATT, K_CHARGE, K_ALARM, K_UNUSED
};

static const struct {
	const char *name;
	enum key key;
} keys[] = {
	{ "id", K_ID }, { "deviceid", K_ID }, { "lat", K_LAT }, { "lon", K_LON },
	{ "location", K_LOCATION }, { "timestamp", K_TIMESTAMP }, { "speed", K_SPEED },
	{ "bearing", K_BEARING }, { "heading", K_BEARING }, { "altitude", K_ALTITUDE },
	{ "accuracy", K_ACCURACY }, { "hdop", K_HDOP }, { "batt", K_BATT },
	{ "charge", K_CHARGE }, { "alarm", K_ALARM },
};

static enum key key_of(const char *k)
{
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
		if (!strcmp(k, keys[i].name))
			return keys[i].key;
	return K_UNUSED; /* e.g. "valid", "mock", "driverUniqueId": ignored */
}

/* "lat,lon": two decimal numbers. */
static int location(const char *val, double *lat, double *lon)
{
	const char *comma = strchr(val, ',');
	char part[NUMBER_MAX + 1];

	if (!comma || (size_t)(comma - val) > NUMBER_MAX)
		return -1;
	memcpy(part, val, (size_t)(comma - val));
	part[comma - val] = '\0';
	return decimal(part, lat) < 0 || decimal(comma + 1, lon) < 0 ? -1 : 0;
}

int osmand_decode_params(const struct osmand_param *p, size_t n, struct fix *f, char *why,
			 size_t whylen)
{
	bool seen[K_UNUSED] = { false };
	const char *bad_position = NULL; /* the first coordinate that is no number */
	double hdop = NAN, v;

	fix_init(f);
	for (size_t i = 0; i < n; i++) {
		const char *k = p[i].key, *val = p[i].value;
		enum key key;

		/* a %00 in a name could make "id%00x" read as "id" */
		if (strlen(k) != p[i].key_len)
			return text_fail(why, whylen, "a parameter name holds a NUL character");
		key = key_of(k);
		if (key == K_UNUSED)
			continue;
		if (seen[key]) {
			snprintf(why, whylen, "%s is given more than once%s", k,
				 key == K_ID ? " (id and deviceid are the same parameter)"
				 : key == K_BEARING ? " (bearing and heading are the same parameter)" : "");
			return -1;
		}
		seen[key] = true;
		/* never cut short at a %00: "X%00y" is not the device X */
		if (strlen(val) != p[i].value_len)
			return text_fail(why, whylen, "%s holds a NUL character", k);
		switch (key) {
		case K_ID:
			if (p[i].value_len == 0 || p[i].value_len > FIX_UID_MAX ||
			    !account_text_clean(val, p[i].value_len)) {
				snprintf(why, whylen,
					 "%s must be 1 to %d bytes of UTF-8 text without control characters",
					 k, FIX_UID_MAX);
				return -1;
			}
			memcpy(f->uid, val, p[i].value_len + 1);
			break;
		case K_LAT:
		case K_LON:
			if (decimal(val, key == K_LAT ? &f->lat : &f->lon) < 0 && !bad_position)
				bad_position = k;
			break;
		case K_LOCATION:
			if (location(val, &f->lat, &f->lon) < 0 && !bad_position)
				bad_position = k;
			break;
		case K_TIMESTAMP:
			if (osmand_parse_time(val, &f->at) < 0) {
				snprintf(why, whylen,
					 "timestamp must be Unix seconds or milliseconds, or a date and "
					 "time (2014-06-04T09:10:11Z, 2014-06-04 09:10:11)");
				return -1;
			}
			break;
		case K_SPEED:
		case K_BEARING:
		case K_ALTITUDE:
		case K_ACCURACY:
		case K_HDOP:
		case K_BATT:
			if (decimal(val, &v) < 0)
				return text_fail(why, whylen, "%s must be a decimal number", k);
			if (key == K_SPEED)
				f->speed = v * KNOT_MPS;
			else if (key == K_BEARING)
				f->heading = v;
			else if (key == K_ALTITUDE)
				f->altitude = v;
			else if (key == K_ACCURACY)
				f->accuracy = v;
			else if (key == K_HDOP)
				hdop = v;
			else
				f->battery = v;
			break;
		case K_CHARGE:
			if (truthy(val))
				f->flags |= FIX_CHARGING;
			break;
		case K_ALARM:
			f->flags |= alarm_flags(val);
			break;
		case K_UNUSED:
			break;
		}
	}
	if (!f->uid[0])
		return text_fail(why, whylen, "id (or deviceid) is required");
	if (seen[K_LOCATION] && (seen[K_LAT] || seen[K_LON]))
		return text_fail(why, whylen, "give lat and lon, or location, not both");
	/* an event (an alarm) is never refused for its position: a garbled or
	 * half position makes it an event without one (the phone would else
	 * send the refused panic again and again, and it would never be raised) */
	if (bad_position && !f->flags) {
		snprintf(why, whylen, "%s must be %s", bad_position,
			 strcmp(bad_position, "location") ? "a decimal number (such as 51.5074)"
							  : "\"lat,lon\" in decimal degrees");
		return -1;
	}
	if (bad_position || !(seen[K_LOCATION] || (seen[K_LAT] && seen[K_LON]))) {
		if (!f->flags)
			return text_fail(why, whylen, "lat and lon (or location) are required");
		f->flags |= FIX_NO_POSITION;
		f->lat = f->lon = NAN; /* half a position is no position */
	}
	if (!seen[K_TIMESTAMP])
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
		/* jansson quotes the body near the error, maybe half a UTF-8
		 * character of it: the answer must stay text */
		char text[4 * sizeof err.text];

		text_escape(root ? "" : err.text, root ? 0 : strlen(err.text), text, sizeof text);
		snprintf(why, whylen, "the body is not a JSON object%s%s", root ? "" : ": ", text);
		goto out;
	}
	id = json_object_get(root, "device_id");
	/* jansson refuses "\u0000" in a string already (no JSON_ALLOW_NUL) */
	if (!json_is_string(id) || json_string_length(id) == 0 ||
	    json_string_length(id) > FIX_UID_MAX ||
	    !account_text_clean(json_string_value(id), json_string_length(id))) {
		snprintf(why, whylen,
			 "device_id is required: 1 to %d bytes of UTF-8 text without control characters",
			 FIX_UID_MAX);
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
	if (!ts || json_is_null(ts)) {
		snprintf(why, whylen, "location.timestamp is required");
		goto out;
	}
	if (json_is_integer(ts)) {
		char t[32];

		snprintf(t, sizeof t, "%lld", (long long)json_integer_value(ts));
		rc = osmand_parse_time(t, &f->at);
	} else {
		rc = json_is_string(ts) ? osmand_parse_time(json_string_value(ts), &f->at) : -1;
	}
	if (rc < 0) {
		snprintf(why, whylen, "location.timestamp must be a date and time "
				      "(2025-06-15T13:45:12.862Z) or Unix seconds or milliseconds");
		goto out;
	}
	rc = -1;
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
