/*
 * reporting — see reporting.h.  One thread and one queue: the engine's
 * asks, the listener's outcomes and the other nodes' notifications are
 * queued by their threads (which never wait on the database here) and
 * handled in order on this thread's own connection.
 */
#include "ingest/reporting.h"

#include <jansson.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/clock.h"
#include "base/log.h"
#include "base/mem.h"
#include "base/secret.h"
#include "base/thread.h"
#include "db/db.h"
#include "ingest/tcp.h"
#include "store/monitor.h"
#include "vigil.h"

#define STOP_DRAIN_MS 2000 /* at stop, what is queued is recorded within this */

enum item_kind { ITEM_ASK, ITEM_OUTCOME, ITEM_NOTICE };

struct item {
	int kind;          /* enum item_kind */
	int result;        /* ITEM_OUTCOME: enum reporting_result */
	struct reporting_request rq;
	int64_t at;
	char uid[72];      /* ITEM_ASK: for the log */
	char *text;        /* ITEM_OUTCOME: the command, response or why; ITEM_NOTICE: payload */
	struct item *next;
};

/* A request no session here could take, waiting for another node's "taken". */
struct pending {
	struct reporting_request rq;
	int64_t until;     /* wall ms */
};

struct reporting {
	struct vigil *v;
	struct reporting_config cfg;
	char command[2][REPORTING_COMMAND_MAX + 1];
	char self[REPORTING_ORIGIN_MAX + 1]; /* this node's name in requests */
	pthread_mutex_t mu;  /* the queue, stopping */
	pthread_cond_t cv;
	struct item *head, *tail;
	bool stopping;
	pthread_mutex_t attach_mu; /* tel and lease_until: held while they are used */
	struct tcp_server *tel;
	const atomic_llong *lease_until; /* the node's lease's deadline; NULL: one node */
	pthread_t thread;
	bool have_thread;
	/* the thread's */
	db *db;
	uint64_t next_id;
	struct pending *pending;
	size_t npending;
};

const char *reporting_mode_name(int mode)
{
	return mode == REPORTING_FAST ? "fast" : "normal";
}

void reporting_config_defaults(struct reporting_config *c)
{
	/* FMB parameters, home network, "on moving": 10050 Min Period (a
	 * record every N s) and 10055 Send Period (records sent every N s);
	 * without the send period the records would be taken every 5 s and
	 * still sent every two minutes (the FMB default). */
	c->command[REPORTING_FAST] = "setparam 10050:5;10055:5";
	c->command[REPORTING_NORMAL] = "setparam 10050:60;10055:60";
	c->answer_timeout_ms = 30000;
}

int reporting_command_valid(const char *text)
{
	size_t n = text ? strlen(text) : 0;

	if (n < 1 || n > REPORTING_COMMAND_MAX)
		return 0;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)text[i] < 0x20 || (unsigned char)text[i] >= 0x7f)
			return 0;
	return 1;
}

const char *reporting_command(const struct reporting *r, int mode)
{
	return r ? r->command[mode == REPORTING_FAST] : "";
}

int64_t reporting_answer_timeout(const struct reporting *r)
{
	struct reporting_config c;

	if (r)
		return r->cfg.answer_timeout_ms;
	reporting_config_defaults(&c);
	return c.answer_timeout_ms;
}

/* ---- the queue ---------------------------------------------------------- */

static void push(struct reporting *r, struct item *it)
{
	pthread_mutex_lock(&r->mu);
	if (r->tail)
		r->tail->next = it;
	else
		r->head = it;
	r->tail = it;
	pthread_cond_signal(&r->cv);
	pthread_mutex_unlock(&r->mu);
}

void reporting_ask(struct reporting *r, int64_t device_id, const char *uid, int mode)
{
	struct item *it;

	if (!r)
		return;
	it = xcalloc(1, sizeof *it);
	it->kind = ITEM_ASK;
	it->rq.device_id = device_id;
	it->rq.mode = mode == REPORTING_FAST ? REPORTING_FAST : REPORTING_NORMAL;
	snprintf(it->rq.command, sizeof it->rq.command, "%s", reporting_command(r, it->rq.mode));
	snprintf(it->uid, sizeof it->uid, "%s", uid ? uid : "");
	it->at = clock_now_ms();
	push(r, it);
}

