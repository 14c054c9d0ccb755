/*
 * notify — webhooks with retries: a thread, a queue and a database
 * connection for each channel (a lane), so that a monitoring centre whose
 * gateway hangs never holds up the victim's warning or the police.
 */
#include "notify/notify.h"

#include <curl/curl.h>
#include <jansson.h>
#include <math.h>
#include <pthread.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/clock.h"
#include "base/log.h"
#include "base/mem.h"
#include "base/thread.h"
#include "core/alertkind.h"
#include "db/db.h"
#include "monitor/node.h"
#include "monitor/sinks.h"
#include "notify/govnotify.h"
#include "notify/post.h"
#include "notify/webpush.h"
#include "store/her.h"
#include "core/identifier.h"
#include "store/cases.h"
#include "store/monitor.h"
#include "store/warnings.h"
#include "vigil.h"

struct job {
	int64_t alert_id;
	int attempt;
	int64_t due;
	int repeat; /* 0: the alert; n: its nth repeated visit (a message of its own) */
	bool poll;  /* her SMS was sent: ask Notify what became of it (ref) */
	int64_t since; /* when it was sent: polling ends POLL_MAX_MS later */
	char ref[GOVNOTIFY_ID_MAX];
};

struct notifier;

/* One channel's deliveries. */
struct lane {
	struct notifier *n;
	enum notify_channel ch;
	db *db;
	pthread_t thread;
	bool running;
	pthread_cond_t cv;
	struct job *jobs; /* under the notifier's mu */
	size_t njobs, cap;
	int64_t sending;  /* the alert being sent now (0: none) */
	int sending_repeat; /* ... and which of its messages */
	bool resume;      /* look in the database for what is not delivered */
	int64_t resume_at; /* not before (the database was away) */
	bool db_away;     /* the lane's: said in the log, not yet back */
};

/* A lane whose database is away looks again this much later. */
#define DB_RETRY_MS 1000

struct notifier {
	struct vigil *v;
	struct notify_config cfg;
	pthread_mutex_t mu;
	struct lane lane[NOTIFY_CHANNELS];
	unsigned epoch; /* moves on when the node stops leading: work begun before is dropped */
	bool stopping;
	bool sms;             /* her warning by SMS through Notify */
	struct govnotify gn;  /* ... its settings (the key's secret wiped at stop) */
	char *secret;         /* the webhooks' signing secret (wiped at stop) */
};

/* A receipt not final this long after sending is asked for no more (the
 * desk sees "sent"). */
#define POLL_MAX_MS (3600 * 1000LL)

/* How far back a node that starts leading looks for undelivered
 * notifications of alerts still unresolved: news older than this is for the
 * monitoring desk, not a gateway. */
#define RESUME_MS (3600 * 1000LL)

const char *notify_channel_name(enum notify_channel c)
{
	static const char *names[] = { "centre", "victim", "police" };

	return c < NOTIFY_CHANNELS ? names[c] : "?";
}

unsigned notify_channels_for(const char *kind)
{
	/* whom the kind goes to is the alert kinds' table's (core/alertkind.c) */
	unsigned to = alert_kind_find(kind)->to, ch = 0;

	if (to & ALERT_TO_CENTRE)
		ch |= 1u << NOTIFY_CENTRE;
	if (to & ALERT_TO_VICTIM)
		ch |= 1u << NOTIFY_VICTIM;
	if (to & ALERT_TO_POLICE)
		ch |= 1u << NOTIFY_POLICE;
	return ch;
}

const char *notify_victim_text(const char *kind)
{
	const char *text = alert_kind_find(kind)->victim_text;

	/* only a kind she is told of has words; any other reaching her would be
	 * a mistake in the table: the plain warning, never a position */
	return text ? text : alert_kind_find("zone_entry")->victim_text;
}

char *notify_victim_message(const char *kind, const char *word)
{
	const char *t = notify_victim_text(kind);

	/* "Vigil: ..." becomes "WORD: ..." */
	if (word && *word && !strncmp(t, "Vigil:", 6))
		return xasprintf("%s:%s", word, t + 6);
	return xstrdup(t);
}

