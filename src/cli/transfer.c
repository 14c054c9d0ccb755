/*
 * transfer — `vigil export` and `vigil import`: move a whole centre between
 * databases (SQLite to PostgreSQL and back) through a file of JSON lines.
 *
 * The file: a header line, then for each table a line naming it and its
 * columns, one JSON array per row (integers as numbers, text as strings, NULL
 * as null), and a closing line with the row count and a hash.  The hash is the
 * XOR of each row's BLAKE2b-256 (over the row's compact JSON), so it does not
 * depend on the order rows come out in, which differs between engines.
 *
 * Import runs in one transaction into an empty database at the same schema
 * version: every table's rows are counted and hashed again as stored, the audit
 * trail and every case's incident log are verified, and only then is it
 * committed; on any failure nothing is left behind.  The source is only read.
 * Attachment files live outside the database: copy the attachment directory
 * alongside (they are stored by hash, so the copy verifies itself).  Sealed
 * values travel sealed, with the keys' records (data_keys): the destination
 * is served with the source's data key file, which the import checks and
 * uses to verify the incident logs.
 */
#include "cli/cli.h"

#include <errno.h>
#include <stdarg.h>
#include <unistd.h>
#include <jansson.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/mem.h"
#include "store/audit.h"
#include "store/cases.h"
#include "store/incidents.h"
#include "store/sealed.h"

#define FORMAT "vigil-export"
#define MAX_COLS 64

struct table_hash {
	int64_t rows;
	unsigned char x[32];
};

static void hash_row(struct table_hash *th, json_t *row)
{
	char *text = json_dumps(row, JSON_COMPACT | JSON_ENSURE_ASCII);
	unsigned char h[32];

	crypto_generichash(h, sizeof h, (const unsigned char *)text, strlen(text), NULL, 0);
	for (int i = 0; i < 32; i++)
		th->x[i] ^= h[i];
	th->rows++;
	free(text);
}

static void hash_hex(const struct table_hash *th, char out[65])
{
	sodium_bin2hex(out, 65, th->x, sizeof th->x);
}

static bool known_table(const char *t)
{
	for (int i = 0; db_tables[i]; i++)
		if (strcmp(db_tables[i], t) == 0)
			return true;
	return false;
}

static int check_table(const char *t, void *arg)
{
	if (strcmp(t, "schema_version") == 0 || known_table(t))
		return 0;
	*(const char **)arg = xstrdup(t);
	return 1;
}

/* Read a whole table as JSON rows: calls fn(row) for each; fills the hash. */
static int table_rows(db *d, const char *table, json_t *columns, struct table_hash *th,
		      int (*fn)(json_t *row, void *arg), void *arg)
{
	db_stmt *s;
	int rc;

	rc = db_table_select(d, table, false, &s);
	if (rc < 0)
		return rc;
	memset(th, 0, sizeof *th);
	while ((rc = db_step(s)) == DB_ROW) {
		int n = db_column_count(s);
		json_t *row = json_array();

		if (columns && json_array_size(columns) == 0)
			for (int i = 0; i < n; i++)
				json_array_append_new(columns, json_string(db_column_name(s, i)));
		for (int i = 0; i < n; i++) {
			switch (db_column_type(s, i)) {
			case DB_NULL:
				json_array_append_new(row, json_null());
				break;
			case DB_INT:
				json_array_append_new(row, json_integer(db_column_int64(s, i)));
				break;
			case DB_REAL:
				json_array_append_new(row, json_real(db_column_double(s, i)));
				break;
			default:
				json_array_append_new(row, json_string(db_column_text(s, i)));
			}
		}
		hash_row(th, row);
		rc = fn ? fn(row, arg) : 0;
		json_decref(row);
		if (rc < 0)
			break;
	}
	if (rc == DB_DONE && columns && json_array_size(columns) == 0) {
		/* an empty table still names its columns (SQLite knows them from
		 * the statement; PostgreSQL from the empty result) */
		for (int i = 0; i < db_column_count(s); i++)
			json_array_append_new(columns, json_string(db_column_name(s, i)));
	}
	db_finalize(s);
	return rc < 0 ? rc : 0;
}

