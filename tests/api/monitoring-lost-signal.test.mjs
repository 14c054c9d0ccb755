// Lost signal: a device assigned to a case and silent for longer than
// max(--lost-min-seconds, 3 x its expected interval) raises one lost_signal
// alert and shows signal_lost; while an offender stays silent, the distance
// he could have covered since his last fix (at --lost-speed) grows, and when
// it reaches a protected zone the alert escalates with a critical
// lost_signal_near_zone, with no fix needed.  Here a device reporting every
// second is lost after 3 s, and a silent offender is assumed to move 1 km/s.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { sleep, stopServer } from './lib/server.mjs';
import { circle, dest, kinds, startMonitoring, waitFor } from './lib/monitorkit.mjs';

let srv;
let c;
let k;

const HOME = [51.5074, -0.1278];
const LOST_AFTER_MS = 3000;
const lostOf = async (ref) => k.alerts(ref, 'lost_signal');

const obs = {}; // what each scenario saw, as it ran

before(async () => {
	({ srv, c, k } = await startMonitoring({ args: ['--lost-min-seconds', '1', '--lost-speed', '1000'] }));

	// an offender's tag: silent, lost, restored, silent again, resolved, lost anew
	async function tagLifecycle() {
		const o = (obs.tag = {});
		const m = await k.monitored({ tag: { expected_interval_s: 1 } });
		o.ref = m.ref;
		o.uid = m.tag;
		const p = dest(HOME, 800, 10);
		[o.fixAt] = await k.trail(m.tag, [p]);
		o.position = p;
		await sleep(1500);
		o.early = await lostOf(m.ref);
		o.first = await k.waitAlert(m.ref, 'lost_signal', 8000);
		o.lostState = (await k.deviceState(m.tag)).state;
		await sleep(1200);
		o.afterTicks = await lostOf(m.ref);
		// a fix comes in: restored
		await k.trail(m.tag, [p]);
		await waitFor('signal restored', async () => !(await k.deviceState(m.tag)).state.signal_lost);
		o.restoredState = (await k.deviceState(m.tag)).state;
		// silent again while the first alert is unresolved: lost again, no second alert
		await waitFor('lost again', async () => (await k.deviceState(m.tag)).state.signal_lost, 8000);
		await sleep(1200);
		o.whileUnresolved = await lostOf(m.ref);
		// resolved, restored and silent again: a new alert
		await k.resolve(o.first.id, 'technical');
		await k.trail(m.tag, [p]);
		await waitFor('signal restored', async () => !(await k.deviceState(m.tag)).state.signal_lost);
		o.second = await waitFor('a second lost_signal alert', async () => {
			const all = await lostOf(m.ref);
			return all.length === 2 ? all : null;
		}, 8000);
	}

	// a victim's phone
	async function victimPhone() {
		const o = (obs.phone = {});
		const ref = await k.newCase();
		const phone = await k.device('victim_phone', { expected_interval_s: 1 });
		await k.assign(ref, phone, 'victim');
		await k.trail(phone, [HOME]);
		o.alert = await k.waitAlert(ref, 'lost_signal', 8000);
	}

	// a tag that never reported at all since it was registered
	async function neverReported() {
		const o = (obs.never = {});
		const m = await k.monitored({ tag: { expected_interval_s: 1 } });
		o.alert = await k.waitAlert(m.ref, 'lost_signal', 8000);
	}

	// a tag reporting every minute: not lost within these seconds
	async function slowReporter() {
		const o = (obs.slow = {});
		const m = await k.monitored();
		o.ref = m.ref;
		await k.trail(m.tag, [HOME]);
	}

	// a tag assigned to no case: nobody to tell
	async function unassigned() {
		const o = (obs.loose = {});
		o.uid = await k.device('offender_tag', { expected_interval_s: 1 });
		await k.trail(o.uid, [HOME]);
	}

	// silent near two zones: one 5 km from his last fix, one 60 km
	async function nearZone() {
		const o = (obs.near = {});
		const last = HOME;
		const nearCentre = dest(last, 5100, 45);
		const farCentre = dest(last, 60000, 225);
		const m = await k.monitored({
			tag: { expected_interval_s: 1 },
			zones: [circle(nearCentre, 100, { warning_m: 0 }), circle(farCentre, 100, { warning_m: 0 })],
		});
		o.ref = m.ref;
		o.zones = m.zones;
		[o.fixAt] = await k.trail(m.tag, [last]);
		o.escalation = await k.waitAlert(m.ref, 'lost_signal_near_zone', 10000);
		o.lost = (await lostOf(m.ref))[0];
		await sleep(1500);
		o.all = await k.alerts(m.ref);
	}

	await Promise.all([tagLifecycle(), victimPhone(), neverReported(), slowReporter(), unassigned(), nearZone()]);
});
after(() => stopServer(srv));