/* The body for a channel.  The victim's has no position of anyone. */
static json_t *payload(db *d, const struct alert *a, enum notify_channel ch)
{
	struct case_record c;
	char ref[24] = "";
	json_t *o;

	if (case_get_by_id(d, a->case_id, &c) == 1) {
		snprintf(ref, sizeof ref, "%s", c.ref);
		case_record_free(&c);
	}
	if (ch == NOTIFY_VICTIM)
		return json_pack("{s:s, s:s, s:o, s:s}", "case", ref, "kind", "warning", "at",
				 json_integer(a->opened_at), "message", notify_victim_text(a->kind));
	o = json_pack("{s:I, s:s, s:s, s:s, s:I}", "alert_id", (json_int_t)a->id, "case", ref, "kind",
		      a->kind, "severity", a->severity, "opened_at_ms", (json_int_t)a->opened_at);
	if (!isnan(a->lat))
		json_object_set_new(o, "position", json_pack("{s:f, s:f}", "lat", a->lat, "lon", a->lon));
	return o;
}

/* One attempt: 0 delivered (2xx), -1 not. */
static int send_one(struct notifier *n, const char *url, const char *body, const char *key,
		    long *status, char *err, size_t errlen)
{
	struct curl_slist *h = NULL;

	h = curl_slist_append(h, "Content-Type: application/json");
	h = curl_slist_append(h, key);
	if (n->secret) {
		unsigned char mac[crypto_auth_hmacsha256_BYTES];
		char hex[2 * sizeof mac + 1], sig[sizeof hex + 32];
		crypto_auth_hmacsha256_state st;

		crypto_auth_hmacsha256_init(&st, (const unsigned char *)n->secret, strlen(n->secret));
		crypto_auth_hmacsha256_update(&st, (const unsigned char *)body, strlen(body));
		crypto_auth_hmacsha256_final(&st, mac);
		sodium_memzero(&st, sizeof st);
		sodium_bin2hex(hex, sizeof hex, mac, sizeof mac);
		snprintf(sig, sizeof sig, "X-Vigil-Signature: sha256=%s", hex);
		h = curl_slist_append(h, sig);
	}
	if (notify_post(url, h, body, (long)n->cfg.timeout_ms, (long)(n->cfg.timeout_ms / 2), NULL,
			NULL, status, err, errlen) < 0)
		return -1;
	return *status >= 200 && *status < 300 ? 0 : -1;
}

/* Queue a job on a lane, unless the lane has the alert in hand already
 * (queued, or being sent): one alert, one message a channel.  The caller
 * holds the notifier's mu. */
static void push(struct lane *l, struct job j)
{
	if (j.alert_id == l->sending && j.repeat == l->sending_repeat && !j.poll)
		return;
	for (size_t i = 0; i < l->njobs; i++)
		if (l->jobs[i].alert_id == j.alert_id && l->jobs[i].repeat == j.repeat &&
		    l->jobs[i].poll == j.poll)
			return;
	if (l->njobs == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 64;
		l->jobs = xrealloc(l->jobs, l->cap * sizeof *l->jobs);
	}
	l->jobs[l->njobs++] = j;
	pthread_cond_signal(&l->cv);
}

/* Is the lane's database connection usable?  One the server ended is
 * replaced; while the database is away, false (said once in the log). */
static bool lane_db(struct lane *l)
{
	if (db_heal(l->db) < 0) {
		if (!l->db_away)
			log_warn("notifications to the %s wait for the database: %s",
				 notify_channel_name(l->ch), db_errmsg(l->db));
		l->db_away = true;
		return false;
	}
	if (l->db_away)
		log_info("notifications to the %s carry on: the database is back",
			 notify_channel_name(l->ch));
	l->db_away = false;
	return true;
}

