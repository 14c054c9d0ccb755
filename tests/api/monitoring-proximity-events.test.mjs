// Proximity to the victim, fired from either device's fix, and the device
// events: the victim's panic button, strap tamper, case open, powered off and
// low battery.  An event's alert is placed where the fix that carried it was.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { expectError, sqlite, stopServer } from './lib/server.mjs';
import { dest, iso, kinds, nextAt, startMonitoring } from './lib/monitorkit.mjs';

let srv;
let c;
let k;

before(async () => {
	({ srv, c, k } = await startMonitoring(undefined, ['operator', 'officer', 'supervisor']));
});
after(() => stopServer(srv));

const HOME = [51.5074, -0.1278];
const near = (a, b) => Math.abs(a.lat - b[0]) < 1e-9 && Math.abs(a.lon - b[1]) < 1e-9;
const proximityZone = (radius_m = 300, extra = {}) => ({ kind: 'proximity', radius_m, ...extra });

describe('proximity', () => {
	test("fired from the offender's fixes: a warning as he nears her, then a critical proximity alert", async () => {
		const m = await k.monitored({ victim: true, zones: [proximityZone(300)] });
		const her = dest(HOME, 1000, 30);
		await k.trail(m.phone, [her]);
		// 300 m radius, 200 m ring: warning under 500 m, confident under about 260 m
		const dists = [3000, 1500, 800, 450, 150];
		const times = await k.trail(m.tag, dists.map((d) => dest(her, d, 200)));
		await k.settle();
		const all = await k.alerts(m.ref);
		assert.deepEqual(kinds(all), ['proximity_warning', 'proximity']);
		const [w, p] = all;
		assert.equal(w.severity, 'high');
		assert.equal(w.fix_at, times[dists.indexOf(450)]);
		assert.equal(p.severity, 'critical');
		assert.equal(p.fix_at, times[dists.indexOf(150)]);
		assert.equal(p.zone_id, m.zones[0].id);
		assert.deepEqual(p.device, { uid: m.tag, kind: 'offender_tag' });
		assert.ok(near(p.position, dest(her, 150, 200)), `his position: ${JSON.stringify(p.position)}`);
		assert.ok(Math.abs(p.detail.distance_m + 150) < 3, `distance beyond the radius: ${p.detail.distance_m}`);
	});

	test("fired from the victim's fix: she walks up to where he is", async () => {
		const m = await k.monitored({ victim: true, zones: [proximityZone(300, { warning_m: 0 })] });
		const him = dest(HOME, 2000, 120);
		const [hisAt] = await k.trail(m.tag, [him]);
		await k.trail(m.phone, [dest(him, 3000, 0)]);
		assert.deepEqual(await k.settledKinds(m.ref), [], 'far apart: nothing');
		const [herAt] = await k.trail(m.phone, [dest(him, 100, 0)]);
		await k.settle();
		const all = await k.alerts(m.ref);
		assert.deepEqual(kinds(all), ['proximity']);
		assert.equal(all[0].severity, 'critical');
		assert.deepEqual(all[0].device, { uid: m.tag, kind: 'offender_tag' });
		assert.ok(near(all[0].position, him), 'the alert is placed where he is');
		// the fix that decided it is hers (issue 14): not his, which is older
		assert.equal(all[0].fix_at, herAt);
		assert.equal(all[0].decided_by, m.phone);
		assert.ok(Date.parse(hisAt) < Date.parse(herAt));
	});

	test('one proximity alert while they stay close, whoever moves', async () => {
		const m = await k.monitored({ victim: true, zones: [proximityZone(300, { warning_m: 0 })] });
		const her = dest(HOME, 500, 300);
		await k.trail(m.phone, [her]);
		await k.trail(m.tag, [dest(her, 100, 0), dest(her, 80, 10)]);
		await k.trail(m.phone, [dest(her, 20, 90), dest(her, 40, 90)]);
		await k.trail(m.tag, [dest(her, 50, 20)]);
		assert.deepEqual(await k.settledKinds(m.ref), ['proximity']);
	});

	test('without a position of the victim there is nothing to be near', async () => {
		const m = await k.monitored({ victim: true, zones: [proximityZone(300)] });
		await k.trail(m.tag, [HOME, dest(HOME, 10, 0)]);
		assert.deepEqual(await k.settledKinds(m.ref), []);
	});

	test("another case's victim is not his to be near", async () => {
		const m = await k.monitored({ zones: [proximityZone(300)] });
		const other = await k.monitored({ victim: true });
		const her = dest(HOME, 700, 0);
		await k.trail(other.phone, [her]);
		await k.trail(m.tag, [dest(her, 20, 0)]);
		assert.deepEqual(await k.settledKinds(m.ref), []);
		assert.deepEqual(kinds(await k.alerts(other.ref)), []);
	});

	test("a stale position of hers widens the uncertainty: the same approach is only a possible entry", async () => {
		const stale = await k.monitored({ victim: true, zones: [proximityZone(300, { warning_m: 0 })] });
		const fresh = await k.monitored({ victim: true, zones: [proximityZone(300, { warning_m: 0 })] });
		const her = dest(HOME, 1500, 90);
		// her last fix 4 minutes old: she may have walked some 360 m since
		const old = Date.now() - 240e3;
		await k.post([{ device: stale.phone, at: iso(old), lat: her[0], lon: her[1], accuracy_m: 10 }]);
		await k.trail(fresh.phone, [her]);
		// he is 150 m from her: 150 m inside the radius
		await k.trail(stale.tag, [dest(her, 150, 0)]);
		await k.trail(fresh.tag, [dest(her, 150, 0)]);
		assert.deepEqual(await k.settledKinds(fresh.ref, 'proximity'), ['proximity']);
		assert.deepEqual(kinds(await k.alerts(stale.ref, 'proximity')), [], 'not certain yet');
		// his next fix, still with its centre inside, confirms it
		await k.trail(stale.tag, [dest(her, 140, 0)]);
		assert.deepEqual(await k.settledKinds(stale.ref, 'proximity'), ['proximity']);
	});

	test('her phone assigned to the case twice (until later, and again from then) is still one phone to the rules', async () => {
		const m = await k.monitored({ zones: [proximityZone(300, { warning_m: 0 })] });
		const later = Date.now() + 3600e3;
		m.phone = await k.device('victim_phone');
		await k.assign(m.ref, m.phone, 'victim', { ends_at: iso(later) });
		await k.assign(m.ref, m.phone, 'victim', { starts_at: iso(later), ends_at: iso(later + 3600e3) });
		const her = dest(HOME, 2500, 45);
		// her last fix 4 minutes old, as above: his first fix inside is only a
		// possible entry, however many times her phone is listed for the case
		await k.post([{ device: m.phone, at: iso(Date.now() - 240e3), lat: her[0], lon: her[1], accuracy_m: 10 }]);
		await k.trail(m.tag, [dest(her, 150, 0)]);
		assert.deepEqual(await k.settledKinds(m.ref, 'proximity'), [], 'not certain yet');
		await k.trail(m.tag, [dest(her, 140, 0)]);
		assert.deepEqual(await k.settledKinds(m.ref, 'proximity'), ['proximity']);
	});

	test('a phone whose assignment to the case has ended is not hers to be near', async () => {
		const m = await k.monitored({ zones: [proximityZone(300, { warning_m: 0 })] });
		const phone = await k.device('victim_phone');
		const a = await k.assign(m.ref, phone, 'victim');
		await k.end(m.ref, a.id, 'she handed the phone back');
		const her = dest(HOME, 3000, 270);
		await k.trail(phone, [her]);
		await k.trail(m.tag, [dest(her, 20, 0), dest(her, 10, 0)]);
		assert.deepEqual(await k.settledKinds(m.ref), []);
	});
});

