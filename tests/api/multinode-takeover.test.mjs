// Two `vigil serve` nodes on one PostgreSQL database.  Both answer the API;
// one runs the monitoring engine.  A fix stored by the standby reaches the
// leader's engine, and an alert raised on one node reaches the live stream of
// a client connected to the other.  Then the leader is killed (SIGKILL) while
// fixes stream in: the standby takes over within 10 seconds, every fix
// acknowledged before the kill is in the database, the alerts open before it
// are still open (and not raised twice), a fix stored but never applied by
// the dead leader is applied by the new one, and a fix entering an exclusion
// zone raises an alert on the new leader.  A node started again stands by; a
// leader whose node connection (the one that renews its lease) is cut either
// connects again and renews it or is replaced, so that one node, and only
// one, leads afterwards; and a leader whose engine's own connection is cut
// starts a new engine.  The victim's warnings that the dead
// leader could not deliver (her gateway was down) are sent by the new one.
//
// PostgreSQL only (VIGIL_TEST_ENGINE=postgres): a SQLite file has one node.
import assert from 'node:assert/strict';
import { connectStream } from './lib/sse.mjs';
import { after, before, describe, test } from 'node:test';

import { ENGINE, metricValue, parseMetrics, sleep, spawnServer, sqlite, stopSpawned } from './lib/server.mjs';
import { circle, dest, iso, nextAt, waitFor } from './lib/monitorkit.mjs';
import { engineOf, sameSessionOn, twoNodes } from './lib/multinode.mjs';
import { receiver } from './lib/webhook.mjs';

const HOME = [51.5074, -0.1278];
const FAR = dest(HOME, 5000, 45); // well clear of every zone
const TAKEOVER_LIMIT_MS = 10000;

let a; // the first node, the leader (its directory and database)
let b = null; // the second node, on the same database
let again = null; // the first node's successor, started after the kill
let onA;
let onB;
let kA; // the monitoring kit on node A
let kB; // and on node B
const streams = [];
let gateway; // the victim's webhook: down until the leader is killed
let nodeArgs; // every node's: the webhook, one attempt then a long wait
const s = {}; // scenarios
const seen = {};

/** vigil_engine_leader and vigil_engine_takeovers_total of a node, read as the admin. */
async function engineMetrics(node, admin) {
	const res = await sameSessionOn(node, admin).get('/metrics');
	assert.equal(res.status, 200, res.text);
	const m = parseMetrics(res.text);
	return [metricValue(m, 'vigil_engine_leader'), metricValue(m, 'vigil_engine_takeovers_total')];
}

/** The live stream as a signed-in client (lib/sse.mjs): {events, next(pred, ms), close()}. */
async function connect(base, client) {
	const st = await connectStream(base, client, { track: streams });
	assert.equal(st.status, 200);
	return st;
}
const ofAlert = (id, event) => (e) => e.data.alert?.id === id && e.data.event === event;

/** Fixes of one device, posted to a node in batches until stopped or the node dies. */
function streamFixes(node, client, uid) {
	const acked = [];
	let stop = false;
	let failures = 0;
	const done = (async () => {
		const c = sameSessionOn(node, client);
		while (!stop) {
			const fixes = Array.from({ length: 5 }, (_, i) => ({
				device: uid,
				at: iso(nextAt()),
				lat: FAR[0] + i * 1e-5,
				lon: FAR[1],
				accuracy_m: 10,
			}));
			let res;
			try {
				res = await c.post('/api/v1/fixes', { fixes });
			} catch {
				failures++; // the node is gone: nothing in this batch was acknowledged
				break;
			}
			if (res.status !== 200) {
				failures++;
				break;
			}
			res.body.results.forEach((r, i) => {
				if (r.result === 'stored') acked.push(fixes[i].at);
			});
		}
	})();
	return { acked, done, stop: () => (stop = true), failures: () => failures };
}