static int write_line(FILE *f, json_t *j)
{
	int rc = json_dumpf(j, f, JSON_COMPACT | JSON_ENSURE_ASCII);

	return rc == 0 && fputc('\n', f) != EOF ? 0 : -1;
}

static int write_row(json_t *row, void *arg)
{
	return write_line(arg, row) < 0 ? DB_ERROR : 0;
}

/* The common options (cli_parse), with the FILE option takes names (--out or
 * --in) required. */
static int parse(const char *cmd, int argc, char **argv, unsigned takes, struct cli_args *a)
{
	int rc = cli_parse(cmd, argc, argv, takes, 0, a);

	if (rc == 0 && !a->help && !a->file)
		return cli_usage_error(cmd, "%s is required",
				       takes & CLI_TAKES_OUT ? "--out FILE" : "--in FILE");
	return rc;
}

int cli_export(int argc, char **argv)
{
	const char *path, *unknown = NULL;
	struct cli_args a;
	char hex[65], tmp[4200];
	int rc, ret = 1;
	FILE *f = NULL;
	db *d = NULL;

	rc = parse("export", argc, argv, CLI_TAKES_OUT, &a);
	if (rc)
		return rc;
	path = a.file;
	if (a.help) {
		printf("usage: vigil export --out FILE [--db PATH|URL]\n\n"
		       "Write the whole database (every table) to FILE as JSON lines, with each\n"
		       "table's row count and hash, for 'vigil import' into another database\n"
		       "(SQLite or PostgreSQL).  The database is only read.  Attachment files are\n"
		       "not in the export: copy the attachment directory alongside.\n");
		return 0;
	}
	if (cli_open_db(cli_db_url(a.db), &d) < 0)
		return 1;
	rc = db_tables_each(d, check_table, &unknown);
	if (rc < 0 || unknown) {
		fprintf(stderr, "vigil export: %s%s%s\n",
			unknown ? "the database has a table this vigil does not know: " : db_errmsg(d),
			unknown ? unknown : "", unknown ? " (refusing a partial export)" : "");
		goto out;
	}
	snprintf(tmp, sizeof tmp, "%s.partial", path);
	f = fopen(tmp, "w");
	if (!f) {
		fprintf(stderr, "vigil export: cannot write %s: %s\n", tmp, strerror(errno));
		goto out;
	}
	/* one snapshot for the whole export */
	rc = db_begin(d);
	{
		json_t *hdr = json_pack("{s:s, s:i, s:i, s:s, s:o}", "format", FORMAT, "version", 1,
					"schema_version", db_schema_version(d), "engine", db_engine(d),
					"exported_at", json_null());
		char at[40];

		clock_format(clock_now_ms(), at, sizeof at);
		json_object_set_new(hdr, "exported_at", json_string(at));
		rc = rc < 0 ? rc : write_line(f, hdr);
		json_decref(hdr);
	}
	for (int i = 0; rc >= 0 && db_tables[i]; i++) {
		struct table_hash th;
		json_t *cols = json_array(), *line;
		char *buf = NULL;
		size_t len = 0;
		FILE *mem = open_memstream(&buf, &len);

		/* rows go to memory first: the table line must name the columns,
		 * known only once the rows are read */
		rc = table_rows(d, db_tables[i], cols, &th, write_row, mem);
		fclose(mem);
		if (rc >= 0) {
			line = json_pack("{s:s, s:O}", "table", db_tables[i], "columns", cols);
			rc = write_line(f, line);
			json_decref(line);
		}
		if (rc >= 0 && len && fwrite(buf, 1, len, f) != len)
			rc = DB_ERROR;
		if (rc >= 0) {
			hash_hex(&th, hex);
			line = json_pack("{s:s, s:I, s:s}", "end", db_tables[i], "rows",
					 (json_int_t)th.rows, "hash", hex);
			rc = write_line(f, line);
			json_decref(line);
			printf("%-22s %8lld rows  %.16s\n", db_tables[i], (long long)th.rows, hex);
		}
		free(buf);
		json_decref(cols);
	}
	db_rollback(d);
	if (rc >= 0) {
		json_t *end = json_pack("{s:b}", "end_of_export", 1);

		rc = write_line(f, end);
		json_decref(end);
	}
	if (fclose(f) != 0 || rc < 0) {
		f = NULL;
		fprintf(stderr, "vigil export: failed: %s\n", rc < 0 && d ? db_errmsg(d) : strerror(errno));
		unlink(tmp);
		goto out;
	}
	f = NULL;
	if (rename(tmp, path) < 0) {
		fprintf(stderr, "vigil export: cannot rename %s: %s\n", tmp, strerror(errno));
		unlink(tmp);
		goto out;
	}
	printf("exported to %s\n", path);
	ret = 0;
out:
	if (f)
		fclose(f);
	free((char *)unknown);
	db_close(d);
	return ret;
}

