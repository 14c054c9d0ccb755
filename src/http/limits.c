/*
 * http/limits — see limits.h.  An open-addressed table of addresses with a
 * live connection count each; a slot whose count falls to zero is free again
 * (tombstones would let churn fill the table).
 */
#include "http/limits.h"

#include "base/clock.h"
#include "base/thread.h"

#include <microhttpd.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SLOTS 16384
#define PROBE 64
#define REASONS 8

struct slot {
	unsigned char key[16]; /* IPv6, or IPv4-mapped */
	int count;
};

/* A tracked connection.  Those that may be cut (waiting, receiving a body,
 * idle) are on one list in the order they entered their state, oldest
 * first; the busy ones on none. */
struct conn_track {
	int fd;
	enum conn_state state;
	int64_t since;    /* ms (monotonic): when it entered its state */
	bool listed, cut;
	unsigned char key[16];
	struct conn_track *prev, *next;
};

/* Under pressure, a waiting or idle connection younger than this is kept:
 * a client that has just connected gets its chance to speak. */
#define EVICT_GRACE_MS 1000

struct conn_limits {
	pthread_mutex_t mu;
	char port[16];
	int max_total, max_per_addr;
	int open;
	int cutting;      /* cut, not yet closed by the server */
	int64_t header_ms, body_ms;
	struct conn_track *head, *tail;
	atomic_ullong cut_header, cut_body, evicted;
	atomic_llong buffered; /* unfinished device packets' bytes (device ports) */
	bool counts_buffered;
	/* the sweeper: cuts what is past its deadline twice a second, even
	 * when no new connection comes to do it */
	pthread_t sweeper;
	pthread_cond_t stop_cv;
	bool sweeping, stopping;
	struct slot slots[SLOTS];
	atomic_ullong refused_total, refused_addr, refused_full;
	/* other refusals before sign-in, by reason */
	char reason[REASONS][32];
	atomic_ullong reason_n[REASONS];
};

static void key_of(const struct sockaddr *a, socklen_t len, unsigned char key[16])
{
	memset(key, 0, 16);
	if (a && a->sa_family == AF_INET && len >= (socklen_t)sizeof(struct sockaddr_in)) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)a;

		key[10] = key[11] = 0xff;
		memcpy(key + 12, &in->sin_addr, 4);
	} else if (a && a->sa_family == AF_INET6 && len >= (socklen_t)sizeof(struct sockaddr_in6)) {
		memcpy(key, &((const struct sockaddr_in6 *)a)->sin6_addr, 16);
	}
}

static uint32_t hash(const unsigned char key[16])
{
	uint32_t h = 2166136261u;

	for (int i = 0; i < 16; i++)
		h = (h ^ key[i]) * 16777619u;
	return h;
}

struct conn_limits *conn_limits_new(const char *port, int max_total, int max_per_addr)
{
	struct conn_limits *l = xcalloc(1, sizeof *l);

	pthread_mutex_init(&l->mu, NULL);
	pthread_cond_init(&l->stop_cv, NULL);
	snprintf(l->port, sizeof l->port, "%s", port);
	l->max_total = max_total;
	l->max_per_addr = max_per_addr;
	return l;
}

static void sweep(struct conn_limits *l, int64_t now);

static void *sweeper_main(void *arg)
{
	struct conn_limits *l = arg;

	pthread_mutex_lock(&l->mu);
	while (!l->stopping) {
		thread_wait_ms(&l->stop_cv, &l->mu, 500);
		if (!l->stopping)
			sweep(l, clock_mono_ns() / 1000000);
	}
	pthread_mutex_unlock(&l->mu);
	return NULL;
}

void conn_limits_deadlines(struct conn_limits *l, int64_t header_ms, int64_t body_ms)
{
	pthread_mutex_lock(&l->mu);
	l->header_ms = header_ms;
	l->body_ms = body_ms;
	if (!l->sweeping && (header_ms || body_ms))
		l->sweeping = pthread_create(&l->sweeper, NULL, sweeper_main, l) == 0;
	pthread_mutex_unlock(&l->mu);
}

void conn_limits_free(struct conn_limits *l)
{
	if (!l)
		return;
	if (l->sweeping) {
		thread_stop(l->sweeper, &l->mu, &l->stop_cv, &l->stopping);
	}
	pthread_cond_destroy(&l->stop_cv);
	while (l->head) {
		struct conn_track *t = l->head;

		l->head = t->next;
		free(t);
	}
	pthread_mutex_destroy(&l->mu);
	free(l);
}

/* The slot of key, or (make) an empty one for it; NULL when none is free
 * within the probe run.  Caller holds mu. */
static struct slot *slot_of(struct conn_limits *l, const unsigned char key[16], bool make)
{
	uint32_t h = hash(key);
	struct slot *empty = NULL;

