/*
 * casefile — the rules of a stalking case that do not need a database:
 * its vocabularies (relationship, how it was reported, classifications,
 * behaviours), the status workflow, FOUR screening and what it implies for the
 * classification, and the case reference format.  Pure: no I/O.
 *
 * Named "casefile" because "case" is a C keyword.
 */
#ifndef VIGIL_CORE_CASEFILE_H
#define VIGIL_CORE_CASEFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A vocabulary: a NULL-terminated list of allowed names. */
extern const char *const case_relationships[];
extern const char *const case_channels[];
extern const char *const case_classifications[];
extern const char *const case_behaviours[];
extern const char *const case_risk_levels[];
extern const char *const case_typologies[];
extern const char *const case_flags[];

/* True when name is in the vocabulary. */
bool case_vocab_has(const char *const *vocab, const char *name);
/* "a, b, c" into out, for error messages. */
void case_vocab_list(const char *const *vocab, char *out, size_t outlen);

/* ---- status -------------------------------------------------------------- */

enum case_status {
	CASE_INTAKE,
	CASE_SCREENED,
	CASE_ASSESSED,
	CASE_MANAGED,
	CASE_CLOSED,
	CASE_STATUS_COUNT,
	CASE_STATUS_NONE = -1,
};

const char *case_status_name(enum case_status s);
enum case_status case_status_parse(const char *name);
/* True when from -> to is a move of the workflow (intake → screened →
 * assessed → managed → closed, and closed → managed to reopen). */
bool case_status_allowed(enum case_status from, enum case_status to);
/* The moves allowed from a status, as "screened" or "managed, closed"
 * (or "none"). */
void case_status_next(enum case_status from, char *out, size_t outlen);

/* ---- FOUR screening ---------------------------------------------------------- */

enum four_answer { FOUR_UNANSWERED = -1, FOUR_NO = 0, FOUR_YES = 1 };

struct four {
	enum four_answer fixated, obsessive, unwanted, repeated;
};

/* All four answered. */
bool four_complete(const struct four *f);
/*
 * Should this report be recorded as stalking?  Yes when all four answers are
 * yes, and when the suspect is a former partner and the conduct is repeated
 * (a course of conduct by an ex-partner): the group most often misrecorded as
 * harassment, and the most dangerous.
 */
bool four_implies_stalking(const struct four *f, const char *relationship);

/* ---- people ----------------------------------------------------------------- */

/* A person's name folded for matching: ASCII lowercased, every run of
 * characters other than letters and digits (and non-ASCII bytes kept) made one
 * space, trimmed.  "O'Brien,  Sean" and "o brien sean" fold alike.  0, or -1
 * when out is too small or nothing is left. */
int case_name_key(const char *name, char *out, size_t outlen);
/* True when s is a date of birth "YYYY-MM-DD" that exists, from 1900 to today. */
bool case_dob_valid(const char *s, int64_t now_ms);

/* ---- references ------------------------------------------------------------- */

/* "STAC-2026-000123" for year 2026, sequence 123 (out at least 17 bytes). */
void case_ref_format(int year, int64_t seq, char *out, size_t outlen);
/* 0 when s is a well-formed reference (sets year and seq), else -1. */
int case_ref_parse(const char *s, int *year, int64_t *seq);

#endif
