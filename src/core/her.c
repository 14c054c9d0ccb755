/*
 * her — the rules and words of her app (see her.h).
 */
#include "core/her.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

const char *her_part_name(enum her_part p)
{
	static const char *const names[HER_PARTS] = { "plan", "orders", "contacts" };

	return p < HER_PARTS ? names[p] : NULL;
}

void her_code_digest(int64_t enrolment, const char *code, char out[SECRET_DIGEST_LEN])
{
	char s[64];

	snprintf(s, sizeof s, "her-code:%lld:%s", (long long)enrolment, code);
	secret_digest(s, out);
	sodium_memzero(s, sizeof s);
}

bool her_pin_valid(const char *pin, char *why, size_t whylen)
{
	size_t n = pin ? strlen(pin) : 0;
	bool same = true;

	for (size_t i = 0; i < n; i++) {
		if (!isdigit((unsigned char)pin[i])) {
			snprintf(why, whylen, "the PIN is digits only");
			return false;
		}
		same = same && pin[i] == pin[0];
	}
	if (n < 4 || n > 8) {
		snprintf(why, whylen, "the PIN is 4 to 8 digits");
		return false;
	}
	if (same) {
		snprintf(why, whylen, "choose a PIN that is not one digit repeated");
		return false;
	}
	return true;
}

bool her_app_name_valid(const char *name)
{
	size_t n = name ? strlen(name) : 0;

	if (n < 1 || n > HER_APP_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)name[i]) && name[i] != ' ')
			return false;
	return true;
}

const char *her_alert_words(const char *kind)
{
	static const struct {
		const char *kind, *words;
	} k[] = {
		{ "zone_entry", "A warning was sent to you: stay safe, help is coming" },
		{ "proximity", "A warning was sent to you: stay safe, help is coming" },
		{ "lost_signal_near_zone", "A warning was sent to you: contact with his tag was lost" },
		{ "panic", "You asked for help" },
	};

	for (size_t i = 0; kind && i < sizeof k / sizeof k[0]; i++)
		if (!strcmp(kind, k[i].kind))
			return k[i].words;
	return NULL;
}

const char *her_state_words(const char *state)
{
	if (!strcmp(state, "open"))
		return "The centre has it";
	if (!strcmp(state, "acknowledged"))
		return "The centre is dealing with it";
	if (!strcmp(state, "dispatched"))
		return "Police were sent";
	if (!strcmp(state, "resolved"))
		return "Dealt with";
	return "The centre has it";
}
