/* Unit tests for ingest/teltonika: the handshake, Codec 8 and 8E packets
 * (the protocol documentation's own examples), CRC, and malformed input;
 * the accuracy read from HDOP and satellites; Codec 12 commands and
 * responses (the documentation's getinfo), interleaved with data packets. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdbool.h>
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

/* A packet given in hex decoded as device uid into f (room for four): it
 * must be read whole.  The number of records. */
static size_t decode(const char *hex, const char *uid, struct fix *f)
{
	uint8_t b[256];
	char why[100];
	size_t n = unhex(hex, b), nrec;

	assert_int_equal(teltonika_packet(b, n, uid, f, 4, &nrec, why, sizeof why), (int)n);
	return nrec;
}

/* Recompute a frame's CRC after a test changed its data field. */
static void recrc(uint8_t *b, size_t n)
{
	uint16_t crc = teltonika_crc16(b + 8, n - 12);

	b[n - 2] = (uint8_t)(crc >> 8);
	b[n - 1] = (uint8_t)crc;
}

/* A record's time (1795855008000 ms), priority 0 and GPS element at London
 * (30 m up, 90 degrees) with sats satellites at speed km/h, written at p:
 * what follows it. */
static uint8_t *gps_record(uint8_t *p, int sats, int speed)
{
	int32_t lon = -1426000, lat = 515390000;

	for (int i = 7; i >= 0; i--)
		*p++ = (uint8_t)(1795855008000ULL >> (8 * i));
	*p++ = 0; /* priority */
	for (int i = 3; i >= 0; i--)
		*p++ = (uint8_t)((uint32_t)lon >> (8 * i));
	for (int i = 3; i >= 0; i--)
		*p++ = (uint8_t)((uint32_t)lat >> (8 * i));
	*p++ = 0; *p++ = 30;   /* altitude */
	*p++ = 0; *p++ = 90;   /* angle */
	*p++ = (uint8_t)sats;  /* satellites */
	*p++ = 0; *p++ = (uint8_t)speed; /* speed km/h */
	return p;
}

/* The frame b whose data field ends at p: its length written before it and
 * its CRC after it.  The frame's length. */
static size_t end_frame(uint8_t *b, uint8_t *p)
{
	size_t dlen = (size_t)(p - (b + 8));
	uint16_t crc = teltonika_crc16(b + 8, dlen);

	b[6] = (uint8_t)(dlen >> 8);
	b[7] = (uint8_t)dlen;
	*p++ = 0; *p++ = 0; *p++ = (uint8_t)(crc >> 8); *p++ = (uint8_t)crc;
	return (size_t)(p - b);
}

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
	struct fix f[4];

	(void)state;
	assert_int_equal(decode(codec8_one, "356307042441013", f), 1);
	assert_int_equal(f[0].at, 0x16B40D8EA30LL);
	assert_string_equal(f[0].uid, "356307042441013");
	/* satellites 0: no position, an event report */
	assert_true(f[0].flags & FIX_NO_POSITION);
	assert_int_equal(decode(codec8_two, "1", f), 2);
}

static void codec8e_decodes(void **state)
{
	struct fix f[4];

	(void)state;
	assert_int_equal(decode(codec8e, "1", f), 1);
	assert_int_equal(f[0].at, 0x16B412CEE00LL);
}

/* Teltonika's documented Codec 16 packet (wiki "Codec", Codec 16 example;
 * also in other implementations' test suites): two records, event IO 0x000B
 * generated on both (5), two 1-byte and two 2-byte elements each. */
static const char codec16[] =
	"000000000000005F10020000016BDBC7833000000000000000000000000000000000000B05040200010000030002"
	"000B00270042563A00000000016BDBC7871800000000000000000000000000000000000B0504020001000003000200"
	"0B00260042563A00000200005FB3";

static void codec16_decodes(void **state)
{
	uint8_t b[256];
	struct fix f[4];
	char why[100];
	size_t n = unhex(codec16, b), nrec;

	(void)state;
	assert_int_equal(teltonika_codec(b, n), TELTONIKA_CODEC_16);
	assert_int_equal(teltonika_packet(b, n, "1", f, 4, &nrec, why, sizeof why), (int)n);
	assert_int_equal(nrec, 2);
	assert_int_equal(f[0].at, 0x16BDBC78330LL);
	assert_int_equal(f[1].at, 0x16BDBC78718LL);
	assert_true(f[0].flags & FIX_NO_POSITION); /* no satellites in the sample */
	/* read as Codec 8 (1-byte ids), the same bytes do not fill the field */
	b[8] = TELTONIKA_CODEC_8;
	recrc(b, n);
	assert_int_equal(teltonika_packet(b, n, "1", f, 4, &nrec, why, sizeof why), TELTONIKA_BAD);
}

