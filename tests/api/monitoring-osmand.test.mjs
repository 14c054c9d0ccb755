// The OsmAnd port, as the Traccar Client phone app uses it: every parameter
// and every timestamp form, GET with a query, POST with a form and POST with
// the newer app's JSON body; what was stored is read back from the device's
// state, the alert trail and the fixes table.  An unregistered device is 404
// and nothing is stored; an impossible fix is 400 naming the problem and is
// counted against the device; a repeated fix is stored once and fires nothing
// twice; alarms become alerts.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { sleep, sqlite, startServer, stopServer } from './lib/server.mjs';
import { createCase, unique } from './lib/casekit.mjs';

let srv;
let OSM; // http://127.0.0.1:PORT of the OsmAnd listener
const c = {};

before(async () => {
	srv = await startServer({ args: ['--osmand-listen', '127.0.0.1:0'] });
	OSM = srv.osmandUrl();
	[c.operator, c.officer, c.supervisor] = await Promise.all(['operator', 'officer', 'supervisor'].map((r) => srv.login(r)));
});
after(() => stopServer(srv));

// ---- helpers -----------------------------------------------------------------

async function answer(res) {
	return { status: res.status, text: await res.text(), type: res.headers.get('content-type') };
}
/** GET /?query on the OsmAnd port. */
const osmGet = async (q) => answer(await fetch(`${OSM}/?${new URLSearchParams(q)}`));
/** POST a form body on the OsmAnd port. */
const osmForm = async (q) => answer(await fetch(`${OSM}/`, { method: 'POST', body: new URLSearchParams(q) }));
/** POST the JSON body of the newer app. */
const osmJson = async (body) => answer(await fetch(`${OSM}/`, {
	method: 'POST',
	headers: { 'Content-Type': 'application/json' },
	body: typeof body === 'string' ? body : JSON.stringify(body),
}));

async function device(kind = 'offender_tag', extra = {}) {
	const uid = unique('osm');
	const res = await c.operator.post('/api/v1/devices', { uid, kind, protocol: 'osmand', ...extra });
	assert.equal(res.status, 201, res.text);
	return uid;
}

/** A case with these devices assigned ([uid, role] pairs). */
async function caseWith(...pairs) {
	const k = await createCase(c.officer, { suspect: { name: `Tagged ${unique('s')}` } });
	for (const [uid, role] of pairs) {
		const res = await c.officer.post(`/api/v1/cases/${k.ref}/monitoring`, { device: uid, role });
		assert.equal(res.status, 201, res.text);
	}
	return k.ref;
}

/** The fixes stored for a device, oldest first, read straight from the database. */
function storedFixes(uid) {
	const out = sqlite(srv.db, 'SELECT at, lat, lon, accuracy_m, speed_mps, heading, altitude, battery FROM fixes'
		+ ` WHERE device_id = (SELECT id FROM devices WHERE uid = '${uid}') ORDER BY at`);
	const num = (s) => (s === '' ? null : Number(s));
	return out.split('\n').filter(Boolean).map((line) => {
		const [at, lat, lon, accuracy, speed, heading, altitude, battery] = line.split('|').map(num);
		return { at, lat, lon, accuracy, speed, heading, altitude, battery };
	});
}
const totalFixes = () => Number(sqlite(srv.db, 'SELECT COUNT(*) FROM fixes').trim());

async function waitFor(what, fn, timeoutMs = 5000) {
	const until = Date.now() + timeoutMs;
	for (;;) {
		const v = await fn();
		if (v) return v;
		if (Date.now() > until) assert.fail(`timed out waiting for ${what}`);
		await sleep(50);
	}
}

/** The device once the engine has applied the fix of time atMs. */
async function deviceAfter(uid, atMs) {
	const iso = new Date(atMs).toISOString();
	return waitFor(`${uid} at ${iso}`, async () => {
		const res = await c.operator.get(`/api/v1/devices/${uid}`);
		assert.equal(res.status, 200, res.text);
		return res.body.state?.last_fix_at === iso ? res.body : null;
	});
}

const alertsOf = async (ref, kind) => {
	const res = await c.operator.get(`/api/v1/alerts?case=${ref}&limit=500`);
	assert.equal(res.status, 200, res.text);
	return res.body.alerts.filter((a) => !kind || a.kind === kind);
};
const waitAlert = (ref, kind) => waitFor(`a ${kind} alert on ${ref}`, async () => (await alertsOf(ref, kind))[0]);

