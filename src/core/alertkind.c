/*
 * core/alertkind — the alert kinds' table (core/alertkind.h).
 *
 * Severities: critical when she may be in danger now (he is in a zone or
 * near her, her panic button, a tag cut off or opened, his signal lost near
 * a place of hers); high when it may come to that (he is in a warning ring,
 * his tag is silent or off); medium for the device's own faults.  Only an
 * approach warns her, and her words never say where he is.
 */
#include "core/alertkind.h"

#include <string.h>

#define APPROACH_TEXT                                                                              \
	"Vigil: stay safe. Help is coming. Go somewhere safe and call 999 if you are in danger."

const struct alert_kind alert_kinds[] = {
	{ "zone_entry", "critical", NULL, ALERT_TO_CENTRE | ALERT_TO_POLICE | ALERT_TO_VICTIM,
	  APPROACH_TEXT,
	  { "Send the police to the zone", "Call her: tell her help is coming",
	    "Call him: tell him to leave", "Record the outcome" } },
	{ "zone_warning", "high", NULL, ALERT_TO_CENTRE, NULL,
	  { "Watch his next fixes", "Call him: tell him to turn back", "Record the outcome" } },
	{ "proximity", "critical", NULL, ALERT_TO_CENTRE | ALERT_TO_POLICE | ALERT_TO_VICTIM,
	  APPROACH_TEXT,
	  { "Send the police to where she is", "Call her: tell her help is coming",
	    "Call him: tell him to move away", "Record the outcome" } },
	{ "proximity_warning", "high", NULL, ALERT_TO_CENTRE, NULL,
	  { "Watch his next fixes", "Call him: tell him to move away", "Record the outcome" } },
	{ "panic", "critical", NULL, ALERT_TO_CENTRE | ALERT_TO_POLICE, NULL,
	  { "Send the police to where she is", "Call her back", "Record the outcome" } },
	{ "sos", "critical", NULL, ALERT_TO_CENTRE, NULL,
	  { "Call him", "Send the police if he cannot be reached", "Record the outcome" } },
	{ "tamper", "critical", NULL, ALERT_TO_CENTRE, NULL,
	  { "Call him", "Send an officer to check the device", "Record the outcome" } },
	{ "case_open", "high", NULL, ALERT_TO_CENTRE, NULL,
	  { "Call the device's wearer", "Arrange a check of the device", "Record the outcome" } },
	{ "powered_off", "high", NULL, ALERT_TO_CENTRE, NULL,
	  { "Call the device's wearer", "Record the outcome" } },
	{ "low_battery", "medium", NULL, ALERT_TO_CENTRE, NULL,
	  { "Remind the wearer to charge it", "Record the outcome" } },
	{ "clock_fault", "medium", NULL, ALERT_TO_CENTRE, NULL,
	  { "Ask the supplier to check the device's clock", "Record the outcome" } },
	{ "lost_signal", "high", "medium", ALERT_TO_CENTRE, NULL,
	  { "Call the device's wearer", "Watch for his next fix", "Record the outcome" } },
	{ "lost_signal_near_zone", "critical", NULL,
	  ALERT_TO_CENTRE | ALERT_TO_POLICE | ALERT_TO_VICTIM,
	  "Vigil: we have lost contact with his tag and he may be nearby. Stay somewhere safe. Help "
	  "is coming. Call 999 if you are in danger.",
	  { "Send the police to the zone", "Call her: tell her help is coming", "Call him",
	    "Record the outcome" } },
	{ NULL, NULL, NULL, 0, NULL, { NULL } },
};

static const struct alert_kind unknown = { "unknown", "high", NULL, ALERT_TO_CENTRE, NULL,
					   { "Record the outcome" } };

const struct alert_kind *alert_kind_find(const char *kind)
{
	for (int i = 0; kind && alert_kinds[i].kind; i++)
		if (strcmp(alert_kinds[i].kind, kind) == 0)
			return &alert_kinds[i];
	return &unknown;
}

const char *alert_kind_severity(const char *kind, bool offender)
{
	const struct alert_kind *k = alert_kind_find(kind);

	return !offender && k->severity_victim ? k->severity_victim : k->severity;
}
