/*
 * tcp — the Teltonika listener.
 *
 * One epoll thread reads every connection.  A decoded packet's records go to
 * the committer (ingest/commit.c) as a job, and the connection stops being
 * read until the job is done: the committer's callback queues the job and
 * wakes the thread (an eventfd), which sends the record-count
 * acknowledgement and reads on.  Meanwhile the thread serves the other
 * connections, whose packets join the same commit.  Commands for a tag come
 * the same way (another eventfd, a queue), and are written by this thread
 * alone, between the tag's packets.
 *
 * Before a tag has said who it is, anyone may connect: connections are
 * counted per address and in all (http/limits.h), one that has not finished
 * its handshake within --http-header-seconds is closed, and a full port makes
 * room by closing its oldest such connection.  A session's buffer is small
 * until a packet's header asks for more, and the bytes of unfinished packets
 * held by all sessions together have a budget (--teltonika-max-buffered):
 * the session that would go past it is closed.  A packet begun must be in
 * within --teltonika-packet-seconds, though it trickles.  A tag has one
 * session: a new handshake for a device closes its older one (a tag that
 * reconnects leaves a half-open session behind).
 */
#include "ingest/tcp.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gnutls/gnutls.h>

#include "base/clock.h"
#include "base/log.h"
#include "base/mem.h"
#include "http/limits.h"
#include "http/tls.h"
#include "ingest/accept.h"
#include "ingest/commit.h"
#include "ingest/reporting.h"
#include "ingest/teltonika.h"
#include "store/monitor.h"
#include "vigil.h"

#define BUF_MAX (8 + TELTONIKA_MAX_DATA + 4)
/* what every session holds: a handshake, or a packet of a few records */
#define BUF_SMALL 512
/* under pressure, a connection younger than this keeps its chance to speak */
#define EVICT_GRACE_MS 1000
#define MAX_AWAITED 4 /* commands written and not yet answered, per session */

struct job;

/* A command written on a session, waiting for its response. */
struct awaited {
	struct reporting_request rq;
	int64_t at;
};

struct tconn {
	int fd;
	uint8_t *buf;
	size_t len, cap;
	int64_t opened_at;   /* wall ms */
	int64_t packet_at;   /* wall ms: the first byte of what len holds */
	struct sockaddr_storage addr; /* the peer, for its count (http/limits.h) */
	socklen_t addr_len;
	gnutls_session_t tls; /* a session over TLS (the TLS port), or NULL */
	bool tls_done;        /* its handshake is over */
	bool have_imei;
	char imei[FIX_UID_MAX + 1];
	int64_t last_seen;
	struct job *job;  /* a packet with the committer: not read meanwhile */
	bool closed;      /* closed while its job was out: freed when it returns */
	bool doomed;      /* to be closed after this round of events (a newer session
			   * of its tag): its events of this round may still name it */
	int64_t device_id;   /* the registered device (after the handshake) */
	bool acked;          /* a packet of this session has been acknowledged */
	bool want;           /* a command waits for the next moment to write it */
	struct reporting_request cmd; /* (it) */
	struct awaited awaited[MAX_AWAITED]; /* written, oldest first */
	int nawaited;
	struct tconn *next;
};

/* A command queued for the listener's thread. */
struct cmd {
	struct reporting_request rq;
	struct cmd *next;
};

/* A packet's records with the committer. */
struct job {
	struct commit_req req;
	struct tcp_server *s;
	struct tconn *c;
	size_t used; /* the packet's bytes in c->buf */
	struct fix f[TELTONIKA_MAX_RECORDS];
	int results[TELTONIKA_MAX_RECORDS];
	char why[TELTONIKA_MAX_RECORDS][160];
	struct job *next;
};

struct tcp_server {
	struct vigil *v;
	int lfd, efd, wake;
	int port, idle_s;
	int tls_lfd, tls_port; /* the TLS port, or -1 */
	gnutls_certificate_credentials_t cred;
	pthread_t thread;
	struct tconn *conns;
	int nconns;
	long long buffered; /* capacity beyond BUF_SMALL held by sessions (the thread's) */
	/* jobs the committer has finished, for the thread (under mu) */
	int donefd;
	pthread_mutex_t mu;
	struct job *done;
	int jobs; /* out with the committer (the thread's) */
	/* commands for sessions (under mu), and their wake-up */
	int cmdfd;
	struct cmd *cmds, *cmds_tail;
};

