/*
 * fuzz_osmand — libFuzzer target for the OsmAnd decoder.  The input is taken
 * the three ways the listener takes bytes: as a JSON body, as a query string
 * or form body (split and decoded by osmand_parse_form, then decoded), and
 * as a timestamp.  Aborts when an invariant breaks: more parameters than the
 * limit, a decoded length shorter than the text, a fix whose device id is
 * empty, too long or not clean text, a positioned fix with a coordinate that
 * is not a number, a refusal without a reason.  Every decoded fix goes
 * through fix_check().  Build with `make fuzz`; the corpus is
 * tests/fuzz/corpus/fuzz_osmand (scripts/fuzz.sh runs it).
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/account.h"
#include "ingest/osmand.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_fix(const struct fix *f)
{
	size_t n = strnlen(f->uid, sizeof f->uid);
	char why[200];

	if (n == 0 || n > FIX_UID_MAX || !account_text_clean(f->uid, n))
		abort();
	if (!(f->flags & FIX_NO_POSITION) && (!isfinite(f->lat) || !isfinite(f->lon)))
		abort();
	if (fix_check(f, 1795855008000LL, why, sizeof why) < 0 && !why[0])
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1), why[200];
	struct osmand_param p[OSMAND_MAX_PARAMS];
	size_t n = 0;
	struct fix f;
	int64_t ms;

	memcpy(s, data, size);
	s[size] = '\0';
	why[0] = '\0';
	if (osmand_decode_json((const char *)data, size, &f, why, sizeof why) == 0)
		check_fix(&f);
	else if (!why[0])
		abort();
	/* a time is read as seconds, milliseconds or a date from 1900 to 9999
	 * (a day either side for the offset) */
	if (osmand_parse_time(s, &ms) == 0 &&
	    (ms < -2208988800000LL - 86400000 || ms > 253402300800000LL + 86400000))
		abort();
	why[0] = '\0';
	if (osmand_parse_form(s, p, OSMAND_MAX_PARAMS, &n, why, sizeof why) == 0) {
		if (n > OSMAND_MAX_PARAMS)
			abort();
		for (size_t i = 0; i < n; i++)
			if (strlen(p[i].key) > p[i].key_len || strlen(p[i].value) > p[i].value_len)
				abort();
		why[0] = '\0';
		if (osmand_decode_params(p, n, &f, why, sizeof why) == 0)
			check_fix(&f);
		else if (!why[0])
			abort();
	} else if (!why[0]) {
		abort();
	}
	free(s);
	return 0;
}
