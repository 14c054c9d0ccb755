/*
 * teltonika — decoding Codec 8 and Codec 8 Extended.
 *
 * Record layout: timestamp (8, ms), priority (1), longitude and latitude
 * (4 each, signed, degrees x 10^7), altitude (2, signed), angle (2),
 * satellites (1), speed (2, km/h); then the IO elements: the event's IO id,
 * the total count, and groups of 1-, 2-, 4- and 8-byte values, each group a
 * count then (id, value) pairs.  Codec 8 uses 1-byte ids and counts; Codec 8E
 * 2-byte ones and a last group of variable-length values.
 *
 * IO elements mapped to device events (Teltonika's AVL ids): 236 alarm (the
 * panic button: SOS), 252 unplug (external power removed: powered off),
 * 113 battery level (percent).  Satellites 0 means no GPS fix: such a record
 * carries events only.
 */
#include "ingest/teltonika.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

uint16_t teltonika_crc16(const uint8_t *p, size_t n)
{
	uint16_t crc = 0;

	for (size_t i = 0; i < n; i++) {
		crc ^= p[i];
		for (int b = 0; b < 8; b++)
			crc = (crc & 1) ? (uint16_t)((crc >> 1) ^ 0xA001) : (uint16_t)(crc >> 1);
	}
	return crc;
}

static uint64_t be(const uint8_t *p, int n)
{
	uint64_t v = 0;

	for (int i = 0; i < n; i++)
		v = (v << 8) | p[i];
	return v;
}

int teltonika_imei(const uint8_t *buf, size_t len, char imei[FIX_UID_MAX + 1], char *why,
		   size_t whylen)
{
	size_t n;

	if (len < 2)
		return TELTONIKA_MORE;
	n = (size_t)be(buf, 2);
	if (n < 1 || n > FIX_UID_MAX) {
		snprintf(why, whylen, "an IMEI of %zu bytes", n);
		return TELTONIKA_BAD;
	}
	if (len < 2 + n)
		return TELTONIKA_MORE;
	for (size_t i = 0; i < n; i++) {
		if (buf[2 + i] < '0' || buf[2 + i] > '9') {
			snprintf(why, whylen, "the IMEI is not all digits");
			return TELTONIKA_BAD;
		}
		imei[i] = (char)buf[2 + i];
	}
	imei[n] = '\0';
	return (int)(2 + n);
}

/* A bounds-checked reader over the data field. */
struct rd {
	const uint8_t *p;
	size_t n, off;
	int bad;
};

static uint64_t take(struct rd *r, int n)
{
	uint64_t v;

	if (r->bad || r->off + (size_t)n > r->n) {
		r->bad = 1;
		return 0;
	}
	v = be(r->p + r->off, n);
	r->off += (size_t)n;
	return v;
}

static void skip(struct rd *r, size_t n)
{
	if (r->bad || r->off + n > r->n)
		r->bad = 1;
	else
		r->off += n;
}

static void io_value(struct fix *f, unsigned id, uint64_t v)
{
	switch (id) {
	case 236: /* alarm */
		if (v)
			f->flags |= FIX_SOS;
		break;
	case 252: /* unplug */
		if (v)
			f->flags |= FIX_POWER_OFF;
		break;
	case 113: /* battery level, percent */
		if (v <= 100)
			f->battery = (double)v;
		break;
	default:
		break;
	}
}

static void record(struct rd *r, bool ext, struct fix *f)
{
	int idw = ext ? 2 : 1;
	unsigned sats;
	int64_t lon, lat;

	f->at = (int64_t)take(r, 8);
	take(r, 1); /* priority */
	lon = (int32_t)(uint32_t)take(r, 4);
	lat = (int32_t)(uint32_t)take(r, 4);
	f->altitude = (double)(int16_t)(uint16_t)take(r, 2);
	f->heading = (double)take(r, 2);
	sats = (unsigned)take(r, 1);
	f->speed = (double)take(r, 2) / 3.6;
	f->lon = (double)lon / 1e7;
	f->lat = (double)lat / 1e7;
	if (sats == 0)
		f->flags |= FIX_NO_POSITION;
	take(r, idw); /* the IO id that caused the record */
	take(r, idw); /* total IO count */
	for (int width = 1; width <= 8 && !r->bad; width *= 2) {
		uint64_t count = take(r, idw);

		for (uint64_t i = 0; i < count && !r->bad; i++) {
			unsigned id = (unsigned)take(r, idw);

			io_value(f, id, take(r, width));
		}
	}
	if (ext && !r->bad) {
		uint64_t count = take(r, 2);

		for (uint64_t i = 0; i < count && !r->bad; i++) {
			take(r, 2);
			skip(r, (size_t)take(r, 2));
		}
	}
}

int teltonika_packet(const uint8_t *buf, size_t len, const char *imei, struct fix *out, size_t max,
		     size_t *nrec, char *why, size_t whylen)
{
	struct rd r;
	size_t dlen, n1, n2;
	uint8_t codec;
	uint32_t crc;

	*nrec = 0;
	if (len < 8)
		return TELTONIKA_MORE;
	if (be(buf, 4) != 0) {
		snprintf(why, whylen, "the packet does not start with four zero bytes");
		return TELTONIKA_BAD;
	}
	dlen = (size_t)be(buf + 4, 4);
	if (dlen < 3 || dlen > TELTONIKA_MAX_DATA) {
		snprintf(why, whylen, "a data field of %zu bytes", dlen);
		return TELTONIKA_BAD;
	}
	if (len < 8 + dlen + 4)
		return TELTONIKA_MORE;
	crc = (uint32_t)be(buf + 8 + dlen, 4);
	if (crc > 0xffff || teltonika_crc16(buf + 8, dlen) != crc) {
		snprintf(why, whylen, "the CRC does not match");
		return TELTONIKA_BAD_CRC;
	}
	r.p = buf + 8;
	r.n = dlen;
	r.off = 0;
	r.bad = 0;
	codec = (uint8_t)take(&r, 1);
	if (codec != 0x08 && codec != 0x8E) {
		snprintf(why, whylen, "codec 0x%02X is not Codec 8 or 8E", codec);
		return TELTONIKA_BAD;
	}
	n1 = (size_t)take(&r, 1);
	if (n1 == 0 || n1 > max) {
		snprintf(why, whylen, "%zu records in one packet", n1);
		return TELTONIKA_BAD;
	}
	for (size_t i = 0; i < n1 && !r.bad; i++) {
		fix_init(&out[i]);
		snprintf(out[i].uid, sizeof out[i].uid, "%s", imei);
		record(&r, codec == 0x8E, &out[i]);
	}
	n2 = (size_t)take(&r, 1);
	if (r.bad || n2 != n1 || r.off != r.n) {
		snprintf(why, whylen, "the records do not fill the data field as its counts say");
		return TELTONIKA_BAD;
	}
	*nrec = n1;
	return (int)(8 + dlen + 4);
}