static void conn_free(struct tconn *c)
{
	free(c->buf);
	free(c);
}

/* What became of the commands of a session that ends: those written are
 * unanswered, one not yet written was never placed (the tag is owed it). */
static void commands_end(struct tcp_server *s, struct tconn *c)
{
	int64_t now = clock_now_ms();

	for (int i = 0; i < c->nawaited; i++)
		reporting_outcome(s->v->reporting, REPORTING_UNANSWERED, &c->awaited[i].rq, now,
				  "the session closed before the tag answered");
	c->nawaited = 0;
	if (c->want && c->cmd.id)
		reporting_outcome(s->v->reporting, REPORTING_NO_SESSION, &c->cmd, now, NULL);
	c->want = false;
}

/* Give back what the session's buffer holds beyond the small one. */
static void buf_release(struct tcp_server *s, struct tconn *c)
{
	if (c->cap > BUF_SMALL) {
		s->buffered -= (long long)(c->cap - BUF_SMALL);
		conn_limits_buffered(s->v->tel_limits, -(long long)(c->cap - BUF_SMALL));
	}
}

static void conn_close(struct tcp_server *s, struct tconn *c)
{
	commands_end(s, c);
	buf_release(s, c);
	conn_limits_release(s->v->tel_limits, (struct sockaddr *)&c->addr, c->addr_len);
	for (struct tconn **p = &s->conns; *p; p = &(*p)->next)
		if (*p == c) {
			*p = c->next;
			break;
		}
	epoll_ctl(s->efd, EPOLL_CTL_DEL, c->fd, NULL);
	if (c->tls) {
		gnutls_deinit(c->tls);
		c->tls = NULL;
	}
	close(c->fd);
	s->nconns--;
	if (c->job)
		c->closed = true; /* its job still points here */
	else
		conn_free(c);
}

/* Write all of it, over TLS or not.  A 1-4 byte reply or a command that
 * does not fit the socket's buffer within a second is given up (the session
 * is closed): a tag that reads nothing is gone. */
static bool send_all(struct tconn *c, const void *p, size_t n)
{
	const uint8_t *b = p;
	int waits = 0;

	while (n) {
		ssize_t w;

		if (c->tls) {
			w = gnutls_record_send(c->tls, b, n);
			if (w == GNUTLS_E_AGAIN || w == GNUTLS_E_INTERRUPTED) {
				errno = EAGAIN;
				w = -1;
			} else if (w < 0) {
				errno = EIO;
				w = -1;
			}
		} else {
			w = send(c->fd, b, n, MSG_NOSIGNAL);
		}
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) && waits++ < 10) {
			struct pollfd pf = { .fd = c->fd, .events = POLLOUT };

			poll(&pf, 1, 100);
			continue;
		}
		if (w <= 0)
			return false;
		b += w;
		n -= (size_t)w;
	}
	return true;
}

/* Read what is there, over TLS or not: as read(2). */
static ssize_t conn_recv(struct tconn *c, void *p, size_t n)
{
	ssize_t r;

	if (!c->tls)
		return read(c->fd, p, n);
	r = gnutls_record_recv(c->tls, p, n);
	if (r >= 0)
		return r;
	if (r == GNUTLS_E_AGAIN)
		errno = EAGAIN;
	else if (r == GNUTLS_E_INTERRUPTED)
		errno = EINTR;
	else
		errno = EIO;
	return -1;
}

/* The record-count acknowledgement: sent only once the records are durable. */
static bool send_ack(struct tconn *c, size_t nrec)
{
	uint8_t ack[4] = { (uint8_t)(nrec >> 24), (uint8_t)(nrec >> 16), (uint8_t)(nrec >> 8),
			   (uint8_t)nrec };

	return send_all(c, ack, 4);
}

/* Wake the listener's thread by its eventfd fd (what for: said after
 * "listener" should it fail). */
static void poke(int fd, const char *what)
{
	uint64_t one = 1;

	if (write(fd, &one, sizeof one) < 0)
		log_warn("cannot wake the Teltonika listener%s", what);
}

