/*
 * keys — `vigil key init | add | rotate | retire | encrypt | status`: the data
 * keys that seal what identifies or locates a victim (base/crypt.h,
 * store/sealed.h).
 *
 * The keys live in a file outside the database; the database records which
 * keys its values are sealed with, and which one is current.  A rotation adds
 * a key, makes it current (every server seals with it within a second) and
 * re-seals every value with it in small transactions, while the servers keep
 * serving and ingesting; then the old key can be retired.
 */
#include "cli/cli.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/log.h"
#include "store/sealed.h"

static const char help[] =
	"usage: vigil key init --key FILE\n"
	"       vigil key add [--key FILE] [--db PATH]\n"
	"       vigil key rotate [--key FILE] [--db PATH] [--batch N] [--settle-ms MS]\n"
	"       vigil key retire --id N [--key FILE] [--db PATH]\n"
	"       vigil key encrypt [--key FILE] [--db PATH]\n"
	"       vigil key status [--key FILE] [--db PATH]\n"
	"\n"
	"What identifies or locates a victim (her names, identifiers, the notes about\n"
	"her, the places around her, her devices' positions) is sealed in the database\n"
	"with a data key kept in a file outside it (docs/ARCHITECTURE.md, Encryption at\n"
	"rest).  FILE is --key, else the database file's name + .data-key (a SQLite\n"
	"database; one on a server needs --key).  Give the same file to\n"
	"'vigil serve --data-key FILE'.\n"
	"\n"
	"init     make a key file holding key 1 (mode 0600; never overwritten).\n"
	"add      add a new key to the file without using it yet: with several servers,\n"
	"         copy the file to each before 'rotate' makes the key current.\n"
	"rotate   make the file's newest key current (adding one first if the database\n"
	"         already uses the newest), then re-seal every value with it, --batch\n"
	"         rows (default 500) a transaction, while servers keep running: they\n"
	"         seal with the new key within a second (--settle-ms, default 2500, is\n"
	"         the wait for them before each pass).  Interrupted, run it again: it\n"
	"         goes on where it stopped.  Exit status 0 when every value is sealed\n"
	"         with the new key, 1 otherwise (a value that would not open is named).\n"
	"retire   record key N as retired and remove it from the file, once nothing\n"
	"         is sealed with it; remove it from every other copy of the file too.\n"
	"encrypt  seal what is still in clear (a database from before encryption at\n"
	"         rest); a server does it at its start too.\n"
	"status   the keys in the file and in the database, and what each seals.\n";

enum { OPT_DB = 1000, OPT_HELP, OPT_KEY, OPT_ID, OPT_BATCH, OPT_SETTLE };

static const struct option opts[] = {
	{ "db", required_argument, NULL, OPT_DB },
	{ "help", no_argument, NULL, OPT_HELP },
	{ "key", required_argument, NULL, OPT_KEY },
	{ "data-key", required_argument, NULL, OPT_KEY },
	{ "id", required_argument, NULL, OPT_ID },
	{ "batch", required_argument, NULL, OPT_BATCH },
	{ "settle-ms", required_argument, NULL, OPT_SETTLE },
	{ NULL, 0, NULL, 0 },
};

struct args {
	const char *cmd, *db, *key;
	int id, batch, settle_ms;
};

static void say(void *arg, const char *fmt, ...)
{
	va_list ap;

	(void)arg;
	va_start(ap, fmt);
	printf("vigil key: ");
	vprintf(fmt, ap);
	printf("\n");
	va_end(ap);
	fflush(stdout);
}

static int number(const char *s, int lo, int hi, int *out)
{
	char *end;
	long v;

	if (!*s || *s == '-' || *s == '+')
		return -1;
	v = strtol(s, &end, 10);
	if (*end || v < lo || v > hi)
		return -1;
	*out = (int)v;
	return 0;
}

static int init(const struct args *a)
{
	char err[600];

	if (!a->key)
		return cli_usage_error("key", "'key init' needs --key FILE");
	if (crypt_keyfile_create(a->key, err, sizeof err) < 0) {
		fprintf(stderr, "vigil key: %s\n", err);
		return 1;
	}
	printf("made the data key file %s (key 1)\n"
	       "Keep it outside the database and apart from its backups, and keep a copy\n"
	       "somewhere safe: without it the victims' details cannot be read.\n",
	       a->key);
	return 0;
}

