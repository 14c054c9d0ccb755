/*
 * fuzz_osmand — libFuzzer target for the OsmAnd decoder: the input is split
 * into key=value parameters (as the listener hands them over) and also
 * decoded as a JSON body.  Every decoded fix must pass or fail fix_check()
 * without crashing.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/osmand.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1), *save = NULL, why[200];
	struct osmand_param p[32];
	struct fix f;
	size_t n = 0;

	memcpy(s, data, size);
	s[size] = '\0';
	if (osmand_decode_json((const char *)data, size, &f, why, sizeof why) == 0)
		(void)fix_check(&f, 1795855008000LL, why, sizeof why);
	for (char *tok = strtok_r(s, "&\n", &save); tok && n < 32; tok = strtok_r(NULL, "&\n", &save)) {
		char *eq = strchr(tok, '=');

		if (!eq)
			continue;
		*eq = '\0';
		p[n].key = tok;
		p[n].value = eq + 1;
		n++;
	}
	if (osmand_decode_params(p, n, &f, why, sizeof why) == 0) {
		if (strlen(f.uid) > FIX_UID_MAX)
			abort();
		(void)fix_check(&f, 1795855008000LL, why, sizeof why);
	}
	free(s);
	return 0;
}