/* What became of a job. */
enum outcome {
	DONE,     /* delivered, given up, or not this node's to send */
	RETRY,    /* the gateway failed: try again, as *j, after the backoff */
	LATER,    /* the database failed before it was sent: the same attempt later */
};

static enum outcome victim_attempt(struct lane *l, struct job *j);
static void record_attempt(struct lane *l, const struct job *j, long status, const char *err,
			   bool ok);

static enum outcome attempt(struct lane *l, struct job *j)
{
	struct notifier *n = l->n;
	char err[CURL_ERROR_SIZE + 32] = "", *body, key[80];
	struct alert a;
	long status;
	json_t *p;
	int ok, rc;

	/* a node that does not lead (it was frozen, or cut off, and woke to
	 * find its lease gone) sends nothing: the leader sends what is not
	 * delivered */
	if (n->v->node && !node_leads(n->v->node))
		return DONE;
	if (!lane_db(l))
		goto later;
	if (l->ch == NOTIFY_VICTIM)
		return victim_attempt(l, j);
	rc = alert_get(l->db, j->alert_id, &a);
	if (rc < 0 && !db_alive(l->db))
		goto later;
	if (rc != 1)
		return DONE;
	p = payload(l->db, &a, l->ch);
	alert_free(&a);
	if (j->repeat)
		json_object_set_new(p, "repeat", json_integer(j->repeat));
	body = json_dumps(p, JSON_COMPACT);
	json_decref(p);
	/* the same for every attempt of one alert on one channel, on any node:
	 * a gateway that has it already (a node died before recording that it
	 * was delivered, and the next sent it again) can drop the repeat */
	if (j->repeat)
		snprintf(key, sizeof key, "Idempotency-Key: vigil-alert-%lld-%s-r%d",
			 (long long)j->alert_id, notify_channel_name(l->ch), j->repeat);
	else
		snprintf(key, sizeof key, "Idempotency-Key: vigil-alert-%lld-%s", (long long)j->alert_id,
			 notify_channel_name(l->ch));
	ok = send_one(n, n->cfg.url[l->ch], body, key, &status, err, sizeof err) == 0;
	free(body);
	if (status && !ok)
		snprintf(err, sizeof err, "HTTP %ld", status);
	record_attempt(l, j, status, err, ok);
	if (ok)
		return DONE;
	log_warn("notification of alert %lld to the %s failed (attempt %d): %s", (long long)j->alert_id,
		 notify_channel_name(l->ch), j->attempt, err);
	if (j->attempt >= n->cfg.max_attempts)
		return DONE;
	j->due = clock_now_ms() + (n->cfg.first_backoff_ms << (j->attempt - 1));
	j->attempt++;
	return RETRY;
later:
	j->due = clock_now_ms() + DB_RETRY_MS;
	return LATER;
}

/* ---- her warning -------------------------------------------------------------- */

/* It did not reach her: the desk is told at once (once per message). */
static void unreached(struct lane *l, const struct job *j, const char *why)
{
	int rc = warning_escalate(l->db, j->alert_id, j->repeat, clock_now_ms());

	if (rc < 0)
		log_error("cannot escalate alert %lld: %s", (long long)j->alert_id, db_errmsg(l->db));
	else if (rc == 1) {
		/* why never holds her number: it is what the provider said of it,
		 * or ours */
		log_warn("her warning for alert %lld did not reach her (%s): the desk is told to "
			 "call her", (long long)j->alert_id, why);
		sinks_events(l->n->v->sinks);
	}
}

static void set_state(struct lane *l, const struct job *j, const char *provider, const char *state,
		      const char *ref, const char *detail)
{
	if (warning_message_set(l->db, j->alert_id, j->repeat, provider, state, ref, detail) < 0)
		log_error("cannot record the state of her warning for alert %lld: %s",
			  (long long)j->alert_id, db_errmsg(l->db));
}

