/*
 * notify — outbound notifications: a webhook per channel (the monitoring
 * centre, the victim's phone through an SMS/push gateway, the police control
 * room) receives a JSON POST for each new alert that concerns it.
 *
 * The engine only enqueues (never waits); each channel has a thread of its
 * own that sends with libcurl (short timeouts), retries with exponential
 * backoff, and records every attempt.  A slow or dead webhook therefore never
 * slows the engine, nor another channel.  A node that begins to lead (and a
 * server that starts) carries on with the notifications of unresolved alerts
 * from the last hour that were not delivered, so a restart or a takeover
 * loses none.  Delivery is at least once: every attempt for one alert on one
 * channel carries the same Idempotency-Key header ("vigil-alert-ID-CHANNEL"),
 * by which a gateway can drop a message it has had.
 * The victim's message never contains the offender's position: it says to
 * stay safe and that help is coming.
 *
 * Her warning goes to her phone number (the case's, sealed at rest): by SMS
 * through GOV.UK Notify when it is set up (notify/govnotify.h), or in the
 * victim webhook's body ("phone_number") for another gateway.  It begins with
 * the code word she agreed when the case has one (else "Vigil").  What became
 * of it (sending, sent, delivered, failed, no number) is kept on the alert
 * (store/warnings.h); Notify's receipt is polled until it is final.  A
 * warning that does not reach her (refused, failed, no number, a gateway
 * that does not answer) escalates the alert to the desk at once, so the
 * operator calls her; the retries go on meanwhile.  Her app, where she let
 * it, is also sent an empty Web Push (notify/webpush.h) with each warning.  Webhooks are signed when
 * a secret is set: "X-Vigil-Signature: sha256=HEX", the HMAC-SHA256 of the
 * body.
 */
#ifndef VIGIL_NOTIFY_NOTIFY_H
#define VIGIL_NOTIFY_NOTIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vigil;
struct notifier;
struct webpush;

enum notify_channel { NOTIFY_CENTRE, NOTIFY_VICTIM, NOTIFY_POLICE, NOTIFY_CHANNELS };

struct notify_config {
	const char *url[NOTIFY_CHANNELS]; /* NULL: channel off */
	int max_attempts;                 /* default 6 */
	int64_t first_backoff_ms;         /* default 1000, doubling */
	int64_t timeout_ms;               /* per attempt, default 5000 */
	const char *webhook_secret;       /* signs every webhook's body (NULL: unsigned) */
	/* her warning by SMS through GOV.UK Notify (url NULL: off) */
	const char *sms_url;              /* "https://api.notifications.service.gov.uk" */
	const char *sms_key;              /* the API key (copied; wiped at stop) */
	const char *sms_template;         /* a template reading "((message))" */
	int64_t sms_poll_ms;              /* how often to ask for the receipt, default 5000 */
	struct webpush *push;             /* her app's Web Push (NULL: off; the caller's) */
};

const char *notify_channel_name(enum notify_channel c);
/* Which channels an alert kind goes to (a bit per channel), from the alert
 * kinds' table (core/alertkind.h). */
unsigned notify_channels_for(const char *kind);
/* The victim's message for an alert kind: no position, ever. */
const char *notify_victim_text(const char *kind);
/* The same, begun with her code word instead of "Vigil" when word is not
 * NULL (caller frees). */
char *notify_victim_message(const char *kind, const char *word);

int notifier_start(struct vigil *v, const struct notify_config *c, struct notifier **out,
		   char *err, size_t errlen);
void notifier_stop(struct notifier *n);
/* Queue the notifications of a new alert (non-blocking; no database access
 * on the caller's thread).  A late one (decided longer ago than her warnings
 * are current: a breach found in a backlog) goes to the desk, not to her. */
void notifier_alert(struct notifier *n, int64_t alert_id, const char *kind, bool late);
/* Another visit while the alert is unresolved: she is warned again (its own
 * message, Idempotency-Key "...-rN"), and the desk and the police told. */
void notifier_repeat(struct notifier *n, int64_t alert_id, const char *kind, bool late, int repeat);
/* Send one text to phone (E.164) by SMS through Notify, now, on the
 * caller's thread (her app's one-time code): 0, or -1 with err (SMS is not
 * set up, or Notify refused or did not answer).  reference is ours. */
int notifier_send_sms(struct notifier *n, const char *phone, const char *text,
		      const char *reference, char *err, size_t errlen);
/* This node leads now: send what was not delivered (see above). */
void notifier_resume(struct notifier *n);
/* This node no longer leads: drop what is queued (the new leader resumes it). */
void notifier_drop(struct notifier *n);

#endif
