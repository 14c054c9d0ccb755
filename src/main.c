/*
 * main — the `vigil` program: one binary, subcommands.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "base/secret.h"
#include "cli/cli.h"
#include "db/db.h"

#define VIGIL_VERSION "0.1.0"

static const struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
} commands[] = {
	{ "serve", cli_serve, "run the server (HTTP API, browser UI)" },
	{ "migrate", cli_migrate, "create or upgrade the database schema" },
	{ "user", cli_user, "add, list, disable, enable user accounts; set a password" },
	{ "agency", cli_agency, "add and list partner agencies; grant a monitoring centre" },
	{ "device", cli_device, "list devices and their owners; give a device its owner" },
	{ "audit", cli_audit, "verify the audit trail (chain and signed checkpoints); make a signing key" },
	{ "key", cli_key, "the data keys that seal victims' details: make, add, rotate, retire" },
	{ "case", cli_case, "verify a case's incident log" },
	{ "export", cli_export, "write the whole database to a file (for another engine)" },
	{ "import", cli_import, "load an export into an empty database, verified" },
	{ "permissions", cli_permissions, "print the access table (docs/ACCESS.md)" },
};

static void usage(FILE *out)
{
	fprintf(out, "usage: vigil COMMAND [options]\n\n"
		     "Vigil: case management and electronic monitoring for a Stalking Threat\n"
		     "Assessment Centre.\n\nCommands:\n");
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		fprintf(out, "  %-12s %s\n", commands[i].name, commands[i].summary);
	fprintf(out, "\nRun 'vigil COMMAND --help' for a command's options.  The database is\n"
		     "--db PATH, else $VIGIL_DB, else ./vigil.db.\n");
}

static void *json_alloc(size_t n)
{
	return xmalloc(n);
}

int main(int argc, char **argv)
{
	if (secret_init() < 0) {
		fprintf(stderr, "vigil: cannot initialise libsodium\n");
		return 1;
	}
	/* jansson allocates through our allocator: one out-of-memory policy */
	json_set_alloc_funcs(json_alloc, free);
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("vigil %s (schema %d)\n", VIGIL_VERSION, db_schema_latest());
		return 0;
	}
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "vigil: unknown command '%s'\nRun 'vigil --help' for the commands.\n",
		argv[1]);
	return 2;
}
