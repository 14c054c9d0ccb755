/*
 * serve — `vigil serve`: migrate, optionally load the demo, start the HTTP
 * server, and run until SIGINT or SIGTERM.
 *
 * Signals are blocked in every thread and taken synchronously by the main
 * thread with sigtimedwait(), which also wakes it each minute to purge ended
 * sessions.  Shutdown stops accepting connections, lets requests in flight
 * finish (up to 10 s), then closes the database.
 */
#include "cli/cli.h"

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <limits.h>
#include <signal.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api/api.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/mem.h"
#include "base/secret.h"
#include "core/instrument.h"
#include "core/plan.h"
#include "http/limits.h"
#include "http/metrics.h"
#include "http/server.h"
#include "http/stream.h"
#include "http/tls.h"
#include "http/throttle.h"
#include "ingest/commit.h"
#include "ingest/listener.h"
#include "ingest/reporting.h"
#include "ingest/tcp.h"
#include "monitor/engine.h"
#include "monitor/node.h"
#include "monitor/sinks.h"
#include "notify/notify.h"
#include "ops/register.h"
#include "notify/webpush.h"
#include "store/account.h"
#include "store/audit.h"
#include "store/auth.h"
#include "store/orders.h"
#include "store/sealed.h"
#include "vigil.h"

static const char help[] =
	"usage: vigil serve [--db PATH] [--listen ADDR:PORT] [--demo] [options]\n"
	"\n"
	"Run the Vigil server: the HTTP API under /api/v1/, /healthz, /metrics and the\n"
	"browser UI.  The database schema is migrated at start.  Several servers may\n"
	"share one PostgreSQL database: all answer the API and take fixes, one runs the\n"
	"monitoring engine, and another takes over within seconds if it stops.\n"
	"\n"
	"  --db PATH|URL         SQLite database file, or postgres://user@host:port/db\n"
	"                        (default $VIGIL_DB, else vigil.db)\n"
	"  --listen ADDR:PORT    address to listen on (default 127.0.0.1:8080; port 0\n"
	"                        picks a free port, printed at start)\n"
	"  --demo                load demo agencies, accounts and cases (once per\n"
	"                        database), print the generated passwords (kept beside\n"
	"                        a SQLite file, or in ./vigil-demo-accounts.txt), and\n"
	"                        run the monitoring simulator (a tagged stalker whose\n"
	"                        alerts appear within two minutes; the lost-signal\n"
	"                        minimum is 30 s in the demo)\n"
	"  --no-simulator        with --demo, leave the simulator off\n"
	"  --web DIR             serve the browser UI from DIR (default ./web if present)\n"
	"  --map-tiles URL       the UI's map tiles, an https:// template with {z}, {x}\n"
	"                        and {y} (default none: maps draw on a plain background)\n"
	"  --map-attribution T   the credit line the tile server requires\n"
	"  --geocoder URL        the force's geocoder, for placing zones by address or\n"
	"                        postcode: an http(s):// template with {q} where the\n"
	"                        address goes, answering as Nominatim (format=json) or\n"
	"                        Photon (GeoJSON), e.g. https://nominatim.example.org/\n"
	"                        search?format=jsonv2&limit=5&q={q}.  Vigil asks it for\n"
	"                        the browser (default none: zones by coordinates or map)\n"
	"  --geocoder-timeout-ms N   how long to wait for it (default 5000)\n"
	"  --threads N           HTTP worker threads (default 4)\n"
	"  --http-max-connections N   the API port's connections in all (default 4000)\n"
	"  --http-max-per-address N   ... and from one address (default 1024: a station\n"
	"                        behind one address has many browsers); one address\n"
	"                        cannot take every connection and shut staff out\n"
	"  --http-timeout-seconds S   close a connection silent this long (default 15)\n"
	"  --http-header-seconds S    cut a connection whose request's headers (or TLS\n"
	"                        handshake) are not in this long after it opened (default 10)\n"
	"  --http-body-seconds S      ... or whose unauthenticated body is not in this long\n"
	"                        after its headers (default 30).  When the port is full,\n"
	"                        the oldest connection still waiting is cut to make room\n"
	"  --tls-cert FILE       serve the API and browser over HTTPS with this PEM\n"
	"                        certificate chain (the server's first)...\n"
	"  --tls-key FILE        ... and its PEM private key.  Both are read again on\n"
	"                        SIGHUP, so a renewed certificate serves without a\n"
	"                        restart; a renewal that cannot be read is refused\n"
	"                        and the old one goes on serving\n"
	"  --public-url URL      where browsers reach Vigil, when a proxy in front\n"
	"                        terminates TLS (https://...): cookies are then\n"
	"                        marked Secure and browsers told to keep to https\n"
	"  --trusted-proxy ADDR  the address of that proxy: for requests from it, the\n"
	"                        client is the last address of X-Forwarded-For (for\n"
	"                        the per-address limits and the audit trail); from\n"
	"                        any other peer the header is ignored\n"
	"  --session-idle SECS   end a session unused this long (default 1800)\n"
	"  --session-max SECS    end any session after this long (default 43200)\n"
	"  --login-max-failures N   failed sign-ins that lock an account (default 5)\n"
	"  --login-backoff-ms MS    wait after the 2nd failure, doubling (default 1000)\n"
	"  --login-lockout SECS     how long a lock lasts (default 900)\n"
	"  --addr-max-failures N    failed sign-ins from one address before it is\n"
	"                           slowed, for the lockout time, to one attempt every\n"
	"                           --addr-slow-ms (default 30)\n"
	"  --addr-slow-ms MS        (default 3000)\n"
	"  --attachments DIR     where evidence files are stored (default: beside a SQLite\n"
	"                        file as FILE.attachments, else ./vigil-attachments)\n"
	"  --attachment-max-mb N largest attachment accepted (default 25)\n"
	"  --serial-victims N    distinct victims that flag a suspect as a possible serial\n"
	"                        stalker (default 2)\n"
	"  --instruments DIR     risk instruments (*.json; default ./instruments, else\n"
	"                        the instruments/ beside the program's build directory)\n"
	"  --instrument-text FILE  licensed item wording to show instead of ours:\n"
	"                        {\"ric\": {\"fear\": \"...\"}, ...}\n"
	"  --review-days H,M,S   days to the next review at high, medium, standard risk\n"
	"                        (default 7,28,90)\n"
	"  --marac-escalation N  incidents within 12 months that call for MARAC (default 3)\n"
	"  --osmand-listen ADDR:PORT|off  the OsmAnd port for phones running Traccar Client\n"
	"                        (default 127.0.0.1:5055; port 0 picks a free one)\n"
	"  --teltonika-listen ADDR:PORT|off  the Teltonika TCP port for tags (default\n"
	"                        127.0.0.1:5027)\n"
	"  --idle-seconds S      close a silent device connection after S (default 120)\n"
	"  --osmand-max-connections N    the OsmAnd port's connections in all (default 4000)\n"
	"  --osmand-max-per-address N    ... and from one address (default 1000: phones\n"
	"                        share their carriers' addresses); the header and body\n"
	"                        deadlines are the API's (--http-header-seconds...)\n"
	"  --osmand-tls          the OsmAnd port speaks HTTPS, with --tls-cert/--tls-key\n"
	"  --teltonika-tls-listen ADDR:PORT|off  a second Teltonika port, for tags that\n"
	"                        speak TLS (FMB firmware that supports it), with\n"
	"                        --tls-cert/--tls-key (default off)\n"
	"  --teltonika-max-connections N the Teltonika port's sessions in all (default 10000)\n"
	"  --teltonika-max-per-address N ... and from one address (default 1000)\n"
	"  --teltonika-packet-seconds S  a packet begun must be in within S (default 20);\n"
	"                        the handshake within --http-header-seconds\n"
	"  --teltonika-max-buffered MB   unfinished packets held, all sessions together\n"
	"                        (default 16): beyond, the session asking for more is closed\n"
	"  --teltonika-fast-command TEXT  the Codec 12 command that asks a tag for faster\n"
	"                        fixes while a possible zone entry is undecided (default\n"
	"                        'setparam 10050:5;10055:5': FMB home network, moving,\n"
	"                        a record and a send every 5 s)\n"
	"  --teltonika-normal-command TEXT  the command that puts it back once decided\n"
	"                        (default 'setparam 10050:60;10055:60')\n"
	"  --teltonika-command-timeout S  a command not answered within S is recorded as\n"
	"                        unanswered (default 30)\n"
	"  --webhook-centre URL  POST each new alert to the monitoring centre's system\n"
	"  --webhook-victim URL  POST the victim's warning (never the offender's position)\n"
	"                        to an SMS/push gateway\n"
	"  --webhook-police URL  POST approaches and panics to the police control room\n"
	"                        (each channel sends on its own: one gateway that hangs\n"
	"                        never holds up another)\n"
	"  --webhook-attempts N  attempts per notification before giving up (default 6)\n"
	"  --webhook-backoff-ms MS  wait after the first failed attempt, doubling\n"
	"                        (default 1000)\n"
	"  --webhook-timeout-ms MS  give up on one attempt after MS (default 5000)\n"
	"  --webhook-secret-file FILE  sign every webhook's body with the secret in FILE\n"
	"                        (X-Vigil-Signature: sha256=HMAC-SHA256 of the body)\n"
	"  --sms-notify-url URL  send her warning by SMS through GOV.UK Notify at URL\n"
	"                        (https://api.notifications.service.gov.uk), to her\n"
	"                        phone number on the case, instead of --webhook-victim\n"
	"  --sms-notify-key-file FILE  the Notify API key, read from FILE\n"
	"  --sms-notify-template ID  the Notify template, reading ((message))\n"
	"  --sms-poll-ms MS      ask Notify for a warning's receipt every MS (default 5000)\n"
	"  --push-key-file FILE  her app's Web Push: the P-256 key (made if missing)\n"
	"  --push-subject URI    a contact for push services (mailto: or https:)\n"
	"  --push-allow-http     accept push endpoints by http:// (tests only)\n"
	"  --helplines FILE      the public page's helplines (JSON: [{name, number, when,\n"
	"                        what}]) instead of the UK's national ones\n"
	"  --help-per-hour N     requests for help one address may send an hour on the\n"
	"                        public page (default 5; then one every 12 minutes)\n"
	"  --lost-factor F       lost signal after F expected intervals, at least 2\n"
	"                        minutes (default 3)\n"
	"  --lost-speed M/S      how fast a silent offender is assumed to move (default 2)\n"
	"  --lost-min-seconds S  never call a signal lost sooner than this (default 120)\n"
	"  --confirm-seconds S   a possible zone entry is decided after S seconds: an entry\n"
	"                        if no fix came since, or if the fixes put him inside\n"
	"                        (default 30)\n"
	"  --escalate-seconds S  an unacknowledged critical alert escalates (default 60)\n"
	"  --clock-skew-seconds S  a fix stamped more than S ahead of this server's clock is\n"
	"                        kept out of the rules and reported as a clock fault\n"
	"                        (default 30)\n"
	"  --warn-current-seconds S  an approach decided longer ago than S (a backlog sent\n"
	"                        late) is for the desk, not a warning to her (default 120)\n"
	"  --audit-key FILE      sign the audit trail's head with this key (made by 'vigil\n"
	"                        audit keygen'; keep it outside the database) so that\n"
	"                        entries cut from its end are found; without it, no\n"
	"                        checkpoints are made\n"
	"  --audit-checkpoints FILE  where the signed checkpoints are also kept, outside\n"
	"                        the database (default: the key file's name + .checkpoints)\n"
	"  --audit-checkpoint-secs S  sign the head this often when it moved (default 60)\n"
	"  --register-key FILE   sign register exports with this key (made by 'vigil audit\n"
	"                        keygen --key FILE'; a key of its own, outside the database)\n"
	"  --register-trust FILE other Vigils' register public keys trusted for import, one\n"
	"                        \"HEX name\" a line (docs/REGISTER.md)\n"
	"  --data-key FILE       the data key file that seals what identifies or locates a\n"
	"                        victim in the database (made by 'vigil key init'; keep it\n"
	"                        outside the database and its backups).  Default, for a\n"
	"                        SQLite database: its name + .data-key, made at the first\n"
	"                        start if the database has never been sealed; a database\n"
	"                        on a server needs it.  A missing or wrong file stops the\n"
	"                        server.  Read again when it changes ('vigil key rotate')\n"
	"  --log-level LEVEL     debug, info, warn or error (default info)\n";

