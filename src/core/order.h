/*
 * order — the rules of protective orders that need no database: kinds and
 * their life, the terms each kind may have (a fixed-term Stalking Protection
 * Order lasts at least two years; a Police Information Notice is only ever
 * history), the subject's three-day duty to notify his name and address,
 * when an order is in force, and the shape of an exclusion zone (GeoJSON,
 * RFC 7946, the geometry the monitoring engine reads).  Pure: no I/O.
 *
 * Functions return 0, or -1 with the offending field in field and a sentence
 * a user can act on in why.
 */
#ifndef VIGIL_CORE_ORDER_H
#define VIGIL_CORE_ORDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

/* spo_interim, spo_full (Stalking Protection Orders), restraining_conviction,
 * restraining_acquittal, non_molestation, bail_conditions, pin_historic (a
 * Police Information Notice issued in the past: recorded, never new). */
extern const char *const order_kinds[];
/* A title for the kind ("Stalking Protection Order (full)"); NULL if unknown. */
const char *order_kind_title(const char *kind);
/* Interim or full Stalking Protection Order: the subject must notify his name
 * and address within three days of service. */
bool order_kind_is_spo(const char *kind);

/* applied, granted, refused, withdrawn, discharged. */
extern const char *const order_statuses[];
/* applied → granted, refused or withdrawn; granted → discharged; the rest
 * are final.  The same status is allowed.  0, or -1 with why. */
int order_status_move(const char *from, const char *to, char *why, size_t whylen);

/* no_contact, exclusion_zone, keep_away, attend_programme, wear_tag, other. */
extern const char *const order_condition_kinds[];

/* An order's dates (ms; 0 when not given). */
struct order_terms {
	const char *kind;
	const char *status;
	int64_t applied_at, granted_at, served_at, starts_at, ends_at;
	bool until_further_order;
	int64_t reported_at; /* when the case was reported */
	int64_t now;
};

/*
 * Are these terms possible for the kind?  A granted order has granted_at, not
 * in the future; starts_at, when given, is not before it; ends_at is after
 * the start, and cannot go with until_further_order.  A full SPO, once
 * granted, has a term: ends_at at least two calendar years after its start,
 * or until_further_order.  A Police Information Notice is recorded only as
 * one issued before this report: status granted, granted_at before
 * reported_at, no end.  served_at is for granted orders, not before the grant.
 * Refused with field and why naming the rule.
 */
int order_terms_check(const struct order_terms *t, char *field, size_t fieldlen, char *why,
		      size_t whylen);
/* start + years calendar years (29 February to 1 March when needed). */
int64_t order_add_years(int64_t ms, int years);

/*
 * The end of the subject's duty to notify his name and home address: three
 * days beginning with the day the order was served (UTC), so the deadline
 * is midnight at the start of the fourth day.  0 when served_at is 0.
 */
int64_t order_notify_deadline(int64_t served_at);
/* Has the deadline passed with no notification? */
bool order_notify_missed(int64_t deadline, int64_t notified_at, int64_t now);

/* Granted, started and not ended (until further order: no end). */
bool order_in_force(const char *status, int64_t starts_at, int64_t ends_at, int64_t now);
/* In force and ending within days from now. */
bool order_ends_within(const char *status, int64_t starts_at, int64_t ends_at, int64_t now,
		       int days);

/*
 * An exclusion zone: a GeoJSON geometry, either a Polygon (1 to 10 linear
 * rings of 4 to 1,000 [longitude, latitude] positions, each closed) or a
 * Point with radius_m (1 to 100,000 m); warning_m (the warning ring around
 * it) 0 to 10,000 m.  Coordinates are WGS 84 numbers within range.
 * radius_m and warning_m are -1 when not given.  0, or -1 with field and why.
 */
int order_zone_check(json_t *zone, int64_t radius_m, int64_t warning_m, char *field,
		     size_t fieldlen, char *why, size_t whylen);

#endif
