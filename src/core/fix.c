/*
 * fix — the fix record and its sanity check.
 */
#include "core/fix.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "base/text.h"

void fix_init(struct fix *f)
{
	memset(f, 0, sizeof *f);
	f->accuracy = f->speed = f->heading = f->altitude = f->battery = NAN;
}

int fix_check(const struct fix *f, int64_t now, char *why, size_t whylen)
{
	if (!f->uid[0])
		return text_fail(why, whylen, "no device identifier");
	if (f->at < 946684800000LL)
		return text_fail(why, whylen, "the time is missing or before 2000");
	if (f->at > now + FIX_FUTURE_MAX_MS)
		return text_fail(why, whylen, "the time is more than a day in the future");
	if (!(f->flags & FIX_NO_POSITION)) {
		if (!isfinite(f->lat) || !isfinite(f->lon) || f->lat < -90 || f->lat > 90 ||
		    f->lon < -180 || f->lon > 180)
			return text_fail(why, whylen,
					 "the position is out of range (latitude -90..90, longitude -180..180)");
		if (f->lat == 0 && f->lon == 0)
			return text_fail(why, whylen, "the position is 0,0 (no GPS fix)");
	}
	if (!isnan(f->accuracy) &&
	    (!isfinite(f->accuracy) || f->accuracy < 0 || f->accuracy > 100000))
		return text_fail(why, whylen, "the accuracy must be 0 to 100000 metres");
	if (!isnan(f->speed) && (!isfinite(f->speed) || f->speed < 0 || f->speed > 150))
		return text_fail(why, whylen, "the speed must be 0 to 150 m/s");
	if (!isnan(f->battery) && (!isfinite(f->battery) || f->battery < 0 || f->battery > 100))
		return text_fail(why, whylen, "the battery must be 0 to 100 percent");
	if (!isnan(f->heading) && (!isfinite(f->heading) || f->heading < 0 || f->heading > 360))
		return text_fail(why, whylen, "the heading must be 0 to 360 degrees");
	if (!isnan(f->altitude) && (!isfinite(f->altitude) || fabs(f->altitude) > 100000))
		return text_fail(why, whylen, "the altitude is out of range");
	return 0;
}

static bool out_of(double *x, double lo, double hi)
{
	if (isnan(*x) || (isfinite(*x) && *x >= lo && *x <= hi))
		return false;
	*x = NAN;
	return true;
}

bool fix_salvage_event(struct fix *f, int64_t now)
{
	bool dropped = false;

	if (!(f->flags & (FIX_SOS | FIX_TAMPER | FIX_CASE_OPEN | FIX_POWER_OFF)))
		return false;
	if (f->at < 946684800000LL || f->at > now + FIX_FUTURE_MAX_MS) {
		f->at = now;
		dropped = true;
	}
	if (!(f->flags & FIX_NO_POSITION) &&
	    (!isfinite(f->lat) || !isfinite(f->lon) || f->lat < -90 || f->lat > 90 ||
	     f->lon < -180 || f->lon > 180 || (f->lat == 0 && f->lon == 0))) {
		f->flags |= FIX_NO_POSITION;
		f->lat = f->lon = NAN;
		dropped = true;
	}
	dropped |= out_of(&f->accuracy, 0, 100000);
	dropped |= out_of(&f->speed, 0, 150);
	dropped |= out_of(&f->battery, 0, 100);
	dropped |= out_of(&f->heading, 0, 360);
	dropped |= out_of(&f->altitude, -100000, 100000);
	return dropped;
}

double fix_accuracy_from_dop(double hdop, int satellites)
{
	double acc;

	if (hdop > 0 && isfinite(hdop))
		acc = hdop * FIX_UERE_M;
	else if (satellites >= 9)
		acc = 2 * FIX_UERE_M;
	else if (satellites >= 7)
		acc = 3 * FIX_UERE_M;
	else if (satellites >= 5)
		acc = 4 * FIX_UERE_M;
	else if (satellites <= 0)
		return NAN; /* nothing known (0 satellites is no position at all) */
	else
		acc = 0; /* 1 to 4: the floors below decide */
	if (acc < FIX_DOP_FLOOR_M)
		acc = FIX_DOP_FLOOR_M;
	if (satellites >= 1 && satellites <= 3 && acc < FIX_2D_M)
		acc = FIX_2D_M;
	else if (satellites == 4 && acc < FIX_FEW_SATS_M)
		acc = FIX_FEW_SATS_M;
	return acc > FIX_DOP_MAX_M ? FIX_DOP_MAX_M : acc;
}

double fix_assumed_accuracy(const char *kind)
{
	static const struct {
		const char *kind;
		double m;
	} assumed[] = {
		{ "offender_tag", 25.0 },
		{ "victim_phone", 20.0 },
		{ "victim_alarm", 50.0 },
	};

	for (size_t i = 0; kind && i < sizeof assumed / sizeof assumed[0]; i++)
		if (!strcmp(kind, assumed[i].kind))
			return assumed[i].m;
	return assumed[0].m;
}
