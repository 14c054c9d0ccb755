/*
 * order — kinds, statuses, terms, the duty to notify, and zones.
 *
 * The two-year minimum is the Stalking Protection Act 2019 rule for a full
 * order made for a fixed period; an interim order lasts until the full
 * hearing and has no minimum.  "Two years" is counted in calendar years from
 * the day the order starts, so an order from 2026-03-01 may end on
 * 2028-03-01 and not a day before.
 */
#include "core/order.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "base/clock.h"
#include "base/text.h"

#define DAY_MS (24LL * 3600 * 1000)

static int fail(char *field, size_t fieldlen, const char *f, char *why, size_t whylen,
		const char *fmt, ...) __attribute__((format(printf, 6, 7)));

static int fail(char *field, size_t fieldlen, const char *f, char *why, size_t whylen,
		const char *fmt, ...)
{
	va_list ap;

	if (field && fieldlen)
		snprintf(field, fieldlen, "%s", f ? f : "");
	va_start(ap, fmt);
	text_vfail(why, whylen, fmt, ap);
	va_end(ap);
	return -1;
}

const char *const order_kinds[] = {
	"spo_interim", "spo_full", "restraining_conviction", "restraining_acquittal",
	"non_molestation", "bail_conditions", "pin_historic", NULL,
};

static const char *const kind_titles[] = {
	"Stalking Protection Order (interim)",
	"Stalking Protection Order (full)",
	"restraining order on conviction",
	"restraining order on acquittal",
	"non-molestation order",
	"bail conditions",
	"Police Information Notice (historic)",
};

const char *order_kind_title(const char *kind)
{
	int i = text_index(order_kinds, SIZE_MAX, kind);

	return i < 0 ? NULL : kind_titles[i];
}

bool order_kind_is_spo(const char *kind)
{
	return kind && (strcmp(kind, "spo_interim") == 0 || strcmp(kind, "spo_full") == 0);
}

const char *const order_statuses[] = { "applied", "granted", "refused", "withdrawn", "discharged",
				       NULL };

int order_status_move(const char *from, const char *to, char *why, size_t whylen)
{
	int f = text_index(order_statuses, SIZE_MAX, from),
	    t = text_index(order_statuses, SIZE_MAX, to);

	if (t < 0)
		return fail(NULL, 0, NULL, why, whylen,
			    "status must be applied, granted, refused, withdrawn or discharged");
	if (f == t)
		return 0;
	if (f == 0 && (t == 1 || t == 2 || t == 3))
		return 0;
	if (f == 1 && t == 4)
		return 0;
	return fail(NULL, 0, NULL, why, whylen, "an order cannot go from %s to %s; %s", from, to,
		    f == 0   ? "an application may be granted, refused or withdrawn"
		    : f == 1 ? "a granted order may only be discharged"
			     : "that status is final");
}

const char *const order_condition_kinds[] = {
	"no_contact", "exclusion_zone", "keep_away", "attend_programme", "wear_tag", "other", NULL,
};

int64_t order_add_years(int64_t ms, int years)
{
	return clock_add_months(ms, 12 * years);
}

static void day(int64_t ms, char *out, size_t n)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, n, "%Y-%m-%d", &tm);
}

