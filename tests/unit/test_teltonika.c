/* Unit tests for ingest/teltonika: the handshake, Codec 8 and 8E packets
 * (the protocol documentation's own examples), CRC, and malformed input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/teltonika.h"

static size_t unhex(const char *h, uint8_t *out)
{
	size_t n = 0;

	while (*h) {
		unsigned v;

		if (*h == ' ') {
			h++;
			continue;
		}
		sscanf(h, "%2x", &v);
		out[n++] = (uint8_t)v;
		h += 2;
	}
	return n;
}

/* Codec 8, one record (the documentation's first example). */
static const char codec8_one[] =
	"000000000000003608010000016B40D8EA30010000000000000000000000000000000105021503010101425E0F01F10000601A014E0000000000000000010000C7CF";
/* Codec 8, two records. */
static const char codec8_two[] =
	"000000000000004308020000016B40D57B480100000000000000000000000000000001010101000000000000016B40D5C198010000000000000000000000000000000101010101000000020000252C";
/* Codec 8E (the documentation's example). */
static const char codec8e[] =
	"000000000000004A8E010000016B412CEE000100000000000000000000000000000000010005000100010100010011001D00010010015E2C880002000B000000003544C87A000E000000001DD7E06A00000100002994";

static void handshake(void **state)
{
	uint8_t b[32];
	char imei[FIX_UID_MAX + 1], why[100];
	size_t n = unhex("000F333536333037303432343431303133", b);

	(void)state;
	assert_int_equal(teltonika_imei(b, n, imei, why, sizeof why), 17);
	assert_string_equal(imei, "356307042441013");
	assert_int_equal(teltonika_imei(b, 10, imei, why, sizeof why), TELTONIKA_MORE);
	b[5] = 'x';
	assert_int_equal(teltonika_imei(b, n, imei, why, sizeof why), TELTONIKA_BAD);
	b[0] = 0xFF;
	assert_int_equal(teltonika_imei(b, n, imei, why, sizeof why), TELTONIKA_BAD);
}

static void crc_of_the_documented_packet(void **state)
{
	uint8_t b[256];
	size_t n = unhex(codec8_one, b);

	(void)state;
	assert_int_equal(teltonika_crc16(b + 8, n - 12), 0xC7CF);
}

static void codec8_records_decode(void **state)
{
	uint8_t b[256];
	struct fix f[4];
	char why[100];
	size_t n = unhex(codec8_one, b), nrec;

	(void)state;
	assert_int_equal(teltonika_packet(b, n, "356307042441013", f, 4, &nrec, why, sizeof why), (int)n);
	assert_int_equal(nrec, 1);
	assert_int_equal(f[0].at, 0x16B40D8EA30LL);
	assert_string_equal(f[0].uid, "356307042441013");
	/* satellites 0: no position, an event report */
	assert_true(f[0].flags & FIX_NO_POSITION);
	n = unhex(codec8_two, b);
	assert_int_equal(teltonika_packet(b, n, "1", f, 4, &nrec, why, sizeof why), (int)n);
	assert_int_equal(nrec, 2);
}

static void codec8e_decodes(void **state)
{
	uint8_t b[256];
	struct fix f[4];
	char why[100];
	size_t n = unhex(codec8e, b), nrec;

	(void)state;
	assert_int_equal(teltonika_packet(b, n, "1", f, 4, &nrec, why, sizeof why), (int)n);
	assert_int_equal(nrec, 1);
	assert_int_equal(f[0].at, 0x16B412CEE00LL);
}

static void a_position_and_events_decode(void **state)
{
	/* build a Codec 8 record: London, 12 satellites, 18 km/h, IO 236=1, 113=80 */
	uint8_t b[128], *p = b + 8;
	struct fix f[2];
	char why[100];
	size_t nrec, dlen;
	int32_t lon = -1426000, lat = 515390000;
	uint16_t crc;

	(void)state;
	memset(b, 0, sizeof b);
	*p++ = 0x08;
	*p++ = 1;
	for (int i = 7; i >= 0; i--)
		*p++ = (uint8_t)(1795855008000ULL >> (8 * i));
	*p++ = 0; /* priority */
	for (int i = 3; i >= 0; i--)
		*p++ = (uint8_t)((uint32_t)lon >> (8 * i));
	for (int i = 3; i >= 0; i--)
		*p++ = (uint8_t)((uint32_t)lat >> (8 * i));
	*p++ = 0; *p++ = 30;   /* altitude */
	*p++ = 0; *p++ = 90;   /* angle */
	*p++ = 12;             /* satellites */
	*p++ = 0; *p++ = 18;   /* speed km/h */
	*p++ = 236;            /* event io */
	*p++ = 2;              /* total */
	*p++ = 2;              /* 1-byte values */
	*p++ = 236; *p++ = 1;
	*p++ = 113; *p++ = 80;
	*p++ = 0; *p++ = 0; *p++ = 0; /* no 2-, 4-, 8-byte values */
	*p++ = 1;
	dlen = (size_t)(p - (b + 8));
	b[7] = (uint8_t)dlen;
	crc = teltonika_crc16(b + 8, dlen);
	*p++ = 0; *p++ = 0; *p++ = (uint8_t)(crc >> 8); *p++ = (uint8_t)crc;
	assert_int_equal(teltonika_packet(b, (size_t)(p - b), "42", f, 2, &nrec, why, sizeof why),
			 (int)(p - b));
	assert_true(fabs(f[0].lat - 51.539) < 1e-9);
	assert_true(fabs(f[0].lon - -0.1426) < 1e-9);
	assert_true(fabs(f[0].speed - 5.0) < 1e-9);
	assert_true(f[0].flags & FIX_SOS);
	assert_false(f[0].flags & FIX_NO_POSITION);
	assert_true(fabs(f[0].battery - 80) < 1e-9);
}

static void bad_crc_truncation_and_lengths_are_refused(void **state)
{
	uint8_t b[256];
	struct fix f[4];
	char why[100];
	size_t n = unhex(codec8_one, b), nrec;

	(void)state;
	/* truncated: not yet */
	for (size_t k = 0; k < n; k++)
		assert_int_equal(teltonika_packet(b, k, "1", f, 4, &nrec, why, sizeof why), TELTONIKA_MORE);
	b[20] ^= 1;
	assert_int_equal(teltonika_packet(b, n, "1", f, 4, &nrec, why, sizeof why), TELTONIKA_BAD_CRC);
	b[20] ^= 1;
	b[5] = 0x01; /* a data field of 65,590 bytes: over the limit */
	assert_int_equal(teltonika_packet(b, n, "1", f, 4, &nrec, why, sizeof why), TELTONIKA_BAD);
	n = unhex(codec8_one, b);
	b[0] = 1; /* no preamble */
	assert_int_equal(teltonika_packet(b, n, "1", f, 4, &nrec, why, sizeof why), TELTONIKA_BAD);
	n = unhex(codec8_two, b);
	assert_int_equal(teltonika_packet(b, n, "1", f, 1, &nrec, why, sizeof why), TELTONIKA_BAD);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(handshake),
		cmocka_unit_test(crc_of_the_documented_packet),
		cmocka_unit_test(codec8_records_decode),
		cmocka_unit_test(codec8e_decodes),
		cmocka_unit_test(a_position_and_events_decode),
		cmocka_unit_test(bad_crc_truncation_and_lengths_are_refused),
	};
	return cmocka_run_group_tests_name("teltonika", tests, NULL, NULL);
}