static void record_attempt(struct lane *l, const struct job *j, long status, const char *err,
			   bool ok)
{
	struct notification rec = {
		.channel = notify_channel_name(l->ch),
		.repeat = j->repeat,
		.attempt = j->attempt,
		.at = clock_now_ms(),
		.http_status = status,
		.error = ok ? NULL : err,
		.delivered = ok,
	};

	if (notification_record(l->db, j->alert_id, &rec) < 0)
		log_error("cannot record a notification attempt: %s", db_errmsg(l->db));
}

/* What Notify says became of a message sent. */
static enum outcome poll_receipt(struct lane *l, struct job *j)
{
	struct notifier *n = l->n;
	char status[32], err[256] = "";
	enum govnotify_result r;
	long http;

	r = govnotify_status(&n->gn, j->ref, status, sizeof status, &http, err, sizeof err);
	if (r == GOVNOTIFY_OK && !strcmp(status, "delivered")) {
		set_state(l, j, "notify", "delivered", NULL, NULL);
		return DONE;
	}
	if (r == GOVNOTIFY_OK && strstr(status, "failure")) {
		/* permanent-failure (not a phone, or switched off for days),
		 * temporary-failure (the network gave up), technical-failure */
		set_state(l, j, "notify", "failed", NULL, status);
		unreached(l, j, status);
		return DONE;
	}
	if (r == GOVNOTIFY_REFUSED) {
		set_state(l, j, "notify", "sent", NULL, err);
		return DONE;
	}
	if (clock_now_ms() - j->since > POLL_MAX_MS)
		return DONE;
	j->due = clock_now_ms() + n->cfg.sms_poll_ms;
	return RETRY;
}

struct endpoints {
	int64_t id[16];
	char *url[16];
	int n;
};

static int add_endpoint(int64_t id, const char *endpoint, void *arg)
{
	struct endpoints *e = arg;

	if (e->n < 16) {
		e->id[e->n] = id;
		e->url[e->n++] = xstrdup(endpoint);
	}
	return 0;
}

/* An empty push to each browser of hers that asked for them: her app says
 * "open the app" (nothing of the warning crosses the push service).  Once a
 * message, not retried: the SMS is the warning that must arrive. */
static void push_her(struct lane *l, int64_t case_id)
{
	struct endpoints e = { .n = 0 };
	char err[CURL_ERROR_SIZE + 32];

	if (!l->n->cfg.push || her_push_each(l->db, case_id, add_endpoint, &e) < 0)
		return;
	for (int i = 0; i < e.n; i++) {
		long st = webpush_send(l->n->cfg.push, e.url[i], 3600, (long)l->n->cfg.timeout_ms, err,
				       sizeof err);

		if (st == 404 || st == 410)
		{
			/* her browser unsubscribed */
			if (her_push_remove(l->db, e.id[i]) < 0)
				log_warn("a push subscription of case %lld could not be removed: %s",
					 (long long)case_id, db_errmsg(l->db));
		}
		else if (st < 200 || st >= 300)
			log_warn("a push to her app for case %lld failed: %ld", (long long)case_id, st);
		free(e.url[i]);
	}
}

/* Her warning, by SMS through Notify or in the victim webhook's body. */
static enum outcome victim_attempt(struct lane *l, struct job *j)
{
	struct notifier *n = l->n;
	const char *provider = n->sms ? "notify" : "webhook";
	char phone[IDENTIFIER_MAX + 1] = "", err[CURL_ERROR_SIZE + 64] = "", key[80];
	char *word = NULL, *text = NULL;
	enum outcome o = DONE;
	bool ok = false;
	struct alert a;
	long status = 0;
	int rc, has_phone;