const storedTimes = (db, uid) =>
	new Set(
		sqlite(db, `SELECT f.at FROM fixes f JOIN devices d ON d.id = f.device_id WHERE d.uid = '${uid}'`)
			.trim()
			.split('\n')
			.filter(Boolean)
			.map(Number),
	);

describe('two nodes on one PostgreSQL database', { skip: ENGINE !== 'postgres' && 'needs PostgreSQL: a SQLite file has one node' }, () => {
	before(async () => {
		gateway = await receiver(() => 503);
		nodeArgs = ['--webhook-victim', gateway.url, '--webhook-attempts', '20', '--webhook-backoff-ms', '600000'];
		({ a, b, onA, onB, kA, kB } = await twoNodes(nodeArgs, ['operator', 'officer', 'admin']));
		seen.enginesAtStart = [await engineOf(a.url), await engineOf(b.url)];
		seen.metricsAtStart = [await engineMetrics(a, onA.admin), await engineMetrics(b, onA.admin)];

		// configured on the standby: the leader's engine must hear of it
		s.viaB = await kB.monitored({ zones: [circle(HOME, 100, { warning_m: 0 })] });
		s.viaA = await kA.monitored({ zones: [circle(dest(HOME, 1000, 90), 100, { warning_m: 0 })] });
		s.afterKill = await kA.monitored({ zones: [circle(dest(HOME, 1000, 180), 100, { warning_m: 0 })] });
		s.streamer = await kA.monitored();
		s.unapplied = await kA.monitored({ zones: [circle(dest(HOME, 1000, 270), 100, { warning_m: 0 })] });
		s.afterCut = await kA.monitored({ zones: [circle(dest(HOME, 2000, 0), 100, { warning_m: 0 })] });
		s.afterEngineCut = await kA.monitored({ zones: [circle(dest(HOME, 3000, 0), 100, { warning_m: 0 })] });
	});
	after(async () => {
		for (const st of streams) st.close();
		for (const n of [b, again]) await stopSpawned(n);
		if (a) await a.stop();
		if (gateway) await gateway.close();
	});

	test('one node leads and the other stands by', () => {
		assert.deepEqual(seen.enginesAtStart, ['leader', 'standby']);
		// [leads, takeovers]: leading from the start is not a takeover
		assert.deepEqual(seen.metricsAtStart, [[1, 0], [0, 0]]);
	});

	test('a fix stored by the standby reaches the leader, and its alert the stream of a client on the standby', async () => {
		const streamB = await connect(b.url, onB.operator);
		await kB.trail(s.viaB.tag, [HOME]);
		const alert = await kB.waitAlert(s.viaB.ref, 'zone_entry');
		await streamB.next(ofAlert(alert.id, 'opened'));
		s.viaB.alert = alert;
	});

	test('an event report with no position, sent to the standby, raises its alert on the leader', async () => {
		const results = await kB.post([{ device: s.viaB.tag, at: iso(nextAt()), events: ['tamper'] }]);
		assert.equal(results[0].result, 'stored', JSON.stringify(results));
		const alert = await kB.waitAlert(s.viaB.ref, 'tamper');
		assert.equal(alert.state, 'open');
	});

	test('an alert raised on the leader reaches the stream of a client on the standby, with the same event id', async () => {
		const streamA = await connect(a.url, onA.operator);
		const streamB = await connect(b.url, onB.operator);
		await kA.trail(s.viaA.tag, [dest(HOME, 1000, 90)]);
		const alert = await kA.waitAlert(s.viaA.ref, 'zone_entry');
		const [evA, evB] = await Promise.all([streamA.next(ofAlert(alert.id, 'opened')), streamB.next(ofAlert(alert.id, 'opened'))]);
		assert.equal(evB.id, evA.id);
		s.viaA.alert = alert;
	});

	test('an alert acknowledged on the standby reaches the stream of a client on the leader', async () => {
		const streamA = await connect(a.url, onA.operator);
		const res = await onB.operator.post(`/api/v1/alerts/${s.viaA.alert.id}/acknowledge`, { version: s.viaA.alert.version });
		assert.equal(res.status, 200, res.text);
		await streamA.next(ofAlert(s.viaA.alert.id, 'acknowledged'));
	});

	test('a fix stored behind the leader\'s back, as if it were still queued in its engine, raises nothing yet', async () => {
		// what a leader that dies with fixes in its engine's queue leaves: stored, acknowledged, never applied
		const [lat, lon] = dest(HOME, 1000, 270);
		const now = nextAt();
		sqlite(a.db, `INSERT INTO fixes (device_id, at, lat, lon, accuracy_m, received_at)
			SELECT id, ${now}, ${lat}, ${lon}, 10, ${now} FROM devices WHERE uid = '${s.unapplied.tag}'`);
		await kA.settle();
		assert.deepEqual(await kA.alerts(s.unapplied.ref), []);
	});

	test("her gateway comes back: the leader, waiting out its backoff after one failed attempt each, sends nothing yet", async () => {
		const cases = new Set([s.viaB.ref, s.viaA.ref]);
		await waitFor("the leader's first attempts", () => new Set(gateway.got.map((r) => r.body.case).filter((c) => cases.has(c))).size === 2);
		seen.triedBeforeKill = gateway.got.length;
		gateway.answer = () => 200;
		await sleep(300);
		assert.equal(gateway.got.length, seen.triedBeforeKill);
	});

	test('the leader is killed while fixes stream in: the standby takes over within 10 s, with every acknowledged fix stored', async () => {
		const flow = streamFixes(a, onA.operator, s.streamer.tag);
		await waitFor('fixes acknowledged by the leader', () => flow.acked.length >= 50, 10000);
		const killedAt = Date.now();
		a.child.kill('SIGKILL');
		await a.exited;
		let tookOverAt = null;
		while (Date.now() - killedAt < 20000) {
			if ((await engineOf(b.url)) === 'leader') {
				tookOverAt = Date.now();
				break;
			}
			await sleep(50);
		}
		flow.stop();
		await flow.done;
		assert.ok(tookOverAt, `node B had not taken over 20 s after the kill; its log:\n${b.stderr()}`);
		const takeoverMs = tookOverAt - killedAt;
		console.log(`# takeover: ${takeoverMs} ms after the SIGKILL; ${flow.acked.length} fixes acknowledged before it`);
		assert.ok(takeoverMs < TAKEOVER_LIMIT_MS, `took ${takeoverMs} ms`);
		assert.match(b.stderr(), /took over the monitoring engine/);
		assert.deepEqual(await engineMetrics(b, onA.admin), [1, 1]);
		assert.equal(flow.failures(), 1, 'the stream of fixes stopped at the kill');

		const stored = storedTimes(a.db, s.streamer.tag);
		const missing = flow.acked.filter((at) => !stored.has(Date.parse(at)));
		assert.deepEqual(missing, [], `${missing.length} of ${flow.acked.length} acknowledged fixes are not stored`);
	});

	test("her warnings that the dead leader could not deliver are sent by the new leader", async () => {
		const cases = new Set([s.viaB.ref, s.viaA.ref]);
		await waitFor('the warnings sent by the new leader', () => gateway.got.slice(seen.triedBeforeKill).filter((r) => cases.has(r.body.case)).length === 2, 5000);
		for (const x of [s.viaB, s.viaA]) {
			const res = await onB.operator.get(`/api/v1/alerts/${x.alert.id}`);
			const victim = res.body.notifications.filter((n) => n.channel === 'victim');
			assert.deepEqual(victim.map((n) => [n.attempt, n.delivered]), [[1, false], [2, true]]);
		}
	});

	test('the alerts open before the kill are still open, and the new leader does not raise them again', async () => {
		for (const x of [s.viaB, s.viaA]) {
			// he is still inside: the rebuilt engine must not open a second alert
			await kB.trail(x.tag, [x === s.viaB ? HOME : dest(HOME, 1000, 90)]);
		}
		await kB.settle();
		for (const x of [s.viaB, s.viaA]) {
			const entries = await kB.alerts(x.ref, 'zone_entry');
			assert.deepEqual(entries.map((e) => e.id), [x.alert.id]);
			assert.notEqual(entries[0].state, 'resolved');
		}
	});

	test('the new leader applies the newest fix that the dead leader stored but never applied', async () => {
		const alert = await kB.waitAlert(s.unapplied.ref, 'zone_entry');
		assert.equal(alert.state, 'open');
	});

	test('after the takeover a fix entering an exclusion zone raises an alert, and it reaches a client of the new leader', async () => {
		const stream = await connect(b.url, onB.operator);
		await kB.trail(s.afterKill.tag, [dest(HOME, 1000, 180)]);
		const alert = await kB.waitAlert(s.afterKill.ref, 'zone_entry');
		assert.equal(alert.state, 'open');
		await stream.next(ofAlert(alert.id, 'opened'));
	});

	test('a node started again on the database stands by', async () => {
		again = await spawnServer(a.db, [...nodeArgs, '--attachments', a.attachments]);
		assert.equal(await engineOf(again.url), 'standby');
		assert.equal(await engineOf(b.url), 'leader');
	});

	test("a leader whose node connection is cut: one node, and only one, leads afterwards", async () => {
		// the session that renews the lease is the first the lease's row records
		const leader = (await engineOf(b.url)) === 'leader' ? b : again;
		const mark = leader.stderr().length;
		const cut = sqlite(a.db, `SELECT pg_terminate_backend(split_part(sessions, ',', 1)::int)
			FROM leases WHERE name = 'engine'`).trim();
		assert.equal(cut, 't', 'the leader\'s session was found and ended');
		await waitFor('the leader to notice', () => /the node's database connection/.test(leader.stderr().slice(mark)), 5000);
		let roles;
		await waitFor('one leader again', async () => {
			roles = [await engineOf(b.url), await engineOf(again.url)];
			return roles.filter((r) => r === 'leader').length === 1;
		}, 10000);
		assert.deepEqual([...roles].sort(), ['leader', 'standby']);
		// and it stays so through more than one round of renewing the lease
		for (const until = Date.now() + 2500; Date.now() < until; await sleep(100)) {
			roles = [await engineOf(b.url), await engineOf(again.url)];
			assert.deepEqual([...roles].sort(), ['leader', 'standby']);
		}
		// and the engine, wherever it now runs, raises alerts
		await kB.trail(s.afterCut.tag, [dest(HOME, 2000, 0)]);
		const alert = await kB.waitAlert(s.afterCut.ref, 'zone_entry');
		assert.equal(alert.state, 'open');
	});

	test("a leader whose engine's own connection is cut starts a new engine, and alerts still fire", async () => {
		const leader = (await engineOf(b.url)) === 'leader' ? b : again;
		const cut = sqlite(a.db, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
			WHERE application_name = 'vigil monitoring engine' AND datname = current_database()`).trim();
		assert.equal(cut, '1', 'one engine connection, and it was ended');
		await waitFor('the engine to notice', () => /the monitoring engine stops: its database connection died/.test(leader.stderr()), 10000);
		await waitFor('an engine again', async () => [await engineOf(b.url), await engineOf(again.url)].filter((r) => r === 'leader').length === 1, 10000);
		await waitFor('a new engine connection', () => sqlite(a.db, `SELECT count(*) FROM pg_stat_activity
			WHERE application_name = 'vigil monitoring engine' AND datname = current_database()`).trim() === '1', 10000);
		await kB.trail(s.afterEngineCut.tag, [dest(HOME, 3000, 0)]);
		const alert = await kB.waitAlert(s.afterEngineCut.ref, 'zone_entry');
		assert.equal(alert.state, 'open');
	});
});
