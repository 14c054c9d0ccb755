/*
 * The built-in instruments (instruments/, read from the repository root) for
 * a group of unit tests: the set instruments, loaded by the group's setup
 * (load_instruments) and freed by its teardown (free_instruments).
 */
#ifndef VIGIL_TESTS_INSTRUMENTS_H
#define VIGIL_TESTS_INSTRUMENTS_H

#include <stdio.h>

#include "core/instrument.h"

static instrument_set *instruments;

static inline int load_instruments(void **state)
{
	char err[512];

	(void)state;
	if (instrument_set_load("instruments", &instruments, err, sizeof err) < 0) {
		fprintf(stderr, "cannot load instruments/ (run from the repository root): %s\n", err);
		return -1;
	}
	return 0;
}

static inline int free_instruments(void **state)
{
	(void)state;
	instrument_set_free(instruments);
	return 0;
}

#endif
