/*
 * notify — webhooks with retries, on their own thread.
 */
#include "notify/notify.h"

#include <curl/curl.h>
#include <jansson.h>
#include <math.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/clock.h"
#include "base/log.h"
#include "base/mem.h"
#include "db/db.h"
#include "store/cases.h"
#include "store/monitor.h"
#include "vigil.h"

struct job {
	int64_t alert_id;
	enum notify_channel channel;
	int attempt;
	int64_t due;
};

struct notifier {
	struct vigil *v;
	struct notify_config cfg;
	db *db;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct job *jobs;
	size_t njobs, cap;
	bool stopping;
};

const char *notify_channel_name(enum notify_channel c)
{
	static const char *names[] = { "centre", "victim", "police" };

	return c < NOTIFY_CHANNELS ? names[c] : "?";
}

unsigned notify_channels_for(const char *kind, const char *severity)
{
	unsigned ch = 1u << NOTIFY_CENTRE; /* the centre hears of everything */
	bool approach = !strcmp(kind, "zone_entry") || !strcmp(kind, "proximity") ||
			!strcmp(kind, "lost_signal_near_zone");

	if (approach || !strcmp(kind, "panic"))
		ch |= 1u << NOTIFY_POLICE;
	/* the victim is warned when he comes near (not of tag faults, nor of
	 * her own panic button, which she pressed) */
	if (approach)
		ch |= 1u << NOTIFY_VICTIM;
	(void)severity;
	return ch;
}

const char *notify_victim_text(const char *kind)
{
	if (!strcmp(kind, "lost_signal_near_zone"))
		return "Vigil: we have lost contact with his tag and he may be nearby. Stay somewhere "
		       "safe. Help is coming. Call 999 if you are in danger.";
	return "Vigil: stay safe. Help is coming. Go somewhere safe and call 999 if you are in "
	       "danger.";
}

/* The body for a channel.  The victim's has no position of anyone. */
static json_t *payload(struct notifier *n, const struct alert *a, enum notify_channel ch)
{
	struct case_record c;
	char ref[24] = "";
	json_t *o;

	if (case_get_by_id(n->db, a->case_id, &c) == 1) {
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

static size_t discard(char *p, size_t size, size_t nmemb, void *ud)
{
	(void)p;
	(void)ud;
	return size * nmemb;
}

/* One attempt: 0 delivered (2xx), -1 not. */
static int send_one(struct notifier *n, const char *url, const char *body, long *status,
		    char *err, size_t errlen)
{
	CURL *c = curl_easy_init();
	struct curl_slist *h = NULL;
	char ebuf[CURL_ERROR_SIZE] = "";
	CURLcode rc;

	*status = 0;
	if (!c) {
		snprintf(err, errlen, "cannot start libcurl");
		return -1;
	}
	h = curl_slist_append(h, "Content-Type: application/json");
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)n->cfg.timeout_ms);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)(n->cfg.timeout_ms / 2));
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, ebuf);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	rc = curl_easy_perform(c);
	if (rc == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
	else
		snprintf(err, errlen, "%s", ebuf[0] ? ebuf : curl_easy_strerror(rc));
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	return rc == CURLE_OK && *status >= 200 && *status < 300 ? 0 : -1;
}

static void push(struct notifier *n, struct job j)
{
	if (n->njobs == n->cap) {
		n->cap = n->cap ? n->cap * 2 : 64;
		n->jobs = xrealloc(n->jobs, n->cap * sizeof *n->jobs);
	}
	n->jobs[n->njobs++] = j;
	pthread_cond_signal(&n->cv);
}

