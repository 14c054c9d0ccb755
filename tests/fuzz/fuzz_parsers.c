/*
 * fuzz_parsers — libFuzzer target for the text parsers on the request path:
 * RFC 3339 times (query filters), route matching with percent-decoding (every
 * URL), and the UTF-8/control-character check (names); her app's PIN and app
 * name rules, the public page's choices, and the GOV.UK Notify API key read
 * from its file (split into service id and secret, then signed into a token).  Build with `make fuzz`,
 * run as build/fuzz/fuzz_parsers -max_total_time=600.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "core/account.h"
#include "core/help.h"
#include "core/her.h"
#include "http/route.h"
#include "notify/govnotify.h"

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
	{
		char why[200], service[GOVNOTIFY_UUID_LEN + 1], secret[GOVNOTIFY_UUID_LEN + 1];
		char jwt[512];

		why[0] = '\0';
		if (!her_pin_valid(s, why, sizeof why) && !why[0])
			abort(); /* a refusal says why */
		(void)her_app_name_valid(s);
		(void)help_wants_valid(s);
		(void)help_state_valid(s);
		why[0] = '\0';
		if (govnotify_key_parse(s, service, secret, why, sizeof why) == 0) {
			if (strlen(service) != GOVNOTIFY_UUID_LEN || strlen(secret) != GOVNOTIFY_UUID_LEN)
				abort();
			if (govnotify_jwt(service, secret, 1700000000, jwt, sizeof jwt) < 0)
				abort();
		} else if (!why[0]) {
			abort();
		}
	}
	free(s);
	return 0;
}
