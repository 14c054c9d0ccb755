/*
 * victim — the vocabulary of victim care that needs no database: how a
 * contact was made, the partner services she may be referred to, and the
 * life of a referral.  Pure: no I/O.
 */
#ifndef VIGIL_CORE_VICTIM_H
#define VIGIL_CORE_VICTIM_H

#include <stdbool.h>
#include <stddef.h>

/* phone, in_person, video, email, letter, text_message. */
extern const char *const victim_contact_methods[];
/* advocacy, helpline, health, housing, childrens_services. */
extern const char *const victim_services[];
/* offered, accepted, declined, completed. */
extern const char *const victim_referral_statuses[];

/*
 * May a referral move from one status to another?  offered → accepted or
 * declined; accepted → completed, or declined (she withdrew); declined →
 * offered (offered again).  The same status is allowed.  0, or -1 with why.
 */
int victim_referral_move(const char *from, const char *to, char *why, size_t whylen);
/* Does this status count as the advocacy referral a high-risk case needs
 * (offered, accepted, declined, completed: every one shows it was offered)? */
bool victim_referral_counts(const char *status);

#endif
