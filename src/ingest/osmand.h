/*
 * osmand — the OsmAnd protocol as the Traccar Client phone app sends it.
 *
 * Two shapes: query or form parameters (GET or POST: id/deviceid, lat, lon
 * or location=lat,lon, timestamp, speed in knots, bearing/heading, altitude,
 * accuracy, hdop, batt, charge, alarm), and the JSON body the newer app posts
 * ({"location":{"timestamp","coords":{...},"battery":{...}},"device_id"}).
 * Pure: the HTTP listener (ingest/listener.c) hands over the query string and
 * the body.
 *
 * Strict, as an edge facing the internet must be: an identifier is UTF-8
 * text without control characters (a %00, CR or LF is refused, never cut
 * short); a number is decimal ("51.5074", "-0.1278", "1.0E-4" as Java
 * prints small values), never hexadecimal, "inf", "nan", out of range, with
 * a sign '+' or spaces; a parameter the decoder uses may be given once.
 */
#ifndef VIGIL_INGEST_OSMAND_H
#define VIGIL_INGEST_OSMAND_H

#include <stddef.h>

#include "core/fix.h"

/* More parameters than this in one request (query and form together) are
 * refused: the app sends about ten. */
#define OSMAND_MAX_PARAMS 64

/* One key=value parameter, decoded.  The lengths are the decoded bytes: more
 * than strlen() when the text held a %00. */
struct osmand_param {
	const char *key;
	const char *value;
	size_t key_len, value_len;
};

/*
 * Split s, a query string or an application/x-www-form-urlencoded body
 * ("k=v&k=v", %XX escapes, '+' for a space), decoding it in place, and append
 * its parameters to p, which holds *n of at most max.  A parameter without
 * '=' has an empty value; empty pieces ("a=1&&b=2") are skipped.  0, or -1
 * with why: more than max parameters, or a '%' not followed by two hex digits.
 */
int osmand_parse_form(char *s, struct osmand_param *p, size_t max, size_t *n, char *why,
		      size_t whylen);
/* Decode parameters into f.  0, or -1 with why naming the problem. */
int osmand_decode_params(const struct osmand_param *p, size_t n, struct fix *f, char *why,
			 size_t whylen);
/* Decode the JSON body.  0, or -1 with why. */
int osmand_decode_json(const char *body, size_t len, struct fix *f, char *why, size_t whylen);
/*
 * Parse a timestamp: Unix seconds (up to 11 digits, with a fraction or not)
 * or milliseconds (12 or 13 digits); or a date and time, ISO 8601 with 'T' or
 * Traccar's "2014-06-04 09:10:11", with a fraction or not, UTC unless it
 * carries 'Z' or an offset (+02:00).  0 or -1.
 */
int osmand_parse_time(const char *s, int64_t *ms);

#endif