const approx = (actual, expected, tol, what) =>
	assert.ok(actual !== null && Math.abs(actual - expected) <= tol, `${what}: ${actual} is not ${expected} ± ${tol}`);

// somewhere in London
const LAT = 51.5074;
const LON = -0.1278;
let tick = 0;
/** A distinct recent time in ms (whole seconds back from now, distinct per call). */
const recentMs = () => (Math.floor(Date.now() / 1000) - 200 + (tick++ % 150)) * 1000;

// ---- query parameters --------------------------------------------------------

describe('GET with query parameters', () => {
	test('every field is stored: time in seconds, speed in knots, bearing, altitude, accuracy, battery, charging', async () => {
		const uid = await device();
		const at = recentMs();
		const res = await osmGet({
			id: uid, lat: '51.50741', lon: '-0.12782', timestamp: String(at / 1000), speed: '10', bearing: '123.5',
			altitude: '45.2', accuracy: '12.5', batt: '87', charge: 'true',
		});
		assert.equal(res.status, 200, res.text);
		const [f] = storedFixes(uid);
		assert.equal(f.at, at);
		approx(f.lat, 51.50741, 1e-9, 'lat');
		approx(f.lon, -0.12782, 1e-9, 'lon');
		approx(f.accuracy, 12.5, 1e-9, 'accuracy');
		approx(f.speed, 10 * 0.514444, 0.001, 'speed: 10 knots in m/s');
		approx(f.heading, 123.5, 1e-9, 'heading');
		approx(f.altitude, 45.2, 1e-9, 'altitude');
		approx(f.battery, 87, 1e-9, 'battery');
		const dv = await deviceAfter(uid, at);
		assert.equal(dv.state.battery, 87);
		assert.equal(dv.state.charging, true);
		assert.equal(dv.state.signal_lost, false);
		assert.deepEqual(dv.state.last_position, { lat: 51.50741, lon: -0.12782, accuracy_m: 12.5, accuracy_assumed: false });
	});

	test('heading is taken as well as bearing', async () => {
		const uid = await device();
		assert.equal((await osmGet({ id: uid, lat: LAT, lon: LON, timestamp: String(recentMs() / 1000), heading: '270' })).status, 200);
		approx(storedFixes(uid)[0].heading, 270, 1e-9, 'heading');
	});

	test('a timestamp in Unix milliseconds keeps its milliseconds', async () => {
		const uid = await device();
		const at = recentMs() + 123;
		assert.equal((await osmGet({ id: uid, lat: LAT, lon: LON, timestamp: String(at) })).status, 200);
		assert.equal(storedFixes(uid)[0].at, at);
		await deviceAfter(uid, at);
	});

	test('a timestamp in ISO 8601 (UTC, with an offset, with a fraction) is read as that instant', async () => {
		const uid = await device();
		const a = recentMs();
		const b = recentMs();
		const cc = recentMs() + 250;
		const withOffset = (ms) => {
			// the same instant written in UTC+02:00
			const d = new Date(ms + 2 * 3600e3);
			return `${d.toISOString().slice(0, 19)}+02:00`;
		};
		for (const ts of [new Date(a).toISOString().replace('.000Z', 'Z'), withOffset(b), new Date(cc).toISOString()]) {
			const res = await osmGet({ id: uid, lat: LAT, lon: LON, timestamp: ts });
			assert.equal(res.status, 200, `${ts}: ${res.text}`);
		}
		assert.deepEqual(storedFixes(uid).map((f) => f.at), [a, b, cc].sort((x, y) => x - y));
	});

	test('a timestamp in seconds with a fraction is read to the millisecond', async () => {
		const uid = await device();
		const at = recentMs() + 500;
		assert.equal((await osmGet({ id: uid, lat: LAT, lon: LON, timestamp: (at / 1000).toFixed(1) })).status, 200);
		assert.equal(storedFixes(uid)[0].at, at);
	});

	test('without a timestamp the fix is taken as of now', async () => {
		const uid = await device();
		const t0 = Date.now();
		assert.equal((await osmGet({ id: uid, lat: LAT, lon: LON })).status, 200);
		const [f] = storedFixes(uid);
		assert.ok(f.at >= t0 - 1000 && f.at <= Date.now() + 1000, `at ${f.at} is now (${t0})`);
	});

	test('deviceid names the device as well as id', async () => {
		const uid = await device();
		assert.equal((await osmGet({ deviceid: uid, lat: LAT, lon: LON, timestamp: String(recentMs() / 1000) })).status, 200);
		assert.equal(storedFixes(uid).length, 1);
	});

	test('location=lat,lon gives the position', async () => {
		const uid = await device();
		const at = recentMs();
		assert.equal((await osmGet({ id: uid, location: '51.5101,-0.1340', timestamp: String(at / 1000) })).status, 200);
		const [f] = storedFixes(uid);
		approx(f.lat, 51.5101, 1e-9, 'lat');
		approx(f.lon, -0.134, 1e-9, 'lon');
		const dv = await deviceAfter(uid, at);
		assert.equal(dv.state.last_position.lat, 51.5101);
		assert.equal(dv.state.last_position.lon, -0.134);
	});

	test('hdop stands in for a missing accuracy (about 5 m per unit); a given accuracy wins', async () => {
		const uid = await device();
		const a = recentMs();
		const b = recentMs();
		assert.equal((await osmGet({ id: uid, lat: LAT, lon: LON, timestamp: String(a / 1000), hdop: '3' })).status, 200);
		assert.equal((await osmGet({ id: uid, lat: LAT, lon: LON, timestamp: String(b / 1000), hdop: '3', accuracy: '4' })).status, 200);
		const byAt = Object.fromEntries(storedFixes(uid).map((f) => [f.at, f]));
		approx(byAt[a].accuracy, 15, 1e-9, 'accuracy from hdop 3');
		approx(byAt[b].accuracy, 4, 1e-9, 'the given accuracy');
	});

	test('no accuracy and no hdop: stored as unknown, shown with the tag\'s assumed 25 m, marked assumed', async () => {
		const uid = await device();
		const at = recentMs();
		assert.equal((await osmGet({ id: uid, lat: LAT, lon: LON, timestamp: String(at / 1000) })).status, 200);
		assert.equal(storedFixes(uid)[0].accuracy, null);
		assert.equal(storedFixes(uid)[0].speed, null);
		assert.equal(storedFixes(uid)[0].battery, null);
		const dv = await deviceAfter(uid, at);
		assert.equal(dv.state.last_position.accuracy_m, 25);
		assert.equal(dv.state.last_position.accuracy_assumed, true);
		assert.equal(dv.assumed_accuracy_m, 25);
		assert.equal(dv.state.battery, null);
	});

	test('charge=1 is charging; charge=false is not', async () => {
		const uid = await device();
		const a = recentMs();
		assert.equal((await osmGet({ id: uid, lat: LAT, lon: LON, timestamp: String(a / 1000), charge: '1', batt: '50' })).status, 200);
		assert.equal((await deviceAfter(uid, a)).state.charging, true);
		const b = a + 5000;
		assert.equal((await osmGet({ id: uid, lat: LAT, lon: LON, timestamp: String(b / 1000), charge: 'false', batt: '49' })).status, 200);
		const dv = await deviceAfter(uid, b);
		assert.equal(dv.state.charging, false);
		assert.equal(dv.state.battery, 49);
	});

	test('parameters the protocol does not use (valid, driverUniqueId) are ignored', async () => {
		const uid = await device();
		const res = await osmGet({ id: uid, lat: LAT, lon: LON, timestamp: String(recentMs() / 1000), valid: 'true', driverUniqueId: 'x' });
		assert.equal(res.status, 200, res.text);
	});
});

