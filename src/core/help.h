/*
 * help — asking for help without an account: the FOUR screening questions in
 * plain words, what the person asking may want, what happens next, and the
 * national helplines, all as data (the public page shows what this says;
 * nothing of it is written into the page).  Pure: no I/O.
 */
#ifndef VIGIL_CORE_HELP_H
#define VIGIL_CORE_HELP_H

#include <stdbool.h>

struct help_question {
	const char *name;  /* "fixated", "obsessive", "unwanted", "repeated" */
	const char *text;  /* the question, in plain words */
	const char *hint;
};
struct help_line {
	const char *name;
	const char *number;  /* as dialled */
	const char *when;    /* opening hours, in words */
	const char *what;    /* what it is for */
};

/* The four questions, in FOUR's order (n: their count). */
const struct help_question *help_questions(int *n);
/* The helplines, the most urgent first (n: their count). */
const struct help_line *help_lines(int *n);
/* What happens once a request is sent. */
const char *help_next_steps(void);
/* "advice" or "report"? */
bool help_wants_valid(const char *wants);
/* A state of the triage queue ("new", "accepted", "answered", "passed")? */
bool help_state_valid(const char *state);

#endif
