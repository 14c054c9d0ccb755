/*
 * fuzz_teltonika — libFuzzer target for the Teltonika decoder: the input is a
 * TCP stream (handshake then packets), consumed as the listener does, in
 * pieces, so that partial frames are exercised too.  Each frame is told by
 * its codec, as the listener tells them: Codec 12 responses go to the
 * Codec 12 decoder, everything else to the data packet decoder; a frame one
 * takes the other must refuse.  The input is also sent as a Codec 12 command
 * and read back, which must give its text.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/teltonika.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fix f[TELTONIKA_MAX_RECORDS];
	static uint8_t frame[TELTONIKA_TEXT_MAX + 64];
	char imei[FIX_UID_MAX + 1] = "1", why[160], text[TELTONIKA_TEXT_MAX + 1];
	size_t off = 0, nrec;
	int used;

	used = teltonika_imei(data, size, imei, why, sizeof why);
	if (used > 0)
		off = (size_t)used;
	while (off < size) {
		int codec = teltonika_codec(data + off, size - off);

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
			if (used > 0 && (nrec > TELTONIKA_MAX_RECORDS || (size_t)used > size - off ||
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
	/* the encoder: what it writes, the decoder reads back */
	if (size >= 1 && size <= TELTONIKA_TEXT_MAX) {
		int n = teltonika_codec12_encode(TELTONIKA_COMMAND, (const char *)data, size, frame,
						 sizeof frame);

		if (n <= 0 || teltonika_codec((const uint8_t *)frame, (size_t)n) != TELTONIKA_CODEC12 ||
		    teltonika_codec12_decode(frame, (size_t)n, TELTONIKA_COMMAND, text, sizeof text, why,
					     sizeof why) != n ||
		    strlen(text) != size)
			abort();
		for (size_t i = 0; i < size && text[i]; i++)
			if (data[i] >= 0x20 && data[i] < 0x7f && text[i] != (char)data[i])
				abort();
	}
	return 0;
}