/* Clear the eventfd fd that woke the listener's thread (name: which, should
 * it fail): what it counted is taken whole from its list. */
static void drain(int fd, const char *name)
{
	uint64_t n;

	if (read(fd, &n, sizeof n) < 0 && errno != EAGAIN)
		log_warn("teltonika: cannot read the listener's %s", name);
}

/* The committer's callback, on its thread: hand the job back. */
static void job_done(struct commit_req *r)
{
	struct job *j = r->arg;
	struct tcp_server *s = j->s;

	pthread_mutex_lock(&s->mu);
	j->next = s->done;
	s->done = j;
	pthread_mutex_unlock(&s->mu);
	poke(s->donefd, "");
}

/*
 * Write the command a session waits for, if now is the moment: between
 * packets (none with the committer) and after one was acknowledged.  False
 * when the connection failed.
 */
static bool command_flush(struct tcp_server *s, struct tconn *c)
{
	uint8_t frame[8 + 8 + REPORTING_COMMAND_MAX + 4 + 8];
	int n;

	if (!c->want || c->job || !c->acked)
		return true;
	c->want = false;
	n = teltonika_codec12_encode(TELTONIKA_COMMAND, c->cmd.command, strlen(c->cmd.command), frame,
				     sizeof frame);
	if (n <= 0) {
		log_error("teltonika: device %s: the command '%s' cannot be encoded", c->imei,
			  c->cmd.command);
		return true;
	}
	if (!send_all(c, frame, (size_t)n)) {
		c->want = true; /* not written: the close reports it */
		return false;
	}
	if (c->nawaited == MAX_AWAITED) {
		/* the tag answers none of them: the oldest is given up */
		reporting_outcome(s->v->reporting, REPORTING_UNANSWERED, &c->awaited[0].rq,
				  clock_now_ms(), "more commands written since, none answered");
		memmove(c->awaited, c->awaited + 1, (MAX_AWAITED - 1) * sizeof *c->awaited);
		c->nawaited--;
	}
	c->awaited[c->nawaited++] = (struct awaited){ c->cmd, clock_now_ms() };
	reporting_outcome(s->v->reporting, REPORTING_SENT, &c->cmd, clock_now_ms(), c->cmd.command);
	return true;
}

/* A Codec 12 response: it answers the oldest command awaiting one. */
static void answered(struct tcp_server *s, struct tconn *c, const char *text)
{
	if (!c->nawaited) {
		/* (not a warning: a tag could fill the log with them) */
		log_debug("teltonika: device %s: a response to no command is ignored", c->imei);
		return;
	}
	reporting_outcome(s->v->reporting, REPORTING_ANSWERED, &c->awaited[0].rq, clock_now_ms(),
			  text);
	memmove(c->awaited, c->awaited + 1, (size_t)(c->nawaited - 1) * sizeof *c->awaited);
	c->nawaited--;
}

/* Commands given to this listener: to their sessions (the newest of a
 * device, should a tag have connected twice), or reported unplaceable. */
static void commands_take(struct tcp_server *s)
{
	struct cmd *list, *next;

	drain(s->cmdfd, "command eventfd");
	pthread_mutex_lock(&s->mu);
	list = s->cmds;
	s->cmds = s->cmds_tail = NULL;
	pthread_mutex_unlock(&s->mu);
	for (struct cmd *k = list; k; k = next) {
		struct tconn *c = s->conns;

		next = k->next;
		while (c && !(c->have_imei && !c->doomed && c->device_id == k->rq.device_id))
			c = c->next;
		if (!c) {
			reporting_outcome(s->v->reporting, REPORTING_NO_SESSION, &k->rq, clock_now_ms(),
					  NULL);
		} else {
			if (c->want && c->cmd.id)
				/* asked again before the first was written: the newer stands */
				log_info("teltonika: device %s: a command not yet written is replaced",
					 c->imei);
			c->want = true;
			c->cmd = k->rq;
			if (!command_flush(s, c))
				conn_close(s, c);
		}
		free(k);
	}
}

