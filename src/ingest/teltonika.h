/*
 * teltonika — Teltonika's binary AVL protocol over TCP: the IMEI handshake
 * and Codec 8 / Codec 8 Extended data packets, checked by CRC-16/IBM.
 *
 * A connection starts with the IMEI (a 2-byte length and the digits); the
 * server answers 0x01 to accept or 0x00 to refuse.  Then each packet is four
 * zero bytes, a 4-byte length of the data field, the data field (codec id,
 * record count, the records, the count again) and a 4-byte CRC of the data
 * field; the server acknowledges with the number of records as 4 bytes, and
 * only once they are stored.  Pure: the listener (ingest/tcp.c) feeds bytes.
 */
#ifndef VIGIL_INGEST_TELTONIKA_H
#define VIGIL_INGEST_TELTONIKA_H

#include <stddef.h>
#include <stdint.h>

#include "core/fix.h"

#define TELTONIKA_MAX_DATA 65536  /* a larger data field is refused */
#define TELTONIKA_MAX_RECORDS 255

enum {
	TELTONIKA_MORE = 0,       /* not enough bytes yet */
	TELTONIKA_BAD = -1,       /* malformed: refuse (why says how) */
	TELTONIKA_BAD_CRC = -2,   /* the CRC does not match */
};

uint16_t teltonika_crc16(const uint8_t *p, size_t n);
/* The handshake: >0 bytes consumed with imei filled, TELTONIKA_MORE or TELTONIKA_BAD. */
int teltonika_imei(const uint8_t *buf, size_t len, char imei[FIX_UID_MAX + 1], char *why,
		   size_t whylen);
/*
 * One data packet: >0 bytes consumed, with the records decoded into out
 * (up to max; *nrec is the packet's record count, the number to acknowledge),
 * each fix's uid set to imei; TELTONIKA_MORE, TELTONIKA_BAD or
 * TELTONIKA_BAD_CRC.
 */
int teltonika_packet(const uint8_t *buf, size_t len, const char *imei, struct fix *out, size_t max,
		     size_t *nrec, char *why, size_t whylen);

#endif