static void attempt(struct notifier *n, struct job j)
{
	char err[CURL_ERROR_SIZE + 32] = "", *body;
	struct alert a;
	long status;
	json_t *p;
	int ok;

	if (alert_get(n->db, j.alert_id, &a) != 1)
		return;
	p = payload(n, &a, j.channel);
	alert_free(&a);
	body = json_dumps(p, JSON_COMPACT);
	json_decref(p);
	ok = send_one(n, n->cfg.url[j.channel], body, &status, err, sizeof err) == 0;
	free(body);
	if (status && !ok)
		snprintf(err, sizeof err, "HTTP %ld", status);
	{
		struct notification rec = {
			.channel = notify_channel_name(j.channel),
			.attempt = j.attempt,
			.at = clock_now_ms(),
			.http_status = status,
			.error = ok ? NULL : err,
			.delivered = ok,
		};

		if (notification_record(n->db, j.alert_id, &rec) < 0)
			log_error("cannot record a notification attempt: %s", db_errmsg(n->db));
	}
	if (ok)
		return;
	log_warn("notification of alert %lld to the %s failed (attempt %d): %s", (long long)j.alert_id,
		 notify_channel_name(j.channel), j.attempt, err);
	if (j.attempt < n->cfg.max_attempts) {
		j.due = clock_now_ms() + (n->cfg.first_backoff_ms << (j.attempt - 1));
		j.attempt++;
		pthread_mutex_lock(&n->mu);
		push(n, j);
		pthread_mutex_unlock(&n->mu);
	}
}

static void *run(void *arg)
{
	struct notifier *n = arg;

	pthread_mutex_lock(&n->mu);
	while (!n->stopping) {
		int64_t now = clock_now_ms(), next = now + 1000;
		bool found = false;
		struct job j;

		for (size_t i = 0; i < n->njobs; i++) {
			if (n->jobs[i].due <= now) {
				j = n->jobs[i];
				n->jobs[i] = n->jobs[--n->njobs];
				found = true;
				break;
			}
			if (n->jobs[i].due < next)
				next = n->jobs[i].due;
		}
		if (found) {
			pthread_mutex_unlock(&n->mu);
			attempt(n, j);
			pthread_mutex_lock(&n->mu);
			continue;
		}
		{
			struct timespec ts;
			int64_t wait = next - now;

			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_sec += wait / 1000;
			ts.tv_nsec += (wait % 1000) * 1000000;
			if (ts.tv_nsec >= 1000000000) {
				ts.tv_sec++;
				ts.tv_nsec -= 1000000000;
			}
			pthread_cond_timedwait(&n->cv, &n->mu, &ts);
		}
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
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0) {
		snprintf(err, errlen, "cannot initialise libcurl");
		free(n);
		return -1;
	}
	if (db_open(&n->db, v->cfg.db_url, err, errlen) < 0) {
		free(n);
		return -1;
	}
	pthread_mutex_init(&n->mu, NULL);
	pthread_cond_init(&n->cv, NULL);
	if (pthread_create(&n->thread, NULL, run, n) != 0) {
		snprintf(err, errlen, "cannot start the notifier");
		db_close(n->db);
		free(n);
		return -1;
	}
	*out = n;
	return 0;
}

void notifier_stop(struct notifier *n)
{
	if (!n)
		return;
	pthread_mutex_lock(&n->mu);
	n->stopping = true;
	pthread_cond_signal(&n->cv);
	pthread_mutex_unlock(&n->mu);
	pthread_join(n->thread, NULL);
	db_close(n->db);
	free(n->jobs);
	pthread_cond_destroy(&n->cv);
	pthread_mutex_destroy(&n->mu);
	curl_global_cleanup();
	free(n);
}

void notifier_alert(struct notifier *n, int64_t alert_id, const char *kind, const char *severity)
{
	unsigned ch;

	if (!n)
		return;
	ch = notify_channels_for(kind, severity);
	pthread_mutex_lock(&n->mu);
	for (int c = 0; c < NOTIFY_CHANNELS; c++)
		if ((ch & (1u << c)) && n->cfg.url[c])
			push(n, (struct job){ alert_id, (enum notify_channel)c, 1, clock_now_ms() });
	pthread_mutex_unlock(&n->mu);
}
