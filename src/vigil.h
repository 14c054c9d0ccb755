/*
 * vigil — the server context: configuration and the subsystems a running
 * server holds.  One instance, created by `vigil serve`, passed explicitly to
 * whatever needs it (no hidden globals).
 */
#ifndef VIGIL_VIGIL_H
#define VIGIL_VIGIL_H

#include <stdbool.h>
#include <stdint.h>

#include "db/db.h"

struct vigil_config {
	const char *db_url;
	char listen_host[64];
	int listen_port;           /* 0: any free port, printed at start */
	int threads;               /* HTTP worker threads */
	int64_t session_idle_ms;   /* a session ends after this long unused */
	int64_t session_max_ms;    /* and after this long in any case */
	int login_max_failures;    /* consecutive failures that lock an account */
	int64_t login_backoff_ms;  /* wait after the second failure, doubling after */
	int64_t login_lockout_ms;  /* how long a lock (account or address) lasts */
	int addr_max_failures;     /* failures from one address that slow it */
	int64_t addr_slow_ms;      /* ... to one attempt in this long */
	const char *web_root;      /* static files for the browser UI */
	const char *map_tiles;     /* the UI's map tile URL template, or NULL (no tiles) */
	const char *map_attribution; /* the tile server's required credit line */
	const char *geocoder;      /* the geocoder's URL template with {q}, or NULL (none) */
	int geocoder_timeout_ms;   /* how long to wait for it */
	char attachment_dir[512];  /* evidence files, stored by hash */
	int64_t attachment_max;    /* largest attachment accepted, bytes */
	int serial_victims;        /* distinct victims that flag a possible serial stalker */
	const char *instruments_dir;   /* risk instruments, *.json */
	const char *instrument_text;   /* licensed item text overriding ours, or NULL */
	int review_days[3];        /* review interval by level: standard, medium, high */
	int marac_escalation;      /* incidents in 12 months that mean escalation */
	const char *plan_suggestions;  /* the plan suggestion table, JSON */
	int notify_hours;          /* hours to tell the victim of an event before it is overdue */
	int help_per_hour;         /* requests for help one address may send an hour */
	int contact_days;          /* days without contact that put a victim on the compliance list */
	int programme_capacity;    /* places in a trust's behaviour-change cohort */
	int housekeeping_secs;     /* how often sessions are purged and deadlines swept */
	const char *audit_key;     /* the audit signing key file, or NULL: no checkpoints */
	const char *register_key;  /* the register export signing key file, or NULL */
	const char *register_trust; /* other Vigils' register keys trusted for import, or NULL */
	char audit_checkpoints[512]; /* the checkpoint file (default: the key file's + .checkpoints) */
	int audit_checkpoint_secs; /* how often the audit trail's head is signed */
	int64_t clock_skew_ms;     /* a fix stamped further ahead than this is a clock fault */
	int http_max_connections;  /* the API port's connections, in all */
	int http_max_per_addr;     /* ... and from one address */
	int http_timeout_s;        /* a connection silent this long is closed */
	int http_header_s;         /* a request's headers (and TLS handshake) must be in by then */
	int http_body_s;           /* ... and an unauthenticated body this long after them */
	int osmand_max_connections; /* the OsmAnd port's connections, in all */
	int osmand_max_per_addr;   /* ... and from one address (phones share carriers' addresses) */
	bool osmand_tls;           /* the OsmAnd port speaks HTTPS with --tls-cert */
	int tel_max_connections;   /* the Teltonika port's sessions, in all */
	int tel_max_per_addr;      /* ... and from one address */
	int tel_packet_s;          /* a packet begun must be in within this */
	long long tel_max_buffered; /* bytes of unfinished packets held, all sessions together */
	const char *tls_cert;      /* the API port's certificate chain (PEM), or NULL: plain HTTP */
	const char *tls_key;       /* ... and its private key */
	const char *public_url;    /* where browsers reach us (a TLS proxy's https:// URL), or NULL */
	const char *trusted_proxy; /* that proxy's address: its X-Forwarded-For names the client */
	bool https;                /* browsers reach us over https: Secure cookies, HSTS */
	bool demo;
};

struct metrics;
struct throttle;
struct http_server;

struct instrument_set;
struct plan_suggestions;
struct node;
struct stream_hub;
struct notifier;
struct committer;
struct conn_limits;
struct tls_store;
struct reporting;
struct webpush;
struct monitor_sinks;

struct vigil {
	struct vigil_config cfg;
	struct instrument_set *instruments;
	struct plan_suggestions *suggestions;
	struct node *node;          /* this node: the monitoring engine when it leads */
	struct stream_hub *stream;  /* the live alert stream */
	struct notifier *notifier;  /* outbound webhooks */
	struct committer *committer; /* group commit for ingest (NULL: each caller commits) */
	struct reporting *reporting; /* asking tags to report faster (NULL: no one asks) */
	struct monitor_sinks *sinks; /* who hears the engine's news (monitor/sinks.h) */
	db_pool *pool;
	crypt_keys *keys;           /* the data keys (base/crypt.h), on every connection */
	struct metrics *metrics;
	struct throttle *throttle;
	struct throttle *help_throttle; /* the public page's requests for help, per address */
	struct webpush *webpush;        /* her app's Web Push (NULL: off) */
	struct json_t *helplines;       /* the public page's helplines from --helplines, or NULL */
	bool push_allow_http;           /* push endpoints by http:// too (tests only) */
	struct http_server *http;
	struct conn_limits *api_limits; /* the API port's connections (http/limits.h) */
	struct conn_limits *osmand_limits; /* the OsmAnd port's */
	struct conn_limits *tel_limits;    /* the Teltonika port's */
	struct tls_store *tls;          /* the API port's certificate, or NULL (http/tls.h) */
	/* the audit signing key, when --audit-key is given */
	bool audit_signing;
	unsigned char audit_sk[64];
	char audit_pk[65];
	int64_t audit_last_checkpoint; /* ms; when the head was last signed */
	/* the register's export signing key, when --register-key is given */
	bool register_signing;
	unsigned char register_sk[64];
	char register_pk[65];
};

/* Defaults for every configuration field. */
void vigil_config_defaults(struct vigil_config *c);

#endif