	if (j->poll)
		return poll_receipt(l, j);
	rc = alert_get(l->db, j->alert_id, &a);
	if (rc < 0 && !db_alive(l->db))
		goto later;
	if (rc != 1)
		return DONE;
	has_phone = warning_phone(l->db, a.case_id, phone, sizeof phone);
	if (has_phone < 0 && !db_alive(l->db)) {
		alert_free(&a);
		goto later;
	}
	if (warning_word_get(l->db, a.case_id, &word, NULL) < 0 && !db_alive(l->db)) {
		alert_free(&a);
		goto later;
	}
	text = notify_victim_message(a.kind, word);
	if (j->attempt == 1)
		push_her(l, a.case_id);
	if (!n->sms && !n->cfg.url[NOTIFY_VICTIM])
		goto out; /* her app's push is all there is */
	if (j->repeat)
		snprintf(key, sizeof key, "vigil-alert-%lld-victim-r%d", (long long)j->alert_id,
			 j->repeat);
	else
		snprintf(key, sizeof key, "vigil-alert-%lld-victim", (long long)j->alert_id);
	if (n->sms) {
		char id[GOVNOTIFY_ID_MAX];
		enum govnotify_result r;

		if (has_phone != 1) {
			const char *why = has_phone == 0 ? "the case has no phone number for her"
							 : "her number cannot be opened";

			set_state(l, j, provider, "no_number", NULL, why);
			record_attempt(l, j, 0, why, false);
			unreached(l, j, why);
			goto out;
		}
		set_state(l, j, provider, "sending", NULL, NULL);
		r = govnotify_send_sms(&n->gn, phone, text, key, id, &status, err, sizeof err);
		ok = r == GOVNOTIFY_OK;
		record_attempt(l, j, status, err, ok);
		if (ok) {
			set_state(l, j, provider, "sent", id, NULL);
			/* now its receipt */
			j->poll = true;
			j->since = clock_now_ms();
			j->due = j->since + n->cfg.sms_poll_ms;
			snprintf(j->ref, sizeof j->ref, "%s", id);
			o = RETRY;
			goto out;
		}
		if (r == GOVNOTIFY_REFUSED || j->attempt >= n->cfg.max_attempts) {
			set_state(l, j, provider, "failed", NULL, err);
			unreached(l, j, status ? "the provider refused it" : "no answer");
			goto out;
		}
	} else {
		json_t *p = payload(l->db, &a, NOTIFY_VICTIM);
		char hdr[100], *body;

		/* the gateway needs her number to reach her; a case without one
		 * still tells it (it may know her by the case) */
		if (has_phone == 1)
			json_object_set_new(p, "phone_number", json_string(phone));
		json_object_set_new(p, "message", json_string(text));
		if (j->repeat)
			json_object_set_new(p, "repeat", json_integer(j->repeat));
		body = json_dumps(p, JSON_COMPACT);
		json_decref(p);
		snprintf(hdr, sizeof hdr, "Idempotency-Key: %s", key);
		ok = send_one(n, n->cfg.url[NOTIFY_VICTIM], body, hdr, &status, err, sizeof err) == 0;
		sodium_memzero(body, strlen(body));
		free(body);
		if (status && !ok)
			snprintf(err, sizeof err, "HTTP %ld", status);
		record_attempt(l, j, status, err, ok);
		if (ok) {
			set_state(l, j, provider, "sent", NULL, NULL);
			goto out;
		}
		if (j->attempt >= n->cfg.max_attempts) {
			set_state(l, j, provider, "failed", NULL, err);
			unreached(l, j, "the gateway did not take it");
			goto out;
		}
	}
	/* it failed and will be tried again: the desk is told now, not after
	 * the retries (a warning minutes late is no warning) */
	set_state(l, j, provider, "sending", NULL, err);
	unreached(l, j, status ? "the provider failed" : "no answer");
	log_warn("her warning for alert %lld failed (attempt %d): HTTP %ld", (long long)j->alert_id,
		 j->attempt, status);
	j->due = clock_now_ms() + (n->cfg.first_backoff_ms << (j->attempt - 1));
	j->attempt++;
	o = RETRY;
out:
	sodium_memzero(phone, sizeof phone);
	free(word);
	free(text);
	alert_free(&a);
	return o;
later:
	j->due = clock_now_ms() + DB_RETRY_MS;
	return LATER;
}

struct awaiting_ctx {
	struct job *jobs;
	size_t n, cap;
};

