/*
 * store/warnings — her warnings: the number they go to (the case's victim's
 * phone, sealed in person_identifiers), the code word that begins them
 * (sealed), and what became of each message (victim_messages: sent,
 * delivered, failed, with the provider's reference), with the escalation to
 * the desk when one does not reach her.
 */
#ifndef VIGIL_STORE_WARNINGS_H
#define VIGIL_STORE_WARNINGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "db/db.h"

/* Her phone number (E.164, the first a victim of the case has): 1 and out,
 * 0 when the case has none, negative on error (DB_SEALED: it would not open). */
int warning_phone(db *d, int64_t case_id, char *out, size_t outlen) DB_CHECKED;

/* The case's code word: 1 and *word (caller frees), 0 when none, negative. */
int warning_word_get(db *d, int64_t case_id, char **word, int64_t *version) DB_CHECKED;
/* Set (word NULL: clear) the case's code word: 0, or negative. */
int warning_word_set(db *d, int64_t case_id, const char *word, int64_t by) DB_CHECKED;

/* One message of her warning (the alert's, repeat 0, or a repeated visit's). */
struct warning_message {
	int64_t alert_id;
	int repeat;
	const char *provider;  /* "notify", "webhook" */
	const char *reference; /* the provider's id, or NULL */
	const char *state;     /* sending, sent, delivered, failed, no_number */
	const char *detail;    /* why it failed, or NULL */
	bool escalated;
	int64_t created_at, updated_at;
};
/* Record the message's state now (made when new): 0, or negative. */
int warning_message_set(db *d, int64_t alert_id, int repeat, const char *provider,
			const char *state, const char *reference, const char *detail) DB_CHECKED;
/* The messages of an alert, oldest first. */
int warning_message_each(db *d, int64_t alert_id,
			 int (*fn)(const struct warning_message *m, void *arg), void *arg) DB_CHECKED;
/* Messages sent to Notify whose receipt is awaited, created at or after
 * since. */
int warning_awaiting_each(db *d, int64_t since,
			  int (*fn)(const struct warning_message *m, void *arg), void *arg) DB_CHECKED;
/* It did not reach her: mark the message escalated and the alert escalated
 * (if it was not), with an alert event "victim_unreached" for the desk's
 * live stream.  One transaction.  1 when escalated now, 0 when it had been,
 * negative on error. */
int warning_escalate(db *d, int64_t alert_id, int repeat, int64_t now) DB_CHECKED;

#endif