static int add(const struct args *a)
{
	char buf[600], err[600];
	const char *path = cli_data_key_path(cli_db_url(a->db), a->key, buf, sizeof buf);
	int id;

	if (!path)
		return cli_usage_error("key", "a database on a server needs --key FILE");
	if (crypt_keyfile_add(path, &id, err, sizeof err) < 0) {
		fprintf(stderr, "vigil key: %s\n", err);
		return 1;
	}
	printf("added key %d to %s; copy the file to every server, then run 'vigil key rotate'\n",
	       id, path);
	return 0;
}

/* The key the database records as current, 0 when none; ids it records in
 * *recorded (a bit each, up to CRYPT_KEY_ID_MAX). */
struct recorded {
	int current, highest;
};

static int note_key(int id, const char *checksum, const char *state, int64_t added_at, void *arg)
{
	struct recorded *r = arg;

	(void)checksum;
	(void)added_at;
	if (strcmp(state, "current") == 0)
		r->current = id;
	if (id > r->highest)
		r->highest = id;
	return 0;
}

static int rotate(const struct args *a)
{
	struct sealed_progress pr = { 0 };
	struct recorded rec = { 0, 0 };
	const char *url = cli_db_url(a->db);
	char err[600], kind[16], detail[160], object[32];
	int ids[CRYPT_KEYS_MAX], n, target = 0, rc, pending, from;
	crypt_keys *k = NULL;
	int64_t t0 = clock_now_ms();
	db *d = NULL;

	if (cli_open_sealed(url, a->key, false, &d, &k) < 0)
		return 1;
	pending = sealed_job_pending(d, kind, &target);
	if (pending < 0 || sealed_keys_each(d, note_key, &rec) < 0) {
		fprintf(stderr, "vigil key: cannot read the data keys: %s\n", db_errmsg(d));
		goto fail;
	}
	from = rec.current;
	if (pending == 1) {
		printf("vigil key: going on with the unfinished rotation to key %d\n", target);
		target = 0; /* sealed_rotate takes up the unfinished one */
	} else {
		/* the file's newest key, if the database has never used it (added with
		 * `vigil key add` and copied to every server); else a new one */
		n = crypt_keys_ids(k, ids, CRYPT_KEYS_MAX);
		target = ids[n - 1];
		if (target <= rec.highest) {
			const char *path = crypt_keys_path(k);

			if (crypt_keyfile_add(path, &target, err, sizeof err) < 0 ||
			    crypt_keys_reload(k, true, err, sizeof err) < 0) {
				fprintf(stderr, "vigil key: %s\n", err);
				goto fail;
			}
			printf("vigil key: added key %d to %s\n", target, path);
		}
	}
	rc = sealed_rotate(d, target, a->batch, a->settle_ms, &pr, say, NULL);
	if (rc < 0) {
		fprintf(stderr, "vigil key: the rotation stopped: %s\n(run 'vigil key rotate' again to go on)\n",
			db_errmsg(d));
		goto fail;
	}
	target = crypt_keys_current(k);
	snprintf(object, sizeof object, "data_key:%d", target);
	snprintf(detail, sizeof detail, "rotated from key %d: %lld value(s) re-sealed, %lld would not open",
		 from, (long long)pr.sealed, (long long)pr.broken);
	if (cli_audit_action(d, "key.rotate", object, detail) < 0)
		fprintf(stderr, "vigil key: warning: cannot record the rotation in the audit trail: %s\n",
			db_errmsg(d));
	printf("vigil key: %lld row(s) looked at in %d pass(es), %lld value(s) re-sealed with key %d in "
	       "%.1f s\n",
	       (long long)pr.rows, pr.passes, (long long)pr.sealed, target,
	       (double)(clock_now_ms() - t0) / 1000.0);
	if (rc == 1) {
		printf("vigil key: %lld value(s) would not open (named above): they stay sealed as they "
		       "were\n",
		       (long long)pr.broken);
	} else if (from && from != target) {
		printf("vigil key: every value is sealed with key %d; key %d may now be retired: "
		       "vigil key retire --id %d\n",
		       target, from, from);
	}
	db_close(d);
	crypt_keys_free(k);
	return rc == 0 ? 0 : 1;
fail:
	db_close(d);
	crypt_keys_free(k);
	return 1;
}