describe('POST with a form body', () => {
	test('the same fields as a form: stored', async () => {
		const uid = await device();
		const at = recentMs();
		const res = await osmForm({
			id: uid, lat: '51.5', lon: '-0.12', timestamp: new Date(at).toISOString(), speed: '2', accuracy: '8', batt: '64.5',
		});
		assert.equal(res.status, 200, res.text);
		const [f] = storedFixes(uid);
		assert.equal(f.at, at);
		approx(f.lat, 51.5, 1e-9, 'lat');
		approx(f.speed, 2 * 0.514444, 0.001, 'speed in m/s');
		approx(f.accuracy, 8, 1e-9, 'accuracy');
		approx(f.battery, 64.5, 1e-9, 'battery');
		assert.equal((await deviceAfter(uid, at)).state.battery, 64.5);
	});

	test('query and form parameters together make one fix', async () => {
		const uid = await device();
		const at = recentMs();
		const res = await answer(await fetch(`${OSM}/?id=${uid}&timestamp=${at / 1000}`, {
			method: 'POST', body: new URLSearchParams({ lat: '51.52', lon: '-0.1' }),
		}));
		assert.equal(res.status, 200, res.text);
		const [f] = storedFixes(uid);
		assert.equal(f.at, at);
		approx(f.lat, 51.52, 1e-9, 'lat from the form');
	});
});

