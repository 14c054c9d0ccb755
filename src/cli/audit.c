/*
 * audit — `vigil audit keygen | checkpoint | verify`: the audit trail's hash
 * chain and its signed checkpoints (store/audit.h).
 *
 * The key that signs checkpoints lives in a file outside the database; the
 * checkpoints are kept both in the database and in a file beside the key.
 * Someone who can rewrite the database can cut entries from the end of the
 * trail and move its head to match, and the chain alone still verifies; a
 * checkpoint signed before the cut vouches for an entry that is gone.
 */
#include "cli/cli.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/secret.h"
#include "core/chain.h"
#include "store/audit.h"

static const char help[] =
	"usage: vigil audit verify [--key FILE | --public-key HEX ...] [--checkpoints FILE |\n"
	"                          --no-checkpoint-file] [--db PATH]\n"
	"       vigil audit keygen --key FILE\n"
	"       vigil audit checkpoint --key FILE [--checkpoints FILE] [--db PATH]\n"
	"\n"
	"verify      check the audit trail's hash chain (every entry's hash, every link,\n"
	"            no entry missing, the chain head) and its signed checkpoints: each\n"
	"            signed by the audit key, each vouching for an entry that is still\n"
	"            there unchanged.  With --key or --public-key (repeat it for the keys\n"
	"            before and after a rotation) the signatures are checked against those\n"
	"            keys, and a trail without any checkpoint fails; without, against the\n"
	"            key each names, which proves less.  --checkpoints (default with --key:\n"
	"            the key file's name + .checkpoints) also checks the checkpoints kept\n"
	"            outside the database; when it names no file, verify fails, unless\n"
	"            --no-checkpoint-file says there is none to check.\n"
	"            Exit status 0 when intact, 1 with the first fault when not.\n"
	"keygen      make a new signing key in FILE (mode 0600; never overwritten) and\n"
	"            print its public key.  Give it to 'vigil serve --audit-key FILE'.\n"
	"checkpoint  sign the chain's head now (the server does this by itself).\n";

enum { OPT_DB = 1000, OPT_HELP, OPT_KEY, OPT_PUB, OPT_FILE, OPT_NOFILE };
#define MAX_KEYS 8

static const struct option opts[] = {
	{ "db", required_argument, NULL, OPT_DB },
	{ "help", no_argument, NULL, OPT_HELP },
	{ "key", required_argument, NULL, OPT_KEY },
	{ "public-key", required_argument, NULL, OPT_PUB },
	{ "checkpoints", required_argument, NULL, OPT_FILE },
	{ "no-checkpoint-file", no_argument, NULL, OPT_NOFILE },
	{ NULL, 0, NULL, 0 },
};

struct args {
	const char *db, *key, *file, *cmd;
	const char *pub[MAX_KEYS];
	size_t npub;
	bool no_file;
	char file_buf[600];
};

static int keygen(const struct args *a)
{
	char pk[SECRET_SIGN_PK_HEX], err[600];

	if (!a->key)
		return cli_usage_error("audit", "'audit keygen' needs --key FILE");
	if (secret_sign_key_create(a->key, pk, err, sizeof err) < 0) {
		fprintf(stderr, "vigil audit: %s\n", err);
		return 1;
	}
	printf("made the audit signing key %s\npublic key: %s\n"
	       "Keep the file outside the database and its backups; note the public key\n"
	       "where the database's holders cannot change it.\n",
	       a->key, pk);
	return 0;
}

static int checkpoint(const struct args *a)
{
	unsigned char sk[SECRET_SIGN_SK_LEN];
	char pk[SECRET_SIGN_PK_HEX], err[600];
	struct audit_checkpoint cp;
	db *d;
	int rc;

	if (!a->key)
		return cli_usage_error("audit", "'audit checkpoint' needs --key FILE");
	if (secret_sign_key_load(a->key, sk, pk, err, sizeof err) < 0) {
		fprintf(stderr, "vigil audit: %s\n", err);
		return 1;
	}
	if (cli_open_db(cli_db_url(a->db), &d) < 0) {
		secret_wipe(sk, sizeof sk);
		return 1;
	}
	rc = audit_checkpoint_make(d, sk, pk, clock_now_ms(), &cp);
	secret_wipe(sk, sizeof sk);
	if (rc < 0)
		fprintf(stderr, "vigil audit: %s\n", db_errmsg(d));
	else if (rc == 0)
		printf("the audit trail's head is already signed (or the trail is empty)\n");
	else if (rc == AUDIT_CUT)
		fprintf(stderr, "vigil audit: the audit trail's head is below entry %lld, which this "
				"key signed for: entries were cut from its end\n",
			(long long)cp.last_id);
	else if (audit_checkpoint_file_append(a->file, &cp, err, sizeof err) < 0)
		fprintf(stderr, "vigil audit: signed entry %lld in the database, but %s\n",
			(long long)cp.last_id, err);
	else
		printf("signed the audit trail at entry %lld\n", (long long)cp.last_id);
	db_close(d);
	return rc < 0 || rc == AUDIT_CUT ? 1 : 0;
}

