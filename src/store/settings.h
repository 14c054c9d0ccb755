/*
 * store/settings — the centre's settings table: a few named values the
 * program remembers about its own database (that the demo was loaded, which
 * case the monitoring simulator made).  Not configuration: that comes from
 * the command line.
 *
 * Returns 0 or a negative DB_* code unless said otherwise.
 */
#ifndef VIGIL_STORE_SETTINGS_H
#define VIGIL_STORE_SETTINGS_H

#include <stddef.h>

#include "db/db.h"

/* The value of key into value (n bytes; NULL: only whether it is set):
 * 1 when set, 0 when not, or negative. */
int setting_get(db *d, const char *key, char *value,
						    size_t n) DB_CHECKED;
/* Set key, which must not be set yet (DB_CONSTRAINT when it is). */
int setting_add(db *d, const char *key, const char *value) DB_CHECKED;

#endif
