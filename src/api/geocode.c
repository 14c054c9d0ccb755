/*
 * geocode — GET /api/v1/geocode?q=...: an address or postcode to places on
 * the map, through the geocoder the force runs (`vigil serve --geocoder`, a
 * Nominatim or Photon server; the URL template has {q} where the query goes).
 *
 * The server asks, not the browser: the UI's Content-Security-Policy stays
 * 'self', the geocoder sees one client (Vigil) rather than every desk, and no
 * address typed for a zone leaves the centre except to the force's own
 * server.  What is asked is an address, often hers: it is not audited, not
 * logged (a failure is logged without it) and not kept.
 *
 * Both answers are read: Nominatim's array of {lat, lon, display_name}
 * (strings) and Photon's GeoJSON FeatureCollection (Point coordinates
 * [lon, lat] and properties name, housenumber, street, postcode, city).
 * At most 10 places, coordinates checked to be WGS 84, labels plain text.
 */
#include "api/api.h"

#include <curl/curl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/mem.h"
#include "http/request.h"
#include "vigil.h"

#define MAX_ANSWER (1 << 20)
#define MAX_PLACES 10
#define MAX_QUERY 200
#define LABEL_MAX 300

struct answer {
	struct buf b;
	bool too_big;
};

static size_t take(char *p, size_t size, size_t n, void *arg)
{
	struct answer *a = arg;

	if (a->b.len + size * n > MAX_ANSWER) {
		a->too_big = true;
		return 0;
	}
	buf_append(&a->b, p, size * n);
	return size * n;
}

/* A coordinate given as a number or a numeric string. */
static bool coordinate(json_t *v, double lo, double hi, double *out)
{
	char *end;

	if (json_is_number(v))
		*out = json_number_value(v);
	else if (json_is_string(v)) {
		*out = strtod(json_string_value(v), &end);
		if (end == json_string_value(v) || *end)
			return false;
	} else
		return false;
	return isfinite(*out) && *out >= lo && *out <= hi;
}

/* Text for a label: at most LABEL_MAX bytes, no control characters. */
static void clean_append(struct buf *b, const char *s)
{
	for (; s && *s && b->len < LABEL_MAX; s++)
		buf_append(b, (unsigned char)*s < 0x20 ? " " : s, 1);
}

static void add_place(json_t *out, double lat, double lon, const char *label)
{
	json_t *s;

	if (json_array_size(out) >= MAX_PLACES)
		return;
	s = json_string(label);
	if (!s) /* not UTF-8 */
		s = json_string("(unnamed place)");
	json_array_append_new(out, json_pack("{s:o, s:f, s:f}", "label", s, "lat", lat, "lon", lon));
}

/* Nominatim: [{"lat": "51.5", "lon": "-0.12", "display_name": "..."}] */
static void read_nominatim(json_t *arr, json_t *out)
{
	size_t i;
	json_t *p;

	json_array_foreach(arr, i, p) {
		struct buf b = { 0 };
		double lat, lon;

		if (!json_is_object(p) || !coordinate(json_object_get(p, "lat"), -90, 90, &lat) ||
		    !coordinate(json_object_get(p, "lon"), -180, 180, &lon))
			continue;
		clean_append(&b, json_string_value(json_object_get(p, "display_name")));
		add_place(out, lat, lon, b.len ? b.data : "(unnamed place)");
		buf_free(&b);
	}
}