	for (int i = 0; i < PROBE; i++) {
		struct slot *s = &l->slots[(h + (uint32_t)i) % SLOTS];

		if (s->count > 0 && memcmp(s->key, key, 16) == 0)
			return s;
		if (s->count == 0 && !empty)
			empty = s;
	}
	if (!make || !empty)
		return NULL;
	memcpy(empty->key, key, 16);
	return empty;
}

static void unlist(struct conn_limits *l, struct conn_track *t)
{
	if (!t->listed)
		return;
	if (t->prev)
		t->prev->next = t->next;
	else
		l->head = t->next;
	if (t->next)
		t->next->prev = t->prev;
	else
		l->tail = t->prev;
	t->prev = t->next = NULL;
	t->listed = false;
}

static void list_tail(struct conn_limits *l, struct conn_track *t)
{
	t->prev = l->tail;
	t->next = NULL;
	if (l->tail)
		l->tail->next = t;
	else
		l->head = t;
	l->tail = t;
	t->listed = true;
}

/* Shut the connection's socket down: the server sees the client gone and
 * closes it (conn_limits_untrack follows).  The fd is still the
 * connection's: the server tells us it closed before it closes the fd, and
 * that takes mu.  Caller holds mu. */
static void cut(struct conn_limits *l, struct conn_track *t, atomic_ullong *why)
{
	unlist(l, t);
	t->cut = true;
	l->cutting++;
	shutdown(t->fd, SHUT_RDWR);
	atomic_fetch_add(why, 1);
}

/* Cut what is past its deadline: the list is in state-entry order, but its
 * states have different deadlines, so the whole of its expired prefix for
 * either is looked at (bounded, as each cut leaves the list).  Caller holds mu. */
static void sweep(struct conn_limits *l, int64_t now)
{
	struct conn_track *t = l->head, *next;
	int64_t first = l->header_ms && (!l->body_ms || l->header_ms < l->body_ms) ? l->header_ms
										 : l->body_ms;
	int seen = 0;

	if (!first)
		return; /* no deadlines */
	for (; t && seen < 4096; t = next, seen++) {
		int64_t age = now - t->since;

		next = t->next;
		if (t->state == CONN_WAITING && l->header_ms && age > l->header_ms)
			cut(l, t, &l->cut_header);
		else if (t->state == CONN_BODY && l->body_ms && age > l->body_ms)
			cut(l, t, &l->cut_body);
		else if (age <= first)
			break; /* the rest are younger than either deadline */
	}
}

bool conn_limits_admit(struct conn_limits *l, const struct sockaddr *addr, socklen_t len)
{
	unsigned char key[16];
	struct slot *s;
	bool ok = false;
	int64_t now = clock_mono_ns() / 1000000;

	key_of(addr, len, key);
	pthread_mutex_lock(&l->mu);
	sweep(l, now);
	/* full: make room by cutting the oldest waiting or idle connection
	 * (one a second old at least), never one being answered */
	if (l->open - l->cutting >= l->max_total && l->head && now - l->head->since > EVICT_GRACE_MS)
		cut(l, l->head, &l->evicted);
	if (l->open - l->cutting >= l->max_total) {
		atomic_fetch_add(&l->refused_total, 1);
	} else if (!(s = slot_of(l, key, true))) {
		atomic_fetch_add(&l->refused_full, 1);
	} else if (s->count >= l->max_per_addr) {
		atomic_fetch_add(&l->refused_addr, 1);
	} else {
		s->count++;
		l->open++;
		ok = true;
	}
	pthread_mutex_unlock(&l->mu);
	return ok;
}

/* Caller holds mu. */
static void release_key(struct conn_limits *l, const unsigned char key[16])
{
	struct slot *s = slot_of(l, key, false);

	if (s && s->count > 0) {
		s->count--;
		l->open--;
	}
}

void conn_limits_release(struct conn_limits *l, const struct sockaddr *addr, socklen_t len)
{
	unsigned char key[16];

	key_of(addr, len, key);
	pthread_mutex_lock(&l->mu);
	release_key(l, key);
	pthread_mutex_unlock(&l->mu);
}

struct conn_track *conn_limits_track(struct conn_limits *l, int fd, const struct sockaddr *addr,
				     socklen_t len)
{
	struct conn_track *t = xcalloc(1, sizeof *t);

	t->fd = fd;
	t->state = CONN_WAITING;
	t->since = clock_mono_ns() / 1000000;
	key_of(addr, len, t->key);
	pthread_mutex_lock(&l->mu);
	list_tail(l, t);
	pthread_mutex_unlock(&l->mu);
	return t;
}

void conn_limits_set_state(struct conn_limits *l, struct conn_track *t, enum conn_state st)
{
	if (!t)
		return;
	pthread_mutex_lock(&l->mu);
	if (!t->cut) {
		unlist(l, t);
		t->state = st;
		t->since = clock_mono_ns() / 1000000;
		if (st != CONN_BUSY)
			list_tail(l, t);
	}
	pthread_mutex_unlock(&l->mu);
}

