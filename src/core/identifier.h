/*
 * identifier — one canonical text for each identifier that links a suspect
 * across cases: phone numbers, email addresses, social-media handles, vehicle
 * registrations and postal addresses.  The same identifier typed two ways
 * ("07700 900123", "+44 (0)7700 900123") normalises to the same text, so cases
 * can be matched by plain string equality.  Normalising a normalised value
 * gives it back unchanged.
 *
 * Pure: no I/O, no allocation; results go into the caller's buffer.  Each
 * function returns 0, or -1 with a sentence in why (when why is not NULL) that
 * a user can act on.  A result that does not fit is refused, never truncated.
 */
#ifndef VIGIL_CORE_IDENTIFIER_H
#define VIGIL_CORE_IDENTIFIER_H

#include <stddef.h>

/* Longest normalised identifier of any kind, in bytes, not counting the NUL;
 * an out buffer of IDENTIFIER_MAX + 1 bytes always suffices. */
#define IDENTIFIER_MAX 300

enum identifier_kind {
	IDENT_PHONE,   /* E.164: "+447700900123" */
	IDENT_EMAIL,   /* trimmed, ASCII lowercased: "jane.doe+x@example.com" */
	IDENT_HANDLE,  /* optional "platform:", no '@', lowercased: "instagram:jane_doe" */
	IDENT_VEHICLE, /* uppercase letters and digits: "AB12CDE" */
	IDENT_ADDRESS, /* lowercase words, single spaces: "12 acacia avenue london nw1 6xe" */
	IDENT_KIND_COUNT,
};

/* "phone", "email", "handle", "vehicle", "address"; NULL for an out-of-range kind. */
const char *identifier_kind_name(enum identifier_kind k);
/* The kind named name (exactly as identifier_kind_name spells it): 0, or -1. */
int identifier_kind_parse(const char *name, enum identifier_kind *out);
/*
 * Normalise value, an identifier of kind k, into out (outlen bytes, NUL
 * included).  0, or -1 with a sentence in why; on -1, out holds "" when
 * outlen > 0.
 */
int identifier_normalise(enum identifier_kind k, const char *value, char *out, size_t outlen,
			 char *why, size_t whylen);

#endif