int order_terms_check(const struct order_terms *t, char *field, size_t fieldlen, char *why,
		      size_t whylen)
{
	bool granted = t->status && (strcmp(t->status, "granted") == 0 ||
				     strcmp(t->status, "discharged") == 0);
	int64_t start = t->starts_at ? t->starts_at : t->granted_at;
	char a[16], b[16];

	if (text_index(order_kinds, SIZE_MAX, t->kind) < 0)
		return fail(field, fieldlen, "kind", why, whylen,
			    "kind must be spo_interim, spo_full, restraining_conviction, "
			    "restraining_acquittal, non_molestation, bail_conditions or pin_historic");
	if (strcmp(t->kind, "pin_historic") == 0) {
		if (!granted || !t->granted_at || t->granted_at >= t->reported_at)
			return fail(field, fieldlen, "granted_at", why, whylen,
				    "a Police Information Notice is recorded only as history: status "
				    "granted and granted_at, the day it was issued, before this report; "
				    "Vigil never records a new one");
		if (t->ends_at || t->until_further_order || t->served_at || t->applied_at)
			return fail(field, fieldlen, "ends_at", why, whylen,
				    "a Police Information Notice has no term, service or application: "
				    "record only the day it was issued");
		return 0;
	}
	if (t->applied_at && t->applied_at > t->now)
		return fail(field, fieldlen, "applied_at", why, whylen,
			    "applied_at is in the future");
	if (granted && !t->granted_at)
		return fail(field, fieldlen, "granted_at", why, whylen,
			    "a granted order needs granted_at, the day it was made");
	if (!granted && t->granted_at)
		return fail(field, fieldlen, "granted_at", why, whylen,
			    "granted_at is only for a granted order (status %s)",
			    t->status ? t->status : "none");
	if (t->granted_at && t->granted_at > t->now)
		return fail(field, fieldlen, "granted_at", why, whylen, "granted_at is in the future");
	if (t->granted_at && t->applied_at && t->granted_at < t->applied_at)
		return fail(field, fieldlen, "granted_at", why, whylen,
			    "granted_at is before applied_at");
	if (t->starts_at && t->granted_at && t->starts_at < t->granted_at)
		return fail(field, fieldlen, "starts_at", why, whylen,
			    "starts_at is before the order was granted");
	if (t->served_at && !granted)
		return fail(field, fieldlen, "served_at", why, whylen,
			    "served_at is only for a granted order");
	if (t->served_at && t->served_at < t->granted_at)
		return fail(field, fieldlen, "served_at", why, whylen,
			    "served_at is before the order was granted");
	if (t->served_at && t->served_at > t->now)
		return fail(field, fieldlen, "served_at", why, whylen, "served_at is in the future");
	if (t->ends_at && t->until_further_order)
		return fail(field, fieldlen, "until_further_order", why, whylen,
			    "an order until further order has no ends_at");
	if (t->ends_at && start && t->ends_at <= start)
		return fail(field, fieldlen, "ends_at", why, whylen, "ends_at is not after the start");
	if (strcmp(t->kind, "spo_full") == 0 && t->ends_at && start) {
		int64_t min = order_add_years(start, 2);

		if (t->ends_at < min) {
			day(start, a, sizeof a);
			day(min, b, sizeof b);
			return fail(field, fieldlen, "ends_at", why, whylen,
				    "a Stalking Protection Order made for a fixed period lasts at least "
				    "two years: from %s it may end on %s or later; or make it "
				    "until_further_order",
				    a, b);
		}
	}
	if (strcmp(t->kind, "spo_full") == 0 && granted && !t->ends_at && !t->until_further_order)
		return fail(field, fieldlen, "ends_at", why, whylen,
			    "a full Stalking Protection Order states its term: ends_at (two years or "
			    "more after it starts) or until_further_order");
	return 0;
}

int64_t order_notify_deadline(int64_t served_at)
{
	int64_t day0;

	if (!served_at)
		return 0;
	day0 = served_at - ((served_at % DAY_MS) + DAY_MS) % DAY_MS;
	return day0 + 3 * DAY_MS;
}

bool order_notify_missed(int64_t deadline, int64_t notified_at, int64_t now)
{
	return deadline && !notified_at && now >= deadline;
}

bool order_in_force(const char *status, int64_t starts_at, int64_t ends_at, int64_t now)
{
	return status && strcmp(status, "granted") == 0 && starts_at <= now &&
	       (ends_at == 0 || ends_at > now);
}

bool order_ends_within(const char *status, int64_t starts_at, int64_t ends_at, int64_t now,
		       int days)
{
	return order_in_force(status, starts_at, ends_at, now) && ends_at &&
	       ends_at <= now + (int64_t)days * DAY_MS;
}

/* ---- zones -------------------------------------------------------------------- */