void conn_limits_untrack(struct conn_limits *l, struct conn_track *t)
{
	if (!t)
		return;
	pthread_mutex_lock(&l->mu);
	unlist(l, t);
	if (t->cut)
		l->cutting--;
	release_key(l, t->key);
	pthread_mutex_unlock(&l->mu);
	free(t);
}

void conn_limits_refused(struct conn_limits *l, const char *reason)
{
	if (!l)
		return;
	pthread_mutex_lock(&l->mu);
	for (int i = 0; i < REASONS; i++) {
		if (!l->reason[i][0])
			snprintf(l->reason[i], sizeof l->reason[i], "%s", reason);
		if (strcmp(l->reason[i], reason) == 0) {
			atomic_fetch_add(&l->reason_n[i], 1);
			break;
		}
	}
	pthread_mutex_unlock(&l->mu);
}

void conn_limits_render(struct conn_limits *l, struct buf *out)
{
	int open;

	if (!l)
		return;
	pthread_mutex_lock(&l->mu);
	open = l->open;
	pthread_mutex_unlock(&l->mu);
	buf_printf(out, "vigil_connections_open{port=\"%s\"} %d\n", l->port, open);
	buf_printf(out, "vigil_connection_limit{port=\"%s\",per=\"total\"} %d\n", l->port, l->max_total);
	buf_printf(out, "vigil_connection_limit{port=\"%s\",per=\"address\"} %d\n", l->port,
		   l->max_per_addr);
	buf_printf(out, "vigil_refused_total{port=\"%s\",reason=\"connections_total\"} %llu\n", l->port,
		   (unsigned long long)atomic_load(&l->refused_total));
	buf_printf(out, "vigil_refused_total{port=\"%s\",reason=\"connections_per_address\"} %llu\n",
		   l->port, (unsigned long long)atomic_load(&l->refused_addr));
	buf_printf(out, "vigil_refused_total{port=\"%s\",reason=\"address_table_full\"} %llu\n", l->port,
		   (unsigned long long)atomic_load(&l->refused_full));
	buf_printf(out, "vigil_connections_cut_total{port=\"%s\",reason=\"header_deadline\"} %llu\n",
		   l->port, (unsigned long long)atomic_load(&l->cut_header));
	buf_printf(out, "vigil_connections_cut_total{port=\"%s\",reason=\"body_deadline\"} %llu\n",
		   l->port, (unsigned long long)atomic_load(&l->cut_body));
	buf_printf(out, "vigil_connections_cut_total{port=\"%s\",reason=\"evicted_when_full\"} %llu\n",
		   l->port, (unsigned long long)atomic_load(&l->evicted));
	if (l->counts_buffered)
		buf_printf(out, "vigil_buffered_bytes{port=\"%s\"} %lld\n", l->port,
			   (long long)atomic_load(&l->buffered));
	for (int i = 0; i < REASONS && l->reason[i][0]; i++)
		buf_printf(out, "vigil_refused_total{port=\"%s\",reason=\"%s\"} %llu\n", l->port,
			   l->reason[i], (unsigned long long)atomic_load(&l->reason_n[i]));
}

/* ---- libmicrohttpd glue ------------------------------------------------------------ */

static socklen_t addr_len(const struct sockaddr *a)
{
	return a->sa_family == AF_INET6 ? (socklen_t)sizeof(struct sockaddr_in6)
					: (socklen_t)sizeof(struct sockaddr_in);
}

enum MHD_Result conn_limits_mhd_accept(void *limits, const struct sockaddr *addr, socklen_t len)
{
	return conn_limits_admit(limits, addr, len) ? MHD_YES : MHD_NO;
}

void conn_limits_mhd_notify(void *limits, struct MHD_Connection *c, void **socket_context,
			    enum MHD_ConnectionNotificationCode toe)
{
	struct conn_limits *l = limits;
	const union MHD_ConnectionInfo *ci, *fi;

	ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		fi = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
		*socket_context = ci && ci->client_addr && fi
					  ? conn_limits_track(l, fi->connect_fd, ci->client_addr,
							      addr_len(ci->client_addr))
					  : NULL;
		return;
	}
	if (toe != MHD_CONNECTION_NOTIFY_CLOSED)
		return;
	if (*socket_context) {
		conn_limits_untrack(l, *socket_context);
		*socket_context = NULL;
	} else if (ci && ci->client_addr) {
		/* not tracked (no address or fd was to be had): its count by address */
		conn_limits_release(l, ci->client_addr, addr_len(ci->client_addr));
	}
}

void conn_limits_mhd_state(struct conn_limits *l, struct MHD_Connection *c, enum conn_state st)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

	if (ci && ci->socket_context)
		conn_limits_set_state(l, ci->socket_context, st);
}

void conn_limits_buffered(struct conn_limits *l, long long delta)
{
	l->counts_buffered = true;
	atomic_fetch_add(&l->buffered, delta);
}