enum {
	OPT_DB = 1000, OPT_LISTEN, OPT_DEMO, OPT_WEB, OPT_MAP_TILES, OPT_MAP_CREDIT, OPT_GEOCODER,
	OPT_GEOCODER_TIMEOUT, OPT_THREADS, OPT_IDLE, OPT_MAX,
	OPT_MAXFAIL, OPT_BACKOFF, OPT_LOCKOUT, OPT_ADDRFAIL, OPT_LOG, OPT_HELP, OPT_ATTDIR,
	OPT_ATTMAX, OPT_SERIAL, OPT_INSTR, OPT_INSTR_TEXT, OPT_REVIEW, OPT_MARAC, OPT_SUGGEST,
	OPT_NOTIFY_HOURS, OPT_CONTACT_DAYS, OPT_PROGRAMME_CAPACITY, OPT_HOUSEKEEPING,
	OPT_OSMAND,
	OPT_LOST_FACTOR, OPT_LOST_SPEED, OPT_CONFIRM, OPT_ESCALATE, OPT_LOST_MIN, OPT_TELTONIKA,
	OPT_IDLE_S, OPT_WH_CENTRE, OPT_WH_VICTIM, OPT_WH_POLICE, OPT_NO_SIM,
	OPT_WH_ATTEMPTS, OPT_WH_BACKOFF, OPT_WH_TIMEOUT, OPT_AUDIT_KEY, OPT_AUDIT_FILE, OPT_REGISTER_KEY, OPT_REGISTER_TRUST,
	OPT_AUDIT_SECS, OPT_SKEW, OPT_CURRENT, OPT_ADDR_SLOW, OPT_HTTP_MAX, OPT_HTTP_PER_ADDR,
	OPT_HTTP_TIMEOUT, OPT_TLS_CERT, OPT_TLS_KEY, OPT_PUBLIC_URL, OPT_TRUSTED_PROXY,
	OPT_TEL_FAST, OPT_TEL_NORMAL, OPT_TEL_TIMEOUT, OPT_HTTP_HEADER, OPT_HTTP_BODY,
	OPT_OSM_MAX, OPT_OSM_PER_ADDR, OPT_OSM_TLS, OPT_TEL_MAX, OPT_TEL_PER_ADDR, OPT_TEL_PACKET,
	OPT_TEL_BUFFERED, OPT_TEL_TLS, OPT_DATA_KEY, OPT_WH_SECRET, OPT_SMS_URL, OPT_SMS_KEY,
	OPT_SMS_TEMPLATE, OPT_SMS_POLL, OPT_HELP_RATE, OPT_PUSH_KEY, OPT_PUSH_SUBJECT, OPT_PUSH_HTTP,
	OPT_HELPLINES,
};