describe("POST with the newer app's JSON body", () => {
	test('coords, battery level 0..1 as a percentage, charging, speed in m/s: stored', async () => {
		const uid = await device();
		const at = recentMs();
		const res = await osmJson({
			device_id: uid,
			location: {
				timestamp: new Date(at).toISOString(),
				coords: { latitude: 51.509, longitude: -0.118, accuracy: 6.5, speed: 3.5, heading: 90, altitude: 21 },
				battery: { level: 0.42, is_charging: true },
				is_moving: true,
			},
		});
		assert.equal(res.status, 200, res.text);
		const [f] = storedFixes(uid);
		assert.equal(f.at, at);
		approx(f.lat, 51.509, 1e-9, 'lat');
		approx(f.lon, -0.118, 1e-9, 'lon');
		approx(f.accuracy, 6.5, 1e-9, 'accuracy');
		approx(f.speed, 3.5, 1e-9, 'speed');
		approx(f.heading, 90, 1e-9, 'heading');
		approx(f.altitude, 21, 1e-9, 'altitude');
		approx(f.battery, 42, 1e-6, 'battery percent');
		const dv = await deviceAfter(uid, at);
		assert.equal(dv.state.charging, true);
		approx(dv.state.battery, 42, 1e-6, 'state battery');
		assert.deepEqual(dv.state.last_position, { lat: 51.509, lon: -0.118, accuracy_m: 6.5, accuracy_assumed: false });
	});

	test('a timestamp in milliseconds as a number; -1 for speed, heading and battery means unknown', async () => {
		const uid = await device();
		const at = recentMs() + 42;
		const res = await osmJson({
			device_id: uid,
			location: { timestamp: at, coords: { latitude: LAT, longitude: LON, speed: -1, heading: -1 }, battery: { level: -1 } },
		});
		assert.equal(res.status, 200, res.text);
		const [f] = storedFixes(uid);
		assert.equal(f.at, at);
		assert.equal(f.speed, null);
		assert.equal(f.heading, null);
		assert.equal(f.battery, null);
	});

	test('malformed JSON, no device_id, no location, no coordinates or no timestamp: 400 naming it, nothing stored', async () => {
		const before = totalFixes();
		const uid = await device();
		const loc = { timestamp: new Date(recentMs()).toISOString(), coords: { latitude: LAT, longitude: LON } };
		const cases = [
			['{"device_id":', /JSON/],
			[{ location: loc }, /device_id/],
			[{ device_id: uid }, /location/],
			[{ device_id: uid, location: { timestamp: loc.timestamp, coords: { latitude: LAT } } }, /latitude and longitude/],
			[{ device_id: uid, location: { coords: loc.coords } }, /timestamp/],
			[{ device_id: uid, location: { ...loc, timestamp: 'yesterday' } }, /timestamp/],
			[{ device_id: uid, location: { ...loc, coords: { ...loc.coords, accuracy: 'good' } } }, /numbers/],
		];
		for (const [body, why] of cases) {
			const res = await osmJson(body);
			assert.equal(res.status, 400, `${JSON.stringify(body)}: ${res.status} ${res.text}`);
			assert.match(res.text, why);
		}
		assert.equal(totalFixes(), before);
	});
});