static void a_position_and_events_decode(void **state)
{
	/* build a Codec 8 record: London, 12 satellites, 18 km/h, IO 236=1, 113=80 */
	uint8_t b[128], *p = b + 8;
	struct fix f[2];
	char why[100];
	size_t n, nrec;

	(void)state;
	memset(b, 0, sizeof b);
	*p++ = 0x08;
	*p++ = 1;
	p = gps_record(p, 12, 18);
	*p++ = 236;            /* event io */
	*p++ = 2;              /* total */
	*p++ = 2;              /* 1-byte values */
	*p++ = 236; *p++ = 1;
	*p++ = 113; *p++ = 80;
	*p++ = 0; *p++ = 0; *p++ = 0; /* no 2-, 4-, 8-byte values */
	*p++ = 1;
	n = end_frame(b, p);
	assert_int_equal(teltonika_packet(b, n, "42", f, 2, &nrec, why, sizeof why), (int)n);
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

/* A one-record packet (Codec 8, or 8E when ext) at London with sats
 * satellites and, unless hdop10 < 0, IO 182 (HDOP x 10) as a 2-byte value. */
static size_t record_packet(uint8_t *b, bool ext, int sats, int hdop10)
{
	uint8_t *p = b + 8;
	int idw = ext ? 2 : 1, nio = hdop10 >= 0;

	memset(b, 0, 8);
	*p++ = ext ? 0x8E : 0x08;
	*p++ = 1;
	p = gps_record(p, sats, 5);
	/* the event IO, the total, then the 1-, 2-, 4- and 8-byte groups */
	for (int k = 0; k < 2; k++) {
		if (ext)
			*p++ = 0;
		*p++ = (uint8_t)(k ? nio : 0);
	}
	for (int width = 1; width <= 8; width *= 2) {
		int here = width == 2 ? nio : 0;

		if (ext)
			*p++ = 0;
		*p++ = (uint8_t)here;
		if (here) {
			if (idw == 2)
				*p++ = 0;
			*p++ = 182;
			*p++ = (uint8_t)(hdop10 >> 8);
			*p++ = (uint8_t)hdop10;
		}
	}
	if (ext) {
		*p++ = 0; *p++ = 0; /* no variable-length values */
	}
	*p++ = 1;
	return end_frame(b, p);
}

static double accuracy_of(bool ext, int sats, int hdop10)
{
	uint8_t b[128];
	struct fix f[1];
	char why[100];
	size_t n = record_packet(b, ext, sats, hdop10), nrec;

	if (teltonika_packet(b, n, "42", f, 1, &nrec, why, sizeof why) != (int)n)
		fail_msg("the packet was refused: %s", why);
	return f[0].accuracy;
}

static void the_accuracy_is_read_from_hdop_and_satellites(void **state)
{
	(void)state;
	for (int ext = 0; ext < 2; ext++) {
		/* HDOP 0.9 with 12 satellites: a good fix, at the model's floor */
		assert_true(fabs(accuracy_of(ext, 12, 9) - FIX_DOP_FLOOR_M) < 1e-9);
		assert_true(fabs(accuracy_of(ext, 12, 24) - 12.0) < 1e-9);
		/* HDOP 8 with 4 satellites: degraded */
		assert_true(fabs(accuracy_of(ext, 4, 80) - 40.0) < 1e-9);
		assert_true(fabs(accuracy_of(ext, 4, 10) - FIX_FEW_SATS_M) < 1e-9);
		/* no HDOP element: from the satellites alone */
		assert_true(fabs(accuracy_of(ext, 10, -1) - 10.0) < 1e-9);
		assert_true(fabs(accuracy_of(ext, 3, -1) - FIX_2D_M) < 1e-9);
		/* an HDOP of 0 says nothing */
		assert_true(fabs(accuracy_of(ext, 6, 0) - 20.0) < 1e-9);
		/* no satellites: no position, and no accuracy */
		assert_true(isnan(accuracy_of(ext, 0, 9)));
	}
}

/* The documentation's getinfo command, and the device's response to it. */
static const char getinfo_command[] = "000000000000000F0C010500000007676574696E666F0100004312";
static const char getinfo_response[] =
	"00000000000000900C010600000088494E493A323031392F372F323220373A3232205254433A323031392F372F3232"
	"20373A3533205253543A32204552523A312053523A302042523A302043463A302046473A3020464C3A302054553A"
	"302F302055543A3020534D533A30204E4F4750533A303A3330204750533A31205341543A302052533A3320524"
	"63A36352053463A31204D443A30010000C78F";

static void a_codec12_command_is_encoded_as_documented(void **state)
{
	uint8_t want[64], got[64];
	size_t n = unhex(getinfo_command, want);

	(void)state;
	assert_int_equal(teltonika_codec12_encode(TELTONIKA_COMMAND, "getinfo", 7, got, sizeof got),
			 (int)n);
	assert_memory_equal(got, want, n);
	/* not when it does not fit, is empty or too long, or is of no known type */
	assert_int_equal(teltonika_codec12_encode(TELTONIKA_COMMAND, "getinfo", 7, got, n - 1),
			 TELTONIKA_BAD);
	assert_int_equal(teltonika_codec12_encode(TELTONIKA_COMMAND, "", 0, got, sizeof got),
			 TELTONIKA_BAD);
	assert_int_equal(teltonika_codec12_encode(0x07, "getinfo", 7, got, sizeof got), TELTONIKA_BAD);
	{
		static uint8_t big[TELTONIKA_TEXT_MAX + 64];
		static char text[TELTONIKA_TEXT_MAX + 2];

		memset(text, 'a', sizeof text - 1);
		assert_int_equal(teltonika_codec12_encode(TELTONIKA_COMMAND, text, TELTONIKA_TEXT_MAX, big,
							  sizeof big),
				 TELTONIKA_TEXT_MAX + 20);
		assert_int_equal(teltonika_codec12_encode(TELTONIKA_COMMAND, text, TELTONIKA_TEXT_MAX + 1,
							  big, sizeof big),
				 TELTONIKA_BAD);
	}
}

static void the_documented_response_decodes(void **state)
{
	uint8_t b[256];
	char text[200], why[100];
	size_t n = unhex(getinfo_response, b);

	(void)state;
	assert_int_equal(teltonika_codec(b, n), TELTONIKA_CODEC12);
	assert_int_equal(teltonika_codec12_decode(b, n, TELTONIKA_RESPONSE, text, sizeof text, why,
						  sizeof why),
			 (int)n);
	assert_string_equal(text, "INI:2019/7/22 7:22 RTC:2019/7/22 7:53 RST:2 ERR:1 SR:0 BR:0 CF:0 "
				  "FG:0 FL:0 TU:0/0 UT:0 SMS:0 NOGPS:0:30 GPS:1 SAT:0 RS:3 RF:65 SF:1 MD:0");
	/* cut to the space given, whole frame consumed all the same */
	assert_int_equal(teltonika_codec12_decode(b, n, TELTONIKA_RESPONSE, text, 8, why, sizeof why),
			 (int)n);
	assert_string_equal(text, "INI:201");
	/* a part of it: not yet */
	for (size_t k = 0; k < n; k++)
		assert_int_equal(teltonika_codec12_decode(b, k, TELTONIKA_RESPONSE, text, sizeof text, why,
							  sizeof why),
				 TELTONIKA_MORE);
	assert_int_equal(teltonika_codec(b, 8), TELTONIKA_MORE);
}

static void a_response_is_never_taken_for_records_nor_records_for_a_response(void **state)
{
	uint8_t b[256];
	struct fix f[4];
	char text[64], why[100];
	size_t n, nrec;

	(void)state;
	/* a response offered as records: refused, not read as a record */
	n = unhex(getinfo_response, b);
	assert_int_equal(teltonika_packet(b, n, "1", f, 4, &nrec, why, sizeof why), TELTONIKA_BAD);
	assert_int_equal(nrec, 0);
	/* records offered as a response */
	n = unhex(codec8_one, b);
	assert_int_equal(teltonika_codec(b, n), 0x08);
	assert_int_equal(teltonika_codec12_decode(b, n, TELTONIKA_RESPONSE, text, sizeof text, why,
						  sizeof why),
			 TELTONIKA_BAD);
	/* a Codec 8 packet whose codec byte says 12 (CRC made right): its
	 * layout is not a response's */
	b[8] = TELTONIKA_CODEC12;
	recrc(b, n);
	assert_int_equal(teltonika_codec12_decode(b, n, TELTONIKA_RESPONSE, text, sizeof text, why,
						  sizeof why),
			 TELTONIKA_BAD);
	/* a command where a response is wanted (a device does not command us) */
	n = unhex(getinfo_command, b);
	assert_int_equal(teltonika_codec12_decode(b, n, TELTONIKA_RESPONSE, text, sizeof text, why,
						  sizeof why),
			 TELTONIKA_BAD);
	assert_int_equal(teltonika_codec12_decode(b, n, TELTONIKA_COMMAND, text, sizeof text, why,
						  sizeof why),
			 (int)n);
	assert_string_equal(text, "getinfo");
	/* quantities other than one, a text length that does not fill the
	 * field, a bad CRC */
	b[9] = 2;
	recrc(b, n);
	assert_int_equal(teltonika_codec12_decode(b, n, TELTONIKA_COMMAND, text, sizeof text, why,
						  sizeof why),
			 TELTONIKA_BAD);
	n = unhex(getinfo_command, b);
	b[n - 5] = 0;
	recrc(b, n);
	assert_int_equal(teltonika_codec12_decode(b, n, TELTONIKA_COMMAND, text, sizeof text, why,
						  sizeof why),
			 TELTONIKA_BAD);
	n = unhex(getinfo_command, b);
	b[14] = 6; /* a text length of 6 in a field made for 7 */
	recrc(b, n);
	assert_int_equal(teltonika_codec12_decode(b, n, TELTONIKA_COMMAND, text, sizeof text, why,
						  sizeof why),
			 TELTONIKA_BAD);
	n = unhex(getinfo_command, b);
	b[16] ^= 1;
	assert_int_equal(teltonika_codec12_decode(b, n, TELTONIKA_COMMAND, text, sizeof text, why,
						  sizeof why),
			 TELTONIKA_BAD_CRC);
	/* a device's bytes are kept as printable text */
	{
		const char raw[] = "ok\r\n\x01\xff";

		n = (size_t)teltonika_codec12_encode(TELTONIKA_RESPONSE, raw, sizeof raw - 1, b, sizeof b);
		assert_int_equal(teltonika_codec12_decode(b, n, TELTONIKA_RESPONSE, text, sizeof text, why,
							  sizeof why),
				 (int)n);
		assert_string_equal(text, "ok  ??");
	}
}

/* As the listener reads one connection: a data packet, a response, a
 * Codec 8E packet, each told by its codec and decoded as what it is. */
static void responses_and_data_packets_interleave(void **state)
{
	uint8_t b[512];
	struct fix f[4];
	char text[64], why[100];
	size_t n = 0, off = 0, nrec, records = 0;
	int responses = 0;

	(void)state;
	n += unhex(codec8_two, b + n);
	n += (size_t)teltonika_codec12_encode(TELTONIKA_RESPONSE, "New value 10050:5;10055:5;", 26,
					       b + n, sizeof b - n);
	n += unhex(codec8e, b + n);
	n += (size_t)teltonika_codec12_encode(TELTONIKA_RESPONSE, "Param ID:10050 Value:60", 23, b + n,
					       sizeof b - n);
	while (off < n) {
		int used, codec = teltonika_codec(b + off, n - off);

		assert_true(codec > 0);
		if (codec == TELTONIKA_CODEC12) {
			used = teltonika_codec12_decode(b + off, n - off, TELTONIKA_RESPONSE, text, sizeof text,
							why, sizeof why);
			assert_true(used > 0);
			assert_string_equal(text, responses ? "Param ID:10050 Value:60"
							    : "New value 10050:5;10055:5;");
			responses++;
		} else {
			used = teltonika_packet(b + off, n - off, "1", f, 4, &nrec, why, sizeof why);
			assert_true(used > 0);
			records += nrec;
		}
		off += (size_t)used;
	}
	assert_int_equal(responses, 2);
	assert_int_equal(records, 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(handshake),
		cmocka_unit_test(crc_of_the_documented_packet),
		cmocka_unit_test(codec8_records_decode),
		cmocka_unit_test(codec8e_decodes),
		cmocka_unit_test(codec16_decodes),
		cmocka_unit_test(a_position_and_events_decode),
		cmocka_unit_test(bad_crc_truncation_and_lengths_are_refused),
		cmocka_unit_test(the_accuracy_is_read_from_hdop_and_satellites),
		cmocka_unit_test(a_codec12_command_is_encoded_as_documented),
		cmocka_unit_test(the_documented_response_decodes),
		cmocka_unit_test(a_response_is_never_taken_for_records_nor_records_for_a_response),
		cmocka_unit_test(responses_and_data_packets_interleave),
	};
	return cmocka_run_group_tests_name("teltonika", tests, NULL, NULL);
}
