/*
 * fix — one position report from a device, as every protocol decoder
 * produces it, and the check that refuses impossible ones.
 */
#ifndef VIGIL_CORE_FIX_H
#define VIGIL_CORE_FIX_H

#include <stdbool.h>
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
	FIX_FROM_HER = 1 << 8,    /* sent by her app through her session (api/her.c): the
				   * only fix ingest takes under her app's device uid */
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
/*
 * A report that carries an event (panic, tamper, case open, power off) is
 * never refused for what it measured: a position that cannot be (out of
 * range, not a number, 0,0) makes it an event without a position, any other
 * impossible measurement is dropped, and a time that cannot be (before 2000
 * or more than a day ahead of now) becomes now.  Refusing it would lose the
 * panic with the bad reading (the device may not send it again).  Reports
 * without an event are left for fix_check() to refuse.  Returns true when
 * something was dropped.
 */
bool fix_salvage_event(struct fix *f, int64_t now);
/*
 * Accuracy from the receiver's geometry (Teltonika: the HDOP IO element and
 * the GPS element's satellite count), for protocols that report no accuracy
 * in metres.  The model: a 68% horizontal radius of HDOP x FIX_UERE_M (the
 * user-equivalent range error of single-frequency civilian GPS, about 5 m),
 * never better than FIX_DOP_FLOOR_M.  Without an HDOP (0, NaN or absent), an
 * HDOP assumed from the satellites in use: 9 or more 2, 7-8 3, 5-6 4.  Few
 * satellites degrade it whatever the HDOP: 4 (a 3D fix with none to spare,
 * so one bad satellite goes unseen) at least FIX_FEW_SATS_M, 1-3 (a 2D fix
 * at best) at least FIX_2D_M, both worse than the rule's degraded line
 * (ZONE_DEGRADED_M, 25 m), so one such fix never decides an entry alone.  0
 * satellites is no position (the decoder flags it) and unknown satellites
 * (< 0) add nothing.  Capped at FIX_DOP_MAX_M.  NaN when neither is known.
 */
#define FIX_UERE_M 5.0
#define FIX_DOP_FLOOR_M 5.0
#define FIX_FEW_SATS_M 30.0
#define FIX_2D_M 60.0
#define FIX_DOP_MAX_M 5000.0
double fix_accuracy_from_dop(double hdop, int satellites);
/*
 * The accuracy the rules assume for a device that reports none, by its kind
 * (offender_tag, victim_phone, victim_alarm; anything else: the offender
 * tag's), conservative: no better than such a device typically gives.  A
 * tag worn on the body, often under clothing or indoors, 25 m (the worst a
 * fix may be and still count as good); her phone 20 m (a phone's GPS in the
 * open, the single default before); her alarm 50 m (a pendant, often indoors
 * or cell-assisted), which widens the ring in which an approach to her is
 * weighed.  Shown on the device (assumed_accuracy_m).
 */
double fix_assumed_accuracy(const char *kind);
/* Furthest ahead of the server's clock a fix may be stamped and still exist. */
#define FIX_FUTURE_MAX_MS (24 * 3600 * 1000LL)

#endif
