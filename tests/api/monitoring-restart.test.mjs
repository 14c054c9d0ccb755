// A restart in the middle of a lost-signal period: the engine rebuilds its
// state from the database, so the open lost_signal alert (and its escalation
// near a zone) survives and is not raised a second time, the device still
// shows signal_lost, and a device that was silent but not yet lost when the
// server stopped is found lost afterwards.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { Client, sleep, spawnServer, sqlite, stopSpawned } from './lib/server.mjs';
import { circle, dest, kinds, startMonitoring, waitFor } from './lib/monitorkit.mjs';

const ARGS = ['--lost-min-seconds', '1', '--lost-speed', '1000'];
let srv; // the first server (its directory and database)
let second = null; // the server started after the restart
let c;
let k;

const HOME = [51.5074, -0.1278];
const openedEvents = (alertId) =>
	Number(sqlite(srv.db, `SELECT COUNT(*) FROM alert_events WHERE alert_id = ${alertId} AND kind = 'opened'`).trim());

const s = {}; // the scenarios
const seen = {}; // what was seen after the restart

before(async () => {
	({ srv, c, k } = await startMonitoring({ args: ARGS }));

	// lost, escalated near a zone 4 km away, both alerts open
	s.open = await k.monitored({ tag: { expected_interval_s: 1 }, zones: [circle(dest(HOME, 4000, 90), 100, { warning_m: 0 })] });
	// lost and escalated too, but both alerts resolved while he is still silent
	s.resolved = await k.monitored({ tag: { expected_interval_s: 1 }, zones: [circle(dest(HOME, 4000, 270), 100, { warning_m: 0 })] });
	await k.trail(s.open.tag, [HOME]);
	await k.trail(s.resolved.tag, [HOME]);
	for (const x of [s.open, s.resolved]) {
		x.lost = await k.waitAlert(x.ref, 'lost_signal', 8000);
		x.near = await k.waitAlert(x.ref, 'lost_signal_near_zone', 8000);
	}
	for (const a of [s.resolved.lost, s.resolved.near]) await k.resolve(a.id, 'technical');
	// silent, not yet lost when the server stops
	s.silent = await k.monitored({ tag: { expected_interval_s: 1 } });
	[s.silent.fixAt] = await k.trail(s.silent.tag, [HOME]);
	await k.settle();
	s.silentBefore = await k.alerts(s.silent.ref);

	// a panic stored and acknowledged, but its engine stopped before applying it (as when a
	// node dies with it queued): written behind the running engine's back, as the ingest
	// transaction writes it
	s.panic = await k.newCase();
	s.panic = { ref: s.panic, alarm: await k.device('victim_alarm') };
	await k.assign(s.panic.ref, s.panic.alarm, 'victim');
	const t = Date.now() - 5000;
	sqlite(srv.db, `INSERT INTO device_reports (device_id, at, flags, lat, lon, received_at)
		SELECT id, ${t}, 1, NULL, NULL, ${t} FROM devices WHERE uid = '${s.panic.alarm}'`);
	// a panic applied as usual, and resolved: not raised again by the restart
	s.applied = await k.newCase();
	s.applied = { ref: s.applied, alarm: await k.device('victim_alarm') };
	await k.assign(s.applied.ref, s.applied.alarm, 'victim');
	await k.post([{ device: s.applied.alarm, at: new Date(Date.now() - 3000).toISOString(), events: ['sos'] }]);
	s.applied.alert = await k.waitAlert(s.applied.ref, 'panic');
	await k.resolve(s.applied.alert.id, 'false_alarm');
	await k.settle();
	s.appliedMark = sqlite(srv.db, `SELECT COUNT(*) FROM device_reports r JOIN devices d ON d.id = r.device_id
		WHERE d.uid = '${s.applied.alarm}' AND r.applied_at IS NOT NULL`).trim();

	// stop the server (not srv.stop(): that removes the database) and start another on the same database
	srv.child.kill('SIGTERM');
	seen.firstExit = await srv.exited;
	second = await spawnServer(srv.db, [...ARGS, '--attachments', srv.attachments, '--osmand-listen', 'off']);
	for (const role of ['operator', 'officer']) {
		c[role] = new Client(second.url);
		const res = await c[role].login(role, srv.passwords[role]);
		assert.equal(res.status, 200, res.text);
	}
	seen.openState = (await k.deviceState(s.open.tag)).state;
	// several engine ticks, and long enough for the silent one to be lost (3 s)
	await sleep(Math.max(2500, Date.parse(s.silent.fixAt) + 4500 - Date.now()));
	for (const x of ['open', 'resolved', 'silent', 'panic', 'applied']) seen[x] = await k.alerts(s[x].ref);
});
after(async () => {
	await stopSpawned(second);
	if (srv) await srv.stop();
});