static const struct option opts[] = {
	{ "db", required_argument, NULL, OPT_DB },
	{ "listen", required_argument, NULL, OPT_LISTEN },
	{ "demo", no_argument, NULL, OPT_DEMO },
	{ "web", required_argument, NULL, OPT_WEB },
	{ "map-tiles", required_argument, NULL, OPT_MAP_TILES },
	{ "map-attribution", required_argument, NULL, OPT_MAP_CREDIT },
	{ "geocoder", required_argument, NULL, OPT_GEOCODER },
	{ "geocoder-timeout-ms", required_argument, NULL, OPT_GEOCODER_TIMEOUT },
	{ "threads", required_argument, NULL, OPT_THREADS },
	{ "session-idle", required_argument, NULL, OPT_IDLE },
	{ "session-max", required_argument, NULL, OPT_MAX },
	{ "login-max-failures", required_argument, NULL, OPT_MAXFAIL },
	{ "login-backoff-ms", required_argument, NULL, OPT_BACKOFF },
	{ "login-lockout", required_argument, NULL, OPT_LOCKOUT },
	{ "addr-max-failures", required_argument, NULL, OPT_ADDRFAIL },
	{ "log-level", required_argument, NULL, OPT_LOG },
	{ "attachments", required_argument, NULL, OPT_ATTDIR },
	{ "attachment-max-mb", required_argument, NULL, OPT_ATTMAX },
	{ "serial-victims", required_argument, NULL, OPT_SERIAL },
	{ "instruments", required_argument, NULL, OPT_INSTR },
	{ "instrument-text", required_argument, NULL, OPT_INSTR_TEXT },
	{ "review-days", required_argument, NULL, OPT_REVIEW },
	{ "marac-escalation", required_argument, NULL, OPT_MARAC },
	{ "plan-suggestions", required_argument, NULL, OPT_SUGGEST },
	{ "notify-hours", required_argument, NULL, OPT_NOTIFY_HOURS },
	{ "contact-days", required_argument, NULL, OPT_CONTACT_DAYS },
	{ "programme-capacity", required_argument, NULL, OPT_PROGRAMME_CAPACITY },
	{ "housekeeping-secs", required_argument, NULL, OPT_HOUSEKEEPING },
	{ "osmand-listen", required_argument, NULL, OPT_OSMAND },
	{ "lost-factor", required_argument, NULL, OPT_LOST_FACTOR },
	{ "lost-speed", required_argument, NULL, OPT_LOST_SPEED },
	{ "confirm-seconds", required_argument, NULL, OPT_CONFIRM },
	{ "escalate-seconds", required_argument, NULL, OPT_ESCALATE },
	{ "lost-min-seconds", required_argument, NULL, OPT_LOST_MIN },
	{ "teltonika-listen", required_argument, NULL, OPT_TELTONIKA },
	{ "idle-seconds", required_argument, NULL, OPT_IDLE_S },
	{ "webhook-centre", required_argument, NULL, OPT_WH_CENTRE },
	{ "no-simulator", no_argument, NULL, OPT_NO_SIM },
	{ "webhook-victim", required_argument, NULL, OPT_WH_VICTIM },
	{ "webhook-police", required_argument, NULL, OPT_WH_POLICE },
	{ "webhook-attempts", required_argument, NULL, OPT_WH_ATTEMPTS },
	{ "webhook-backoff-ms", required_argument, NULL, OPT_WH_BACKOFF },
	{ "webhook-timeout-ms", required_argument, NULL, OPT_WH_TIMEOUT },
	{ "webhook-secret-file", required_argument, NULL, OPT_WH_SECRET },
	{ "sms-notify-url", required_argument, NULL, OPT_SMS_URL },
	{ "sms-notify-key-file", required_argument, NULL, OPT_SMS_KEY },
	{ "sms-notify-template", required_argument, NULL, OPT_SMS_TEMPLATE },
	{ "sms-poll-ms", required_argument, NULL, OPT_SMS_POLL },
	{ "help-per-hour", required_argument, NULL, OPT_HELP_RATE },
	{ "push-key-file", required_argument, NULL, OPT_PUSH_KEY },
	{ "push-subject", required_argument, NULL, OPT_PUSH_SUBJECT },
	{ "push-allow-http", no_argument, NULL, OPT_PUSH_HTTP },
	{ "helplines", required_argument, NULL, OPT_HELPLINES },
	{ "audit-key", required_argument, NULL, OPT_AUDIT_KEY },
	{ "register-key", required_argument, NULL, OPT_REGISTER_KEY },
	{ "register-trust", required_argument, NULL, OPT_REGISTER_TRUST },
	{ "clock-skew-seconds", required_argument, NULL, OPT_SKEW },
	{ "addr-slow-ms", required_argument, NULL, OPT_ADDR_SLOW },
	{ "http-max-connections", required_argument, NULL, OPT_HTTP_MAX },
	{ "http-max-per-address", required_argument, NULL, OPT_HTTP_PER_ADDR },
	{ "http-timeout-seconds", required_argument, NULL, OPT_HTTP_TIMEOUT },
	{ "http-header-seconds", required_argument, NULL, OPT_HTTP_HEADER },
	{ "osmand-max-connections", required_argument, NULL, OPT_OSM_MAX },
	{ "osmand-max-per-address", required_argument, NULL, OPT_OSM_PER_ADDR },
	{ "osmand-tls", no_argument, NULL, OPT_OSM_TLS },
	{ "teltonika-max-connections", required_argument, NULL, OPT_TEL_MAX },
	{ "teltonika-max-per-address", required_argument, NULL, OPT_TEL_PER_ADDR },
	{ "teltonika-packet-seconds", required_argument, NULL, OPT_TEL_PACKET },
	{ "teltonika-max-buffered", required_argument, NULL, OPT_TEL_BUFFERED },
	{ "teltonika-tls-listen", required_argument, NULL, OPT_TEL_TLS },
	{ "http-body-seconds", required_argument, NULL, OPT_HTTP_BODY },
	{ "tls-cert", required_argument, NULL, OPT_TLS_CERT },
	{ "tls-key", required_argument, NULL, OPT_TLS_KEY },
	{ "public-url", required_argument, NULL, OPT_PUBLIC_URL },
	{ "trusted-proxy", required_argument, NULL, OPT_TRUSTED_PROXY },
	{ "warn-current-seconds", required_argument, NULL, OPT_CURRENT },
	{ "teltonika-fast-command", required_argument, NULL, OPT_TEL_FAST },
	{ "teltonika-normal-command", required_argument, NULL, OPT_TEL_NORMAL },
	{ "teltonika-command-timeout", required_argument, NULL, OPT_TEL_TIMEOUT },
	{ "audit-checkpoints", required_argument, NULL, OPT_AUDIT_FILE },
	{ "audit-checkpoint-secs", required_argument, NULL, OPT_AUDIT_SECS },
	{ "data-key", required_argument, NULL, OPT_DATA_KEY },
	{ "help", no_argument, NULL, OPT_HELP },
	{ NULL, 0, NULL, 0 },
};

/* A whole number in [min,max]; 0 or -1. */
/* A secret kept in a file (never on the command line, where ps shows it):
 * its first line, trimmed.  0 and *out (caller wipes and frees), or -1. */
static int secret_from_file(const char *path, char **out)
{
	char line[512];
	size_t n;
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	if (!fgets(line, sizeof line, f)) {
		fclose(f);
		return -1;
	}
	fclose(f);
	n = strcspn(line, "\r\n");
	line[n] = '\0';
	while (n && (line[n - 1] == ' ' || line[n - 1] == '\t'))
		line[--n] = '\0';
	if (!n)
		return -1;
	if (*out) {
		sodium_memzero(*out, strlen(*out));
		free(*out);
	}
	*out = xstrdup(line);
	sodium_memzero(line, sizeof line);
	return 0;
}

static int number(const char *s, long long min, long long max, long long *out)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

static int parse_listen(const char *s, struct vigil_config *c)
{
	const char *colon = strrchr(s, ':');
	long long port;

	if (!colon || colon == s || (size_t)(colon - s) >= sizeof c->listen_host ||
	    number(colon + 1, 0, 65535, &port) < 0)
		return -1;
	memcpy(c->listen_host, s, (size_t)(colon - s));
	c->listen_host[colon - s] = '\0';
	c->listen_port = (int)port;
	return 0;
}

static const char *default_web_root(void)
{
	struct stat st;

	if (stat("web/index.html", &st) == 0 && S_ISREG(st.st_mode))
		return "web";
	return NULL;
}

/* The attachment store and its tmp/ for uploads in progress (mode 0700:
 * evidence files are for Vigil's eyes). */