static int awaiting_one(const struct warning_message *m, void *arg)
{
	struct awaiting_ctx *x = arg;

	if (x->n == x->cap) {
		x->cap = x->cap ? x->cap * 2 : 16;
		x->jobs = xrealloc(x->jobs, x->cap * sizeof *x->jobs);
	}
	x->jobs[x->n] = (struct job){ m->alert_id, 1, clock_now_ms(), m->repeat, true,
				      m->created_at, "" };
	snprintf(x->jobs[x->n].ref, sizeof x->jobs[x->n].ref, "%s", m->reference);
	x->n++;
	return 0;
}

struct resume_ctx {
	struct lane *l;
	struct job *jobs;
	size_t n, cap;
};

static int resume_one(const struct notification_due *d, void *arg)
{
	struct resume_ctx *x = arg;
	struct notifier *n = x->l->n;

	if (!(notify_channels_for(d->kind) & (1u << x->l->ch)) ||
	    d->attempts >= n->cfg.max_attempts || (d->late && x->l->ch == NOTIFY_VICTIM))
		return 0;
	/* at once, whatever wait the attempts before had reached: a warning is
	 * worth most early, and the gateway may be back (a restart or a
	 * takeover is news); failing again, it backs off from there */
	if (x->n == x->cap) {
		x->cap = x->cap ? x->cap * 2 : 16;
		x->jobs = xrealloc(x->jobs, x->cap * sizeof *x->jobs);
	}
	x->jobs[x->n++] = (struct job){ d->alert_id, d->attempts + 1, clock_now_ms(), 0, false, 0,
					"" };
	return 0;
}

/* This node has begun to lead: carry on with what the node before it (or
 * this one, before a restart) had not delivered.  Lane thread, no lock.
 * False when the database failed (to be looked at again later). */
static bool resume(struct lane *l)
{
	struct notifier *n = l->n;
	struct resume_ctx x = { l, NULL, 0, 0 };
	unsigned epoch;

	pthread_mutex_lock(&n->mu);
	epoch = n->epoch;
	pthread_mutex_unlock(&n->mu);
	if (!lane_db(l))
		return false;
	if (notification_undelivered_each(l->db, notify_channel_name(l->ch),
					  clock_now_ms() - RESUME_MS, resume_one, &x) < 0) {
		log_error("cannot look for undelivered notifications to the %s: %s",
			  notify_channel_name(l->ch), db_errmsg(l->db));
		free(x.jobs);
		return false;
	}
	if (x.n)
		log_info("%zu notification(s) to the %s not yet delivered: sending them",
			 x.n, notify_channel_name(l->ch));
	if (l->ch == NOTIFY_VICTIM && n->sms) {
		/* and the receipts still awaited */
		struct awaiting_ctx w = { NULL, 0, 0 };

		if (warning_awaiting_each(l->db, clock_now_ms() - RESUME_MS, awaiting_one, &w) < 0) {
			log_error("cannot look for her warnings' receipts: %s", db_errmsg(l->db));
		} else {
			for (size_t i = 0; i < w.n; i++) {
				if (x.n == x.cap) {
					x.cap = x.cap ? x.cap * 2 : 16;
					x.jobs = xrealloc(x.jobs, x.cap * sizeof *x.jobs);
				}
				x.jobs[x.n++] = w.jobs[i];
			}
		}
		free(w.jobs);
	}
	pthread_mutex_lock(&n->mu);
	/* not if the node stopped leading meanwhile; one this lane already has
	 * in hand (the alert came in meanwhile) stays as it is (push) */
	for (size_t i = 0; i < x.n && n->epoch == epoch; i++)
		push(l, x.jobs[i]);
	pthread_mutex_unlock(&n->mu);
	free(x.jobs);
	return true;
}