describe('refused requests', () => {
	test('no id is 400 saying id is required', async () => {
		const res = await osmGet({ lat: LAT, lon: LON });
		assert.equal(res.status, 400);
		assert.match(res.text, /id/);
	});

	test('no position and no alarm is 400 saying lat and lon are required', async () => {
		const uid = await device();
		const res = await osmGet({ id: uid, timestamp: String(recentMs() / 1000) });
		assert.equal(res.status, 400);
		assert.match(res.text, /lat and lon/);
		assert.equal(storedFixes(uid).length, 0);
	});

	test('a field that is not a number, a bad location or timestamp is 400 naming the field', async () => {
		const uid = await device();
		const ts = String(recentMs() / 1000);
		for (const [q, why] of [
			[{ lat: 'north', lon: LON, timestamp: ts }, /lat/],
			[{ lat: LAT, lon: '', timestamp: ts }, /lon/],
			[{ location: '51.5', timestamp: ts }, /location/],
			[{ location: 'a,b', timestamp: ts }, /location/],
			[{ lat: LAT, lon: LON, timestamp: 'yesterday' }, /timestamp/],
			[{ lat: LAT, lon: LON, timestamp: ts, speed: 'fast' }, /speed/],
			[{ lat: LAT, lon: LON, timestamp: ts, accuracy: '5m' }, /accuracy/],
			[{ lat: LAT, lon: LON, timestamp: ts, batt: 'full' }, /batt/],
		]) {
			const res = await osmGet({ id: uid, ...q });
			assert.equal(res.status, 400, `${JSON.stringify(q)}: ${res.status} ${res.text}`);
			assert.match(res.text, why);
		}
		assert.equal(storedFixes(uid).length, 0);
	});

	test('a method other than GET or POST is 405', async () => {
		const res = await answer(await fetch(`${OSM}/?id=x&lat=1&lon=1`, { method: 'PUT', body: 'x' }));
		assert.equal(res.status, 405);
	});
});

describe('an unregistered device', () => {
	test('is 404 naming it, and nothing is stored for it or any other device', async () => {
		const before = totalFixes();
		const ghost = unique('ghost');
		let res = await osmGet({ id: ghost, lat: LAT, lon: LON, timestamp: String(recentMs() / 1000) });
		assert.equal(res.status, 404);
		assert.match(res.text, new RegExp(ghost));
		res = await osmJson({ device_id: ghost, location: { timestamp: recentMs(), coords: { latitude: LAT, longitude: LON } } });
		assert.equal(res.status, 404);
		res = await osmForm({ id: ghost, alarm: 'sos' });
		assert.equal(res.status, 404);
		assert.equal(totalFixes(), before);
		// registered afterwards, it has no history
		const reg = await c.operator.post('/api/v1/devices', { uid: ghost, kind: 'offender_tag', protocol: 'osmand' });
		assert.equal(reg.status, 201);
		assert.equal(storedFixes(ghost).length, 0);
		assert.equal(reg.body.rejected_fixes, 0);
	});
});