static int make_dirs(const char *dir)
{
	char tmp[600];

	snprintf(tmp, sizeof tmp, "%s/tmp", dir);
	if ((mkdir(dir, 0700) < 0 && errno != EEXIST) || (mkdir(tmp, 0700) < 0 && errno != EEXIST)) {
		fprintf(stderr, "vigil serve: cannot create the attachment store %s: %s\n", tmp,
			strerror(errno));
		return -1;
	}
	return 0;
}

/* ADDR:PORT, or "off". */
static int parse_endpoint(const char *s, char *host, size_t hostlen, int *port, bool *off)
{
	const char *colon = strrchr(s, ':');
	long long n;

	if (strcmp(s, "off") == 0) {
		*off = true;
		return 0;
	}
	if (!colon || colon == s || (size_t)(colon - s) >= hostlen || number(colon + 1, 0, 65535, &n) < 0)
		return -1;
	memcpy(host, s, (size_t)(colon - s));
	host[colon - s] = '\0';
	*port = (int)n;
	*off = false;
	return 0;
}

static bool is_kind(const char *path, bool dir)
{
	struct stat st;

	return stat(path, &st) == 0 && (dir ? S_ISDIR(st.st_mode) : S_ISREG(st.st_mode));
}

/* rel (a directory or a file of the source tree) in the working directory
 * when it is there, else beside the source tree the binary was built in
 * (build/vigil -> ../rel, build/dev/vigil -> ../../rel). */
static const char *default_data_path(const char *rel, bool dir, char *buf, size_t n)
{
	char exe[PATH_MAX];
	ssize_t len;

	if (is_kind(rel, dir))
		return rel;
	len = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (len > 0) {
		char *slash;

		exe[len] = '\0';
		for (int up = 0; up < 3 && (slash = strrchr(exe, '/')); up++) {
			*slash = '\0';
			size_t el = strlen(exe), rl = strlen(rel);

			if (el + rl + 2 > n)
				break;
			memcpy(buf, exe, el);
			buf[el] = '/';
			memcpy(buf + el + 1, rel, rl + 1);
			if (is_kind(buf, dir))
				return buf;
		}
	}
	return rel;
}

/* Each wake: purge ended sessions; raise a task for every SPO subject whose
 * three days to notify his name and address have passed. */
/* Sign the audit trail's head, if it moved, into the database and the
 * checkpoint file. */
static void audit_checkpoint(struct vigil *v, db *d, int64_t now)
{
	struct audit_checkpoint cp;
	char err[300];
	int rc;

	if (!v->audit_signing || now - v->audit_last_checkpoint < v->cfg.audit_checkpoint_secs * 1000LL)
		return;
	v->audit_last_checkpoint = now;
	rc = audit_checkpoint_make(d, v->audit_sk, v->audit_pk, now, &cp);
	if (rc < 0)
		log_error("cannot sign the audit trail's head: %s", db_errmsg(d));
	else if (rc == AUDIT_CUT)
		log_error("the audit trail's head is below entry %lld, which this server signed for: "
			  "entries were cut from its end (vigil audit verify --key says which)",
			  (long long)cp.last_id);
	else if (rc > 0 && audit_checkpoint_file_append(v->cfg.audit_checkpoints, &cp, err,
							sizeof err) < 0)
		log_error("the audit checkpoint at entry %lld is in the database but not in the "
			  "checkpoint file: %s",
			  (long long)cp.last_id, err);
}

/* The timers, every time the main loop wakes: the audit checkpoint on its
 * own period, the rest every --housekeeping-secs. */
static void housekeeping(struct vigil *v)
{
	static int64_t last;
	db *pd = db_pool_acquire(v->pool);
	int64_t now = clock_now_ms();
	int raised = 0;

	audit_checkpoint(v, pd, now);
	if (now - last < v->cfg.housekeeping_secs * 1000LL - 500) {
		db_pool_release(v->pool, pd);
		return;
	}
	last = now;
	if (session_purge(pd, now, now - v->cfg.session_idle_ms) < 0 ||
	    login_name_purge(pd, now - v->cfg.login_lockout_ms) < 0)
		log_error("the purge of ended sessions and sign-in names failed: %s", db_errmsg(pd));
	{
		/* the register's retention: each purge audited by itself */
		struct ops_ctx rx;
		int purged;

		ops_init(&rx, v, pd, NULL); /* Vigil itself */
		rx.now = now;
		purged = reg_purge(&rx, true);
		if (purged < 0)
			log_error("the register's retention sweep failed: %s", db_errmsg(pd));
		else if (purged)
			log_info("purged %d register entr%s", purged, purged == 1 ? "y" : "ies");
		ops_done(&rx);
	}
	if (order_duty_sweep(pd, now, &raised) < 0)
		log_error("the duty-to-notify sweep failed: %s", db_errmsg(pd));
	else if (raised)
		log_info("raised %d duty-to-notify task(s)", raised);
	db_pool_release(v->pool, pd);
}

/* Which data key seals (a rotation moves it), and the key file read again
 * if it changed, on a connection of its own (kd): a query a second on the
 * pool's would take a connection from the requests.  A fault is logged once,
 * until it mends. */
static void keys_refresh(struct vigil *v, db *kd)
{
	static bool failing;
	char err[600];
	int before = crypt_keys_current(v->keys);

	if (db_heal(kd) < 0)
		return; /* the database is away: the pool says so */
	if (sealed_refresh(kd, v->keys, err, sizeof err) < 0) {
		if (!failing)
			log_error("data keys: %s", err);
		failing = true;
	} else {
		if (failing)
			log_info("data keys: key %d seals again", crypt_keys_current(v->keys));
		else if (crypt_keys_current(v->keys) != before)
			log_info("data keys: key %d seals from now on (was %d)",
				 crypt_keys_current(v->keys), before);
		failing = false;
	}
}

/* ---- the engine's listeners (monitor/sinks.h) ------------------------------------- */

static void stream_on_events(void *arg)
{
	stream_wake(arg);
}

static void stream_on_alert(void *arg, const struct alert_news *n)
{
	(void)n;
	stream_wake(arg);
}

static void stream_on_notice(void *arg, const char *payload)
{
	(void)payload;
	stream_wake(arg);
}

static void notifier_on_alert(void *arg, const struct alert_news *n)
{
	if (n->repeat)
		notifier_repeat(arg, n->id, n->kind, n->late, n->repeat);
	else
		notifier_alert(arg, n->id, n->kind, n->late);
}

static void notifier_on_leading(void *arg, bool leads)
{
	if (leads)
		notifier_resume(arg);
	else
		notifier_drop(arg);
}

static void reporting_on_lease(void *arg, const atomic_llong *until)
{
	reporting_lease(arg, until);
}

static void reporting_on_ask(void *arg, int64_t device_id, const char *uid, enum report_mode mode)
{
	reporting_ask(arg, device_id, uid, mode == REPORT_FAST ? REPORTING_FAST : REPORTING_NORMAL);
}

static void reporting_on_notice(void *arg, const char *payload)
{
	reporting_notice(arg, payload);
}

/* Who hears the engine's news: the live stream (new events, here or on
 * another node), the webhooks (a new alert; whether this node leads), and
 * the bridge that asks tags to report faster (the lease it acts within, the
 * engine's asks, and the other nodes' commands). */
static void subscribe(struct vigil *v)
{
	v->sinks = sinks_new();
	sinks_on_alert(v->sinks, stream_on_alert, v->stream);
	sinks_on_events(v->sinks, stream_on_events, v->stream);
	sinks_on_notice(v->sinks, STREAM_CHANNEL, stream_on_notice, v->stream);
	sinks_on_alert(v->sinks, notifier_on_alert, v->notifier);
	sinks_on_leading(v->sinks, notifier_on_leading, v->notifier);
	sinks_on_lease(v->sinks, reporting_on_lease, v->reporting);
	sinks_on_reporting(v->sinks, reporting_on_ask, v->reporting);
	sinks_on_notice(v->sinks, REPORTING_CHANNEL, reporting_on_notice, v->reporting);
}