static int position_check(json_t *p, const char *where, char *field, size_t fieldlen, char *why,
			  size_t whylen)
{
	double lon, lat;

	if (!json_is_array(p) || json_array_size(p) < 2 || json_array_size(p) > 3 ||
	    !json_is_number(json_array_get(p, 0)) || !json_is_number(json_array_get(p, 1)))
		return fail(field, fieldlen, where, why, whylen,
			    "%s must be a position [longitude, latitude]", where);
	lon = json_number_value(json_array_get(p, 0));
	lat = json_number_value(json_array_get(p, 1));
	if (!isfinite(lon) || !isfinite(lat) || lon < -180 || lon > 180 || lat < -90 || lat > 90)
		return fail(field, fieldlen, where, why, whylen,
			    "%s: longitude must be -180 to 180 and latitude -90 to 90 (GeoJSON puts "
			    "longitude first)",
			    where);
	return 0;
}

int order_zone_check(json_t *zone, int64_t radius_m, int64_t warning_m, char *field,
		     size_t fieldlen, char *why, size_t whylen)
{
	const char *type;
	json_t *coords;
	char where[80];

	if (!json_is_object(zone))
		return fail(field, fieldlen, "zone", why, whylen,
			    "zone must be a GeoJSON geometry: a Polygon, or a Point with radius_m");
	{
		const char *key;
		json_t *v;

		json_object_foreach(zone, key, v) {
			if (strcmp(key, "type") != 0 && strcmp(key, "coordinates") != 0)
				return fail(field, fieldlen, "zone", why, whylen,
					    "zone: unknown member '%.40s' (a geometry has type and "
					    "coordinates)",
					    key);
		}
	}
	type = json_string_value(json_object_get(zone, "type"));
	coords = json_object_get(zone, "coordinates");
	if (warning_m != -1 && (warning_m < 0 || warning_m > 10000))
		return fail(field, fieldlen, "warning_m", why, whylen,
			    "warning_m must be 0 to 10000 metres");
	if (type && strcmp(type, "Point") == 0) {
		if (position_check(coords, "zone.coordinates", field, fieldlen, why, whylen) < 0)
			return -1;
		if (radius_m < 1 || radius_m > 100000)
			return fail(field, fieldlen, "radius_m", why, whylen,
				    "a Point zone needs radius_m, 1 to 100000 metres");
		return 0;
	}
	if (!type || strcmp(type, "Polygon") != 0)
		return fail(field, fieldlen, "zone.type", why, whylen,
			    "zone.type must be Polygon or Point");
	if (radius_m != -1)
		return fail(field, fieldlen, "radius_m", why, whylen,
			    "radius_m is for a Point zone; a Polygon is its own boundary");
	if (!json_is_array(coords) || json_array_size(coords) < 1 || json_array_size(coords) > 10)
		return fail(field, fieldlen, "zone.coordinates", why, whylen,
			    "a Polygon has 1 to 10 linear rings");
	for (size_t r = 0; r < json_array_size(coords); r++) {
		json_t *ring = json_array_get(coords, r);
		size_t n = json_array_size(ring);

		snprintf(where, sizeof where, "zone.coordinates[%zu]", r);
		if (!json_is_array(ring) || n < 4 || n > 1000)
			return fail(field, fieldlen, where, why, whylen,
				    "%s: a linear ring has 4 to 1000 positions", where);
		for (size_t i = 0; i < n; i++) {
			char pw[100];

			snprintf(pw, sizeof pw, "%s[%zu]", where, i);
			if (position_check(json_array_get(ring, i), pw, field, fieldlen, why, whylen) < 0)
				return -1;
		}
		if (json_number_value(json_array_get(json_array_get(ring, 0), 0)) !=
			    json_number_value(json_array_get(json_array_get(ring, n - 1), 0)) ||
		    json_number_value(json_array_get(json_array_get(ring, 0), 1)) !=
			    json_number_value(json_array_get(json_array_get(ring, n - 1), 1)))
			return fail(field, fieldlen, where, why, whylen,
				    "%s: a linear ring ends where it starts (closed)", where);
	}
	return 0;
}
