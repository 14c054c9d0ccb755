// POST /api/v1/fixes, the JSON batch for integrations: one result per fix
// (stored, duplicate, unknown_device, rejected with the reason), impossible
// fixes counted against their device, a duplicate (same device, same time)
// stored once and firing nothing twice, an out-of-order (older) fix stored but
// firing nothing; who may post.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { expectError, ROLES, sqlite, stopServer } from './lib/server.mjs';
import { unique } from './lib/casekit.mjs';
import { circle, dest, iso, kinds, nextAt, startMonitoring, waitFor } from './lib/monitorkit.mjs';

let srv;
let c;
let k;

before(async () => {
	({ srv, c, k } = await startMonitoring(undefined, ROLES));
});
after(() => stopServer(srv));

const HOME = [51.5074, -0.1278];
const storedAts = (uid) => sqlite(srv.db, `SELECT at FROM fixes WHERE device_id = (SELECT id FROM devices WHERE uid = '${uid}') ORDER BY at`)
	.split('\n').filter(Boolean).map(Number);
const results = (rs) => rs.map((r) => r.result);
const fixCount = () => Number(sqlite(srv.db, 'SELECT COUNT(*) FROM fixes').trim());

describe('the batch', () => {
	test('one result per fix, in order: stored, duplicate, unknown_device, rejected with its reason', async () => {
		const uid = await k.device();
		const t = nextAt();
		const ghost = unique('ghost');
		const results = await k.post([
			{ device: uid, at: iso(t), lat: 51.5, lon: -0.12, accuracy_m: 5, speed_mps: 1.2, heading: 10, altitude: 30, battery: 80 },
			{ device: uid, at: iso(t), lat: 51.6, lon: -0.13 },
			{ device: ghost, at: iso(t), lat: 51.5, lon: -0.12 },
			{ device: uid, at: iso(t + 1), lat: 95, lon: -0.12 },
		]);
		assert.equal(results.length, 4);
		assert.equal(results[0].result, 'stored');
		assert.equal(results[1].result, 'duplicate');
		assert.equal(results[2].result, 'unknown_device');
		assert.match(results[2].reason, new RegExp(ghost));
		assert.equal(results[3].result, 'rejected');
		assert.match(results[3].reason, /out of range/);
		assert.deepEqual(storedAts(uid), [t], 'the duplicate stored once, the first one kept');
		const row = sqlite(srv.db, `SELECT lat, speed_mps, heading, altitude, battery FROM fixes WHERE at = ${t} AND device_id = (SELECT id FROM devices WHERE uid = '${uid}')`).trim();
		assert.deepEqual(row.split('|').map(Number), [51.5, 1.2, 10, 30, 80]);
	});

	test('a batch of 100 across two devices, with duplicates inside it (across its 64-row inserts) and of fixes stored before: each answered and stored once', async () => {
		const [a, b] = [await k.device(), await k.device()];
		const t0 = nextAt();
		for (let i = 0; i < 200; i++) nextAt(); // keep t0 .. t0 + 199 to this test
		const earlier = [t0 + 5, t0 + 70];
		assert.deepEqual(results(await k.post(earlier.map((t) => ({ device: a, at: iso(t), lat: 51.5, lon: -0.12 })))), ['stored', 'stored']);
		// 100 fixes: a's times t0 .. t0+79 with a repeat of t0+3 at 63/64 (the first insert's edge)
		// and of t0+10 at 90, two already stored (t0+5, t0+70); b's 10 fixes, one repeated
		const batch = [];
		const expect = [];
		const seen = new Set(earlier.map((t) => `a${t}`));
		const add = (dev, t) => {
			batch.push({ device: dev === 'a' ? a : b, at: iso(t), lat: 51.5 + batch.length * 1e-5, lon: -0.12 });
			expect.push(seen.has(`${dev}${t}`) ? 'duplicate' : 'stored');
			seen.add(`${dev}${t}`);
		};
		for (let i = 0; i < 63; i++) add('a', t0 + i);
		add('a', t0 + 3); // the 64th row: a duplicate of one in the same insert
		add('a', t0 + 63); // the first of the next insert
		for (let i = 64; i < 80; i++) add('a', t0 + i);
		for (let i = 0; i < 9; i++) add('b', t0 + i);
		add('a', t0 + 10); // a duplicate of one stored by an earlier insert of this batch
		add('b', t0 + 4);
		while (batch.length < 100) add('b', t0 + 100 + batch.length);
		assert.equal(batch.length, 100);
		const got = await k.post(batch);
		assert.deepEqual(results(got), expect);
		assert.deepEqual(storedAts(a), Array.from({ length: 80 }, (_, i) => t0 + i));
		const bTimes = [...new Set(batch.filter((f) => f.device === b).map((f) => Date.parse(f.at)))].sort((x, y) => x - y);
		assert.deepEqual(storedAts(b), bTimes);
		// the first of each pair is the one kept
		const lat3 = Number(sqlite(srv.db, `SELECT lat FROM fixes WHERE at = ${t0 + 3} AND device_id = (SELECT id FROM devices WHERE uid = '${a}')`).trim());
		assert.ok(Math.abs(lat3 - (51.5 + 3 * 1e-5)) < 1e-9, `kept ${lat3}`);
	});

	test('a batch from 70 devices, 5 of them not registered, in any order: each fix answered for its own device', async () => {
		const uids = [];
		for (let i = 0; i < 65; i++) uids.push(await k.device());
		const ghosts = Array.from({ length: 5 }, () => unique('ghost'));
		// interleaved, and not in uid order: the devices are looked up 64 at a time
		const order = [...uids.slice(30), ghosts[0], ...uids.slice(0, 30).reverse(), ...ghosts.slice(1)];
		const t = nextAt();
		const got = await k.post(order.map((uid, i) => ({ device: uid, at: iso(t + i), lat: 51.5 + i * 1e-4, lon: -0.12 })));
		assert.deepEqual(results(got), order.map((uid) => (ghosts.includes(uid) ? 'unknown_device' : 'stored')));
		got.forEach((r, i) => {
			if (ghosts.includes(order[i])) assert.match(r.reason, new RegExp(order[i]));
		});
		for (const [i, uid] of order.entries())
			if (!ghosts.includes(uid)) assert.deepEqual(storedAts(uid), [t + i], `${uid}: its own fix, and only it`);
	});

	test('the device state shows the last fix: time, position, accuracy, battery', async () => {
		const uid = await k.device();
		const t = nextAt();
		await k.post([{ device: uid, at: iso(t), lat: 51.51, lon: -0.11, accuracy_m: 7, battery: 66 }]);
		await waitFor('the state', async () => (await k.deviceState(uid)).state.last_fix_at === iso(t));
		const dv = await k.deviceState(uid);
		assert.deepEqual(dv.state.last_position, { lat: 51.51, lon: -0.11, accuracy_m: 7, accuracy_assumed: false });
		assert.equal(dv.state.battery, 66);
		assert.equal(dv.state.charging, false);
	});

	test('the charging event sets charging in the state', async () => {
		const uid = await k.device();
		const t = nextAt();
		await k.post([{ device: uid, at: iso(t), lat: 51.51, lon: -0.11, battery: 30, events: ['charging'] }]);
		await waitFor('the state', async () => (await k.deviceState(uid)).state.last_fix_at === iso(t));
		assert.equal((await k.deviceState(uid)).state.charging, true);
	});

	test('impossible fixes are rejected with their reason and counted in rejected_fixes; none is stored', async () => {
		const uid = await k.device();
		const now = Date.now();
		const bad = [
			[{ lat: 91, lon: 0.1 }, /out of range/],
			[{ lat: 51.5, lon: 180.5 }, /out of range/],
			[{ lat: 51.5, lon: -0.1, at: iso(now + 25 * 3600e3) }, /more than a day in the future/],
			[{ lat: 51.5, lon: -0.1, at: '1999-12-31T23:59:59Z' }, /2000/],
			[{ lat: 0, lon: 0 }, /0,0/],
			[{ lat: 51.5, lon: -0.1, accuracy_m: -1 }, /accuracy/],
			[{ lat: 51.5, lon: -0.1, speed_mps: 400 }, /speed/],
			[{ lat: 51.5, lon: -0.1, battery: 101 }, /battery/],
			[{ lat: 51.5, lon: -0.1, heading: 361 }, /heading/],
		];
		const results = await k.post(bad.map(([f], i) => ({ device: uid, at: iso(now - 1000 * (i + 1)), ...f })));
		results.forEach((r, i) => {
			assert.equal(r.result, 'rejected', `fix ${i}: ${JSON.stringify(r)}`);
			assert.match(r.reason, bad[i][1]);
		});
		assert.equal((await k.deviceState(uid)).rejected_fixes, bad.length);
		assert.deepEqual(storedAts(uid), []);
		// counted again on the next refusal, and still listed
		await k.post([{ device: uid, at: iso(nextAt()), lat: -91, lon: 0 }]);
		const list = await c.operator.get('/api/v1/devices');
		assert.equal(list.body.devices.find((d) => d.uid === uid).rejected_fixes, bad.length + 1);
	});

	test('a fix 4 minutes ahead of the clock is stored, flagged, but moves nothing: a clock fault on the desk', async () => {
		const m = await k.monitored({ zones: [circle(HOME, 200, { warning_m: 0 })] });
		const far = dest(HOME, 3000, 90);
		await k.trail(m.tag, [far]);
		const [r] = await k.post([{ device: m.tag, at: iso(Date.now() + 4 * 60e3), lat: HOME[0], lon: HOME[1], accuracy_m: 5 }]);
		assert.equal(r.result, 'stored');
		const fault = await k.waitAlert(m.ref, 'clock_fault');
		assert.equal(fault.severity, 'medium');
		assert.ok(fault.detail.ahead_s >= 230 && fault.detail.ahead_s <= 240, JSON.stringify(fault.detail));
		// it did not move him into the zone, and did not move his clock on: the next
		// real fix inside (earlier than the bad stamp) is an entry at once
		assert.deepEqual(kinds(await k.alerts(m.ref, 'zone_entry')), []);
		const st = (await k.deviceState(m.tag)).state;
		assert.ok(Math.abs(st.last_position.lat - far[0]) < 1e-9, 'the position is still his last good one');
		await k.trail(m.tag, [HOME]);
		await k.waitAlert(m.ref, 'zone_entry');
		assert.equal(sqlite(srv.db, `SELECT COUNT(*) FROM fixes WHERE clock_ahead = 1 AND device_id = (SELECT id FROM devices WHERE uid = '${m.tag}')`).trim(), '1');
	});

	test('an unknown device is never stored, under any device', async () => {
		const before = fixCount();
		const [r] = await k.post([{ device: unique('nobody'), at: iso(nextAt()), lat: 51.5, lon: -0.1 }]);
		assert.equal(r.result, 'unknown_device');
		assert.equal(fixCount(), before);
	});

	test('a body that is not a list of 1 to 1000 fixes is 400 on fixes', async () => {
		for (const body of [{}, { fixes: [] }, { fixes: 'x' }, { fixes: Array.from({ length: 1001 }, () => ({})) }])
			expectError(await c.operator.post('/api/v1/fixes', body), 400, 'bad_request', 'fixes');
		expectError(await c.operator.post('/api/v1/fixes', undefined), 400, 'bad_request');
	});

	test('a fix without a device or a time, or with neither position nor event, is 400 naming it; nothing of the batch is stored', async () => {
		const uid = await k.device();
		const good = { device: uid, at: iso(nextAt()), lat: 51.5, lon: -0.1 };
		for (const [i, bad] of [
			[1, { at: iso(nextAt()), lat: 51.5, lon: -0.1 }],
			[1, { device: uid, lat: 51.5, lon: -0.1 }],
			[1, { device: uid, at: 'last tuesday', lat: 51.5, lon: -0.1 }],
			[1, { device: uid, at: iso(nextAt()) }],
			[1, { device: uid, at: iso(nextAt()), lat: 51.5 }],
		]) {
			expectError(await c.operator.post('/api/v1/fixes', { fixes: [good, bad] }), 400, 'bad_request', `fixes[${i}]`);
		}
		assert.deepEqual(storedAts(uid), []);
	});

	test('operator and supervisor may post fixes; officer, clinician, advocate, analyst and admin may not (403)', async () => {
		const uid = await k.device();
		for (const role of ['operator', 'supervisor']) {
			const res = await c[role].post('/api/v1/fixes', { fixes: [{ device: uid, at: iso(nextAt()), lat: 51.5, lon: -0.1 }] });
			assert.equal(res.status, 200, `${role}: ${res.text}`);
		}
		for (const role of ['officer', 'clinician', 'advocate', 'analyst', 'admin']) {
			const res = await c[role].post('/api/v1/fixes', { fixes: [{ device: uid, at: iso(nextAt()), lat: 51.5, lon: -0.1 }] });
			expectError(res, 403, 'forbidden');
		}
		assert.equal(storedAts(uid).length, 2);
	});
});

