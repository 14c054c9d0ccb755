/*
 * her — the rules of her app, pure: how long a one-time code lives and how
 * many tries it allows, what a PIN must be, how long a session stays open
 * unused, what name she may give the app, and the words she sees for her
 * warnings and for what the centre did (never a place, never his position).
 */
#ifndef VIGIL_CORE_HER_H
#define VIGIL_CORE_HER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/secret.h"

#define HER_CODE_DIGITS 6
#define HER_CODE_TTL_MS (10 * 60 * 1000LL)
#define HER_CODE_TRIES 5
#define HER_CODES_PER_HOUR 5 /* sent to her phone; more asked for are not sent */
#define HER_PIN_TRIES 5              /* then the phone must be signed in again by code */
#define HER_IDLE_MS (30 * 60 * 1000LL) /* a session unused this long ends */
#define HER_APP_NAME_MAX 30
/* Her app's device's uid begins so: it reports through her session only
 * (api/her.c), never through a device port, where a uid is the only key. */
#define HER_DEVICE_PREFIX "app-"

/* The parts of her case her officer may release to her (her own warnings,
 * calls for help and diary are hers from the start). */
enum her_part { HER_PART_PLAN, HER_PART_ORDERS, HER_PART_CONTACTS, HER_PARTS };
/* "plan", "orders", "contacts". */
const char *her_part_name(enum her_part p);

/* A PIN: 4 to 8 digits, not one digit repeated.  true, or false with why. */
bool her_pin_valid(const char *pin, char *why, size_t whylen);
/* The digest a one-time code for enrolment is kept as (never the code). */
void her_code_digest(int64_t enrolment, const char *code, char out[SECRET_DIGEST_LEN]);
/* The app's name she chose: 1 to 30 letters, digits and spaces. */
bool her_app_name_valid(const char *name);
/* Her words for an alert kind she is shown (NULL: not one she is shown). */
const char *her_alert_words(const char *kind);
/* Her words for an alert's state (what the centre did). */
const char *her_state_words(const char *state);

#endif
