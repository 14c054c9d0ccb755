/*
 * What the fuzz targets over a loaded file share: each input is written as a
 * file into a private temporary directory (removed at exit) and loaded
 * against the built-in instruments (read from instruments/, or from
 * $VIGIL_INSTRUMENTS: run from the repository root); and a refusal's message
 * must be one the server can print and the API can put in a JSON string.
 */
#ifndef VIGIL_FUZZ_FILES_H
#define VIGIL_FUZZ_FILES_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <jansson.h>

#include "core/instrument.h"

static char fuzz_dir[64];
static char fuzz_path[96];
static instrument_set *fuzz_builtin;

static void fuzz_files_cleanup(void)
{
	unlink(fuzz_path);
	rmdir(fuzz_dir);
	instrument_set_free(fuzz_builtin);
}

/* The directory /tmp/vigil-fuzz-<target>-*, the input's path in it
 * (fuzz_path, named file), and the built-in instruments (fuzz_builtin); exits
 * when any is missing. */
static void fuzz_files_init(const char *target, const char *file)
{
	const char *src = getenv("VIGIL_INSTRUMENTS");
	char err[512];

	snprintf(fuzz_dir, sizeof fuzz_dir, "/tmp/vigil-fuzz-%s-XXXXXX", target);
	if (!mkdtemp(fuzz_dir)) {
		perror("mkdtemp");
		exit(1);
	}
	snprintf(fuzz_path, sizeof fuzz_path, "%s/%s", fuzz_dir, file);
	if (instrument_set_load(src ? src : "instruments", &fuzz_builtin, err, sizeof err) < 0) {
		fprintf(stderr, "fuzz_%s: %s (run from the repository root)\n", target, err);
		exit(1);
	}
	atexit(fuzz_files_cleanup);
}

/* libFuzzer's LLVMFuzzerInitialize for a target over a loaded file:
 * fuzz_files_init(target, file) before the first input. */
#define FUZZ_FILES_INITIALIZE(target, file)                                  \
	int LLVMFuzzerInitialize(int *argc, char ***argv);                   \
	int LLVMFuzzerInitialize(int *argc, char ***argv)                    \
	{                                                                    \
		(void)argc;                                                  \
		(void)argv;                                                  \
		fuzz_files_init(target, file);                               \
		return 0;                                                    \
	}

/* The input as the file to load: aborts when it cannot be written. */
static void fuzz_files_write(const uint8_t *data, size_t size)
{
	FILE *f = fopen(fuzz_path, "wb");

	if (!f || fwrite(data, 1, size, f) != size || fclose(f) != 0)
		abort();
}

/* A message the server can print and the API put in a JSON string:
 * non-empty, valid UTF-8. */
static void fuzz_check_message(const char *s)
{
	json_t *j;

	if (!s[0])
		abort();
	j = json_string(s);
	if (!j)
		abort();
	json_decref(j);
}

#endif
