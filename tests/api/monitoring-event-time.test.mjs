// Event time decides, the wall clock only waits (issue 14).  One recorded
// scenario of three stalker-victim pairs is replayed three ways: at its own
// pace (1x), a hundred times faster (100x), and as a backlog half an hour old
// sent in one burst (a tag back in coverage).  The alerts must be the same:
// same kinds, decided by the same fixes at the same event times, the same
// repeated visits; the backlog's are marked late, warn nobody, and raise no
// lost signal.  Also: one degraded fix of his is not confirmed by her next
// fix; a second visit while the first alert is open warns her again.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { sleep, startServer } from './lib/server.mjs';
import { createCase, unique } from './lib/casekit.mjs';
import { circle, dest, iso, waitFor } from './lib/monitorkit.mjs';
import { receiver } from './lib/webhook.mjs';
import { packet, tag } from './lib/teltonika.mjs';

const CONFIRM_S = 10;
let srv;
let hook;
const c = {};

before(async () => {
	hook = await receiver();
	srv = await startServer({ args: ['--confirm-seconds', String(CONFIRM_S), '--webhook-victim', hook.url, '--webhook-attempts', '1',
		'--teltonika-listen', '127.0.0.1:0'] });
	[c.operator, c.officer, c.supervisor] = await Promise.all(['operator', 'officer', 'supervisor'].map((r) => srv.login(r)));
});
after(async () => {
	if (srv) assert.equal(await srv.stop(), 0);
	if (hook) await hook.close();
});

// Each pair lives around its own home, far from the others'.
const HOMES = { E: [51.50, -0.20], P: [51.55, -0.10], G: [51.45, 0.00] };

/*
 * The recording: [offset ms, pair, who ('off' | 'vic'), distance m from the
 * pair's home (or, for P, from her), bearing, accuracy m].
 *  E: he walks into her home zone (200 m), out, and in again: one entry, one
 *     repeated visit.
 *  P: she stays at one place; one degraded fix of his near the line (her next
 *     fix must not confirm it), he goes away, then really approaches: one
 *     proximity alert, decided by his close fix.
 *  G: he grazes her zone with a fix just inside that no reading confirms or
 *     questions: decided by time, CONFIRM_S after it.
 */
const SCRIPT = [
	[0, 'P', 'vic', 0, 0, 5],
	[0, 'E', 'off', 1500, 0, 5],
	[0, 'G', 'off', 1500, 90, 5],
	[0, 'P', 'off', 2000, 45, 5],
	[3000, 'E', 'off', 1000, 0, 5],
	[3000, 'P', 'off', 280, 45, 80], // degraded, its centre 20 m inside
	[4000, 'P', 'vic', 0, 0, 5], // her next fix: no new reading of him
	[6000, 'E', 'off', 500, 0, 5],
	[6000, 'G', 'off', 195, 90, 20], // centre 5 m inside, not confident
	[7000, 'P', 'off', 1500, 45, 5],
	[9000, 'E', 'off', 100, 0, 5], // inside: the entry
	[10000, 'P', 'vic', 0, 0, 5],
	[12000, 'E', 'off', 50, 0, 5],
	[13000, 'P', 'off', 600, 45, 5],
	[15000, 'E', 'off', 400, 0, 5], // out
	[16000, 'P', 'vic', 0, 0, 5],
	[18000, 'E', 'off', 100, 0, 5], // in again: a second visit
	[19000, 'P', 'off', 150, 45, 5], // close: the approach
	[20000, 'G', 'off', 800, 90, 5], // after the graze's deadline (6 s + 10 s)
	[21000, 'E', 'off', 1000, 0, 5],
	[22000, 'P', 'vic', 0, 0, 5],
	[25000, 'P', 'off', 2000, 45, 5],
];
const LENGTH = 25000;