static void *run(void *arg)
{
	struct lane *l = arg;
	struct notifier *n = l->n;

	pthread_mutex_lock(&n->mu);
	while (!n->stopping) {
		int64_t now = clock_now_ms(), next = now + 1000;
		bool found = false;
		struct job j;

		if (l->resume && now >= l->resume_at) {
			unsigned epoch = n->epoch;
			bool done;

			l->resume = false;
			pthread_mutex_unlock(&n->mu);
			done = resume(l);
			pthread_mutex_lock(&n->mu);
			/* the database failed: look again in a moment, unless the
			 * node stopped leading meanwhile */
			if (!done && n->epoch == epoch) {
				l->resume = true;
				l->resume_at = clock_now_ms() + DB_RETRY_MS;
			}
			continue;
		}
		if (l->resume && l->resume_at < next)
			next = l->resume_at;
		/* the earliest due first: the oldest alert before a newer one */
		for (size_t i = 0; i < l->njobs; i++) {
			if (l->jobs[i].due <= now && (!found || l->jobs[i].alert_id < j.alert_id)) {
				j = l->jobs[i];
				found = true;
			}
			if (l->jobs[i].due < next)
				next = l->jobs[i].due;
		}
		if (found) {
			unsigned epoch = n->epoch;
			enum outcome o;

			for (size_t i = 0; i < l->njobs; i++) {
				if (l->jobs[i].alert_id == j.alert_id && l->jobs[i].attempt == j.attempt &&
				    l->jobs[i].repeat == j.repeat && l->jobs[i].poll == j.poll) {
					l->jobs[i] = l->jobs[--l->njobs];
					break;
				}
			}
			l->sending = j.alert_id;
			l->sending_repeat = j.repeat;
			pthread_mutex_unlock(&n->mu);
			o = attempt(l, &j);
			pthread_mutex_lock(&n->mu);
			l->sending = 0;
			/* a retry, unless the node stopped leading while it was sent */
			if (o != DONE && n->epoch == epoch && !n->stopping)
				push(l, j);
			continue;
		}
		thread_wait_ms(&l->cv, &n->mu, next - now);
	}
	pthread_mutex_unlock(&n->mu);
	return NULL;
}

int notifier_start(struct vigil *v, const struct notify_config *c, struct notifier **out,
		   char *err, size_t errlen)
{
	struct notifier *n = xcalloc(1, sizeof *n);

	n->v = v;
	n->cfg = *c;
	if (!n->cfg.max_attempts)
		n->cfg.max_attempts = 6;
	if (!n->cfg.first_backoff_ms)
		n->cfg.first_backoff_ms = 1000;
	if (!n->cfg.timeout_ms)
		n->cfg.timeout_ms = 5000;
	if (!n->cfg.sms_poll_ms)
		n->cfg.sms_poll_ms = 5000;
	if (c->webhook_secret)
		n->secret = xstrdup(c->webhook_secret);
	if (c->sms_url) {
		if (!c->sms_key || !c->sms_template ||
		    govnotify_key_parse(c->sms_key, n->gn.service, n->gn.secret, err, errlen) < 0) {
			if (!c->sms_key || !c->sms_template)
				snprintf(err, errlen, "SMS through Notify needs its API key and template");
			free(n->secret);
			free(n);
			return -1;
		}
		n->sms = true;
		n->gn.base_url = c->sms_url;
		n->gn.template_id = c->sms_template;
		n->gn.timeout_ms = (long)n->cfg.timeout_ms;
	}
	n->cfg.sms_key = NULL; /* the caller's copy is the caller's to wipe */
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0) {
		snprintf(err, errlen, "cannot initialise libcurl");
		free(n);
		return -1;
	}
	pthread_mutex_init(&n->mu, NULL);
	for (int ch = 0; ch < NOTIFY_CHANNELS; ch++) {
		n->lane[ch].n = n;
		n->lane[ch].ch = (enum notify_channel)ch;
		pthread_cond_init(&n->lane[ch].cv, NULL);
	}
	for (int ch = 0; ch < NOTIFY_CHANNELS; ch++) {
		struct lane *l = &n->lane[ch];

		if (!n->cfg.url[ch] && !(ch == NOTIFY_VICTIM && (n->sms || n->cfg.push)))
			continue; /* the channel is off */
		if (db_open(&l->db, v->cfg.db_url, err, errlen) < 0)
			goto fail;
		db_set_name(l->db, "vigil notifier");
		db_set_keys(l->db, v->keys);
		if (pthread_create(&l->thread, NULL, run, l) != 0) {
			snprintf(err, errlen, "cannot start the notifier of the %s",
				 notify_channel_name(l->ch));
			goto fail;
		}
		l->running = true;
	}
	*out = n;
	return 0;
