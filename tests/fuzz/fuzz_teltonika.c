/*
 * fuzz_teltonika — libFuzzer target for the Teltonika decoder: the input is a
 * TCP stream (handshake then packets), consumed as the listener does, in
 * pieces, so that partial frames are exercised too.
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
	char imei[FIX_UID_MAX + 1] = "1", why[160];
	size_t off = 0, nrec;
	int used;

	used = teltonika_imei(data, size, imei, why, sizeof why);
	if (used > 0)
		off = (size_t)used;
	while (off < size) {
		used = teltonika_packet(data + off, size - off, imei, f, TELTONIKA_MAX_RECORDS, &nrec, why,
					sizeof why);
		if (used <= 0)
			break;
		if (nrec > TELTONIKA_MAX_RECORDS || (size_t)used > size - off)
			abort();
		for (size_t i = 0; i < nrec; i++)
			(void)fix_check(&f[i], 1795855008000LL, why, sizeof why);
		off += (size_t)used;
	}
	return 0;
}