void reporting_outcome(struct reporting *r, int result, const struct reporting_request *rq,
		       int64_t at, const char *text)
{
	struct item *it;

	if (!r)
		return;
	it = xcalloc(1, sizeof *it);
	it->kind = ITEM_OUTCOME;
	it->result = result;
	it->rq = *rq;
	it->at = at;
	it->text = text ? xstrdup(text) : NULL;
	push(r, it);
}

void reporting_notice(struct reporting *r, const char *payload)
{
	struct item *it;

	if (!r)
		return;
	it = xcalloc(1, sizeof *it);
	it->kind = ITEM_NOTICE;
	it->text = xstrdup(payload);
	push(r, it);
}

void reporting_attach(struct reporting *r, struct tcp_server *tel)
{
	if (!r)
		return;
	pthread_mutex_lock(&r->attach_mu);
	r->tel = tel;
	pthread_mutex_unlock(&r->attach_mu);
}

void reporting_lease(struct reporting *r, const atomic_llong *until)
{
	if (!r)
		return;
	pthread_mutex_lock(&r->attach_mu);
	r->lease_until = until;
	pthread_mutex_unlock(&r->attach_mu);
}

/* Within this node's lease's deadline (always with one node)? */
static bool lease_current(struct reporting *r)
{
	bool current;

	pthread_mutex_lock(&r->attach_mu);
	current = !r->lease_until || clock_mono_ns() / 1000000 < atomic_load(r->lease_until);
	pthread_mutex_unlock(&r->attach_mu);
	return current;
}

/* Hand rq to this node's listener: false when there is none. */
static bool to_listener(struct reporting *r, const struct reporting_request *rq)
{
	bool have;

	pthread_mutex_lock(&r->attach_mu);
	have = r->tel != NULL;
	if (have)
		tcp_server_command(r->tel, rq);
	pthread_mutex_unlock(&r->attach_mu);
	return have;
}

/* ---- recording ------------------------------------------------------------ */

/* The thread's connection, connected again if the server ended it. */
static bool conn(struct reporting *r)
{
	return db_heal(r->db) >= 0;
}

static void event(struct reporting *r, int64_t device_id, int64_t at, const char *kind,
		  json_t *detail)
{
	char *text = detail ? json_dumps(detail, JSON_COMPACT) : NULL;

	if (!conn(r) || device_event_add(r->db, device_id, at, kind, text) < 0)
		log_error("cannot record device event %s: %s", kind, db_errmsg(r->db));
	free(text);
	json_decref(detail);
}

static void mark(struct reporting *r, const struct reporting_request *rq, const char *state,
		 int64_t at, const char *text)
{
	if (!conn(r) || device_reporting_mark(r->db, rq->device_id, reporting_mode_name(rq->mode),
					      state, at, text) < 0)
		log_error("cannot record that a command to device %lld is %s: %s",
			  (long long)rq->device_id, state, db_errmsg(r->db));
}

/* No node holds a session of the device: it is decided with what it sends. */
static void unavailable(struct reporting *r, const struct reporting_request *rq, int64_t at)
{
	event(r, rq->device_id, at,
	      rq->mode == REPORTING_FAST ? "faster_reporting_unavailable"
					 : "normal_reporting_unavailable",
	      json_pack("{s:s, s:s}", "mode", reporting_mode_name(rq->mode), "why",
			"no session of the tag is open (it is owed the command when it connects)"));
	mark(r, rq, "unavailable", at, NULL);
}

/* ---- between nodes --------------------------------------------------------- */

static void notify(struct reporting *r, json_t *o)
{
	char *payload = json_dumps(o, JSON_COMPACT);

	if (!payload || !conn(r) || db_notify(r->db, REPORTING_CHANNEL, payload) < 0)
		log_error("cannot pass a command to the other nodes: %s", db_errmsg(r->db));
	free(payload);
	json_decref(o);
}

static void ask_others(struct reporting *r, const struct reporting_request *rq, int64_t now)
{
	r->pending = xrealloc(r->pending, (r->npending + 1) * sizeof *r->pending);
	r->pending[r->npending++] = (struct pending){ *rq, now + REPORTING_REMOTE_WAIT_MS };
	notify(r, json_pack("{s:s, s:s, s:I, s:I, s:s, s:s}", "op", "send", "origin", r->self, "id",
			    (json_int_t)rq->id, "device", (json_int_t)rq->device_id, "mode",
			    reporting_mode_name(rq->mode), "command", rq->command));
}