describe('impossible fixes', () => {
	const rejectedOf = async (uid) => (await c.operator.get(`/api/v1/devices/${uid}`)).body.rejected_fixes;

	test('out of range, in the future, before 2000, at 0,0 or with absurd values: 400 naming the problem, counted, not stored', async () => {
		const uid = await device();
		const ts = String(recentMs() / 1000);
		const cases = [
			[{ lat: '91', lon: LON, timestamp: ts }, /out of range/],
			[{ lat: LAT, lon: '-181', timestamp: ts }, /out of range/],
			[{ location: '-90.5,10', timestamp: ts }, /out of range/],
			[{ lat: LAT, lon: LON, timestamp: String(Math.floor(Date.now() / 1000) + 2 * 86400) }, /future/],
			[{ lat: LAT, lon: LON, timestamp: '946684799' }, /2000/],
			[{ lat: '0', lon: '0', timestamp: ts }, /0,0/],
			[{ lat: LAT, lon: LON, timestamp: ts, accuracy: '-5' }, /accuracy/],
			[{ lat: LAT, lon: LON, timestamp: ts, batt: '150' }, /battery/],
			[{ lat: LAT, lon: LON, timestamp: ts, speed: '1000' }, /speed/],
		];
		let n = 0;
		for (const [q, why] of cases) {
			const res = await osmGet({ id: uid, ...q });
			assert.equal(res.status, 400, `${JSON.stringify(q)}: ${res.status} ${res.text}`);
			assert.match(res.text, why);
			n += 1;
			assert.equal(await rejectedOf(uid), n, `counted after ${JSON.stringify(q)}`);
		}
		assert.equal(storedFixes(uid).length, 0);
		const dv = (await c.operator.get(`/api/v1/devices/${uid}`)).body;
		assert.equal(dv.state.last_fix_at, null, 'the device state did not move');
	});

	test('a fix more than a day ahead in the JSON body is 400 and counted', async () => {
		const uid = await device();
		const res = await osmJson({ device_id: uid, location: { timestamp: Date.now() + 2 * 86400e3, coords: { latitude: LAT, longitude: LON } } });
		assert.equal(res.status, 400);
		assert.match(res.text, /future/);
		assert.equal(await rejectedOf(uid), 1);
	});

	test('a fix 4 minutes ahead (a clock fault) is still stored, flagged', async () => {
		const uid = await device();
		const res = await osmGet({ id: uid, lat: LAT, lon: LON, timestamp: String(Math.floor(Date.now() / 1000) + 240) });
		assert.equal(res.status, 200, res.text);
		assert.equal(storedFixes(uid).length, 1);
	});

	test('a latitude or longitude of NaN or Infinity is 400 naming it, and not stored', async () => {
		const uid = await device();
		const ts = String(recentMs() / 1000);
		for (const [q, name] of [[{ lat: 'NaN', lon: LON }, 'lat'], [{ lat: LAT, lon: 'Infinity' }, 'lon']]) {
			const res = await osmGet({ id: uid, timestamp: ts, ...q });
			assert.equal(res.status, 400, `${JSON.stringify(q)}: ${res.text}`);
			assert.match(res.text, new RegExp(`^${name} must be a decimal number`));
		}
		assert.equal(storedFixes(uid).length, 0);
		// not a number at all: refused with the malformed input, before the
		// device is looked up, so not counted against it (as 'north' never was)
		assert.equal(await rejectedOf(uid), 0);
	});
});

describe('duplicates', () => {
	test('the same fix sent twice is 200 both times and stored once', async () => {
		const uid = await device();
		const q = { id: uid, lat: LAT, lon: LON, timestamp: String(recentMs() / 1000) };
		assert.equal((await osmGet(q)).status, 200);
		assert.equal((await osmGet(q)).status, 200);
		assert.equal((await osmForm(q)).status, 200);
		assert.equal(storedFixes(uid).length, 1);
	});

	test('a repeated SOS fix raises one alert: once resolved, the repeat does not raise it again', async () => {
		const uid = await device();
		const ref = await caseWith([uid, 'suspect']);
		const at = Date.now();
		const q = { id: uid, lat: LAT, lon: LON, timestamp: String(at), alarm: 'sos' };
		assert.equal((await osmGet(q)).status, 200);
		const a = await waitAlert(ref, 'sos');
		const res = await c.operator.post(`/api/v1/alerts/${a.id}/resolve`, { outcome: 'technical', note: 'test button' });
		assert.equal(res.status, 200, res.text);
		assert.equal((await osmGet(q)).status, 200, 'the repeat is acknowledged');
		// a later fix from the device, applied after the repeat would have been
		const later = at + 1000;
		assert.equal((await osmGet({ id: uid, lat: LAT, lon: LON, timestamp: String(later) })).status, 200);
		await deviceAfter(uid, later);
		await sleep(200);
		const sos = await alertsOf(ref, 'sos');
		assert.equal(sos.length, 1, `one sos alert: ${JSON.stringify(sos.map((x) => x.state))}`);
		assert.equal(sos[0].state, 'resolved');
	});
});

