/*
 * fuzz_teltonika — libFuzzer target for the Teltonika decoder: the input is a
 * TCP stream (handshake then packets), consumed as the listener does, packet
 * by packet, so that partial frames are exercised too.  Each frame is told by
 * its codec, as the listener tells them: Codec 12 responses go to the Codec
 * 12 decoder, everything else to the data packet decoder; a frame one takes
 * the other must refuse.  The input is also sent as a Codec 12 command and
 * read back, which must give its text.
 *
 * A mutated packet almost never carries a matching CRC-16, and a packet
 * whose CRC does not match is refused before its records are read: so each
 * input is decoded twice, as it is and with every packet's CRC set right,
 * which lets the fuzzer into the record and IO-element decoding.  Aborts when
 * an invariant breaks: more records than the limit, a packet longer than the
 * bytes given, a refusal without a reason, a frame both decoders take.  The
 * corpus (tests/fuzz/corpus/fuzz_teltonika) holds valid Codec 8, 8E and 16
 * streams.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/teltonika.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Walk the packets as their headers say and write each one's CRC. */
static void fix_crcs(uint8_t *b, size_t size, size_t off)
{
	while (off + 8 <= size) {
		size_t dlen = be32(b + off + 4);
		uint16_t crc;

		if (dlen < 3 || dlen > TELTONIKA_MAX_DATA || size - off - 8 < dlen + 4)
			return;
		crc = teltonika_crc16(b + off + 8, dlen);
		memset(b + off + 8 + dlen, 0, 2);
		b[off + 8 + dlen + 2] = (uint8_t)(crc >> 8);
		b[off + 8 + dlen + 3] = (uint8_t)crc;
		off += 8 + dlen + 4;
	}
}

static void consume(const uint8_t *data, size_t size)
{
	static struct fix f[TELTONIKA_MAX_RECORDS];
	char imei[FIX_UID_MAX + 1] = "1", why[160], text[TELTONIKA_TEXT_MAX + 1];
	size_t off = 0, nrec;
	int used;

	why[0] = '\0';
	used = teltonika_imei(data, size, imei, why, sizeof why);
	if (used < 0 && !why[0])
		abort();
	if (used > 0)
		off = (size_t)used;
	while (off < size) {
		int codec = teltonika_codec(data + off, size - off);

		why[0] = '\0';
		if (codec == TELTONIKA_CODEC12) {
			used = teltonika_codec12_decode(data + off, size - off, TELTONIKA_RESPONSE, text,
							sizeof text, why, sizeof why);
			if (used > 0 && (strlen(text) > TELTONIKA_TEXT_MAX || (size_t)used > size - off ||
					 teltonika_packet(data + off, size - off, imei, f,
							  TELTONIKA_MAX_RECORDS, &nrec, why,
							  sizeof why) > 0))
				abort();
		} else {
			used = teltonika_packet(data + off, size - off, imei, f, TELTONIKA_MAX_RECORDS, &nrec,
						why, sizeof why);
			if (used < 0 && !why[0])
				abort();
			if (used > 0 && (nrec == 0 || nrec > TELTONIKA_MAX_RECORDS ||
					 (size_t)used > size - off ||
					 teltonika_codec12_decode(data + off, size - off, TELTONIKA_RESPONSE,
								  text, sizeof text, why,
								  sizeof why) > 0))
				abort();
			for (size_t i = 0; used > 0 && i < nrec; i++)
				(void)fix_check(&f[i], 1795855008000LL, why, sizeof why);
		}
		if (used <= 0)
			break;
		off += (size_t)used;
	}
}

/* The encoder: what it writes, the decoder reads back. */
static void round_trip(const uint8_t *data, size_t size)
{
	static uint8_t frame[TELTONIKA_TEXT_MAX + 64];
	char text[TELTONIKA_TEXT_MAX + 1], why[160];
	int n;

	if (size < 1 || size > TELTONIKA_TEXT_MAX)
		return;
	n = teltonika_codec12_encode(TELTONIKA_COMMAND, (const char *)data, size, frame, sizeof frame);
	if (n <= 0 || teltonika_codec((const uint8_t *)frame, (size_t)n) != TELTONIKA_CODEC12 ||
	    teltonika_codec12_decode(frame, (size_t)n, TELTONIKA_COMMAND, text, sizeof text, why,
				     sizeof why) != n ||
	    strlen(text) != size)
		abort();
	for (size_t i = 0; i < size && text[i]; i++)
		if (data[i] >= 0x20 && data[i] < 0x7f && text[i] != (char)data[i])
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *copy = malloc(size ? size : 1);
	char imei[FIX_UID_MAX + 1], why[160];
	int used;

	consume(data, size);
	memcpy(copy, data, size);
	used = teltonika_imei(copy, size, imei, why, sizeof why);
	fix_crcs(copy, size, used > 0 ? (size_t)used : 0);
	consume(copy, size);
	free(copy);
	round_trip(data, size);
	return 0;
}
