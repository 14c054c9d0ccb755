/*
 * fix — one position report from a device, as every protocol decoder
 * produces it, and the check that refuses impossible ones.
 */
#ifndef VIGIL_CORE_FIX_H
#define VIGIL_CORE_FIX_H

#include <stddef.h>
#include <stdint.h>

enum fix_flags {
	FIX_SOS = 1 << 0,        /* the victim's panic button, or a tag's SOS */
	FIX_TAMPER = 1 << 1,     /* strap cut or tampered */
	FIX_CASE_OPEN = 1 << 2,  /* the device's case opened */
	FIX_CHARGING = 1 << 3,
	FIX_POWER_OFF = 1 << 4,  /* the device reports it is shutting down */
	FIX_LOW_BATTERY = 1 << 5,
	FIX_NO_POSITION = 1 << 6, /* an event report without a usable position */
	FIX_CLOCK_AHEAD = 1 << 7, /* stamped further ahead of the server's clock than the
				   * allowed skew: kept, flagged, out of the rules */
};

#define FIX_UID_MAX 64

struct fix {
	char uid[FIX_UID_MAX + 1]; /* the device's identifier as it reports it */
	int64_t device_id;         /* resolved by the ingest layer */
	int64_t at;                /* ms since the epoch, the device's time */
	double lat, lon;           /* degrees, WGS 84 */
	double accuracy;           /* metres (radius); NAN when not given */
	double speed;              /* metres per second; NAN when not given */
	double heading;            /* degrees; NAN */
	double altitude;           /* metres; NAN */
	double battery;            /* percent 0-100; NAN */
	unsigned flags;            /* enum fix_flags */
};

/* A fix with every optional field unknown. */
void fix_init(struct fix *f);
/*
 * Refuse what cannot be: coordinates out of range or not numbers, a time more
 * than a day ahead of now or before 2000, a negative or absurd accuracy,
 * speed or battery.  0, or -1 with the reason in why.  A report carrying only
 * an event (FIX_NO_POSITION) needs no position.  (A time a little ahead is a
 * clock fault, not an impossibility: ingest flags it FIX_CLOCK_AHEAD.)
 */
int fix_check(const struct fix *f, int64_t now, char *why, size_t whylen);
/* The accuracy to use when a device gives none (a phone's typical GPS). */
#define FIX_DEFAULT_ACCURACY 20.0
/* Furthest ahead of the server's clock a fix may be stamped and still exist. */
#define FIX_FUTURE_MAX_MS (24 * 3600 * 1000LL)

#endif
