/*
 * teltonika — decoding Codec 8, Codec 8 Extended and Codec 16.
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
 * carries events only.  A record carries no accuracy in metres: it is read
 * from IO 182 (GNSS HDOP, x 10) and the satellite count by core/fix.h's
 * model (fix_accuracy_from_dop).
 *
 * Codec 12 carries GPRS commands on the same connection: preamble, data
 * length, then codec 0x0C, a quantity (1), the type (0x05 a command to the
 * device, 0x06 the device's response), a 4-byte text length, the text, the
 * quantity again, and the CRC-16/IBM of the data field as in Codec 8.  The
 * server sends commands and reads responses between the data packets; the
 * two are told apart by the codec byte, and each is decoded only as what it
 * says it is, so a response is never taken for records nor records for a
 * response.
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

static void io_value(struct fix *f, double *hdop, unsigned id, uint64_t v)
{
	switch (id) {
	case 182: /* GNSS HDOP, x 10 */
		*hdop = (double)v / 10;
		break;
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

/* A record of codec: Codec 8 has 1-byte IO ids and counts; Codec 8E 2-byte
 * ids and counts and variable-length elements after them; Codec 16 2-byte
 * ids, 1-byte counts, and the generation type after the event's IO id. */
static void record(struct rd *r, uint8_t codec, struct fix *f)
{
	bool ext = codec == TELTONIKA_CODEC_8E;
	int idw = codec == TELTONIKA_CODEC_8 ? 1 : 2;
	int cw = ext ? 2 : 1;
	unsigned sats;
	int64_t lon, lat;
	double hdop = NAN;

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
	if (codec == TELTONIKA_CODEC_16)
		take(r, 1); /* generation type: on exit, on entrance, on both... */
	take(r, cw); /* total IO count */
	for (int width = 1; width <= 8 && !r->bad; width *= 2) {
		uint64_t count = take(r, cw);

		for (uint64_t i = 0; i < count && !r->bad; i++) {
			unsigned id = (unsigned)take(r, idw);

			io_value(f, &hdop, id, take(r, width));
		}
	}
	if (ext && !r->bad) {
		uint64_t count = take(r, 2);

		for (uint64_t i = 0; i < count && !r->bad; i++) {
			take(r, 2);
			skip(r, (size_t)take(r, 2));
		}
	}
	if (sats > 0)
		f->accuracy = fix_accuracy_from_dop(hdop, (int)sats);
}

/* The frame every packet shares (four zero bytes, the data field's length,
 * the data field, its CRC): 1 with *dlen set when the whole frame is there
 * and its CRC matches, else TELTONIKA_MORE (0), TELTONIKA_BAD or
 * TELTONIKA_BAD_CRC. */
static int frame(const uint8_t *buf, size_t len, size_t *dlen, char *why, size_t whylen)
{
	uint32_t crc;

	if (len < 8)
		return TELTONIKA_MORE;
	if (be(buf, 4) != 0) {
		snprintf(why, whylen, "the packet does not start with four zero bytes");
		return TELTONIKA_BAD;
	}
	*dlen = (size_t)be(buf + 4, 4);
	if (*dlen < 3 || *dlen > TELTONIKA_MAX_DATA) {
		snprintf(why, whylen, "a data field of %zu bytes", *dlen);
		return TELTONIKA_BAD;
	}
	if (len < 8 + *dlen + 4)
		return TELTONIKA_MORE;
	crc = (uint32_t)be(buf + 8 + *dlen, 4);
	if (crc > 0xffff || teltonika_crc16(buf + 8, *dlen) != crc) {
		snprintf(why, whylen, "the CRC does not match");
		return TELTONIKA_BAD_CRC;
	}
	return 1;
}

int teltonika_codec(const uint8_t *buf, size_t len)
{
	if (len < 9)
		return TELTONIKA_MORE;
	if (be(buf, 4) != 0)
		return TELTONIKA_BAD;
	return buf[8];
}