/** Three new monitored pairs: cases, devices, zones. */
async function world() {
	const w = {};
	for (const p of Object.keys(HOMES)) {
		const ref = (await createCase(c.officer, { suspect: { name: `Suspect ${unique('s')}` } })).ref;
		const tag = unique(`tag${p}`);
		const phone = unique(`ph${p}`);
		assert.equal((await c.operator.post('/api/v1/devices', { uid: tag, kind: 'offender_tag', protocol: 'json', expected_interval_s: 3 })).status, 201);
		assert.equal((await c.operator.post('/api/v1/devices', { uid: phone, kind: 'victim_phone', protocol: 'json', expected_interval_s: 6 })).status, 201);
		assert.equal((await c.officer.post(`/api/v1/cases/${ref}/monitoring`, { device: tag, role: 'suspect' })).status, 201);
		assert.equal((await c.officer.post(`/api/v1/cases/${ref}/monitoring`, { device: phone, role: 'victim' })).status, 201);
		const zone = p === 'P' ? { kind: 'proximity', radius_m: 300, warning_m: 0 } : circle(HOMES[p], 200, { warning_m: 0 });
		assert.equal((await c.officer.post(`/api/v1/cases/${ref}/zones`, { name: `zone ${p}`, ...zone })).status, 201);
		w[p] = { ref, tag, phone };
	}
	await sleep(300); // the engine reads the new cases
	return w;
}

function fixOf(w, [off, p, who, dist, brg, acc], t0) {
	const [lat, lon] = dest(HOMES[p], dist, brg);
	return { device: who === 'off' ? w[p].tag : w[p].phone, at: iso(t0 + off), lat, lon, accuracy_m: acc };
}

async function post(fixes) {
	const res = await c.operator.post('/api/v1/fixes', { fixes });
	assert.equal(res.status, 200, res.text);
	for (const r of res.body.results) assert.equal(r.result, 'stored', JSON.stringify(r));
}

/** Send the recording, each fix at t0 + offset/speed of wall time. */
async function replay(w, t0, speed) {
	const start = Date.now();
	for (const row of SCRIPT) {
		const due = start + row[0] / speed;
		if (due > Date.now()) await sleep(due - Date.now());
		await post([fixOf(w, row, t0)]);
	}
}

/** The approach alerts of a world, normalised to the recording's clock. */
async function outcome(w, t0) {
	const out = {};
	for (const p of Object.keys(w)) {
		const res = await c.operator.get(`/api/v1/alerts?case=${w[p].ref}&limit=100`);
		out[p] = res.body.alerts
			.filter((a) => ['zone_entry', 'proximity', 'zone_warning', 'proximity_warning', 'lost_signal'].includes(a.kind))
			.map((a) => ({
				kind: a.kind,
				fix: Date.parse(a.fix_at) - t0,
				decided: Date.parse(a.decided_at) - t0,
				by: a.decided_by === 'timer' ? 'timer' : a.decided_by === w[p].tag ? 'his fix' : a.decided_by === w[p].phone ? 'her fix' : a.decided_by,
				repeats: a.repeats,
				late: a.late,
			}))
			.sort((x, y) => x.decided - y.decided);
	}
	return out;
}

const EXPECTED = {
	E: [{ kind: 'zone_entry', fix: 9000, decided: 9000, by: 'his fix', repeats: 1 }],
	P: [{ kind: 'proximity', fix: 19000, decided: 19000, by: 'his fix', repeats: 0 }],
	G: [{ kind: 'zone_entry', fix: 6000, decided: 6000 + CONFIRM_S * 1000, by: 'timer', repeats: 0 }],
};
const strip = (o) => Object.fromEntries(Object.entries(o).map(([p, list]) => [p, list.map(({ late, ...rest }) => rest)]));

const runs = {};

describe('one recording, replayed at 1x, at 100x, and as a half-hour-old backlog', () => {
	test('at 1x (each fix sent at its own time)', async () => {
		const w = await world();
		const t0 = Date.now();
		await replay(w, t0, 1);
		await sleep(1500);
		runs.x1 = { w, t0, got: await outcome(w, t0) };
		assert.deepEqual(strip(runs.x1.got), EXPECTED);
		for (const list of Object.values(runs.x1.got)) for (const a of list) assert.equal(a.late, false);
	});

	test('at 100x: the same alerts, decided by the same fixes at the same event times', async () => {
		const w = await world();
		const t0 = Date.now() - LENGTH - 1000; // recorded just now, sent at 100x
		await replay(w, t0, 100);
		await sleep(1500 + CONFIRM_S * 10);
		runs.x100 = { w, t0, got: await outcome(w, t0) };
		assert.deepEqual(runs.x100.got, runs.x1.got);
	});

	test('as a backlog half an hour old in one burst: the same alerts at their own times, late, and no lost signal', async () => {
		const w = await world();
		const t0 = Date.now() - 30 * 60e3;
		const sent = hook.got.length;
		await post(SCRIPT.map((row) => fixOf(w, row, t0)));
		await sleep(2500);
		const got = await outcome(w, t0);
		assert.deepEqual(strip(got), EXPECTED);
		for (const list of Object.values(got)) for (const a of list) assert.equal(a.late, true, JSON.stringify(a));
		// late: for the desk, not a warning to her about a danger that has passed
		const mine = hook.got.slice(sent).filter((g) => Object.values(w).some((x) => g.body.case === x.ref));
		assert.deepEqual(mine, []);
	});
});

