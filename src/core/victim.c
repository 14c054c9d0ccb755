/*
 * victim — contact methods, partner services and referral statuses.
 */
#include "core/victim.h"

#include <stdio.h>
#include <string.h>

#include "base/text.h"

const char *const victim_contact_methods[] = { "phone",	 "in_person", "video", "email",
					       "letter", "text_message", NULL };

const char *const victim_services[] = { "advocacy", "helpline", "health", "housing",
					"childrens_services", "refuge", NULL };

const char *const victim_referral_statuses[] = { "offered", "accepted", "declined", "completed",
						 NULL };

static int index_of(const char *s)
{
	return text_index(victim_referral_statuses, SIZE_MAX, s);
}

int victim_referral_move(const char *from, const char *to, char *why, size_t whylen)
{
	static const char *const next[] = {
		"accepted or declined", "completed, or declined (she withdrew)",
		"offered (offered again)", "none (it is done)",
	};
	int f = index_of(from), t = index_of(to);

	if (t < 0)
		return text_fail(why, whylen,
				 "status must be offered, accepted, declined or completed");
	if (f == t || (f == 0 && (t == 1 || t == 2)) || (f == 1 && (t == 3 || t == 2)) ||
	    (f == 2 && t == 0))
		return 0;
	return text_fail(why, whylen, "a referral cannot go from %s to %s; from %s it may go to %s",
			 from ? from : "none", to, from ? from : "none",
			 f < 0 ? "offered" : next[f]);
}

bool victim_referral_counts(const char *status)
{
	return index_of(status) >= 0;
}