describe('an offender tag that falls silent', () => {
	test('is not lost before 3 x its interval', () => {
		assert.deepEqual(obs.tag.early, []);
	});

	test('then raises a high lost_signal alert at his last fix, with how long he has been silent', () => {
		const a = obs.tag.first;
		assert.equal(a.severity, 'high');
		assert.equal(a.state, 'open');
		assert.deepEqual(a.device, { uid: obs.tag.uid, kind: 'offender_tag' });
		assert.equal(a.fix_at, obs.tag.fixAt);
		assert.ok(Math.abs(a.position.lat - obs.tag.position[0]) < 1e-9);
		assert.ok(Date.parse(a.opened_at) - Date.parse(obs.tag.fixAt) >= LOST_AFTER_MS - 50, `opened ${a.opened_at} after the fix at ${obs.tag.fixAt}`);
		assert.ok(a.detail.silent_s >= 3, JSON.stringify(a.detail));
	});

	test('and his device shows signal_lost', () => {
		assert.equal(obs.tag.lostState.signal_lost, true);
		assert.equal(obs.tag.lostState.last_fix_at, obs.tag.fixAt);
	});

	test('one alert, not one per tick', () => {
		assert.equal(obs.tag.afterTicks.length, 1);
	});

	test('a new fix restores the signal', () => {
		assert.equal(obs.tag.restoredState.signal_lost, false);
	});

	test('silent again while the first alert is unresolved: no second alert', () => {
		assert.equal(obs.tag.whileUnresolved.length, 1);
		assert.equal(obs.tag.whileUnresolved[0].id, obs.tag.first.id);
	});

	test('silent again after the first alert was resolved: a new alert', () => {
		assert.deepEqual(obs.tag.second.map((a) => a.state), ['resolved', 'open']);
	});
});

describe('other devices', () => {
	test("a victim's phone that falls silent raises a medium lost_signal alert", () => {
		assert.equal(obs.phone.alert.severity, 'medium');
		assert.equal(obs.phone.alert.device.kind, 'victim_phone');
	});

	test('an assigned tag that never reported is lost too, with no position', () => {
		assert.equal(obs.never.alert.kind, 'lost_signal');
		assert.equal(obs.never.alert.position, undefined);
		assert.equal(obs.never.alert.fix_at, null);
	});

	test('a tag reporting every minute is not lost after a few seconds', async () => {
		assert.deepEqual(await lostOf(obs.slow.ref), []);
	});

	test('a tag assigned to no case raises nothing, and its state is not lost', async () => {
		const all = (await c.operator.get('/api/v1/alerts?limit=500')).body.alerts;
		assert.ok(!all.some((a) => a.device?.uid === obs.loose.uid));
		assert.equal((await k.deviceState(obs.loose.uid)).state.signal_lost, false);
	});
});

describe('a silent offender near a protected zone', () => {
	test('first the lost_signal alert, then a critical lost_signal_near_zone for the zone within reach', () => {
		const { lost, escalation } = obs.near;
		assert.ok(lost, 'a lost_signal alert');
		assert.ok(escalation.id > lost.id, 'the escalation came after');
		assert.equal(escalation.severity, 'critical');
		assert.equal(escalation.zone_id, obs.near.zones[0].id);
		assert.equal(escalation.fix_at, obs.near.fixAt);
	});

	test('the escalation comes when the reach (1 km/s since his last fix) meets the zone, with no fix', () => {
		const { escalation, fixAt } = obs.near;
		// 5100 m to the centre, 100 m radius: about 5 s after his last fix
		const after = Date.parse(escalation.opened_at) - Date.parse(fixAt);
		assert.ok(after >= 4800, `escalated ${after} ms after his last fix`);
		assert.ok(escalation.detail.reach_m >= escalation.detail.distance_m - 20, JSON.stringify(escalation.detail));
		assert.ok(Math.abs(escalation.detail.distance_m - 5000) < 40, JSON.stringify(escalation.detail));
	});

	test('once per zone, and not for the zone 60 km away', () => {
		const kindsSeen = kinds(obs.near.all);
		assert.deepEqual(kindsSeen, ['lost_signal', 'lost_signal_near_zone']);
	});
});
