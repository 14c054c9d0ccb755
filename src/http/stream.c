/*
 * http/stream — Server-Sent Events over libmicrohttpd with suspend/resume.
 */
#include "http/stream.h"

#include <microhttpd.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/mem.h"
#include "http/request.h"
#include "store/monitor.h"

#define KEEPALIVE_MS 15000

struct client {
	struct stream_hub *hub;
	struct MHD_Connection *conn;
	int64_t last_id;
	struct viewer viewer;
	struct buf out;
	size_t off;
	bool suspended;
	int64_t last_write;
	struct client *next;
};

struct stream_hub {
	pthread_mutex_t mu;
	uint64_t gen;
	bool closing;
	db_pool *pool;
	stream_event_fn event_json;
	struct client *clients;
};

struct stream_hub *stream_new(db_pool *pool, stream_event_fn event_json)
{
	struct stream_hub *h = xcalloc(1, sizeof *h);

	pthread_mutex_init(&h->mu, NULL);
	h->pool = pool;
	h->event_json = event_json;
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
	pthread_mutex_unlock(&h->mu);
	stream_wake(h);
}

void stream_free(struct stream_hub *h)
{
	if (!h)
		return;
	pthread_mutex_destroy(&h->mu);
	free(h);
}

int64_t stream_latest(struct stream_hub *h)
{
	db *d = db_pool_acquire(h->pool);
	db_stmt *s;
	int64_t id = 0;

	if (db_prepare(d, &s, "SELECT MAX(id) FROM alert_events") >= 0) {
		if (db_step(s) == DB_ROW)
			id = db_column_int64(s, 0);
		db_finalize(s);
	}
	db_pool_release(h->pool, d);
	return id;
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
	json_t *data = f->c->hub->event_json(f->d, event_id, alert_id, kind, at, &f->c->viewer);
	char *text = data ? json_dumps(data, JSON_COMPACT) : NULL;

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
		pthread_mutex_lock(&h->mu);
		gen = h->gen;
		if (h->closing) {
			pthread_mutex_unlock(&h->mu);
			return MHD_CONTENT_READER_END_OF_STREAM;
		}
		pthread_mutex_unlock(&h->mu);
		{
			struct fill_ctx f = { c, db_pool_acquire(h->pool), 0, 0 };

			alert_event_each(f.d, c->last_id, 100, add_event, &f);
			db_pool_release(h->pool, f.d);
			if (f.seen)
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
	free(c);
}

void stream_attach(struct stream_hub *h, struct req *r, int64_t last_id, const struct viewer *v)
{
	struct client *c = xcalloc(1, sizeof *c);

	c->hub = h;
	c->conn = r->conn;
	c->last_id = last_id;
	c->viewer = *v;
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