/* Read another node's notification (refusing anything malformed). */
static void heard(struct reporting *r, const char *payload)
{
	json_error_t jerr;
	json_t *o = json_loads(payload, JSON_REJECT_DUPLICATES, &jerr);
	const char *op = NULL, *origin = NULL, *mode = NULL, *command = NULL;
	json_int_t id = 0, device = 0;

	if (!o || json_unpack_ex(o, &jerr, 0, "{s:s, s:s, s:I}", "op", &op, "origin", &origin, "id",
				 &id) < 0 || strlen(origin) > REPORTING_ORIGIN_MAX || id <= 0) {
		log_warn("a malformed notification on %s is ignored", REPORTING_CHANNEL);
		goto out;
	}
	if (!strcmp(op, "taken") && json_object_size(o) == 3) {
		/* another node wrote one of ours: no longer waiting */
		if (strcmp(origin, r->self))
			goto out;
		for (size_t i = 0; i < r->npending; i++)
			if (r->pending[i].rq.id == (uint64_t)id) {
				r->pending[i] = r->pending[--r->npending];
				break;
			}
	} else if (!strcmp(op, "send") && json_object_size(o) == 6 &&
		   json_unpack(o, "{s:I, s:s, s:s}", "device", &device, "mode", &mode, "command",
			       &command) == 0 &&
		   device > 0 && (!strcmp(mode, "fast") || !strcmp(mode, "normal")) &&
		   reporting_command_valid(command)) {
		struct reporting_request rq = { 0 };

		if (!strcmp(origin, r->self))
			goto out; /* our own: this node's listener was asked first */
		rq.device_id = device;
		rq.mode = !strcmp(mode, "fast") ? REPORTING_FAST : REPORTING_NORMAL;
		rq.id = (uint64_t)id;
		snprintf(rq.origin, sizeof rq.origin, "%s", origin);
		snprintf(rq.command, sizeof rq.command, "%s", command);
		/* a node without the session says nothing */
		to_listener(r, &rq);
	} else {
		log_warn("a malformed notification on %s is ignored", REPORTING_CHANNEL);
	}
out:
	json_decref(o);
}

/* ---- the thread ------------------------------------------------------------- */

static void handle(struct reporting *r, struct item *it)
{
	struct reporting_request *rq = &it->rq;

	switch (it->kind) {
	case ITEM_ASK:
		/* asked by an engine of this node before it was frozen or cut off
		 * past its lease: the node that leads now decides what the tag is
		 * asked, and must not be overruled */
		if (!lease_current(r)) {
			log_warn("device %s: a request for %s reports from before this node's lease "
				 "ran out is dropped", it->uid, reporting_mode_name(rq->mode));
			break;
		}
		rq->id = ++r->next_id;
		log_info("device %s: asking for %s reports (%s)", it->uid, reporting_mode_name(rq->mode),
			 rq->command);
		if (!conn(r) || device_reporting_ask(r->db, rq->device_id, reporting_mode_name(rq->mode),
						     rq->command, it->at) < 0)
			log_error("cannot record that device %s is asked for %s reports: %s", it->uid,
				  reporting_mode_name(rq->mode), db_errmsg(r->db));
		/* the command goes anyway: the tag matters more than the record */
		if (!to_listener(r, rq))
			reporting_outcome(r, REPORTING_NO_SESSION, rq, it->at, NULL);
		break;
	case ITEM_OUTCOME:
		switch (it->result) {
		case REPORTING_NO_SESSION:
			if (rq->origin[0])
				break; /* another node's request: the node with the session answers */
			if (db_multinode(r->db))
				ask_others(r, rq, clock_now_ms());
			else
				unavailable(r, rq, it->at);
			break;
		case REPORTING_SENT:
			event(r, rq->device_id, it->at, "reporting_command_sent",
			      json_pack("{s:s, s:s?}", "mode", reporting_mode_name(rq->mode), "command",
					it->text));
			mark(r, rq, "sent", it->at, it->text);
			if (rq->origin[0] && rq->id)
				notify(r, json_pack("{s:s, s:s, s:I}", "op", "taken", "origin", rq->origin,
						    "id", (json_int_t)rq->id));
			break;
		case REPORTING_ANSWERED:
			event(r, rq->device_id, it->at, "reporting_command_answered",
			      json_pack("{s:s, s:s?}", "mode", reporting_mode_name(rq->mode), "response",
					it->text));
			mark(r, rq, "acknowledged", it->at, it->text);
			break;
		case REPORTING_UNANSWERED:
			event(r, rq->device_id, it->at, "reporting_command_unanswered",
			      json_pack("{s:s, s:s?}", "mode", reporting_mode_name(rq->mode), "why",
					it->text));
			mark(r, rq, "unanswered", it->at, NULL);
			break;
		default:
			break;
		}
		break;
	case ITEM_NOTICE:
		heard(r, it->text);
		break;
	default:
		break;
	}
}

