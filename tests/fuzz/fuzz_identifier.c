/*
 * fuzz_identifier — libFuzzer target for core/identifier.  Every input is
 * normalised as each kind of identifier, into a full-size and into a tiny
 * buffer (both on the heap, so AddressSanitizer sees any write past them),
 * and aborts when a result is not NUL-terminated within its buffer, when the
 * two buffers disagree, or when normalising a result again changes it
 * (normalisation must be idempotent, or cases would fail to match).  Build
 * with `make fuzz`, run as build/fuzz/fuzz_identifier -max_total_time=300.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/identifier.h"

#define TINY 8
#define WHY 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int terminated(const char *s, size_t n)
{
	return memchr(s, '\0', n) != NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	char *out = malloc(IDENTIFIER_MAX + 1);
	char *again = malloc(IDENTIFIER_MAX + 1);
	char *tiny = malloc(TINY);
	char *why = malloc(WHY);

	memcpy(s, data, size);
	s[size] = '\0';
	for (int k = 0; k < IDENT_KIND_COUNT; k++) {
		enum identifier_kind kind = (enum identifier_kind)k;
		int rc = identifier_normalise(kind, s, out, IDENTIFIER_MAX + 1, why, WHY);
		int rc_tiny = identifier_normalise(kind, s, tiny, TINY, why, WHY);

		if (!terminated(why, WHY) || !terminated(tiny, TINY))
			abort();
		if (rc != 0) {
			if (rc != -1 || rc_tiny != -1 || out[0] != '\0' || tiny[0] != '\0' ||
			    why[0] == '\0')
				abort();
			continue;
		}
		if (!terminated(out, IDENTIFIER_MAX + 1) || out[0] == '\0')
			abort();
		/* the tiny buffer holds the same result exactly when it fits */
		if (strlen(out) < TINY ? rc_tiny != 0 || strcmp(tiny, out) != 0
				       : rc_tiny != -1 || tiny[0] != '\0')
			abort();
		if (identifier_normalise(kind, out, again, IDENTIFIER_MAX + 1, why, WHY) != 0 ||
		    strcmp(again, out) != 0)
			abort();
	}
	free(why);
	free(tiny);
	free(again);
	free(out);
	free(s);
	return 0;
}
