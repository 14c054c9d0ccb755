/*
 * fuzz_parsers — libFuzzer target for the text parsers on the request path:
 * RFC 3339 times (query filters), route matching with percent-decoding (every
 * URL), and the UTF-8/control-character check (names).  Build with `make fuzz`,
 * run as build/fuzz/fuzz_parsers -max_total_time=600.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "core/account.h"
#include "http/route.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *patterns[] = { "/api/v1/users/{username}", "/api/v1/me",
					  "/api/v1/cases/{ref}/incidents/{id}" };
	char *s = malloc(size + 1);
	const char *names[4];
	char *values[4];
	int64_t ms;
	int n;

	memcpy(s, data, size);
	s[size] = '\0';
	if (clock_parse(s, &ms) == 0) {
		char buf[40];

		clock_format(ms, buf, sizeof buf);
	}
	for (size_t i = 0; i < sizeof patterns / sizeof patterns[0]; i++) {
		if (route_match(patterns[i], s, names, values, 4, &n)) {
			for (int k = 0; k < n; k++) {
				if (strlen(values[k]) > size)
					abort();
				free(values[k]);
			}
		}
	}
	(void)account_text_clean((const char *)data, size);
	free(s);
	return 0;
}