describe('a restart in the middle of a lost-signal period', () => {
	test('the first server stopped cleanly', () => {
		assert.equal(seen.firstExit.code, 0);
	});

	test('the device still shows signal_lost after the restart', () => {
		assert.equal(seen.openState.signal_lost, true);
	});

	test('the open lost_signal alert survives: the same alert, still open, opened once', () => {
		const lost = seen.open.filter((a) => a.kind === 'lost_signal');
		assert.equal(lost.length, 1, JSON.stringify(kinds(seen.open)));
		assert.equal(lost[0].id, s.open.lost.id);
		assert.equal(lost[0].state, 'open');
		assert.equal(openedEvents(lost[0].id), 1);
	});

	test('its escalation near the zone is not raised again', () => {
		assert.deepEqual(kinds(seen.open), ['lost_signal', 'lost_signal_near_zone']);
		const near = seen.open.find((a) => a.kind === 'lost_signal_near_zone');
		assert.equal(near.id, s.open.near.id);
		assert.equal(openedEvents(near.id), 1);
	});

	test('a lost_signal alert resolved while he was still silent is not raised again by the restart', () => {
		const lost = seen.resolved.filter((a) => a.kind === 'lost_signal');
		assert.deepEqual(lost.map((a) => a.state), ['resolved'], 'the same silence, already handled');
	});

	test('a near-zone escalation resolved while he was still silent is not raised again by the restart', () => {
		const near = seen.resolved.filter((a) => a.kind === 'lost_signal_near_zone');
		assert.deepEqual(near.map((a) => a.state), ['resolved']);
	});

	test('a device silent but not yet lost at the stop is found lost after the restart, once', () => {
		assert.deepEqual(kinds(s.silentBefore), []);
		const lost = seen.silent.filter((a) => a.kind === 'lost_signal');
		assert.equal(lost.length, 1);
		assert.equal(lost[0].fix_at, s.silent.fixAt, 'from his last fix before the restart');
	});

	test('a new fix after the restart restores the signal', async () => {
		await k.trail(s.open.tag, [HOME]);
		await waitFor('signal restored', async () => !(await k.deviceState(s.open.tag)).state.signal_lost);
	});
});

describe('device reports an engine never applied', () => {
	test('a panic acknowledged but never applied before the stop is raised by the next engine', () => {
		assert.deepEqual(kinds(seen.panic), ['panic']);
		assert.equal(seen.panic[0].severity, 'critical');
		assert.equal(sqlite(srv.db, `SELECT COUNT(*) FROM device_reports r JOIN devices d ON d.id = r.device_id
			WHERE d.uid = '${s.panic.alarm}' AND r.applied_at IS NULL`).trim(), '0', 'and it is marked applied');
	});

	test('a panic applied (and resolved) before the stop is not raised again', () => {
		assert.equal(s.appliedMark, '1', 'the engine marked it applied');
		assert.deepEqual(kinds(seen.applied), ['panic']);
		assert.equal(seen.applied[0].state, 'resolved');
	});
});