static int retire(const struct args *a)
{
	const char *url = cli_db_url(a->db);
	char err[600], object[32];
	crypt_keys *k = NULL;
	db *d = NULL;

	if (!a->id)
		return cli_usage_error("key", "'key retire' needs --id N");
	if (cli_open_sealed(url, a->key, false, &d, &k) < 0)
		return 1;
	if (sealed_retire(d, a->id, err, sizeof err) < 0) {
		fprintf(stderr, "vigil key: %s\n", err);
		goto fail;
	}
	snprintf(object, sizeof object, "data_key:%d", a->id);
	if (cli_audit_action(d, "key.retire", object, NULL) < 0)
		fprintf(stderr, "vigil key: warning: cannot record it in the audit trail: %s\n",
			db_errmsg(d));
	if (crypt_keys_has(k, a->id) &&
	    crypt_keyfile_remove(crypt_keys_path(k), a->id, err, sizeof err) < 0) {
		fprintf(stderr, "vigil key: key %d is retired, but %s\n", a->id, err);
		goto fail;
	}
	printf("vigil key: key %d is retired and gone from %s; remove it from every other copy\n",
	       a->id, crypt_keys_path(k));
	db_close(d);
	crypt_keys_free(k);
	return 0;
fail:
	db_close(d);
	crypt_keys_free(k);
	return 1;
}

static int encrypt(const struct args *a)
{
	crypt_keys *k = NULL;
	db *d = NULL;

	/* opening runs the first sealing, if it is due */
	if (cli_open_sealed(cli_db_url(a->db), a->key, false, &d, &k) < 0)
		return 1;
	printf("vigil key: everything that is sealed is sealed with key %d\n",
	       crypt_keys_current(k));
	db_close(d);
	crypt_keys_free(k);
	return 0;
}

static int print_key(int id, const char *checksum, const char *state, int64_t added_at, void *arg)
{
	int64_t *counts = arg;
	char when[40];

	clock_format(added_at, when, sizeof when);
	printf("key %d: %s since %s, check %s, seals %lld value(s)\n", id, state, when, checksum,
	       (long long)counts[id < 4096 ? id : 0]);
	return 0;
}

static int status(const struct args *a)
{
	static int64_t counts[4096];
	int ids[CRYPT_KEYS_MAX], n, target;
	char kind[16];
	crypt_keys *k = NULL;
	int64_t clear;
	db *d = NULL;
	int rc = 1;

	if (cli_open_sealed(cli_db_url(a->db), a->key, false, &d, &k) < 0)
		return 1;
	n = crypt_keys_ids(k, ids, CRYPT_KEYS_MAX);
	printf("key file %s holds key(s)", crypt_keys_path(k));
	for (int i = 0; i < n; i++)
		printf(" %d", ids[i]);
	printf("\n");
	if (sealed_census(d, counts, 4096, &clear) < 0 ||
	    sealed_keys_each(d, print_key, counts) < 0) {
		fprintf(stderr, "vigil key: %s\n", db_errmsg(d));
		goto out;
	}
	printf("in clear where they should be sealed: %lld\n", (long long)clear);
	if (sealed_job_pending(d, kind, &target) == 1)
		printf("unfinished: %s to key %d (run 'vigil key rotate' to finish it)\n", kind, target);
	rc = 0;
out:
	db_close(d);
	crypt_keys_free(k);
	return rc;
}

int cli_key(int argc, char **argv)
{
	struct args a = { NULL, NULL, NULL, 0, 500, 2500 };
	int opt;

	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		switch (opt) {
		case OPT_DB: a.db = optarg; break;
		case OPT_KEY: a.key = optarg; break;
		case OPT_ID:
			if (number(optarg, 1, CRYPT_KEY_ID_MAX, &a.id) < 0)
				return cli_usage_error("key", "--id wants a key number");
			break;
		case OPT_BATCH:
			if (number(optarg, 1, 100000, &a.batch) < 0)
				return cli_usage_error("key", "--batch wants 1 to 100000 rows");
			break;
		case OPT_SETTLE:
			if (number(optarg, 0, 600000, &a.settle_ms) < 0)
				return cli_usage_error("key", "--settle-ms wants 0 to 600000");
			break;
		case OPT_HELP: fputs(help, stdout); return 0;
		case ':': return cli_usage_error("key", "option %s needs a value", argv[optind - 1]);
		default: return cli_usage_error("key", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return cli_usage_error("key", "say what to do: init, add, rotate, retire, encrypt or status");
	a.cmd = argv[optind++];
	if (optind < argc)
		return cli_usage_error("key", "unexpected argument '%s'", argv[optind]);
	if (strcmp(a.cmd, "init") == 0)
		return init(&a);
	if (strcmp(a.cmd, "add") == 0)
		return add(&a);
	if (strcmp(a.cmd, "rotate") == 0)
		return rotate(&a);
	if (strcmp(a.cmd, "retire") == 0)
		return retire(&a);
	if (strcmp(a.cmd, "encrypt") == 0)
		return encrypt(&a);
	if (strcmp(a.cmd, "status") == 0)
		return status(&a);
	return cli_usage_error("key", "unknown command '%s'", a.cmd);
}