int teltonika_packet(const uint8_t *buf, size_t len, const char *imei, struct fix *out, size_t max,
		     size_t *nrec, char *why, size_t whylen)
{
	struct rd r;
	size_t dlen, n1, n2;
	uint8_t codec;
	int rc;

	*nrec = 0;
	rc = frame(buf, len, &dlen, why, whylen);
	if (rc != 1)
		return rc;
	r.p = buf + 8;
	r.n = dlen;
	r.off = 0;
	r.bad = 0;
	codec = (uint8_t)take(&r, 1);
	if (codec != TELTONIKA_CODEC_8 && codec != TELTONIKA_CODEC_8E && codec != TELTONIKA_CODEC_16) {
		snprintf(why, whylen, "codec 0x%02X is not Codec 8, 8E or 16", codec);
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
		record(&r, codec, &out[i]);
	}
	n2 = (size_t)take(&r, 1);
	if (r.bad || n2 != n1 || r.off != r.n) {
		snprintf(why, whylen, "the records do not fill the data field as its counts say");
		return TELTONIKA_BAD;
	}
	*nrec = n1;
	return (int)(8 + dlen + 4);
}

static void put_be(uint8_t *p, uint64_t v, int n)
{
	for (int i = n - 1; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

int teltonika_codec12_encode(uint8_t type, const char *text, size_t n, uint8_t *out, size_t cap)
{
	/* codec, quantity, type, length, the text, quantity */
	size_t dlen = 1 + 1 + 1 + 4 + n + 1;

	if (n == 0 || n > TELTONIKA_TEXT_MAX || 8 + dlen + 4 > cap ||
	    (type != TELTONIKA_COMMAND && type != TELTONIKA_RESPONSE))
		return TELTONIKA_BAD;
	put_be(out, 0, 4);
	put_be(out + 4, dlen, 4);
	out[8] = TELTONIKA_CODEC12;
	out[9] = 1;
	out[10] = type;
	put_be(out + 11, n, 4);
	memcpy(out + 15, text, n);
	out[15 + n] = 1;
	put_be(out + 8 + dlen, teltonika_crc16(out + 8, dlen), 4);
	return (int)(8 + dlen + 4);
}

int teltonika_codec12_decode(const uint8_t *buf, size_t len, uint8_t type, char *text,
			     size_t textcap, char *why, size_t whylen)
{
	size_t dlen, n, keep;
	int rc;

	if (textcap)
		text[0] = '\0';
	rc = frame(buf, len, &dlen, why, whylen);
	if (rc != 1)
		return rc;
	if (buf[8] != TELTONIKA_CODEC12) {
		snprintf(why, whylen, "codec 0x%02X is not Codec 12", buf[8]);
		return TELTONIKA_BAD;
	}
	/* codec, quantity, type, length (4), text, quantity: at least one byte
	 * of text, and exactly as long as the data field says */
	if (dlen < 8) {
		snprintf(why, whylen, "a Codec 12 data field of %zu bytes", dlen);
		return TELTONIKA_BAD;
	}
	if (buf[9] != 1 || buf[8 + dlen - 1] != 1) {
		snprintf(why, whylen, "a Codec 12 message must carry one command (quantities %u and %u)",
			 buf[9], buf[8 + dlen - 1]);
		return TELTONIKA_BAD;
	}
	if (buf[10] != type) {
		snprintf(why, whylen, "a Codec 12 message of type 0x%02X where 0x%02X was expected",
			 buf[10], type);
		return TELTONIKA_BAD;
	}
	n = (size_t)be(buf + 11, 4);
	if (n == 0 || n != dlen - 8) {
		snprintf(why, whylen, "a Codec 12 text of %zu bytes in a data field of %zu", n, dlen);
		return TELTONIKA_BAD;
	}
	/* kept as printable ASCII: a device's text is stored and shown */
	keep = textcap ? (n < textcap - 1 ? n : textcap - 1) : 0;
	for (size_t i = 0; i < keep; i++) {
		uint8_t c = buf[15 + i];

		text[i] = c >= 0x20 && c < 0x7f ? (char)c : c == '\n' || c == '\r' || c == '\t' ? ' ' : '?';
	}
	if (textcap)
		text[keep] = '\0';
	return (int)(8 + dlen + 4);
}