describe('duplicates and out-of-order fixes', () => {
	test('a duplicate SOS fires once: after the alert is resolved, the same fix again is a duplicate and raises nothing', async () => {
		const m = await k.monitored();
		const fix = { device: m.tag, at: iso(nextAt()), lat: HOME[0], lon: HOME[1], events: ['sos'] };
		assert.deepEqual(results(await k.post([fix])), ['stored']);
		const a = await k.waitAlert(m.ref, 'sos');
		await k.resolve(a.id, 'false_alarm');
		assert.deepEqual(results(await k.post([fix, fix])), ['duplicate', 'duplicate']);
		await k.settle();
		const sos = await k.alerts(m.ref, 'sos');
		assert.equal(sos.length, 1);
		assert.equal(sos[0].state, 'resolved');
	});

	test('the same entry fix twice in one batch: stored once, one entry', async () => {
		const m = await k.monitored({ zones: [circle(HOME, 200, { warning_m: 0 })] });
		const fix = { device: m.tag, at: iso(nextAt()), lat: HOME[0], lon: HOME[1], accuracy_m: 5 };
		assert.deepEqual(results(await k.post([fix, fix])), ['stored', 'duplicate']);
		assert.deepEqual(await k.settledKinds(m.ref), ['zone_entry']);
	});

	test('an older fix inside the zone, arriving after a newer one outside, is an entry at its own time; the state keeps the newest', async () => {
		const m = await k.monitored({ zones: [circle(HOME, 200)] });
		const older = nextAt();
		const newer = nextAt();
		const far = dest(HOME, 3000, 45);
		await k.post([{ device: m.tag, at: iso(newer), lat: far[0], lon: far[1], accuracy_m: 10 }]);
		await k.settle();
		const res = await k.post([{ device: m.tag, at: iso(older), lat: HOME[0], lon: HOME[1], accuracy_m: 5 }]);
		assert.deepEqual(results(res), ['stored']);
		await k.settle();
		const [entry] = await k.alerts(m.ref);
		assert.equal(entry.kind, 'zone_entry');
		assert.equal(entry.fix_at, iso(older), 'timed at the fix that showed it');
		assert.equal(entry.decided_at, iso(older));
		assert.equal(entry.decided_by, m.tag);
		assert.equal(entry.late, false, 'seconds ago: still current');
		assert.equal(entry.detail.out_of_order, true);
		assert.deepEqual(storedAts(m.tag), [older, newer], 'both kept in the history');
		const dv = await k.deviceState(m.tag);
		assert.equal(dv.state.last_fix_at, iso(newer), 'the state keeps the newest fix');
		assert.ok(Math.abs(dv.state.last_position.lat - far[0]) < 1e-9);
	});

	test('a late fix between two others raises its entry and does not disturb the zone state: the next entry is the same visit', async () => {
		const m = await k.monitored({ zones: [circle(HOME, 200, { warning_m: 0 })] });
		const t1 = nextAt();
		const t2 = nextAt();
		const t3 = nextAt();
		const far = dest(HOME, 2000, 0);
		await k.post([{ device: m.tag, at: iso(t1), lat: far[0], lon: far[1], accuracy_m: 10 }]);
		await k.post([{ device: m.tag, at: iso(t3), lat: far[0], lon: far[1] + 0.001, accuracy_m: 10 }]);
		await k.post([{ device: m.tag, at: iso(t2), lat: HOME[0], lon: HOME[1], accuracy_m: 5 }]); // late, inside
		assert.deepEqual(await k.settledKinds(m.ref), ['zone_entry']);
		await k.trail(m.tag, [HOME]);
		await k.settle();
		const all = await k.alerts(m.ref);
		assert.deepEqual(kinds(all), ['zone_entry']);
		assert.equal(all[0].repeats, 0, 'the zone state was outside: no visit had ended');
	});

	test('a batch out of time order: the older fix after the newer is judged at its own time', async () => {
		const m = await k.monitored({ zones: [circle(HOME, 200, { warning_m: 0 })] });
		const t1 = nextAt();
		const t2 = nextAt();
		const far = dest(HOME, 2000, 180);
		const res = await k.post([
			{ device: m.tag, at: iso(t2), lat: far[0], lon: far[1], accuracy_m: 10 },
			{ device: m.tag, at: iso(t1), lat: HOME[0], lon: HOME[1], accuracy_m: 5 },
		]);
		assert.deepEqual(results(res), ['stored', 'stored']);
		await k.settle();
		const all = await k.alerts(m.ref);
		assert.deepEqual(kinds(all), ['zone_entry']);
		assert.equal(all[0].fix_at, iso(t1));
	});
});
