/*
 * casefile — case vocabularies, workflow, FOUR screening and references.
 */
#include "core/casefile.h"

#include <stdio.h>

#include "base/clock.h"
#include "base/text.h"
#include <string.h>

const char *const case_relationships[] = {
	"intimate_partner", "ex_partner", "family", "friend_acquaintance", "work",
	"professional_customer", "online_only", "stranger", "unknown", NULL,
};

/* How the report came in. */
const char *const case_channels[] = {
	"emergency_call", "non_emergency_call", "online", "in_person", "third_party",
	"agency_referral", "other", NULL,
};

const char *const case_classifications[] = {
	"stalking", "harassment", "breach_of_order", "criminal_damage", "malicious_communications",
	"threats_to_kill", "assault", "coercive_control", "other", NULL,
};

const char *const case_behaviours[] = {
	"message", "call", "social_media", "following", "loitering", "turning_up_home",
	"turning_up_work", "unwanted_gift", "property_damage", "threat", "violence",
	"third_party_contact", "breach_of_order", "other", NULL,
};

const char *const case_risk_levels[] = { "standard", "medium", "high", NULL };

const char *const case_typologies[] = {
	"rejected", "intimacy_seeker", "incompetent_suitor", "resentful", "predatory",
	"undetermined", NULL,
};

/* Flags a case can carry; derived by the rules that raise and clear them. */
const char *const case_flags[] = { "possible_misrecording", "possible_serial", "marac_referral",
				   NULL };

bool case_vocab_has(const char *const *vocab, const char *name)
{
	return text_index(vocab, SIZE_MAX, name) >= 0;
}

void case_vocab_list(const char *const *vocab, char *out, size_t outlen)
{
	size_t n = 0;

	out[0] = '\0';
	for (const char *const *v = vocab; *v && n < outlen; v++)
		n += (size_t)snprintf(out + n, outlen - n, "%s%s", v == vocab ? "" : ", ", *v);
}

static const char *const status_names[CASE_STATUS_COUNT] = {
	"intake", "screened", "assessed", "managed", "closed",
};

const char *case_status_name(enum case_status s)
{
	return s >= 0 && s < CASE_STATUS_COUNT ? status_names[s] : NULL;
}

enum case_status case_status_parse(const char *name)
{
	int i = text_index(status_names, CASE_STATUS_COUNT, name);

	return i < 0 ? CASE_STATUS_NONE : (enum case_status)i;
}

bool case_status_allowed(enum case_status from, enum case_status to)
{
	if (from < 0 || from >= CASE_STATUS_COUNT || to < 0 || to >= CASE_STATUS_COUNT)
		return false;
	if (from == CASE_CLOSED)
		return to == CASE_MANAGED; /* reopen */
	return to == from + 1;
}

void case_status_next(enum case_status from, char *out, size_t outlen)
{
	size_t n = 0;

	out[0] = '\0';
	for (int to = 0; to < CASE_STATUS_COUNT; to++)
		if (case_status_allowed(from, (enum case_status)to))
			n += (size_t)snprintf(out + n, outlen > n ? outlen - n : 0, "%s%s",
					      n ? ", " : "", status_names[to]);
	if (!n)
		snprintf(out, outlen, "none");
}

bool four_complete(const struct four *f)
{
	return f->fixated != FOUR_UNANSWERED && f->obsessive != FOUR_UNANSWERED &&
	       f->unwanted != FOUR_UNANSWERED && f->repeated != FOUR_UNANSWERED;
}

bool four_implies_stalking(const struct four *f, const char *relationship)
{
	if (f->fixated == FOUR_YES && f->obsessive == FOUR_YES && f->unwanted == FOUR_YES &&
	    f->repeated == FOUR_YES)
		return true;
	return relationship && strcmp(relationship, "ex_partner") == 0 && f->repeated == FOUR_YES;
}

void case_ref_format(int year, int64_t seq, char *out, size_t outlen)
{
	snprintf(out, outlen, "STAC-%04d-%06lld", year, (long long)seq);
}

int case_ref_parse(const char *s, int *year, int64_t *seq)
{
	int y = 0;
	int64_t n = 0;
	size_t len, i;

	if (!s || strncmp(s, "STAC-", 5) != 0)
		return -1;
	/* six digits, more once a year passes 999,999 reports */
	len = strlen(s);
	if (len < 16 || len > 22 || s[9] != '-')
		return -1;
	for (i = 5; i < 9; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		y = y * 10 + (s[i] - '0');
	}
	for (i = 10; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		n = n * 10 + (s[i] - '0');
	}
	if (y < 2000 || n < 1 || (len > 16 && s[10] == '0'))
		return -1;
	*year = y;
	*seq = n;
	return 0;
}

int case_name_key(const char *name, char *out, size_t outlen)
{
	size_t n = 0;
	bool space = false;

	if (!name || outlen == 0)
		return -1;
	for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
		unsigned char c = *p;
		bool word = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c >= 0x80 ||
			    (c >= 'A' && c <= 'Z');

		if (!word) {
			space = n > 0;
			continue;
		}
		if (space) {
			if (n + 1 >= outlen)
				return -1;
			out[n++] = ' ';
			space = false;
		}
		if (n + 1 >= outlen)
			return -1;
		out[n++] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
	}
	out[n] = '\0';
	return n ? 0 : -1;
}

bool case_dob_valid(const char *s, int64_t now_ms)
{
	int64_t ms;

	/* clock_parse checks the calendar and the range from 1900 */
	if (!s || strlen(s) != 10 || clock_parse(s, &ms) < 0)
		return false;
	return ms <= now_ms;
}