/* Photon: {"features": [{"geometry": {"coordinates": [lon, lat]}, "properties": {...}}]} */
static void read_photon(json_t *fc, json_t *out)
{
	static const char *const parts[] = { "name", "housenumber", "street", "postcode", "city", NULL };
	size_t i;
	json_t *f;

	json_array_foreach(json_object_get(fc, "features"), i, f) {
		json_t *c = json_object_get(json_object_get(f, "geometry"), "coordinates");
		json_t *props = json_object_get(f, "properties");
		struct buf b = { 0 };
		double lat, lon;

		if (!json_is_array(c) || json_array_size(c) < 2 ||
		    !coordinate(json_array_get(c, 0), -180, 180, &lon) ||
		    !coordinate(json_array_get(c, 1), -90, 90, &lat))
			continue;
		for (int k = 0; parts[k]; k++) {
			const char *v = json_string_value(json_object_get(props, parts[k]));

			if (!v || !*v)
				continue;
			/* "12 Lime Grove", else "a, b" */
			if (b.len)
				buf_puts(&b, !strcmp(parts[k], "street") && b.len &&
						     json_string_value(json_object_get(props, "housenumber"))
					     ? " "
					     : ", ");
			clean_append(&b, v);
		}
		add_place(out, lat, lon, b.len ? b.data : "(unnamed place)");
		buf_free(&b);
	}
}

void api_geocode(struct req *r)
{
	const char *tmpl = r->v->cfg.geocoder, *q = req_query(r, "q"), *at;
	struct answer a = { { 0 }, false };
	char ebuf[CURL_ERROR_SIZE] = "";
	json_t *doc = NULL, *places;
	struct buf url = { 0 };
	char *esc = NULL;
	long status = 0;
	CURL *c = NULL;
	CURLcode cc;

	if (!tmpl) {
		req_fail(r, 404, "no_geocoder",
			 NULL, "no geocoder is configured (vigil serve --geocoder): place the zone by "
			       "its coordinates or on the map");
		return;
	}
	if (!q || !*q || strlen(q) > MAX_QUERY) {
		req_fail(r, 400, "bad_request", "q", "q is an address or postcode of 1 to %d characters",
			 MAX_QUERY);
		return;
	}
	c = curl_easy_init();
	if (!c) {
		req_fail(r, 503, "unavailable", NULL, "the geocoder cannot be asked now");
		return;
	}
	esc = curl_easy_escape(c, q, 0);
	at = strstr(tmpl, "{q}");
	buf_append(&url, tmpl, (size_t)(at - tmpl));
	buf_puts(&url, esc);
	buf_puts(&url, at + 3);
	curl_easy_setopt(c, CURLOPT_URL, url.data);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)r->v->cfg.geocoder_timeout_ms);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)r->v->cfg.geocoder_timeout_ms);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, take);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &a);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, ebuf);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	/* Nominatim's usage policy asks every client to say who it is */
	curl_easy_setopt(c, CURLOPT_USERAGENT, "Vigil (stalking threat assessment centre)");
	cc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	/* the URL carries the address: it is never logged */
	if (cc != CURLE_OK || status != 200) {
		log_warn("geocoder: %s", cc != CURLE_OK ? (a.too_big ? "answer too large" : ebuf[0] ? ebuf : curl_easy_strerror(cc))
								: "it answered an HTTP error");
		if (cc == CURLE_OK)
			log_warn("geocoder: HTTP status %ld", status);
		req_fail(r, 502, "geocoder_failed", NULL,
			 "the geocoder did not answer; try again, or place the zone by its "
			 "coordinates or on the map");
		goto out;
	}
	doc = json_loadb(a.b.data ? a.b.data : "", a.b.len, 0, NULL);
	places = json_array();
	if (json_is_array(doc))
		read_nominatim(doc, places);
	else if (json_is_object(doc))
		read_photon(doc, places);
	else {
		json_decref(places);
		log_warn("geocoder: the answer is not JSON");
		req_fail(r, 502, "geocoder_failed", NULL,
			 "the geocoder's answer could not be read; place the zone by its "
			 "coordinates or on the map");
		goto out;
	}
	req_reply(r, 200, json_pack("{s:o}", "places", places));
out:
	json_decref(doc);
	buf_free(&url);
	buf_free(&a.b);
	curl_free(esc);
	curl_easy_cleanup(c);
}
