/*
 * teltonika — Teltonika's binary AVL protocol over TCP: the IMEI handshake
 * and Codec 8, Codec 8 Extended and Codec 16 data packets, checked by
 * CRC-16/IBM.
 *
 * A connection starts with the IMEI (a 2-byte length and the digits); the
 * server answers 0x01 to accept or 0x00 to refuse.  Then each packet is four
 * zero bytes, a 4-byte length of the data field, the data field (codec id,
 * record count, the records, the count again) and a 4-byte CRC of the data
 * field; the server acknowledges with the number of records as 4 bytes, and
 * only once they are stored.  Pure: the listener (ingest/tcp.c) feeds bytes.
 *
 * Codec 12 (GPRS commands) shares the frame: the server writes a command
 * (type 0x05) and the device answers with a response (type 0x06), each one
 * text; a response is not acknowledged.  teltonika_codec() tells a frame's
 * codec before it is decoded, so the listener reads records and responses
 * interleaved on one connection.
 */
#ifndef VIGIL_INGEST_TELTONIKA_H
#define VIGIL_INGEST_TELTONIKA_H

#include <stddef.h>
#include <stdint.h>

#include "core/fix.h"

#define TELTONIKA_MAX_DATA 65536  /* a larger data field is refused */
#define TELTONIKA_MAX_RECORDS 255
#define TELTONIKA_CODEC_8 0x08    /* AVL records, 1-byte IO ids */
#define TELTONIKA_CODEC_8E 0x8E   /* AVL records, 2-byte IO ids, variable-length IO */
#define TELTONIKA_CODEC_16 0x10   /* AVL records, 2-byte IO ids, generation type */
#define TELTONIKA_CODEC12 0x0C    /* GPRS commands and their responses */
#define TELTONIKA_COMMAND 0x05    /* Codec 12 type: a command, server to device */
#define TELTONIKA_RESPONSE 0x06   /* Codec 12 type: the device's response */
#define TELTONIKA_TEXT_MAX 1024   /* longest command text written */

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
/* The codec id of the frame at buf (0-255, read before the frame is
 * whole), TELTONIKA_MORE before its ninth byte, TELTONIKA_BAD when it does
 * not start with four zero bytes. */
int teltonika_codec(const uint8_t *buf, size_t len);
/* A Codec 12 message of type (TELTONIKA_COMMAND or TELTONIKA_RESPONSE)
 * carrying text[0..n) (1 to TELTONIKA_TEXT_MAX bytes) into out: its length,
 * or TELTONIKA_BAD when it does not fit in cap. */
int teltonika_codec12_encode(uint8_t type, const char *text, size_t n, uint8_t *out, size_t cap);
/*
 * One Codec 12 message, which must be of type: >0 bytes consumed, with its
 * text in text (NUL-terminated, cut to textcap - 1 bytes; line breaks and
 * tabs as spaces, other bytes outside printable ASCII as '?');
 * TELTONIKA_MORE, TELTONIKA_BAD (another codec or type, quantities other
 * than 1, a length that does not fill the data field) or TELTONIKA_BAD_CRC.
 */
int teltonika_codec12_decode(const uint8_t *buf, size_t len, uint8_t type, char *text,
			     size_t textcap, char *why, size_t whylen);

#endif