/* ---- import --------------------------------------------------------------------- */

static int fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int fail(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "vigil import: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	return -1;
}

/* The destination's columns of a table. */
static int dest_columns(db *d, const char *table, json_t *out)
{
	db_stmt *s;
	int rc;

	rc = db_table_select(d, table, true, &s);
	if (rc < 0)
		return rc;
	rc = db_step(s);
	for (int i = 0; rc >= 0 && i < db_column_count(s); i++)
		json_array_append_new(out, json_string(db_column_name(s, i)));
	db_finalize(s);
	return rc < 0 ? rc : 0;
}

static bool json_has_string(json_t *arr, const char *s)
{
	size_t i;
	json_t *v;

	json_array_foreach(arr, i, v)
		if (strcmp(json_string_value(v), s) == 0)
			return true;
	return false;
}

struct verify {
	db *d;
	int64_t n;
};

static int verify_case(int64_t id, const char *ref, void *arg)
{
	struct verify *vc = arg;
	struct incident_verify_result v;

	if (incident_verify_in_tx(vc->d, id, &v) != 0) {
		fail("the incident log of %s does not verify after import: %s", ref, v.reason);
		return DB_ERROR;
	}
	vc->n++;
	return 0;
}

/* Verify every case's incident chain in the destination. */
static int verify_cases(db *d, int64_t *ncases)
{
	struct verify vc = { d, 0 };
	int rc = case_each_id(d, verify_case, &vc);

	*ncases = vc.n;
	return rc < 0 ? rc : 0;
}

/* The keys that open the imported sealed values (the incident logs' are
 * verified), checked against the keys the imported database records: NULL
 * when it records none (nothing is sealed), else they are on d. */
static int import_keys(db *d, const char *url, const char *keyopt, crypt_keys **out)
{
	char buf[600], err[600];
	const char *path = cli_data_key_path(url, keyopt, buf, sizeof buf);
	crypt_keys *k = NULL;
	int rc;

	*out = NULL;
	if (!path) {
		fail("the export holds sealed values: give --data-key FILE, the data key file of the "
		     "database it came from");
		return -1;
	}
	if (crypt_keys_load(path, &k, err, sizeof err) < 0) {
		fail("the export holds sealed values, and %s (give --data-key FILE: the data key file "
		     "of the database it came from)",
		     err);
		return -1;
	}
	rc = sealed_check(d, k, err, sizeof err);
	if (rc < 0) {
		fail("%s", err);
		crypt_keys_free(k);
		return -1;
	}
	if (rc == 1) { /* the export records no key: nothing is sealed */
		crypt_keys_free(k);
		return 0;
	}
	db_set_keys(d, k);
	*out = k;
	return 0;
}