describe('what the replays show', () => {
	test("his degraded fix across the line is not confirmed by her next fix", () => {
		// P's only alert is the real approach at 19 s (EXPECTED), not the degraded fix at 3 s
		assert.ok(!runs.x1.got.P.some((a) => a.fix === 3000 || a.fix === 4000));
	});

	test('a second visit while the first alert is open is counted on it, and she is warned again', async () => {
		const { w } = runs.x1;
		const [entry] = (await c.operator.get(`/api/v1/alerts?case=${w.E.ref}&limit=10`)).body.alerts.filter((a) => a.kind === 'zone_entry');
		assert.equal(entry.repeats, 1);
		assert.equal(Date.parse(entry.last_repeat_at) - runs.x1.t0, 18000);
		const full = (await c.operator.get(`/api/v1/alerts/${entry.id}`)).body;
		assert.ok(full.steps.some((s) => s.event === 'repeated'), JSON.stringify(full.steps));
		const warnings = await waitFor('both warnings to her', () => {
			const g = hook.got.filter((x) => x.body.case === w.E.ref);
			return g.length >= 2 ? g : null;
		});
		assert.deepEqual(warnings.map((g) => g.key).sort(), [`vigil-alert-${entry.id}-victim`, `vigil-alert-${entry.id}-victim-r1`]);
		for (const g of warnings) assert.ok(!/lat|lon|position/.test(g.text), 'never his position');
		assert.deepEqual(full.notifications.filter((n) => n.channel === 'victim').map((n) => n.repeat).sort(), [0, 1]);
	});

	test('the graze decided by time names the fix that showed it, and the timer', async () => {
		const [g] = runs.x1.got.G;
		assert.equal(g.by, 'timer');
		assert.equal(g.fix, 6000);
	});
});

describe('a clock that runs fast blinds nothing', () => {
	test('over Teltonika: a record stamped a minute ahead is a clock fault, and the next record inside is an entry at once', async () => {
		const port = srv.teltonikaPort();
		const imei = `35${String(Date.now()).slice(-13)}`;
		const home = [51.40, -0.30];
		const ref = (await createCase(c.officer, { suspect: { name: `Suspect ${unique('s')}` } })).ref;
		assert.equal((await c.operator.post('/api/v1/devices', { uid: imei, kind: 'offender_tag', protocol: 'teltonika' })).status, 201);
		assert.equal((await c.officer.post(`/api/v1/cases/${ref}/monitoring`, { device: imei, role: 'suspect' })).status, 201);
		assert.equal((await c.officer.post(`/api/v1/cases/${ref}/zones`, { name: 'home', ...circle(home, 200, { warning_m: 0 }) })).status, 201);
		await sleep(300);
		const t = await tag(port, imei);
		assert.equal(t.answer, 1);
		const far = dest(home, 3000, 0);
		t.write(packet([[Date.now() + 60000, far[0], far[1]]]));
		assert.equal((await t.read(4)).readUInt32BE(0), 1, 'acknowledged: kept, flagged');
		const sent = Date.now();
		t.write(packet([[Date.now(), home[0], home[1]]]));
		assert.equal((await t.read(4)).readUInt32BE(0), 1);
		const alerts = async () => (await c.operator.get(`/api/v1/alerts?case=${ref}&limit=20`)).body.alerts;
		const entry = await waitFor('the entry', async () => (await alerts()).find((a) => a.kind === 'zone_entry'), 5000);
		assert.ok(Date.parse(entry.opened_at) - sent < 3000, `raised at once, not a minute later (${Date.parse(entry.opened_at) - sent} ms)`);
		const fault = (await alerts()).find((a) => a.kind === 'clock_fault');
		assert.ok(fault, 'the desk is told of the clock');
		assert.ok(fault.detail.ahead_s >= 55, JSON.stringify(fault.detail));
		t.close();
	});
});
