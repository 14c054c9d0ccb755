/*
 * http/stream — Server-Sent Events over libmicrohttpd with suspend/resume.
 */
#include "http/stream.h"

#include <microhttpd.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/clock.h"
#include "base/log.h"
#include "base/mem.h"
#include "http/auth.h"
#include "http/request.h"
#include "store/monitor.h"

#define KEEPALIVE_MS 15000

struct client {
	struct stream_hub *hub;
	struct MHD_Connection *conn;
	int64_t last_id;
	struct principal who;  /* who opened it, brought up to date at each check */
	enum perm perm;        /* what she must keep to go on receiving */
	struct viewer viewer;
	int64_t case_id;       /* a stream of one case's alerts (0: every visible case) */
	bool ending;           /* the last event is written: end once it is sent */
	struct buf out;
	size_t off;
	bool suspended;
	int64_t last_write;
	struct client *next;
};

struct stream_hub {
	pthread_mutex_t mu;
	pthread_cond_t tick_cv;
	pthread_t ticker;
	bool have_ticker;
	uint64_t gen;
	bool closing;
	db_pool *pool;
	stream_event_fn event_json;
	struct client *clients;
};

/* Every TICK_MS the ticker wakes every client, so that each sends its
 * keep-alive and checks its rights again even when no alert comes. */
#define TICK_MS 5000

static void *ticker(void *arg)
{
	struct stream_hub *h = arg;

	pthread_mutex_lock(&h->mu);
	while (!h->closing) {
		struct timespec until;

		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_sec += TICK_MS / 1000;
		pthread_cond_timedwait(&h->tick_cv, &h->mu, &until);
		if (h->closing)
			break;
		pthread_mutex_unlock(&h->mu);
		stream_wake(h);
		pthread_mutex_lock(&h->mu);
	}
	pthread_mutex_unlock(&h->mu);
	return NULL;
}

struct stream_hub *stream_new(db_pool *pool, stream_event_fn event_json)
{
	struct stream_hub *h = xcalloc(1, sizeof *h);

	pthread_condattr_t ca;

	pthread_mutex_init(&h->mu, NULL);
	/* the ticker waits on the monotonic clock: a wall clock set back must
	 * not stall the rights checks */
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&h->tick_cv, &ca);
	pthread_condattr_destroy(&ca);
	h->pool = pool;
	h->event_json = event_json;
	h->have_ticker = pthread_create(&h->ticker, NULL, ticker, h) == 0;
	if (!h->have_ticker)
		log_error("cannot start the live stream's ticker: streams check their viewers' rights "
			  "only when an alert comes");
	return h;
}

void stream_wake(struct stream_hub *h)
{
	if (!h)
		return;
	pthread_mutex_lock(&h->mu);
	h->gen++;
	for (struct client *c = h->clients; c; c = c->next) {
		if (c->suspended) {
			c->suspended = false;
			MHD_resume_connection(c->conn);
		}
	}
	pthread_mutex_unlock(&h->mu);
}

int stream_announce(db *d)
{
	return db_notify(d, STREAM_CHANNEL, "");
}

void stream_close(struct stream_hub *h)
{
	if (!h)
		return;
	pthread_mutex_lock(&h->mu);
	h->closing = true;
	pthread_cond_broadcast(&h->tick_cv);
	pthread_mutex_unlock(&h->mu);
	stream_wake(h);
}

void stream_free(struct stream_hub *h)
{
	if (!h)
		return;
	stream_close(h);
	if (h->have_ticker)
		pthread_join(h->ticker, NULL);
	pthread_cond_destroy(&h->tick_cv);
	pthread_mutex_destroy(&h->mu);
	free(h);
}

int64_t stream_latest(struct stream_hub *h)
{
	db *d = db_pool_acquire(h->pool);
	int64_t id = alert_event_latest(d);

	db_pool_release(h->pool, d);
	return id < 0 ? 0 : id;
}

struct fill_ctx {
	struct client *c;
	db *d;
	int n;    /* events written */
	int seen; /* events read, written or skipped */
};

static int add_event(int64_t event_id, int64_t alert_id, const char *kind, int64_t at, void *arg)
{
	struct fill_ctx *f = arg;
	json_t *data = NULL;
	char *text;

	if (f->c->case_id) {
		struct alert a;
		bool got = alert_get(f->d, alert_id, &a) == 1, ours = got && a.case_id == f->c->case_id;

		if (got)
			alert_free(&a);
		if (ours)
			data = f->c->hub->event_json(f->d, event_id, alert_id, kind, at,
						     &f->c->viewer);
	} else {
		data = f->c->hub->event_json(f->d, event_id, alert_id, kind, at, &f->c->viewer);
	}
	text = data ? json_dumps(data, JSON_COMPACT) : NULL;

	f->c->last_id = event_id;
	f->seen++;
	if (!text)
		return 0; /* not this viewer's: skipped, but the position moves on */
	/* one event: its id for Last-Event-ID, its type, its data on one line */
	buf_printf(&f->c->out, "id: %lld\nevent: alert\ndata: %s\n\n", (long long)event_id, text);
	free(text);
	json_decref(data);
	f->n++;
	return 0;
}