/* Requests no other node took in time: no session anywhere. */
static void expire(struct reporting *r, int64_t now)
{
	for (size_t i = 0; i < r->npending;) {
		if (now < r->pending[i].until) {
			i++;
			continue;
		}
		unavailable(r, &r->pending[i].rq, now);
		r->pending[i] = r->pending[--r->npending];
	}
}

static void *run(void *arg)
{
	struct reporting *r = arg;
	int64_t stop_by = 0;

	for (;;) {
		struct item *it;

		pthread_mutex_lock(&r->mu);
		if (!r->head && !r->stopping)
			thread_wait_ms(&r->cv, &r->mu, 200);
		if (r->stopping && !stop_by)
			stop_by = clock_mono_ns() / 1000000 + STOP_DRAIN_MS;
		if (r->stopping && (!r->head || clock_mono_ns() / 1000000 > stop_by)) {
			pthread_mutex_unlock(&r->mu);
			break;
		}
		it = r->head;
		if (it) {
			r->head = it->next;
			if (!r->head)
				r->tail = NULL;
		}
		pthread_mutex_unlock(&r->mu);
		if (it) {
			handle(r, it);
			free(it->text);
			free(it);
		}
		expire(r, clock_now_ms());
	}
	return NULL;
}

int reporting_start(struct vigil *v, const struct reporting_config *c, struct reporting **out,
		    char *err, size_t errlen)
{
	struct reporting *r = xcalloc(1, sizeof *r);
	char tok[SECRET_TOKEN_LEN];

	r->v = v;
	r->cfg = *c;
	for (int m = 0; m < 2; m++) {
		if (!reporting_command_valid(c->command[m])) {
			snprintf(err, errlen, "the %s reporting command must be 1 to %d printable "
				 "characters", reporting_mode_name(m), REPORTING_COMMAND_MAX);
			free(r);
			return -1;
		}
		snprintf(r->command[m], sizeof r->command[m], "%s", c->command[m]);
	}
	secret_token(tok);
	snprintf(r->self, sizeof r->self, "%.16s", tok);
	secret_wipe(tok, sizeof tok);
	if (db_open(&r->db, v->cfg.db_url, err, errlen) < 0) {
		free(r);
		return -1;
	}
	db_set_name(r->db, "vigil reporting");
	pthread_mutex_init(&r->mu, NULL);
	pthread_mutex_init(&r->attach_mu, NULL);
	pthread_cond_init(&r->cv, NULL);
	if (pthread_create(&r->thread, NULL, run, r) != 0) {
		snprintf(err, errlen, "cannot start the reporting thread");
		reporting_stop(r);
		return -1;
	}
	r->have_thread = true;
	*out = r;
	return 0;
}

void reporting_stop(struct reporting *r)
{
	if (!r)
		return;
	thread_tell_stop(&r->mu, &r->cv, &r->stopping);
	if (r->have_thread)
		pthread_join(r->thread, NULL);
	while (r->head) {
		struct item *it = r->head;

		r->head = it->next;
		free(it->text);
		free(it);
	}
	free(r->pending);
	db_close(r->db);
	pthread_cond_destroy(&r->cv);
	pthread_mutex_destroy(&r->attach_mu);
	pthread_mutex_destroy(&r->mu);
	free(r);
}
