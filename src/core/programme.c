/*
 * core/programme — criteria, screening, attendance and outcome windows.
 */
#include "core/programme.h"

#include <string.h>

#include "base/clock.h"

/*
 * The eligibility criteria.  A data change, not a code change, adds one: a
 * question the clinician answers, or a fact read from the case.  The types
 * the programme was designed for exclude the predatory stalker (covert,
 * sexually motivated: a forensic service's, not a voluntary group's); a
 * case not yet assessed or classified is screened once it is.
 */
const struct programme_criterion programme_criteria[] = {
	{ "willing", CRITERION_ANSWER, "he is willing to take part and to attend weekly", "yes",
	  "he is not willing to take part" },
	{ "typology", CRITERION_TYPOLOGY, "the case's decided typology",
	  "rejected intimacy_seeker incompetent_suitor resentful",
	  "the typology is predatory or not yet decided" },
	{ "risk", CRITERION_RISK, "the case's assessed risk level", "standard medium high",
	  "the case has no risk assessment yet" },
	{ "engage", CRITERION_ANSWER,
	  "he can engage in group work (no untreated psychosis; an interpreter where needed)", "yes",
	  "he cannot engage in group work now" },
	{ "community", CRITERION_ANSWER, "he lives in the community (not in custody or hospital)", "yes",
	  "he is in custody or hospital" },
};
const int programme_ncriteria = (int)(sizeof programme_criteria / sizeof programme_criteria[0]);

/* Is value one of the space-separated words of list? */
static bool one_of(const char *value, const char *list)
{
	size_t n = value ? strlen(value) : 0;

	if (!n)
		return false;
	for (const char *p = list; *p;) {
		const char *e = strchr(p, ' ');
		size_t len = e ? (size_t)(e - p) : strlen(p);

		if (len == n && strncmp(p, value, n) == 0)
			return true;
		p += len;
		while (*p == ' ')
			p++;
	}
	return false;
}

void programme_screen(const char *const *answers, struct screening_result *out)
{
	memset(out, 0, sizeof *out);
	for (int i = 0; i < programme_ncriteria && i < 16; i++) {
		out->met[i] = one_of(answers[i], programme_criteria[i].accept);
		if (!out->met[i])
			out->unmet++;
	}
	out->eligible = out->unmet == 0;
}

double programme_attendance(int attended, int missed)
{
	return attended + missed > 0 ? (double)attended / (attended + missed) : -1;
}

const int programme_windows[3] = { 6, 12, 24 };

int64_t programme_window_end(int64_t t, int months)
{
	/* the 31st of a short month runs on into the next, which a window of
	 * months may do */
	return clock_add_months(t, months);
}