/* Is the client still allowed?  When not, write the last event and mark it
 * ending.  The viewer is rebuilt from the account as it is now. */
static bool still_allowed(struct client *c, db *d)
{
	enum auth_result a = auth_recheck(d, &c->who, c->perm);
	json_t *data;
	char *text;

	if (a == AUTH_OK) {
		c->viewer.user_id = c->who.user_id;
		c->viewer.role = c->who.role;
		c->viewer.agency_id = c->who.agency_id;
		c->viewer.device_token = c->who.device_token;
		/* a case's stream ends with her sight of the case: a share
		 * withdrawn, a referral taken back, an assignment ended */
		if (!c->case_id || case_visible(d, c->case_id, &c->viewer) == 1)
			return true;
		data = json_pack("{s:s, s:s}", "code", "case_not_visible", "message",
				 "the case is no longer one you may see (its sharing with your "
				 "agency was withdrawn, or it was taken from you)");
		goto end;
	}
	data = json_pack("{s:s, s:s}", "code",
			 a == AUTH_EXPIRED	   ? "session_expired"
			 : a == AUTH_TOKEN_EXPIRED ? "token_expired"
			 : a == AUTH_DISABLED	   ? "account_disabled"
			 : a == AUTH_FORBIDDEN	   ? "forbidden"
			 : a == AUTH_ERROR	   ? "unavailable"
						   : "signed_out",
			 "message", auth_result_reason(a));
end:
	text = json_dumps(data, JSON_COMPACT);
	buf_printf(&c->out, "event: end\ndata: %s\n\n", text);
	free(text);
	json_decref(data);
	c->ending = true;
	return false;
}

static ssize_t reader(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct client *c = cls;
	struct stream_hub *h = c->hub;

	(void)pos;
	for (;;) {
		uint64_t gen;
		size_t left = c->out.len - c->off;

		if (left) {
			size_t n = left < max ? left : max;

			memcpy(buf, c->out.data + c->off, n);
			c->off += n;
			if (c->off == c->out.len) {
				buf_reset(&c->out);
				c->off = 0;
			}
			c->last_write = clock_now_ms();
			return (ssize_t)n;
		}
		if (c->ending)
			return MHD_CONTENT_READER_END_OF_STREAM;
		pthread_mutex_lock(&h->mu);
		gen = h->gen;
		if (h->closing) {
			pthread_mutex_unlock(&h->mu);
			return MHD_CONTENT_READER_END_OF_STREAM;
		}
		pthread_mutex_unlock(&h->mu);
		{
			struct fill_ctx f = { c, db_pool_acquire(h->pool), 0, 0 };
			bool ok = still_allowed(c, f.d);

			/* a failed read (the database away) writes nothing: the
			 * next tick reads again from the same event */
			if (ok && alert_event_each(f.d, c->last_id, 100, add_event, &f) < 0)
				f.seen = 0;
			db_pool_release(h->pool, f.d);
			if (!ok || f.seen)
				continue; /* written, or a batch all skipped: read on */
		}
		if (clock_now_ms() - c->last_write >= KEEPALIVE_MS) {
			buf_puts(&c->out, ": keepalive\n\n");
			continue;
		}
		/* nothing to send: sleep until woken, unless a wake came meanwhile */
		pthread_mutex_lock(&h->mu);
		if (h->gen != gen || h->closing) {
			pthread_mutex_unlock(&h->mu);
			continue;
		}
		c->suspended = true;
		MHD_suspend_connection(c->conn);
		pthread_mutex_unlock(&h->mu);
		return 0;
	}
}

static void client_free(void *cls)
{
	struct client *c = cls;
	struct stream_hub *h = c->hub;

	pthread_mutex_lock(&h->mu);
	for (struct client **p = &h->clients; *p; p = &(*p)->next) {
		if (*p == c) {
			*p = c->next;
			break;
		}
	}
	pthread_mutex_unlock(&h->mu);
	buf_free(&c->out);
	secret_wipe(&c->who, sizeof c->who);
	free(c);
}

void stream_attach(struct stream_hub *h, struct req *r, int64_t last_id, enum perm perm)
{
	stream_attach_case(h, r, last_id, perm, 0);
}

void stream_attach_case(struct stream_hub *h, struct req *r, int64_t last_id, enum perm perm,
			int64_t case_id)
{
	struct client *c = xcalloc(1, sizeof *c);

	c->hub = h;
	c->conn = r->conn;
	c->last_id = last_id;
	c->who = r->who;
	c->perm = perm;
	c->case_id = case_id;
	c->last_write = clock_now_ms();
	buf_init(&c->out);
	/* tell the browser how soon to reconnect */
	buf_puts(&c->out, "retry: 2000\n\n");
	pthread_mutex_lock(&h->mu);
	c->next = h->clients;
	h->clients = c;
	pthread_mutex_unlock(&h->mu);
	r->stream = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096, reader, c, client_free);
	r->status = 200;
}
