/*
 * simulator — the demo's moving parts (`vigil serve --demo`): a tagged
 * stalker in London who drives towards the victim's home (warning, then
 * entry), loses signal for a while (lost signal), and later comes near the
 * victim in the street (proximity), so that a newcomer sees every kind of
 * alert appear live within two minutes.  The cycle repeats every five
 * minutes.  Its fixes go through the same ingest path as a real device's.
 */
#ifndef VIGIL_MONITOR_SIMULATOR_H
#define VIGIL_MONITOR_SIMULATOR_H

#include <stddef.h>

struct vigil;
struct simulator;

/* Create the demo monitoring case and devices once, then start. */
int simulator_start(struct vigil *v, struct simulator **out, char *err, size_t errlen);
void simulator_stop(struct simulator *s);

#endif