describe('alarms and battery', () => {
	test("alarm=sos from an offender's tag is a critical sos alert at his position, with the fix in its trail", async () => {
		const uid = await device();
		const ref = await caseWith([uid, 'suspect']);
		const at = Date.now();
		assert.equal((await osmGet({ id: uid, lat: '51.5111', lon: '-0.1222', accuracy: '9', timestamp: String(at), alarm: 'sos' })).status, 200);
		const a = await waitAlert(ref, 'sos');
		assert.equal(a.severity, 'critical');
		assert.equal(a.state, 'open');
		assert.equal(a.case, ref);
		assert.deepEqual(a.device, { uid, kind: 'offender_tag' });
		assert.equal(a.fix_at, new Date(at).toISOString());
		const full = await c.operator.get(`/api/v1/alerts/${a.id}`);
		assert.equal(full.status, 200, full.text);
		assert.deepEqual(full.body.trail, [{ at: new Date(at).toISOString(), lat: 51.5111, lon: -0.1222, accuracy_m: 9 }]);
		assert.deepEqual(a.position, { lat: 51.5111, lon: -0.1222 });
	});

	test("alarm=sos from a victim's alarm is a critical panic alert", async () => {
		const uid = await device('victim_alarm');
		const ref = await caseWith([uid, 'victim']);
		assert.equal((await osmForm({ id: uid, lat: LAT, lon: LON, timestamp: String(Date.now()), alarm: 'sos' })).status, 200);
		const a = await waitAlert(ref, 'panic');
		assert.equal(a.severity, 'critical');
		assert.deepEqual(a.device, { uid, kind: 'victim_alarm' });
		assert.deepEqual(a.position, { lat: LAT, lon: LON }, 'the operator sees where she pressed it');
	});

	test('a panic with half a position (lat=inf, no lon) is a panic with no position, not a refusal', async () => {
		const uid = await device('victim_alarm');
		const ref = await caseWith([uid, 'victim']);
		const res = await osmGet({ id: uid, lat: 'inf', timestamp: String(Date.now()), alarm: 'sos' });
		assert.equal(res.status, 200, res.text);
		const a = await waitAlert(ref, 'panic');
		assert.equal(a.severity, 'critical');
		assert.equal(a.position, undefined, 'no position to show');
	});

	// [title, the alarm sent, the alert's kind, its severity (unchecked when undefined)]
	for (const [title, alarm, kind, severity] of [
		['alarm=tamper is a critical tamper alert', 'tamper', 'tamper', 'critical'],
		['alarm=powerOff is a powered_off alert', 'powerOff', 'powered_off', undefined],
		['alarm=lowBattery is a medium low_battery alert', 'lowBattery', 'low_battery', 'medium'],
	]) {
		test(title, async () => {
			const uid = await device();
			const ref = await caseWith([uid, 'suspect']);
			assert.equal((await osmGet({ id: uid, lat: LAT, lon: LON, timestamp: String(Date.now()), alarm })).status, 200);
			const a = await waitAlert(ref, kind);
			if (severity) assert.equal(a.severity, severity);
		});
	}

	test('an alarm without a position is accepted (200), raises its alert, and stores no position', async () => {
		const uid = await device();
		const ref = await caseWith([uid, 'suspect']);
		const res = await osmGet({ id: uid, alarm: 'tamper', timestamp: String(Date.now()) });
		assert.equal(res.status, 200, res.text);
		const a = await waitAlert(ref, 'tamper');
		assert.equal(a.position, undefined);
		assert.equal(storedFixes(uid).length, 0);
	});

	test("the JSON body's alarm raises its alert", async () => {
		const uid = await device();
		const ref = await caseWith([uid, 'suspect']);
		const res = await osmJson({ device_id: uid, alarm: 'sos', location: { timestamp: Date.now(), coords: { latitude: LAT, longitude: LON } } });
		assert.equal(res.status, 200, res.text);
		await waitAlert(ref, 'sos');
	});

	test('batt at or under 15 % and not charging is one low_battery alert with the level; charging at 10 % is none', async () => {
		const low = await device();
		const refLow = await caseWith([low, 'suspect']);
		const t = Date.now();
		for (const [i, batt] of [[0, '14'], [1, '12'], [2, '10']].map(([i, b]) => [i, b]))
			assert.equal((await osmGet({ id: low, lat: LAT, lon: LON, timestamp: String(t + i * 1000), batt })).status, 200);
		const a = await waitAlert(refLow, 'low_battery');
		assert.equal(a.severity, 'medium');
		assert.deepEqual(a.detail, { battery: 14 });
		await deviceAfter(low, t + 2000);
		assert.equal((await alertsOf(refLow, 'low_battery')).length, 1);

		const charging = await device();
		const refCharging = await caseWith([charging, 'suspect']);
		const at = Date.now();
		assert.equal((await osmGet({ id: charging, lat: LAT, lon: LON, timestamp: String(at), batt: '10', charge: 'true' })).status, 200);
		await deviceAfter(charging, at);
		await sleep(200);
		assert.equal((await alertsOf(refCharging, 'low_battery')).length, 0);
	});
});