describe('device events', () => {
	test("the victim's alarm button is a critical panic alert at her position", async () => {
		const ref = await k.newCase();
		const alarm = await k.device('victim_alarm');
		await k.assign(ref, alarm, 'victim');
		const her = dest(HOME, 300, 10);
		await k.post([{ device: alarm, at: iso(nextAt()), lat: her[0], lon: her[1], events: ['sos'] }]);
		const a = await k.waitAlert(ref, 'panic');
		assert.equal(a.severity, 'critical');
		assert.equal(a.state, 'open');
		assert.deepEqual(a.device, { uid: alarm, kind: 'victim_alarm' });
		assert.ok(near(a.position, her), `her position: ${JSON.stringify(a.position)}`);
	});

	test("the panic button on the victim's phone (\"panic\" as well as \"sos\") is a panic alert", async () => {
		const m = await k.monitored({ victim: true });
		await k.post([{ device: m.phone, at: iso(nextAt()), lat: HOME[0], lon: HOME[1], events: ['panic'] }]);
		const a = await k.waitAlert(m.ref, 'panic');
		assert.equal(a.severity, 'critical');
	});

	test("an offender's SOS is an sos alert, not a panic", async () => {
		const m = await k.monitored();
		await k.post([{ device: m.tag, at: iso(nextAt()), lat: HOME[0], lon: HOME[1], events: ['sos'] }]);
		const a = await k.waitAlert(m.ref, 'sos');
		assert.equal(a.severity, 'critical');
		assert.deepEqual(await k.settledKinds(m.ref), ['sos']);
	});

	test('strap tamper is a critical tamper alert', async () => {
		const m = await k.monitored();
		await k.post([{ device: m.tag, at: iso(nextAt()), lat: HOME[0], lon: HOME[1], events: ['tamper'] }]);
		const a = await k.waitAlert(m.ref, 'tamper');
		assert.equal(a.severity, 'critical');
		assert.deepEqual(a.device, { uid: m.tag, kind: 'offender_tag' });
	});

	test('case open and powered off raise their alerts', async () => {
		const m = await k.monitored();
		await k.post([{ device: m.tag, at: iso(nextAt()), lat: HOME[0], lon: HOME[1], events: ['case_open', 'powered_off'] }]);
		await k.waitAlert(m.ref, 'case_open');
		await k.waitAlert(m.ref, 'powered_off');
		await k.settle();
		assert.deepEqual(kinds(await k.alerts(m.ref)).sort(), ['case_open', 'powered_off']);
	});

	test("an event's alert is placed at the fix that carried it, not the fix before", async () => {
		const m = await k.monitored();
		const before = dest(HOME, 2000, 0);
		const then = dest(HOME, 500, 180);
		await k.trail(m.tag, [before]);
		await k.settle();
		await k.post([{ device: m.tag, at: iso(nextAt()), lat: then[0], lon: then[1], events: ['tamper'] }]);
		const a = await k.waitAlert(m.ref, 'tamper');
		assert.ok(near(a.position, then), `expected ${then}, got ${JSON.stringify(a.position)}`);
	});

	test('an event without a position: accepted, an alert without a position, nothing in the history', async () => {
		const m = await k.monitored();
		const [r] = await k.post([{ device: m.tag, at: iso(nextAt()), events: ['tamper'] }]);
		assert.equal(r.result, 'stored');
		const a = await k.waitAlert(m.ref, 'tamper');
		assert.equal(a.position, undefined);
		const n = sqlite(srv.db, `SELECT COUNT(*) FROM fixes WHERE device_id = (SELECT id FROM devices WHERE uid = '${m.tag}')`).trim();
		assert.equal(n, '0');
	});

	test('an event name the server does not know is refused, naming the field, and nothing is stored', async () => {
		const m = await k.monitored();
		const res = await c.operator.post('/api/v1/fixes', { fixes: [{ device: m.tag, at: iso(nextAt()), lat: HOME[0], lon: HOME[1], events: ['cosmic_ray'] }] });
		expectError(res, 400, 'bad_request', 'fixes[0]');
		assert.match(res.body.error.message, /events\[0\]/);
		assert.deepEqual(await k.settledKinds(m.ref), []);
	});

	test('a device watching one case cannot be given to a second: 409 naming the case, and its event raises in its own', async () => {
		const m = await k.monitored();
		const second = await k.newCase();
		const res = await c.officer.post(`/api/v1/cases/${second}/monitoring`, { device: m.tag, role: 'suspect' });
		expectError(res, 409, 'device_in_use', 'device');
		assert.match(res.body.error.message, new RegExp(m.ref));
		await k.post([{ device: m.tag, at: iso(nextAt()), lat: HOME[0], lon: HOME[1], events: ['tamper'] }]);
		await k.waitAlert(m.ref, 'tamper');
		assert.deepEqual(await k.settledKinds(second), []);
	});

	test('an event of a device assigned to no case raises no alert', async () => {
		const loose = await k.device();
		await k.post([{ device: loose, at: iso(nextAt()), lat: HOME[0], lon: HOME[1], events: ['sos', 'tamper'] }]);
		await k.settle();
		const res = await c.operator.get('/api/v1/alerts?limit=500');
		assert.ok(!res.body.alerts.some((a) => a.device?.uid === loose));
	});
});

