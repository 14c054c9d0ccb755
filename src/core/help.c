/*
 * help — the words and numbers of the public page (see help.h).
 */
#include "core/help.h"

#include <string.h>

static const struct help_question questions[] = {
	{ "fixated", "Does this person seem fixated on you?",
	  "For example: they think or talk about you all the time, or know things about your day." },
	{ "obsessive", "Does what they do seem obsessive?",
	  "For example: they will not let it go, however you respond or whatever others tell them." },
	{ "unwanted", "Is their contact unwanted?",
	  "You do not want it, whether or not you have been able to say so." },
	{ "repeated", "Has it happened more than once?",
	  "Calls, messages, gifts, turning up, following, posts about you: twice or more counts." },
};

/* National numbers (UK).  A deployment that serves another country changes
 * this table, not the page. */
static const struct help_line lines[] = {
	{ "Police emergency", "999", "any time",
	  "If you are in danger now. If you cannot speak, call 999 from a mobile, then press 55 "
	  "when asked." },
	{ "National Stalking Helpline", "0808 802 0300", "weekdays, daytime",
	  "Advice from specialists in stalking, free and confidential." },
	{ "National Domestic Abuse Helpline", "0808 2000 247", "any time",
	  "If the person is, or was, a partner or a member of your family." },
	{ "Victim Support", "0808 16 89 111", "any time",
	  "Support for anyone affected by crime, whether or not it was reported." },
	{ "Police (not an emergency)", "101", "any time", "To report something that has happened." },
};

const struct help_question *help_questions(int *n)
{
	*n = (int)(sizeof questions / sizeof questions[0]);
	return questions;
}

const struct help_line *help_lines(int *n)
{
	*n = (int)(sizeof lines / sizeof lines[0]);
	return lines;
}

const char *help_next_steps(void)
{
	return "Someone from the centre (a police officer or an independent stalking advocate) "
	       "reads every request, normally within one working day. If you left a way to reach "
	       "you, they will contact you only that way, and only at the times you said are safe. "
	       "They will talk it through with you; nothing happens without you. If you are in "
	       "danger now, call 999.";
}

bool help_wants_valid(const char *wants)
{
	return wants && (!strcmp(wants, "advice") || !strcmp(wants, "report"));
}

bool help_state_valid(const char *state)
{
	static const char *const states[] = { "new", "accepted", "answered", "passed" };

	for (size_t i = 0; state && i < sizeof states / sizeof states[0]; i++)
		if (!strcmp(state, states[i]))
			return true;
	return false;
}