/* Commands written too long ago without an answer. */
static void commands_expire(struct tcp_server *s, struct tconn *c, int64_t now)
{
	int64_t timeout = reporting_answer_timeout(s->v->reporting);

	while (c->nawaited && now - c->awaited[0].at > timeout) {
		reporting_outcome(s->v->reporting, REPORTING_UNANSWERED, &c->awaited[0].rq, now,
				  "no answer in time");
		memmove(c->awaited, c->awaited + 1, (size_t)(c->nawaited - 1) * sizeof *c->awaited);
		c->nawaited--;
	}
}

void tcp_server_command(struct tcp_server *s, const struct reporting_request *rq)
{
	struct cmd *k = xmalloc(sizeof *k);

	k->rq = *rq;
	k->next = NULL;
	pthread_mutex_lock(&s->mu);
	if (s->cmds_tail)
		s->cmds_tail->next = k;
	else
		s->cmds = k;
	s->cmds_tail = k;
	pthread_mutex_unlock(&s->mu);
	poke(s->cmdfd, " for a command");
}

static void read_pause(struct tcp_server *s, struct tconn *c, bool pause)
{
	struct epoll_event ev = { .events = pause ? 0 : EPOLLIN, .data.ptr = c };

	epoll_ctl(s->efd, EPOLL_CTL_MOD, c->fd, &ev);
}

/* At the handshake (the pool's connection d): a tag that has not
 * acknowledged the mode asked of it last is owed that command, written after
 * its first packet. */
static void owed(struct tcp_server *s, struct tconn *c, db *d, int64_t device_id)
{
	struct device_reporting rp;

	if (!s->v->reporting || device_reporting_get(d, device_id, &rp) != 1 ||
	    !strcmp(rp.state, "acknowledged"))
		return;
	memset(&c->cmd, 0, sizeof c->cmd);
	c->cmd.device_id = device_id;
	c->cmd.mode = !strcmp(rp.mode, "fast") ? REPORTING_FAST : REPORTING_NORMAL;
	snprintf(c->cmd.command, sizeof c->cmd.command, "%s",
		 reporting_command(s->v->reporting, c->cmd.mode));
	c->want = true;
	log_info("teltonika: device %s is owed a command for %s reports", c->imei, rp.mode);
}

/* Back to the small buffer once nothing is held. */
static void buf_shrink(struct tcp_server *s, struct tconn *c)
{
	if (c->len || c->cap <= BUF_SMALL)
		return;
	buf_release(s, c);
	free(c->buf);
	c->buf = xmalloc(BUF_SMALL);
	c->cap = BUF_SMALL;
}

/* Room for more of what the buffer holds (it is full): as much as the
 * packet's header says, within the budget of all sessions.  false to close
 * the connection (a handshake that long is no handshake; a packet larger
 * than any; the budget spent). */
static bool buf_grow(struct tcp_server *s, struct tconn *c)
{
	size_t need;

	if (!c->have_imei || c->len < 8)
		return false;
	need = 8 + (size_t)((uint32_t)c->buf[4] << 24 | (uint32_t)c->buf[5] << 16 |
			    (uint32_t)c->buf[6] << 8 | c->buf[7]) + 4;
	if (need <= c->cap || need > BUF_MAX)
		return false;
	if (s->buffered + (long long)(need - c->cap) > s->v->cfg.tel_max_buffered) {
		log_warn("teltonika: device %s: the unfinished packets held reach their budget "
			 "(--teltonika-max-buffered): its session is closed", c->imei);
		conn_limits_refused(s->v->tel_limits, "buffer_budget");
		return false;
	}
	s->buffered += (long long)(need - c->cap);
	conn_limits_buffered(s->v->tel_limits, (long long)(need - c->cap));
	c->buf = xrealloc(c->buf, need);
	c->cap = need;
	return true;
}

/* Consume what the buffer holds, until a packet goes to the committer;
 * false to close the connection. */