static int verify(const struct args *a)
{
	struct audit_verify_result v;
	struct audit_checkpoint_result cr;
	struct audit_checkpoint *extra = NULL;
	unsigned char sk[SECRET_SIGN_SK_LEN];
	char pk[SECRET_SIGN_PK_HEX] = "", err[600];
	const char *trusted[MAX_KEYS + 1];
	size_t ntrusted = 0, n = 0;
	db *d;
	int rc;

	if (a->key && a->npub)
		return cli_usage_error("audit", "give --key or --public-key, not both");
	if (a->file && a->no_file)
		return cli_usage_error("audit", "give --checkpoints or --no-checkpoint-file, not both");
	if (a->key) {
		if (secret_sign_key_load(a->key, sk, pk, err, sizeof err) < 0) {
			fprintf(stderr, "vigil audit: %s\n", err);
			return 1;
		}
		secret_wipe(sk, sizeof sk);
		trusted[ntrusted++] = pk;
	}
	for (size_t i = 0; i < a->npub; i++) {
		if (!chain_hex_valid(a->pub[i]))
			return cli_usage_error("audit", "--public-key wants 64 lowercase hex digits");
		trusted[ntrusted++] = a->pub[i];
	}
	if (ntrusted && !a->file && !a->no_file) {
		fprintf(stderr, "vigil audit: give the checkpoint file kept outside the database "
				"(--checkpoints FILE), or --no-checkpoint-file to check the database's alone\n");
		return 1;
	}
	if (a->file) {
		if (access(a->file, F_OK) != 0) {
			fprintf(stderr, "vigil audit: the checkpoint file %s does not exist (give "
					"--no-checkpoint-file if there is none)\n", a->file);
			return 1;
		}
		if (audit_checkpoint_file_load(a->file, &extra, &n, err, sizeof err) < 0) {
			fprintf(stderr, "vigil audit: %s\n", err);
			return 1;
		}
	}
	if (cli_open_db(cli_db_url(a->db), &d) < 0) {
		free(extra);
		return 1;
	}
	rc = audit_verify(d, &v);
	if (rc < 0) {
		fprintf(stderr, "vigil audit: %s\n", db_errmsg(d));
	} else if (rc == 1) {
		printf("audit trail BROKEN at entry %lld: %s\n", (long long)v.broken_id, v.reason);
	} else {
		rc = audit_verify_checkpoints(d, trusted, ntrusted, extra, n, &cr);
		if (rc < 0) {
			fprintf(stderr, "vigil audit: %s\n", db_errmsg(d));
		} else if (rc == 1) {
			printf("audit trail BROKEN at entry %lld: %s\n", (long long)cr.broken_id,
			       cr.reason);
		} else if (!cr.checked && ntrusted && v.checked) {
			/* a key was given: a trail without one checkpoint is one whose
			 * checkpoints were removed, or whose server never signed */
			rc = 1;
			printf("audit trail NOT VOUCHED FOR: %lld entries and no signed checkpoint of "
			       "them (were the checkpoints removed? does the server run with "
			       "--audit-key?)\n", (long long)v.checked);
		} else {
			printf("audit trail intact: %lld entries verified\n", (long long)v.checked);
			if (cr.checked)
				printf("%lld signed checkpoints hold%s; the newest vouches for entry %lld\n",
				       (long long)cr.checked,
				       ntrusted ? "" : " (checked against the keys they name: give --key "
						       "or --public-key to check them against yours)",
				       (long long)cr.newest_id);
			else
				printf("no signed checkpoints: entries cut from the end of the trail "
				       "could not be detected (run the server with --audit-key)\n");
		}
	}
	free(extra);
	db_close(d);
	return rc == 0 ? 0 : 1;
}

int cli_audit(int argc, char **argv)
{
	struct args a = { 0 };
	int c, npos = 0;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		switch (c) {
		case OPT_DB: a.db = optarg; break;
		case OPT_KEY: a.key = optarg; break;
		case OPT_PUB:
			if (a.npub == MAX_KEYS)
				return cli_usage_error("audit", "at most %d --public-key", MAX_KEYS);
			a.pub[a.npub++] = optarg;
			break;
		case OPT_FILE: a.file = optarg; break;
		case OPT_NOFILE: a.no_file = true; break;
		case OPT_HELP: fputs(help, stdout); return 0;
		case ':': return cli_usage_error("audit", "option %s needs a value", argv[optind - 1]);
		default: return cli_usage_error("audit", "unknown option '%s'", argv[optind - 1]);
		}
	}
	for (int i = optind; i < argc; i++, npos++) {
		if (npos)
			return cli_usage_error("audit", "unexpected argument '%s'", argv[i]);
		a.cmd = argv[i];
	}
	if (!a.cmd)
		return cli_usage_error("audit", "say what to do: verify, keygen or checkpoint");
	if (!a.file && !a.no_file && a.key && strcmp(a.cmd, "keygen") != 0) {
		if (snprintf(a.file_buf, sizeof a.file_buf, "%s.checkpoints", a.key) >=
		    (int)sizeof a.file_buf)
			return cli_usage_error("audit", "--key: path too long");
		a.file = a.file_buf;
	}
	if (strcmp(a.cmd, "verify") == 0)
		return verify(&a);
	if (strcmp(a.cmd, "keygen") == 0)
		return keygen(&a);
	if (strcmp(a.cmd, "checkpoint") == 0)
		return checkpoint(&a);
	return cli_usage_error("audit", "unknown subcommand '%s'", a.cmd);
}