fail:
	notifier_stop(n);
	return -1;
}

void notifier_stop(struct notifier *n)
{
	if (!n)
		return;
	pthread_mutex_lock(&n->mu);
	n->stopping = true;
	for (int ch = 0; ch < NOTIFY_CHANNELS; ch++)
		pthread_cond_signal(&n->lane[ch].cv);
	pthread_mutex_unlock(&n->mu);
	for (int ch = 0; ch < NOTIFY_CHANNELS; ch++) {
		struct lane *l = &n->lane[ch];

		if (l->running)
			pthread_join(l->thread, NULL);
		db_close(l->db);
		free(l->jobs);
		pthread_cond_destroy(&l->cv);
	}
	pthread_mutex_destroy(&n->mu);
	curl_global_cleanup();
	sodium_memzero(&n->gn, sizeof n->gn);
	if (n->secret) {
		sodium_memzero(n->secret, strlen(n->secret));
		free(n->secret);
	}
	free(n);
}

static void queue(struct notifier *n, int64_t alert_id, const char *kind, bool late, int repeat)
{
	unsigned ch;

	if (!n)
		return;
	ch = notify_channels_for(kind);
	/* a breach found late (a backlog) is the desk's to act on: telling her
	 * to stay safe now would be about a danger that has passed */
	if (late)
		ch &= ~(1u << NOTIFY_VICTIM);
	pthread_mutex_lock(&n->mu);
	for (int c = 0; c < NOTIFY_CHANNELS; c++)
		if ((ch & (1u << c)) && n->lane[c].running)
			push(&n->lane[c], (struct job){ alert_id, 1, clock_now_ms(), repeat, false, 0, "" });
	pthread_mutex_unlock(&n->mu);
}

void notifier_alert(struct notifier *n, int64_t alert_id, const char *kind, bool late)
{
	queue(n, alert_id, kind, late, 0);
}

void notifier_repeat(struct notifier *n, int64_t alert_id, const char *kind, bool late, int repeat)
{
	queue(n, alert_id, kind, late, repeat);
}

int notifier_send_sms(struct notifier *n, const char *phone, const char *text,
		      const char *reference, char *err, size_t errlen)
{
	char id[GOVNOTIFY_ID_MAX];
	long http;

	if (!n || !n->sms) {
		snprintf(err, errlen, "no SMS provider is set up (--sms-notify-url)");
		return -1;
	}
	return govnotify_send_sms(&n->gn, phone, text, reference, id, &http, err, errlen) ==
			       GOVNOTIFY_OK
		       ? 0
		       : -1;
}

void notifier_resume(struct notifier *n)
{
	if (!n)
		return;
	pthread_mutex_lock(&n->mu);
	for (int c = 0; c < NOTIFY_CHANNELS; c++) {
		if (n->lane[c].running) {
			n->lane[c].resume = true;
			pthread_cond_signal(&n->lane[c].cv);
		}
	}
	pthread_mutex_unlock(&n->mu);
}

void notifier_drop(struct notifier *n)
{
	if (!n)
		return;
	pthread_mutex_lock(&n->mu);
	n->epoch++; /* and what a lane is sending or looking up now is not queued */
	for (int c = 0; c < NOTIFY_CHANNELS; c++) {
		n->lane[c].njobs = 0;
		n->lane[c].resume = false;
	}
	pthread_mutex_unlock(&n->mu);
}
