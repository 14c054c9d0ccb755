/*
 * http/limits — see limits.h.  An open-addressed table of addresses with a
 * live connection count each; a slot whose count falls to zero is free again
 * (tombstones would let churn fill the table).
 */
#include "http/limits.h"

#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SLOTS 16384
#define PROBE 64
#define REASONS 8

struct slot {
	unsigned char key[16]; /* IPv6, or IPv4-mapped */
	int count;
};

struct conn_limits {
	pthread_mutex_t mu;
	char port[16];
	int max_total, max_per_addr;
	int open;
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
	snprintf(l->port, sizeof l->port, "%s", port);
	l->max_total = max_total;
	l->max_per_addr = max_per_addr;
	return l;
}

void conn_limits_free(struct conn_limits *l)
{
	if (!l)
		return;
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

bool conn_limits_admit(struct conn_limits *l, const struct sockaddr *addr, socklen_t len)
{
	unsigned char key[16];
	struct slot *s;
	bool ok = false;

	key_of(addr, len, key);
	pthread_mutex_lock(&l->mu);
	if (l->open >= l->max_total) {
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

void conn_limits_release(struct conn_limits *l, const struct sockaddr *addr, socklen_t len)
{
	unsigned char key[16];
	struct slot *s;

	key_of(addr, len, key);
	pthread_mutex_lock(&l->mu);
	s = slot_of(l, key, false);
	if (s && s->count > 0) {
		s->count--;
		l->open--;
	}
	pthread_mutex_unlock(&l->mu);
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
	for (int i = 0; i < REASONS && l->reason[i][0]; i++)
		buf_printf(out, "vigil_refused_total{port=\"%s\",reason=\"%s\"} %llu\n", l->port,
			   l->reason[i], (unsigned long long)atomic_load(&l->reason_n[i]));
}