static bool consume(struct tcp_server *s, struct tconn *c)
{
	char why[160];

	while (!c->job && c->len) {
		int used;

		if (!c->have_imei) {
			struct device dv;
			uint8_t yes = 1, no = 0;
			db *d;
			int found;

			used = teltonika_imei(c->buf, c->len, c->imei, why, sizeof why);
			if (used == TELTONIKA_MORE)
				return true;
			if (used < 0) {
				log_warn("teltonika: bad handshake: %s", why);
				return false;
			}
			d = db_pool_acquire(s->v->pool);
			found = device_get(d, c->imei, &dv);
			if (found == 1)
				owed(s, c, d, dv.id);
			db_pool_release(s->v->pool, d);
			if (found < 0) {
				/* the database failed (it may be away): not "not
				 * registered", which a tag may take as final; no
				 * answer, and the tag connects again */
				log_warn("teltonika: device '%s': cannot look it up, closing without an "
					 "answer", c->imei);
				return false;
			}
			if (found != 1) {
				log_warn("teltonika: device '%s' is not registered: refused", c->imei);
				send_all(c, &no, 1);
				return false;
			}
			if (!send_all(c, &yes, 1))
				return false;
			c->have_imei = true;
			c->device_id = dv.id;
			/* one session a tag: an older one is a half-open leftover (or
			 * someone else using its IMEI, who gains nothing by many) */
			for (struct tconn *o = s->conns, *next; o; o = next) {
				next = o->next;
				if (o != c && o->have_imei && o->device_id == dv.id && !o->doomed) {
					log_info("teltonika: device %s connected again: its older "
						 "session is closed", c->imei);
					o->doomed = true;
				}
			}
		} else {
			size_t nrec;
			int codec = teltonika_codec(c->buf, c->len);

			if (codec == TELTONIKA_MORE)
				return true;
			if (codec == TELTONIKA_CODEC12) {
				/* the tag's response to a command, between its packets */
				char text[DEVICE_REPORTING_TEXT + 1];

				used = teltonika_codec12_decode(c->buf, c->len, TELTONIKA_RESPONSE, text,
								sizeof text, why, sizeof why);
				if (used == TELTONIKA_MORE)
					return true;
				if (used < 0) {
					log_warn("teltonika: device %s: Codec 12 message refused: %s", c->imei,
						 why);
					return false;
				}
				answered(s, c, text);
				goto next;
			}
			{
				/* the committer runs for as long as the port does
				 * (cli/serve.c starts it first and stops it last) */
				struct job *j = xmalloc(sizeof *j);

				used = teltonika_packet(c->buf, c->len, c->imei, j->f, TELTONIKA_MAX_RECORDS,
							&nrec, why, sizeof why);
				if (used == TELTONIKA_MORE || used < 0) {
					if (used != TELTONIKA_MORE)
						log_warn("teltonika: device %s: packet refused: %s", c->imei,
							 why);
					free(j);
					return used == TELTONIKA_MORE;
				}
				/* read no more of it until the records are durable */
				j->req = (struct commit_req){ .f = j->f, .n = nrec, .results = j->results,
							      .why = j->why, .done = job_done, .arg = j };
				j->s = s;
				j->c = c;
				j->used = (size_t)used;
				c->job = j;
				s->jobs++;
				read_pause(s, c, true);
				committer_submit(s->v->committer, &j->req);
				return true;
			}
		}
next:
		memmove(c->buf, c->buf + used, c->len - (size_t)used);
		c->len -= (size_t)used;
		c->packet_at = clock_now_ms(); /* what is left began now */
		if (!c->len) {
			buf_shrink(s, c);
			return true;
		}
	}
	return true;
}

static void read_all(struct tcp_server *s, struct tconn *c, int64_t now);

/* The jobs the committer finished: acknowledge, and read on. */
static void jobs_done(struct tcp_server *s)
{
	struct job *list, *next;

	drain(s->donefd, "eventfd");
	pthread_mutex_lock(&s->mu);
	list = s->done;
	s->done = NULL;
	pthread_mutex_unlock(&s->mu);
	for (struct job *j = list; j; j = next) {
		struct tconn *c = j->c;

		next = j->next;
		s->jobs--;
		c->job = NULL;
		if (c->closed) {
			conn_free(c);
		} else if (j->req.rc < 0 || !send_ack(c, j->req.n)) {
			/* not stored: no acknowledgement; the device resends */
			conn_close(s, c);
		} else {
			memmove(c->buf, c->buf + j->used, c->len - j->used);
			c->len -= j->used;
			c->last_seen = c->packet_at = clock_now_ms();
			buf_shrink(s, c);
			c->acked = true;
			read_pause(s, c, false);
			if (!command_flush(s, c) || !consume(s, c))
				conn_close(s, c);
			else if (!c->job && c->tls && gnutls_record_check_pending(c->tls))
				/* TLS records already read off the socket and held by
				 * GnuTLS: the socket will not say so again */
				read_all(s, c, clock_now_ms());
		}
		free(j);
	}
}

