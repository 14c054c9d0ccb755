/*
 * store/desk — reads the alert desk needs beside the alert itself: where a
 * device was at a given moment (its last fix at or before it), so the desk
 * can show both people as they were when the alert was decided, apart from
 * where they are now.
 *
 * Lookups return 1 found, 0 not, or a negative DB_* code.
 */
#ifndef VIGIL_STORE_DESK_H
#define VIGIL_STORE_DESK_H

#include <stdint.h>

#include "core/fix.h"
#include "db/db.h"

/* The device's newest fix taken at or before at and not before not_before
 * (ms), leaving out fixes stamped ahead of the clock; into *out. */
int desk_fix_at(db *d, int64_t device_id, int64_t not_before, int64_t at, struct fix *out);

#endif
