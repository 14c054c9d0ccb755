/*
 * osmand — the OsmAnd protocol as the Traccar Client phone app sends it.
 *
 * Two shapes: query or form parameters (GET or POST: id/deviceid, lat, lon
 * or location=lat,lon, timestamp as Unix seconds, Unix milliseconds or ISO
 * 8601, speed in knots, bearing/heading, altitude, accuracy, hdop, batt,
 * charge, alarm), and the JSON body the newer app posts
 * ({"location":{"timestamp","coords":{...},"battery":{...}},"device_id"}).
 * Pure: the HTTP listener (ingest/listener.c) hands the parameters over.
 */
#ifndef VIGIL_INGEST_OSMAND_H
#define VIGIL_INGEST_OSMAND_H

#include <stddef.h>

#include "core/fix.h"

/* One key=value parameter (URL-decoded). */
struct osmand_param {
	const char *key;
	const char *value;
};

/* Decode parameters into f.  0, or -1 with why naming the problem. */
int osmand_decode_params(const struct osmand_param *p, size_t n, struct fix *f, char *why,
			 size_t whylen);
/* Decode the JSON body.  0, or -1 with why. */
int osmand_decode_json(const char *body, size_t len, struct fix *f, char *why, size_t whylen);
/* Parse a timestamp: Unix seconds, Unix milliseconds, or ISO 8601.  0 or -1. */
int osmand_parse_time(const char *s, int64_t *ms);

#endif