/* The port is full: close its oldest connection still without a handshake,
 * if one has had its second.  true when one was closed. */
static bool evict_one(struct tcp_server *s, int64_t now)
{
	struct tconn *oldest = NULL;

	for (struct tconn *c = s->conns; c; c = c->next)
		if (!c->have_imei && !c->job && now - c->opened_at > EVICT_GRACE_MS &&
		    (!oldest || c->opened_at < oldest->opened_at))
			oldest = c;
	if (!oldest)
		return false;
	conn_limits_refused(s->v->tel_limits, "evicted_when_full");
	conn_close(s, oldest);
	return true;
}

#define TLS_PRIORITIES "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:%SERVER_PRECEDENCE"

static void accept_all(struct tcp_server *s, int lfd)
{
	for (;;) {
		struct sockaddr_storage addr;
		socklen_t alen = sizeof addr;
		int fd = accept4(lfd, (struct sockaddr *)&addr, &alen, SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct epoll_event ev = { .events = EPOLLIN };
		int64_t now = clock_now_ms();
		struct tconn *c;

		if (fd < 0)
			return;
		if (s->nconns >= s->v->cfg.tel_max_connections)
			evict_one(s, now);
		if (!conn_limits_admit(s->v->tel_limits, (struct sockaddr *)&addr, alen)) {
			close(fd);
			continue;
		}
		c = xcalloc(1, sizeof *c);
		c->fd = fd;
		c->buf = xmalloc(BUF_SMALL);
		c->cap = BUF_SMALL;
		c->addr = addr;
		c->addr_len = alen;
		c->last_seen = c->opened_at = c->packet_at = now;
		if (lfd == s->tls_lfd) {
			/* its handshake is driven by the loop, as the socket is ready */
			if (gnutls_init(&c->tls, GNUTLS_SERVER | GNUTLS_NONBLOCK) < 0 ||
			    gnutls_priority_set_direct(c->tls, TLS_PRIORITIES, NULL) < 0 ||
			    gnutls_credentials_set(c->tls, GNUTLS_CRD_CERTIFICATE, s->cred) < 0) {
				log_error("teltonika: cannot start a TLS session");
				if (c->tls)
					gnutls_deinit(c->tls);
				conn_limits_release(s->v->tel_limits, (struct sockaddr *)&addr, alen);
				free(c->buf);
				free(c);
				close(fd);
				continue;
			}
			gnutls_transport_set_int(c->tls, fd);
		}
		c->next = s->conns;
		s->conns = c;
		s->nconns++;
		ev.data.ptr = c;
		epoll_ctl(s->efd, EPOLL_CTL_ADD, fd, &ev);
	}
}

/* A TLS session's handshake, as far as the socket allows: true when it is
 * over (or there is none), false while it goes on; *dead when it failed. */
static bool tls_handshake(struct tcp_server *s, struct tconn *c, bool *dead)
{
	struct epoll_event ev = { .data.ptr = c };
	int rc;

	*dead = false;
	if (!c->tls || c->tls_done)
		return true;
	rc = gnutls_handshake(c->tls);
	if (rc == GNUTLS_E_SUCCESS) {
		c->tls_done = true;
		ev.events = EPOLLIN;
		epoll_ctl(s->efd, EPOLL_CTL_MOD, c->fd, &ev);
		return true;
	}
	if (rc == GNUTLS_E_AGAIN || rc == GNUTLS_E_INTERRUPTED) {
		/* wait for what it waits for */
		ev.events = gnutls_record_get_direction(c->tls) ? EPOLLOUT : EPOLLIN;
		epoll_ctl(s->efd, EPOLL_CTL_MOD, c->fd, &ev);
		return false;
	}
	log_debug("teltonika: a TLS handshake failed: %s", gnutls_strerror(rc));
	*dead = true;
	return false;
}

/* Read and consume what the connection has for us until it would block or
 * a packet goes to the committer.  Closes the connection on EOF, an error
 * or a refusal. */
static void read_all(struct tcp_server *s, struct tconn *c, int64_t now)
{
	bool dead;

	if (!tls_handshake(s, c, &dead)) {
		if (dead)
			conn_close(s, c);
		return;
	}
	for (;;) {
		ssize_t r;

		/* full and still short of a packet: room as its header says */
		if (c->len == c->cap && !buf_grow(s, c)) {
			conn_close(s, c);
			return;
		}
		r = conn_recv(c, c->buf + c->len, c->cap - c->len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (r > 0 && !c->len)
			c->packet_at = now;
		if (r <= 0 || !(c->last_seen = now, c->len += (size_t)r, consume(s, c))) {
			conn_close(s, c);
			return;
		}
		if (c->job)
			return; /* read on when it is stored */
	}
}

static void *run(void *arg)
{
	struct tcp_server *s = arg;
	struct epoll_event evs[64];

	for (;;) {
		int n = epoll_wait(s->efd, evs, 64, 1000);
		int64_t now = clock_now_ms();
		bool done = false, cmds = false, accepts = false, tls_accepts = false;

		for (int i = 0; i < n; i++) {
			struct tconn *c = evs[i].data.ptr;

			if (c == NULL) { /* the listening socket: after this batch (an
					  * accept may close a connection it names) */
				accepts = true;
				continue;
			}
			if (c == (struct tconn *)&s->tls_lfd) {
				tls_accepts = true;
				continue;
			}
			if (c == (struct tconn *)s) /* the wake-up: stop */
				goto out;
			if (c == (struct tconn *)&s->donefd) {
				/* after this batch: it may free connections the batch names */
				done = true;
				continue;
			}
			if (c == (struct tconn *)&s->cmdfd) {
				cmds = true; /* after this batch too */
				continue;
			}
			if (c->doomed)
				continue; /* closed below */
			if (c->job) {
				/* paused: only a hang-up or an error reports here */
				conn_close(s, c);
				continue;
			}
			read_all(s, c, now);
		}
		if (done)
			jobs_done(s);
		if (cmds)
			commands_take(s);
		if (accepts)
			accept_all(s, s->lfd);
		if (tls_accepts)
			accept_all(s, s->tls_lfd);
		/* slow or half-open connections, handshakes and packets that
		 * trickle, and commands left unanswered */
		for (struct tconn *c = s->conns, *next; c; c = next) {
			next = c->next;
			if (c->doomed) {
				conn_close(s, c);
			} else if (c->job) {
				commands_expire(s, c, now);
			} else if (now - c->last_seen > (int64_t)s->idle_s * 1000) {
				conn_close(s, c);
			} else if (!c->have_imei &&
				   now - c->opened_at > (int64_t)s->v->cfg.http_header_s * 1000) {
				conn_limits_refused(s->v->tel_limits, "handshake_deadline");
				conn_close(s, c);
			} else if (c->len &&
				   now - c->packet_at > (int64_t)s->v->cfg.tel_packet_s * 1000) {
				log_warn("teltonika: device %s: a packet begun %d s ago is not in: its "
					 "session is closed",
					 c->imei, s->v->cfg.tel_packet_s);
				conn_limits_refused(s->v->tel_limits, "packet_deadline");
				conn_close(s, c);
			} else {
				commands_expire(s, c, now);
			}
		}
	}
out:
	/* the committer is still running: let the jobs out come back */
	while (s->jobs > 0) {
		struct pollfd pf = { .fd = s->donefd, .events = POLLIN };

		if (poll(&pf, 1, 1000) > 0)
			jobs_done(s);
	}
	while (s->conns)
		conn_close(s, s->conns);
	return NULL;
}

/* Let go of what the listener holds, its thread ended or never started. */
static void server_free(struct tcp_server *s)
{
	pthread_mutex_destroy(&s->mu);
	close(s->cmdfd);
	close(s->donefd);
	close(s->wake);
	close(s->efd);
	close(s->lfd);
	if (s->tls_lfd >= 0)
		close(s->tls_lfd);
	if (s->cred)
		gnutls_certificate_free_credentials(s->cred);
	free(s);
}

int tcp_server_start(struct vigil *v, const char *host, int port, int idle_s,
		     struct tcp_server **out, char *err, size_t errlen)
{
	struct tcp_server *s = xcalloc(1, sizeof *s);
	struct sockaddr_in sin = { 0 };
	socklen_t sl = sizeof sin;
	struct epoll_event ev = { .events = EPOLLIN };
	int one = 1;

	s->v = v;
	s->idle_s = idle_s;
	s->tls_lfd = -1;
	if (!v->tel_limits)
		v->tel_limits = conn_limits_new("teltonika", v->cfg.tel_max_connections,
						v->cfg.tel_max_per_addr);
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, host, &sin.sin_addr) != 1) {
		snprintf(err, errlen, "--teltonika-listen: '%s' is not an IPv4 address", host);
		free(s);
		return -1;
	}
	s->lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	setsockopt(s->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (s->lfd < 0 || bind(s->lfd, (struct sockaddr *)&sin, sizeof sin) < 0 ||
	    listen(s->lfd, 1024) < 0) {
		snprintf(err, errlen, "cannot listen for Teltonika devices on %s:%d: %s", host, port,
			 strerror(errno));
		if (s->lfd >= 0)
			close(s->lfd);
		free(s);
		return -1;
	}
	getsockname(s->lfd, (struct sockaddr *)&sin, &sl);
	s->port = ntohs(sin.sin_port);
	s->efd = epoll_create1(EPOLL_CLOEXEC);
	s->wake = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	ev.data.ptr = NULL;
	epoll_ctl(s->efd, EPOLL_CTL_ADD, s->lfd, &ev);
	ev.data.ptr = s;
	epoll_ctl(s->efd, EPOLL_CTL_ADD, s->wake, &ev);
	s->donefd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	pthread_mutex_init(&s->mu, NULL);
	ev.data.ptr = &s->donefd;
	epoll_ctl(s->efd, EPOLL_CTL_ADD, s->donefd, &ev);
	s->cmdfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	ev.data.ptr = &s->cmdfd;
	epoll_ctl(s->efd, EPOLL_CTL_ADD, s->cmdfd, &ev);
	if (pthread_create(&s->thread, NULL, run, s) != 0) {
		snprintf(err, errlen, "cannot start the Teltonika listener");
		server_free(s);
		return -1;
	}
	*out = s;
	return 0;
}

int tcp_server_port(const struct tcp_server *s)
{
	return s->port;
}

void tcp_server_stop(struct tcp_server *s)
{
	if (!s)
		return;
	poke(s->wake, "");
	pthread_join(s->thread, NULL);
	/* commands that came too late: never placed */
	while (s->cmds) {
		struct cmd *k = s->cmds;

		s->cmds = k->next;
		reporting_outcome(s->v->reporting, REPORTING_NO_SESSION, &k->rq, clock_now_ms(), NULL);
		free(k);
	}
	server_free(s);
}

int tcp_server_listen_tls(struct tcp_server *s, const char *host, int port, struct tls_store *t,
			  char *err, size_t errlen)
{
	struct sockaddr_in sin = { 0 };
	socklen_t sl = sizeof sin;
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &s->tls_lfd };
	int one = 1, fd;

	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, host, &sin.sin_addr) != 1) {
		snprintf(err, errlen, "--teltonika-tls-listen: '%s' is not an IPv4 address", host);
		return -1;
	}
	if (gnutls_certificate_allocate_credentials(&s->cred) < 0) {
		snprintf(err, errlen, "cannot set up TLS for the Teltonika port");
		return -1;
	}
	tls_store_use(t);
	gnutls_certificate_set_retrieve_function3(s->cred, tls_store_callback());
	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd >= 0)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sin, sizeof sin) < 0 || listen(fd, 1024) < 0) {
		snprintf(err, errlen, "cannot listen for Teltonika devices over TLS on %s:%d: %s", host,
			 port, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	getsockname(fd, (struct sockaddr *)&sin, &sl);
	s->tls_port = ntohs(sin.sin_port);
	s->tls_lfd = fd;
	epoll_ctl(s->efd, EPOLL_CTL_ADD, fd, &ev);
	return 0;
}

int tcp_server_tls_port(const struct tcp_server *s)
{
	return s->tls_port;
}