describe('low battery', () => {
	test('the low_battery event is a medium alert', async () => {
		const m = await k.monitored();
		await k.post([{ device: m.tag, at: iso(nextAt()), lat: HOME[0], lon: HOME[1], events: ['low_battery'] }]);
		const a = await k.waitAlert(m.ref, 'low_battery');
		assert.equal(a.severity, 'medium');
	});

	test('a battery at or under 15 % and falling is one alert, with the level that raised it', async () => {
		const m = await k.monitored();
		await k.trail(m.tag, [HOME], { battery: 40 });
		await k.trail(m.tag, [HOME, HOME, HOME].map((p, i) => dest(p, i + 1, 0)), { battery: 15 });
		await k.trail(m.tag, [dest(HOME, 5, 0)], { battery: 9 });
		await k.settle();
		const lows = await k.alerts(m.ref, 'low_battery');
		assert.equal(lows.length, 1);
		assert.equal(lows[0].severity, 'medium');
		assert.deepEqual(lows[0].detail, { battery: 15 });
		assert.equal((await k.deviceState(m.tag)).state.battery, 9);
	});

	test('a low battery while charging raises nothing', async () => {
		const m = await k.monitored();
		await k.trail(m.tag, [HOME], { battery: 8, events: ['charging'] });
		assert.deepEqual(await k.settledKinds(m.ref), []);
		assert.equal((await k.deviceState(m.tag)).state.charging, true);
	});

	test('recharged and run down again after the first alert was resolved: a new alert', async () => {
		const m = await k.monitored();
		await k.trail(m.tag, [HOME], { battery: 12 });
		const first = await k.waitAlert(m.ref, 'low_battery');
		await k.resolve(first.id, 'technical');
		await k.trail(m.tag, [HOME, HOME].map((p, i) => dest(p, i + 1, 90)), { battery: 90 });
		await k.trail(m.tag, [dest(HOME, 3, 90)], { battery: 11 });
		await k.settle();
		const lows = await k.alerts(m.ref, 'low_battery');
		assert.equal(lows.length, 2);
		assert.deepEqual(lows.map((a) => a.state), ['resolved', 'open']);
	});
});