int cli_import(int argc, char **argv)
{
	struct cli_args a;
	const char *path;
	crypt_keys *keys = NULL;
	char *line = NULL, hex[65];
	size_t cap = 0;
	ssize_t len;
	int rc, ret = 1;
	FILE *f = NULL;
	db *d = NULL;
	json_t *hdr = NULL, *cols = NULL, *dcols = NULL;
	char table[64] = "";
	db_stmt *ins = NULL;
	struct table_hash th = { 0 };
	int ntables = 0, ncols = 0;
	bool done = false, in_tx = false;

	rc = parse("import", argc, argv, CLI_TAKES_KEY | CLI_TAKES_IN, &a);
	if (rc)
		return rc;
	path = a.file;
	if (a.help) {
		printf("usage: vigil import --in FILE [--db PATH|URL] [--data-key FILE]\n\n"
		       "Load a file written by 'vigil export' into an empty database (SQLite or\n"
		       "PostgreSQL) at the same schema version.  In one transaction: every table's\n"
		       "rows are counted and hashed again as stored, the audit trail and every\n"
		       "case's incident log are verified, and only then committed.  On any failure\n"
		       "nothing is kept.  Sealed values (a victim's details) travel sealed: the\n"
		       "data key file of the database they came from opens them, to verify the\n"
		       "incident logs, and serves the new database ('vigil serve --data-key';\n"
		       "default for a SQLite database: its name + .data-key).\n");
		return 0;
	}
	f = fopen(path, "r");
	if (!f) {
		fail("cannot read %s: %s", path, strerror(errno));
		return 1;
	}
	if (cli_open_db(cli_db_url(a.db), &d) < 0)
		goto out;
	if ((len = getline(&line, &cap, f)) <= 0 || !(hdr = json_loads(line, 0, NULL)) ||
	    !json_is_string(json_object_get(hdr, "format")) ||
	    strcmp(json_string_value(json_object_get(hdr, "format")), FORMAT) != 0) {
		fail("%s is not a vigil export", path);
		goto out;
	}
	if (json_integer_value(json_object_get(hdr, "schema_version")) != db_schema_latest()) {
		fail("the export is of schema version %lld; this vigil is at %d: import it with the "
		     "release that wrote it, then upgrade",
		     (long long)json_integer_value(json_object_get(hdr, "schema_version")),
		     db_schema_latest());
		goto out;
	}
	for (int i = 0; db_tables[i]; i++) {
		int64_t n;

		if (db_table_count(d, db_tables[i], &n) < 0 || n > 0) {
			fail("the destination is not empty (table %s has rows): import only into a new "
			     "database",
			     db_tables[i]);
			goto out;
		}
	}
	if (db_begin_write(d) < 0) {
		fail("%s", db_errmsg(d));
		goto out;
	}
	in_tx = true;
	while ((len = getline(&line, &cap, f)) > 0) {
		json_error_t jerr;
		json_t *j = json_loads(line, JSON_REJECT_DUPLICATES, &jerr);

		if (!j) {
			fail("%s: not JSON: %s", path, jerr.text);
			goto out;
		}
		if (json_is_array(j)) {
			size_t i;
			json_t *v;

			if (!ins || json_array_size(j) != (size_t)ncols) {
				json_decref(j);
				fail("a row outside a table, or with the wrong number of values");
				goto out;
			}
			db_reset(ins);
			json_array_foreach(j, i, v) {
				if (json_is_null(v))
					db_bind_null(ins, (int)i + 1);
				else if (json_is_integer(v))
					db_bind_int64(ins, (int)i + 1, json_integer_value(v));
				else if (json_is_real(v))
					db_bind_double(ins, (int)i + 1, json_real_value(v));
				else if (json_is_string(v))
					db_bind_text(ins, (int)i + 1, json_string_value(v));
				else {
					json_decref(j);
					fail("table %s: a value that is not a number, text or null", table);
					goto out;
				}
			}
			rc = db_step(ins);
			json_decref(j);
			if (rc < 0) {
				fail("table %s: %s", table, db_errmsg(d));
				goto out;
			}
			th.rows++;
			continue;
		}
		if (json_object_get(j, "table")) {
			const char *names[MAX_COLS];
			const char *t = json_string_value(json_object_get(j, "table"));
			size_t i;
			json_t *c;

			if (!t || !known_table(t) || ins) {
				fail("unknown or misplaced table '%s'", t ? t : "?");
				json_decref(j);
				goto out;
			}
			snprintf(table, sizeof table, "%s", t);
			json_decref(cols);
			cols = json_incref(json_object_get(j, "columns"));
			json_decref(dcols);
			dcols = json_array();
			json_decref(j);
			if (!json_is_array(cols) || json_array_size(cols) == 0 ||
			    json_array_size(cols) > MAX_COLS || dest_columns(d, table, dcols) < 0 ||
			    json_array_size(cols) != json_array_size(dcols)) {
				fail("table %s: the columns do not match this database's", table);
				goto out;
			}
			json_array_foreach(cols, i, c) {
				if (!json_is_string(c) ||
				    !json_has_string(dcols, json_string_value(c))) {
					fail("table %s: unknown column", table);
					goto out;
				}
				names[i] = json_string_value(c);
			}
			ncols = (int)json_array_size(cols);
			rc = db_table_insert(d, table, names, ncols, &ins);
			if (rc < 0) {
				fail("table %s: %s", table, db_errmsg(d));
				goto out;
			}
			memset(&th, 0, sizeof th);
			continue;
		}
		if (json_object_get(j, "end")) {
			struct table_hash stored;
			const char *want = json_string_value(json_object_get(j, "hash"));
			int64_t rows = json_integer_value(json_object_get(j, "rows"));

			db_finalize(ins);
			ins = NULL;
			if (!want || strcmp(json_string_value(json_object_get(j, "end")), table) != 0) {
				json_decref(j);
				fail("table %s: a malformed closing line", table);
				goto out;
			}
			/* read back what was stored, as export would */
			rc = table_rows(d, table, NULL, &stored, NULL, NULL);
			hash_hex(&stored, hex);
			if (rc < 0 || th.rows != rows || stored.rows != rows || strcmp(hex, want) != 0) {
				fail("table %s: %lld rows expected, %lld read, %lld stored; hash %s, "
				     "stored %s",
				     table, (long long)rows, (long long)th.rows, (long long)stored.rows,
				     want, hex);
				json_decref(j);
				goto out;
			}
			json_decref(j);
			if (db_identity_sync(d, table) < 0) {
				fail("table %s: %s", table, db_errmsg(d));
				goto out;
			}
			printf("%-22s %8lld rows  %.16s  verified\n", table, (long long)rows, hex);
			ntables++;
			continue;
		}
		if (json_is_true(json_object_get(j, "end_of_export"))) {
			done = true;
			json_decref(j);
			break;
		}
		json_decref(j);
		fail("an unexpected line in the export");
		goto out;
	}
	if (!done || ins) {
		fail("the export ends early: it is truncated");
		goto out;
	}
	{
		struct audit_verify_result av;
		int64_t ncases;

		if (audit_verify_in_tx(d, &av) != 0) {
			fail("the audit trail does not verify after import: %s", av.reason);
			goto out;
		}
		if (import_keys(d, cli_db_url(a.db), a.key, &keys) < 0 ||
		    verify_cases(d, &ncases) < 0)
			goto out;
		printf("audit trail verified (%lld entries); incident logs of %lld cases verified\n",
		       (long long)av.checked, (long long)ncases);
	}
	if (db_commit(d) < 0) {
		fail("commit failed: %s", db_errmsg(d));
		goto out;
	}
	in_tx = false;
	printf("imported %d tables from %s\n", ntables, path);
	ret = 0;
out:
	db_finalize(ins);
	if (in_tx)
		db_rollback(d);
	if (ret)
		fprintf(stderr, "vigil import: nothing was imported\n");
	json_decref(hdr);
	json_decref(cols);
	json_decref(dcols);
	free(line);
	if (f)
		fclose(f);
	db_close(d);
	crypt_keys_free(keys);
	return ret;
}