int cli_serve(int argc, char **argv)
{
	struct vigil v = { 0 };
	struct vigil_config *c = &v.cfg;
	const char *dbopt = NULL, *keyopt = NULL;
	char err[512], creds[PATH_MAX], instr_buf[PATH_MAX], sugg_buf[PATH_MAX];
	char osmand_host[64] = "127.0.0.1";
	struct engine_config ecfg;
	struct notify_config ncfg = { 0 };
	char *wh_secret = NULL, *sms_key = NULL;
	const char *push_key = NULL, *push_subject = "mailto:webpush@localhost";
	struct reporting_config rcfg;
	struct simulator *sim = NULL;
	bool no_sim = false, lost_min_given = false;
	struct osmand_server *osmand = NULL;
	struct tcp_server *tel = NULL;
	bool osmand_off = false, tel_off = false;
	int osmand_port = 5055, tel_port = 5027, idle_s = 120;
	char tel_host[64] = "127.0.0.1", tel_tls_host[64] = "127.0.0.1";
	int tel_tls_port = 0;
	bool tel_tls_off = true;
	sigset_t sigs;
	long long n;
	int opt, sig, ret = 1;
	db *d = NULL, *keys_db = NULL;
	int li;

	vigil_config_defaults(c);
	engine_config_defaults(&ecfg);
	reporting_config_defaults(&rcfg);
	opterr = 0;
	optind = 1;
	while ((li = -1, opt = getopt_long(argc, argv, ":", opts, &li)) != -1) {
		/* the option as the user wrote it: "--x VALUE" leaves the value in
		 * argv[optind - 1], so a known option is named from the table */
		char known[48];
		const char *name = argv[optind - 1];

		if (li >= 0) {
			snprintf(known, sizeof known, "--%s", opts[li].name);
			name = known;
		}

		switch (opt) {
		case OPT_DB: dbopt = optarg; break;
		case OPT_DATA_KEY: keyopt = optarg; break;
		case OPT_LISTEN:
			if (parse_listen(optarg, c) < 0)
				return cli_usage_error("serve", "--listen wants ADDR:PORT such as "
							"127.0.0.1:8080, not '%s'", optarg);
			break;
		case OPT_DEMO: c->demo = true; break;
		case OPT_WEB: c->web_root = optarg; break;
		case OPT_MAP_TILES:
			if (strncmp(optarg, "https://", 8) != 0 || !strstr(optarg, "{z}") ||
			    !strstr(optarg, "{x}") || !strstr(optarg, "{y}") || strlen(optarg) > 500 ||
			    strpbrk(optarg, " \"'<>\\"))
				return cli_usage_error("serve", "--map-tiles wants an https:// URL template "
							"with {z}, {x} and {y}, such as "
							"https://tiles.example.org/{z}/{x}/{y}.png");
			c->map_tiles = optarg;
			break;
		case OPT_GEOCODER: {
			const char *q = strstr(optarg, "{q}");

			if ((strncmp(optarg, "https://", 8) != 0 && strncmp(optarg, "http://", 7) != 0) ||
			    !q || strstr(q + 3, "{q}") || strlen(optarg) > 500 ||
			    strpbrk(optarg, " \"'<>\\"))
				return cli_usage_error("serve", "--geocoder wants an http:// or https:// URL "
							"template with {q} once, such as "
							"https://nominatim.example.org/search?format=jsonv2&q={q}");
			c->geocoder = optarg;
			break;
		}
		case OPT_GEOCODER_TIMEOUT:
			if (number(optarg, 100, 60000, &n) < 0)
				return cli_usage_error("serve", "--geocoder-timeout-ms wants 100 to 60000");
			c->geocoder_timeout_ms = (int)n;
			break;
		case OPT_MAP_CREDIT: {
			json_t *utf8 = json_string(optarg); /* NULL unless valid UTF-8 */
			bool control = false;

			for (const unsigned char *p = (const unsigned char *)optarg; *p; p++)
				control |= *p < 0x20 || *p == 0x7f;
			json_decref(utf8);
			if (strlen(optarg) > 300 || !utf8 || control)
				return cli_usage_error("serve", "--map-attribution is UTF-8 text of at most "
							"300 bytes, without control characters");
			c->map_attribution = optarg;
			break;
		}
		case OPT_THREADS:
			if (number(optarg, 1, 64, &n) < 0)
				return cli_usage_error("serve", "--threads wants 1 to 64");
			c->threads = (int)n;
			break;
		case OPT_IDLE:
			if (number(optarg, 1, 7 * 86400, &n) < 0)
				return cli_usage_error("serve", "--session-idle wants seconds, 1 to 604800");
			c->session_idle_ms = n * 1000;
			break;
		case OPT_MAX:
			if (number(optarg, 1, 30 * 86400, &n) < 0)
				return cli_usage_error("serve", "--session-max wants seconds, 1 to 2592000");
			c->session_max_ms = n * 1000;
			break;
		case OPT_MAXFAIL:
			if (number(optarg, 2, 1000, &n) < 0)
				return cli_usage_error("serve", "--login-max-failures wants 2 to 1000");
			c->login_max_failures = (int)n;
			break;
		case OPT_BACKOFF:
			if (number(optarg, 1, 600000, &n) < 0)
				return cli_usage_error("serve", "--login-backoff-ms wants 1 to 600000");
			c->login_backoff_ms = n;
			break;
		case OPT_LOCKOUT:
			if (number(optarg, 1, 86400, &n) < 0)
				return cli_usage_error("serve", "--login-lockout wants seconds, 1 to 86400");
			c->login_lockout_ms = n * 1000;
			break;
		case OPT_ADDRFAIL:
			if (number(optarg, 1, 100000, &n) < 0)
				return cli_usage_error("serve", "--addr-max-failures wants 1 to 100000");
			c->addr_max_failures = (int)n;
			break;
		case OPT_LOG:
			if (strcmp(optarg, "debug") == 0)
				log_set_level(LOG_DEBUG);
			else if (strcmp(optarg, "info") == 0)
				log_set_level(LOG_INFO);
			else if (strcmp(optarg, "warn") == 0)
				log_set_level(LOG_WARN);
			else if (strcmp(optarg, "error") == 0)
				log_set_level(LOG_ERROR);
			else
				return cli_usage_error("serve", "--log-level wants debug, info, warn or error");
			break;
		case OPT_ATTDIR:
			if (strlen(optarg) >= sizeof c->attachment_dir - 64)
				return cli_usage_error("serve", "--attachments: path too long");
			snprintf(c->attachment_dir, sizeof c->attachment_dir, "%s", optarg);
			break;
		case OPT_ATTMAX:
			if (number(optarg, 1, 1024, &n) < 0)
				return cli_usage_error("serve", "--attachment-max-mb wants 1 to 1024");
			c->attachment_max = n * 1024 * 1024;
			break;
		case OPT_SERIAL:
			if (number(optarg, 2, 100, &n) < 0)
				return cli_usage_error("serve", "--serial-victims wants 2 to 100");
			c->serial_victims = (int)n;
			break;
		case OPT_INSTR: c->instruments_dir = optarg; break;
		case OPT_INSTR_TEXT: c->instrument_text = optarg; break;
		case OPT_REVIEW: {
			int h, m, st;
			char extra;

			if (sscanf(optarg, "%d,%d,%d%c", &h, &m, &st, &extra) != 3 || h < 1 || m < 1 ||
			    st < 1 || h > 3650 || m > 3650 || st > 3650)
				return cli_usage_error("serve", "--review-days wants three day counts "
							"for high, medium and standard, e.g. 7,28,90");
			c->review_days[2] = h;
			c->review_days[1] = m;
			c->review_days[0] = st;
			break;
		}
		case OPT_MARAC:
			if (number(optarg, 1, 1000, &n) < 0)
				return cli_usage_error("serve", "--marac-escalation wants 1 to 1000");
			c->marac_escalation = (int)n;
			break;
		case OPT_SUGGEST: c->plan_suggestions = optarg; break;
		case OPT_NOTIFY_HOURS:
			if (number(optarg, 1, 24 * 30, &n) < 0)
				return cli_usage_error("serve", "--notify-hours wants 1 to 720");
			c->notify_hours = (int)n;
			break;
		case OPT_PROGRAMME_CAPACITY:
			if (number(optarg, 1, 10000, &n) < 0)
				return cli_usage_error("serve", "--programme-capacity wants 1 to 10000");
			c->programme_capacity = (int)n;
			break;
		case OPT_CONTACT_DAYS:
			if (number(optarg, 1, 365, &n) < 0)
				return cli_usage_error("serve", "--contact-days wants 1 to 365");
			c->contact_days = (int)n;
			break;
		case OPT_HOUSEKEEPING:
			if (number(optarg, 1, 3600, &n) < 0)
				return cli_usage_error("serve", "--housekeeping-secs wants 1 to 3600");
			c->housekeeping_secs = (int)n;
			break;
		case OPT_AUDIT_KEY: c->audit_key = optarg; break;
		case OPT_REGISTER_KEY: c->register_key = optarg; break;
		case OPT_REGISTER_TRUST: c->register_trust = optarg; break;
		case OPT_TLS_CERT: c->tls_cert = optarg; break;
		case OPT_TLS_KEY: c->tls_key = optarg; break;
		case OPT_PUBLIC_URL:
			if (strncmp(optarg, "https://", 8) && strncmp(optarg, "http://", 7))
				return cli_usage_error("serve", "%s wants an http:// or https:// URL",
						       name);
			if (strlen(optarg) > 200)
				return cli_usage_error("serve", "%s is too long", name);
			c->public_url = optarg;
			break;
		case OPT_TRUSTED_PROXY: {
			unsigned char bin[16];

			if (inet_pton(AF_INET, optarg, bin) != 1 && inet_pton(AF_INET6, optarg, bin) != 1)
				return cli_usage_error("serve", "%s wants an IPv4 or IPv6 address", name);
			c->trusted_proxy = optarg;
			break;
		}
		case OPT_HTTP_MAX:
			if (number(optarg, 16, 16000, &n) < 0)
				return cli_usage_error("serve", "%s wants 16 to 16000", name);
			c->http_max_connections = (int)n;
			break;
		case OPT_HTTP_PER_ADDR:
			if (number(optarg, 1, 16000, &n) < 0)
				return cli_usage_error("serve", "%s wants 1 to 16000", name);
			c->http_max_per_addr = (int)n;
			break;
		case OPT_OSM_MAX:
		case OPT_TEL_MAX:
			if (number(optarg, 16, 100000, &n) < 0)
				return cli_usage_error("serve", "%s wants 16 to 100000", name);
			*(opt == OPT_OSM_MAX ? &c->osmand_max_connections : &c->tel_max_connections) =
				(int)n;
			break;
		case OPT_OSM_PER_ADDR:
		case OPT_TEL_PER_ADDR:
			if (number(optarg, 1, 100000, &n) < 0)
				return cli_usage_error("serve", "%s wants 1 to 100000", name);
			*(opt == OPT_OSM_PER_ADDR ? &c->osmand_max_per_addr : &c->tel_max_per_addr) =
				(int)n;
			break;
		case OPT_OSM_TLS: c->osmand_tls = true; break;
		case OPT_TEL_TLS:
			if (parse_endpoint(optarg, tel_tls_host, sizeof tel_tls_host, &tel_tls_port,
					   &tel_tls_off) < 0)
				return cli_usage_error("serve", "%s wants ADDR:PORT or off", name);
			break;
		case OPT_TEL_PACKET:
			if (number(optarg, 1, 3600, &n) < 0)
				return cli_usage_error("serve", "%s wants 1 to 3600 seconds", name);
			c->tel_packet_s = (int)n;
			break;
		case OPT_TEL_BUFFERED:
			if (number(optarg, 1, 65536, &n) < 0)
				return cli_usage_error("serve", "%s wants 1 to 65536 (MB)", name);
			c->tel_max_buffered = n * 1024 * 1024;
			break;
		case OPT_HTTP_HEADER:
		case OPT_HTTP_BODY:
			if (number(optarg, 1, 3600, &n) < 0)
				return cli_usage_error("serve", "%s wants 1 to 3600 seconds", name);
			if (opt == OPT_HTTP_HEADER)
				c->http_header_s = (int)n;
			else
				c->http_body_s = (int)n;
			break;
		case OPT_HTTP_TIMEOUT:
			if (number(optarg, 2, 3600, &n) < 0)
				return cli_usage_error("serve", "%s wants 2 to 3600 seconds", name);
			c->http_timeout_s = (int)n;
			break;
		case OPT_ADDR_SLOW:
			if (number(optarg, 100, 600000, &n) < 0)
				return cli_usage_error("serve", "%s wants 100 to 600000", name);
			c->addr_slow_ms = n;
			break;
		case OPT_SKEW:
			if (number(optarg, 1, 3600, &n) < 0)
				return cli_usage_error("serve", "%s wants 1 to 3600 seconds", name);
			c->clock_skew_ms = n * 1000;
			break;
		case OPT_CURRENT:
			if (number(optarg, 10, 3600, &n) < 0)
				return cli_usage_error("serve", "%s wants 10 to 3600 seconds", name);
			ecfg.current_ms = n * 1000;
			break;
		case OPT_TEL_FAST:
		case OPT_TEL_NORMAL:
			if (!reporting_command_valid(optarg))
				return cli_usage_error("serve", "%s wants 1 to %d printable ASCII characters",
						       name, REPORTING_COMMAND_MAX);
			rcfg.command[opt == OPT_TEL_FAST ? REPORTING_FAST : REPORTING_NORMAL] = optarg;
			break;
		case OPT_TEL_TIMEOUT:
			if (number(optarg, 1, 3600, &n) < 0)
				return cli_usage_error("serve", "%s wants 1 to 3600 seconds", name);
			rcfg.answer_timeout_ms = n * 1000;
			break;
		case OPT_AUDIT_FILE:
			if (strlen(optarg) >= sizeof c->audit_checkpoints)
				return cli_usage_error("serve", "--audit-checkpoints: path too long");
			snprintf(c->audit_checkpoints, sizeof c->audit_checkpoints, "%s", optarg);
			break;
		case OPT_AUDIT_SECS:
			if (number(optarg, 1, 86400, &n) < 0)
				return cli_usage_error("serve", "--audit-checkpoint-secs wants 1 to 86400");
			c->audit_checkpoint_secs = (int)n;
			break;
		case OPT_OSMAND:
			if (parse_endpoint(optarg, osmand_host, sizeof osmand_host, &osmand_port,
					   &osmand_off) < 0)
				return cli_usage_error("serve", "--osmand-listen wants ADDR:PORT or off");
			break;
		case OPT_TELTONIKA:
			if (parse_endpoint(optarg, tel_host, sizeof tel_host, &tel_port, &tel_off) < 0)
				return cli_usage_error("serve", "--teltonika-listen wants ADDR:PORT or off");
			break;
		case OPT_WH_CENTRE:
		case OPT_WH_VICTIM:
		case OPT_WH_POLICE:
			if (strncmp(optarg, "http://", 7) && strncmp(optarg, "https://", 8))
				return cli_usage_error("serve", "%s wants an http:// or https:// URL", name);
			ncfg.url[opt == OPT_WH_CENTRE ? NOTIFY_CENTRE : opt == OPT_WH_VICTIM ? NOTIFY_VICTIM
											    : NOTIFY_POLICE] = optarg;
			break;
		case OPT_WH_ATTEMPTS:
			if (number(optarg, 1, 20, &n) < 0)
				return cli_usage_error("serve", "--webhook-attempts wants 1 to 20");
			ncfg.max_attempts = (int)n;
			break;
		case OPT_WH_BACKOFF:
			if (number(optarg, 10, 600000, &n) < 0)
				return cli_usage_error("serve", "--webhook-backoff-ms wants 10 to 600000");
			ncfg.first_backoff_ms = n;
			break;
		case OPT_WH_TIMEOUT:
			if (number(optarg, 100, 60000, &n) < 0)
				return cli_usage_error("serve", "--webhook-timeout-ms wants 100 to 60000");
			ncfg.timeout_ms = n;
			break;
		case OPT_WH_SECRET:
		case OPT_SMS_KEY: {
			char **to = opt == OPT_WH_SECRET ? &wh_secret : &sms_key;

			if (secret_from_file(optarg, to) < 0)
				return cli_usage_error("serve", "%s: cannot read one line of text from %s",
						       name, optarg);
			break;
		}
		case OPT_SMS_URL:
			if (strncmp(optarg, "http://", 7) && strncmp(optarg, "https://", 8))
				return cli_usage_error("serve", "%s wants an http:// or https:// URL", name);
			ncfg.sms_url = optarg;
			break;
		case OPT_SMS_TEMPLATE:
			if (!*optarg || strlen(optarg) > 64)
				return cli_usage_error("serve", "%s wants the template's id", name);
			ncfg.sms_template = optarg;
			break;
		case OPT_SMS_POLL:
			if (number(optarg, 50, 600000, &n) < 0)
				return cli_usage_error("serve", "--sms-poll-ms wants 50 to 600000");
			ncfg.sms_poll_ms = n;
			break;
		case OPT_PUSH_KEY: push_key = optarg; break;
		case OPT_PUSH_SUBJECT:
			if ((strncmp(optarg, "mailto:", 7) && strncmp(optarg, "https://", 8)) ||
			    strlen(optarg) > 150 || strpbrk(optarg, "\"\\"))
				return cli_usage_error("serve", "%s wants a mailto: or https: contact", name);
			push_subject = optarg;
			break;
		case OPT_PUSH_HTTP: v.push_allow_http = true; break;
		case OPT_HELPLINES: {
			char why[200];

			json_decref(v.helplines);
			v.helplines = api_helplines_load(optarg, why, sizeof why);
			if (!v.helplines)
				return cli_usage_error("serve", "--helplines: %s", why);
			break;
		}
		case OPT_HELP_RATE:
			if (number(optarg, 1, 1000, &n) < 0)
				return cli_usage_error("serve", "--help-per-hour wants 1 to 1000");
			c->help_per_hour = (int)n;
			break;
		case OPT_NO_SIM: no_sim = true; break;
		case OPT_IDLE_S:
			if (number(optarg, 1, 86400, &n) < 0)
				return cli_usage_error("serve", "--idle-seconds wants 1 to 86400");
			idle_s = (int)n;
			break;
		case OPT_LOST_FACTOR:
		case OPT_LOST_SPEED: {
			char *end;
			double f = strtod(optarg, &end);

			if (*end || end == optarg || !(f > 0) || f > 1000)
				return cli_usage_error("serve", "%s wants a positive number", name);
			if (opt == OPT_LOST_FACTOR)
				ecfg.lost_factor = f < 2 ? 2 : f;
			else
				ecfg.lost_speed_mps = f;
			break;
		}
		case OPT_LOST_MIN:
			if (number(optarg, 1, 86400, &n) < 0)
				return cli_usage_error("serve", "--lost-min-seconds wants 1 to 86400");
			ecfg.lost_floor_ms = n * 1000;
			lost_min_given = true;
			break;
		case OPT_CONFIRM:
		case OPT_ESCALATE:
			if (number(optarg, 1, 3600, &n) < 0)
				return cli_usage_error("serve", "%s wants 1 to 3600 seconds", name);
			if (opt == OPT_CONFIRM)
				ecfg.confirm_ms = n * 1000;
			else
				ecfg.escalate_after_ms = n * 1000;
			break;
		case OPT_HELP:
			fputs(help, stdout);
			return 0;
		case ':':
			return cli_usage_error("serve", "option %s needs a value", name);
		default:
			return cli_usage_error("serve", "unknown option '%s'", name);
		}
	}
	if (optind < argc)
		return cli_usage_error("serve", "unexpected argument '%s'", argv[optind]);
	if (c->session_idle_ms > c->session_max_ms)
		c->session_idle_ms = c->session_max_ms;
	if (!c->web_root)
		c->web_root = default_web_root();
	c->db_url = cli_db_url(dbopt);
	if (!c->attachment_dir[0]) {
		if (strstr(c->db_url, "://"))
			snprintf(c->attachment_dir, sizeof c->attachment_dir, "vigil-attachments");
		else
			snprintf(c->attachment_dir, sizeof c->attachment_dir, "%.440s.attachments",
				 c->db_url);
	}
	if (make_dirs(c->attachment_dir) < 0)
		return 1;
	if (!c->audit_key && c->audit_checkpoints[0])
		return cli_usage_error("serve", "--audit-checkpoints needs --audit-key");
	if (!c->tls_cert != !c->tls_key)
		return cli_usage_error("serve", "--tls-cert and --tls-key go together");
	if (c->osmand_tls && !c->tls_cert)
		return cli_usage_error("serve", "--osmand-tls needs --tls-cert and --tls-key");
	if (!tel_tls_off && !c->tls_cert)
		return cli_usage_error("serve", "--teltonika-tls-listen needs --tls-cert and --tls-key");
	if (!tel_tls_off && tel_off)
		return cli_usage_error("serve", "--teltonika-tls-listen needs the Teltonika port "
						"(--teltonika-listen is off)");
	if (c->tls_cert && c->public_url && strncmp(c->public_url, "https://", 8))
		return cli_usage_error("serve", "--public-url is http:// but --tls-cert serves https");
	c->https = c->tls_cert || (c->public_url && !strncmp(c->public_url, "https://", 8));

	/* the data keys first: a missing or wrong key file stops the server
	 * before anything is read; the first sealing of a database from before
	 * encryption at rest happens here, before anything is served */
	if (cli_open_sealed(c->db_url, keyopt, true, &d, &v.keys) < 0)
		return 1;

	/* A broken instrument or suggestion file stops the server, naming the file
	 * and the fault.  The suggestion table names screen items, so it is
	 * checked against the instruments; the demo caseload uses both. */
	if (!c->instruments_dir)
		c->instruments_dir = default_data_path("instruments", true, instr_buf, sizeof instr_buf);
	if (!c->plan_suggestions)
		c->plan_suggestions = default_data_path("plans/suggestions.json", false, sugg_buf,
							sizeof sugg_buf);
	if (instrument_set_load(c->instruments_dir, &v.instruments, err, sizeof err) < 0 ||
	    (c->instrument_text &&
	     instrument_set_override(v.instruments, c->instrument_text, err, sizeof err) < 0) ||
	    plan_suggestions_load(c->plan_suggestions, v.instruments, &v.suggestions, err,
				  sizeof err) < 0) {
		fprintf(stderr, "vigil serve: %s\n", err);
		db_close(d);
		instrument_set_free(v.instruments);
		crypt_keys_free(v.keys);
		return 1;
	}
	if (c->demo) {
		/* beside a SQLite file; in the working directory for a server URL */
		if (strstr(c->db_url, "://"))
			snprintf(creds, sizeof creds, "vigil-demo-accounts.txt");
		else
			snprintf(creds, sizeof creds, "%s.demo-accounts", c->db_url);
		if (demo_load(&v, d, creds, stdout) < 0) {
			db_close(d);
			plan_suggestions_free(v.suggestions);
			instrument_set_free(v.instruments);
			crypt_keys_free(v.keys);
			return 1;
		}
	}
	db_close(d);

	/* Block the signals we wait for, in this thread and every thread it starts. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);

	/* the audit key last of all the checks that return early: from here on,
	 * every way out wipes it */
	if (c->audit_key) {
		if (secret_sign_key_load(c->audit_key, v.audit_sk, v.audit_pk, err, sizeof err) < 0) {
			fprintf(stderr, "vigil serve: --audit-key: %s\n", err);
			goto out;
		}
		v.audit_signing = true;
		if (!c->audit_checkpoints[0] &&
		    snprintf(c->audit_checkpoints, sizeof c->audit_checkpoints, "%s.checkpoints",
			     c->audit_key) >= (int)sizeof c->audit_checkpoints) {
			fprintf(stderr, "vigil serve: --audit-key: path too long\n");
			goto out;
		}
	}
	if (c->register_key) {
		if (secret_sign_key_load(c->register_key, v.register_sk, v.register_pk, err,
					 sizeof err) < 0) {
			fprintf(stderr, "vigil serve: --register-key: %s\n", err);
			goto out;
		}
		v.register_signing = true;
	}
	if (c->tls_cert && tls_store_open(&v.tls, c->tls_cert, c->tls_key, err, sizeof err) < 0) {
		fprintf(stderr, "vigil serve: --tls-cert: %s\n", err);
		goto out;
	}
	if (db_pool_open(&v.pool, c->db_url, c->threads + 6, "vigil pool", err, sizeof err) < 0) {
		fprintf(stderr, "vigil serve: %s\n", err);
		goto out;
	}
	db_pool_set_keys(v.pool, v.keys);
	if (db_open(&keys_db, c->db_url, err, sizeof err) < 0) {
		fprintf(stderr, "vigil serve: %s\n", err);
		goto out;
	}
	db_set_name(keys_db, "vigil data keys");
	v.metrics = metrics_new(api_routes, api_nroutes);
	v.throttle = throttle_new(c->addr_max_failures, c->login_lockout_ms, c->addr_slow_ms);
	/* past the hour's allowance, one request every twelve minutes */
	v.help_throttle = throttle_new(c->help_per_hour, 3600 * 1000LL, 720 * 1000LL);
	v.stream = stream_new(v.pool, api_alert_event_json);
	if (c->demo && !no_sim && !lost_min_given)
		ecfg.lost_floor_ms = 30000; /* so the demo shows a lost signal in time */
	if (push_key && webpush_open(push_key, push_subject, &v.webpush, err, sizeof err) < 0) {
		fprintf(stderr, "vigil serve: --push-key-file: %s\n", err);
		goto out;
	}
	ncfg.push = v.webpush;
	ncfg.webhook_secret = wh_secret;
	ncfg.sms_key = sms_key;
	if (ncfg.sms_url && (!sms_key || !ncfg.sms_template)) {
		fprintf(stderr, "vigil serve: --sms-notify-url needs --sms-notify-key-file and "
				"--sms-notify-template\n");
		goto out;
	}
	if (notifier_start(&v, &ncfg, &v.notifier, err, sizeof err) < 0) {
		fprintf(stderr, "vigil serve: %s\n", err);
		goto out;
	}
	/* before the engine, which asks; the listener attaches once it runs */
	if (reporting_start(&v, &rcfg, &v.reporting, err, sizeof err) < 0) {
		fprintf(stderr, "vigil serve: %s\n", err);
		goto out;
	}
	subscribe(&v);
	if (node_start(&v, &ecfg, &v.node, err, sizeof err) < 0) {
		fprintf(stderr, "vigil serve: %s\n", err);
		goto out;
	}
	if (committer_start(&v, &v.committer, err, sizeof err) < 0) {
		fprintf(stderr, "vigil serve: %s\n", err);
		goto out;
	}
	if (!osmand_off &&
	    osmand_server_start(&v, osmand_host, osmand_port, &osmand, err, sizeof err) < 0) {
		fprintf(stderr, "vigil serve: %s\n", err);
		goto out;
	}
	if (!tel_off && (tcp_server_start(&v, tel_host, tel_port, idle_s, &tel, err, sizeof err) < 0 ||
			 (!tel_tls_off && tcp_server_listen_tls(tel, tel_tls_host, tel_tls_port, v.tls,
								err, sizeof err) < 0))) {
		fprintf(stderr, "vigil serve: %s\n", err);
		goto out;
	}
	reporting_attach(v.reporting, tel);
	if (http_server_start(&v, api_routes, api_nroutes, &v.http, err, sizeof err) < 0) {
		fprintf(stderr, "vigil serve: %s\n", err);
		goto out;
	}
	if (osmand)
		printf("vigil: OsmAnd devices on %s://%s:%d/\n", c->osmand_tls ? "https" : "http",
		       osmand_host,
		       osmand_server_port(osmand));
	if (tel)
		printf("vigil: Teltonika devices on tcp://%s:%d\n", tel_host, tcp_server_port(tel));
	if (tel && !tel_tls_off)
		printf("vigil: Teltonika devices over TLS on tls://%s:%d\n", tel_tls_host,
		       tcp_server_tls_port(tel));
	if (c->demo && !no_sim) {
		if (simulator_start(&v, &sim, err, sizeof err) < 0)
			log_warn("%s", err);
		else
			printf("vigil: the demo simulator is running: sign in as 'operator' to watch its "
			       "alerts arrive\n");
	}
	printf("vigil: listening on %s://%s:%d/ (database %s)\n", v.tls ? "https" : "http",
	       c->listen_host,
	       http_server_port(v.http), c->db_url);
	fflush(stdout);
	log_info("serving on %s:%d with %d threads", c->listen_host, http_server_port(v.http),
		 c->threads);

	for (;;) {
		/* wake every second: the data keys are looked at each time (a
		 * rotation makes another current); the timers run on their own
		 * periods (housekeeping() keeps them) */
		struct timespec wait = { 1, 0 };

		sig = sigtimedwait(&sigs, NULL, &wait);
		if (sig == SIGINT || sig == SIGTERM)
			break;
		if (sig == SIGHUP) {
			/* a renewed certificate: the next handshakes use it */
			if (!v.tls)
				log_info("SIGHUP: nothing to read again (no --tls-cert)");
			else if (tls_store_reload(v.tls, err, sizeof err) < 0)
				log_error("SIGHUP: the certificate in use goes on serving: %s", err);
			else
				log_info("SIGHUP: certificate %s read again; new connections use it",
					 c->tls_cert);
			continue;
		}
		if (sig < 0 && errno == EAGAIN) {
			keys_refresh(&v, keys_db);
			/* the timers run where the engine does */
			if (node_leads(v.node))
				housekeeping(&v);
		}
	}
	log_info("signal %d: finishing requests in flight and stopping", sig);
	simulator_stop(sim);
	sim = NULL;
	stream_close(v.stream);
	osmand_server_stop(osmand);
	osmand = NULL;
	reporting_attach(v.reporting, NULL);
	tcp_server_stop(tel);
	tel = NULL;
	http_server_stop(v.http, 10000);
	v.http = NULL;
	if (v.audit_signing && node_leads(v.node)) {
		/* the last requests' entries are covered too */
		db *pd = db_pool_acquire(v.pool);

		v.audit_last_checkpoint = 0;
		audit_checkpoint(&v, pd, clock_now_ms());
		db_pool_release(v.pool, pd);
	}
	ret = 0;
out:
	if (wh_secret)
		sodium_memzero(wh_secret, strlen(wh_secret));
	if (sms_key)
		sodium_memzero(sms_key, strlen(sms_key));
	free(wh_secret);
	free(sms_key);
	simulator_stop(sim);
	osmand_server_stop(osmand);
	reporting_attach(v.reporting, NULL);
	tcp_server_stop(tel);
	if (v.http)
		http_server_stop(v.http, 0);
	committer_stop(v.committer); /* after every caller, before the engine it feeds */
	v.committer = NULL;
	node_stop(v.node);
	reporting_stop(v.reporting); /* after the engine that asks, and the listener */
	v.reporting = NULL;
	notifier_stop(v.notifier);
	stream_free(v.stream);
	sinks_free(v.sinks);
	throttle_free(v.throttle);
	throttle_free(v.help_throttle);
	webpush_free(v.webpush);
	json_decref(v.helplines);
	metrics_free(v.metrics);
	plan_suggestions_free(v.suggestions);
	instrument_set_free(v.instruments);
	db_pool_close(v.pool);
	conn_limits_free(v.api_limits);
	conn_limits_free(v.osmand_limits);
	conn_limits_free(v.tel_limits);
	tls_store_free(v.tls);
	db_close(keys_db);
	crypt_keys_free(v.keys); /* after every connection that used them */
	secret_wipe(v.audit_sk, sizeof v.audit_sk);
	secret_wipe(v.register_sk, sizeof v.register_sk);
	if (ret == 0)
		log_info("stopped cleanly");
	return ret;
}
