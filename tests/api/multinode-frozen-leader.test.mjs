// A frozen leader is replaced (issue 14): two `vigil serve` nodes on one
// PostgreSQL database, and the leader stopped with SIGSTOP, which keeps its
// TCP sessions open (the kernel answers for it) while it runs nothing.  A
// freeze shorter than the lease changes nothing.  Frozen for 15 s, the leader
// loses its lease: the standby takes over within 10 s and raises the alert
// for a fix sent meanwhile; when the old leader is woken (SIGCONT) it steps
// down at once and raises no alert of its own, so no alert is raised twice,
// and one node, and only one, leads afterwards.
//
// PostgreSQL only (VIGIL_TEST_ENGINE=postgres): a SQLite file has one node.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { ENGINE, sleep, stopSpawned } from './lib/server.mjs';
import { circle, dest, waitFor } from './lib/monitorkit.mjs';
import { engineOf as engineWithin, twoNodes } from './lib/multinode.mjs';

const HOME = [51.5074, -0.1278];
const TAKEOVER_LIMIT_MS = 10000;
const FREEZE_MS = 15000;

let a; // the first node: the leader, frozen
let b = null; // the second: the standby, which takes over
let onA;
let onB;
let kA;
let kB;
const s = {};
const seen = {};

/** The node's engine, or 'down' when it does not answer within 2 s (a frozen node does not). */
const engineOf = (url) => engineWithin(url, 2000);

/** The alerts the node's log says it raised ("alert N: kind ..."), from offset on. */
const raisedIn = (log, from = 0) => [...log.slice(from).matchAll(/alert (\d+): (\S+) /g)].map((m) => `${m[1]} ${m[2]}`);

describe('a frozen leader', { skip: ENGINE !== 'postgres' && 'needs PostgreSQL: a SQLite file has one node' }, () => {
	before(async () => {
		({ a, b, onA, onB, kA, kB } = await twoNodes());
		s.short = await kA.monitored({ zones: [circle(HOME, 100, { warning_m: 0 })] });
		s.frozen = await kA.monitored({ zones: [circle(dest(HOME, 1000, 90), 100, { warning_m: 0 })] });
		s.woken = await kA.monitored({ zones: [circle(dest(HOME, 1000, 180), 100, { warning_m: 0 })] });
		seen.engines = [await engineOf(a.url), await engineOf(b.url)];
	});
	after(async () => {
		if (a && a.child.exitCode === null && a.child.signalCode === null) a.child.kill('SIGCONT');
		await stopSpawned(b);
		if (a) await a.stop();
	});

	test('one node leads and the other stands by', () => {
		assert.deepEqual(seen.engines, ['leader', 'standby']);
	});

	test('a freeze of 2 s, shorter than the lease: the leader carries on and the standby stays standby', async () => {
		a.child.kill('SIGSTOP');
		await sleep(2000);
		a.child.kill('SIGCONT');
		assert.equal(await engineOf(a.url), 'leader');
		for (const until = Date.now() + 2000; Date.now() < until; await sleep(200))
			assert.deepEqual([await engineOf(a.url), await engineOf(b.url)], ['leader', 'standby']);
		await kB.trail(s.short.tag, [HOME]);
		await kA.waitAlert(s.short.ref, 'zone_entry');
		assert.doesNotMatch(b.stderr(), /took over the monitoring engine/);
	});

	test(`the leader frozen for ${FREEZE_MS / 1000} s: the standby takes over within 10 s and raises the alert for a fix sent meanwhile`, async () => {
		const frozenAt = Date.now();
		a.child.kill('SIGSTOP');
		await sleep(300);
		await kB.trail(s.frozen.tag, [dest(HOME, 1000, 90)]);
		let tookOverAt = null;
		while (Date.now() - frozenAt < FREEZE_MS - 1000) {
			if ((await engineOf(b.url)) === 'leader') {
				tookOverAt = Date.now();
				break;
			}
			await sleep(50);
		}
		assert.ok(tookOverAt, `node B had not taken over ${FREEZE_MS - 1000} ms after the freeze; its log:\n${b.stderr()}`);
		const takeoverMs = tookOverAt - frozenAt;
		console.log(`# takeover: ${takeoverMs} ms after the SIGSTOP`);
		assert.ok(takeoverMs < TAKEOVER_LIMIT_MS, `took ${takeoverMs} ms`);
		assert.match(b.stderr(), /took over the monitoring engine/);
		const alert = await kB.waitAlert(s.frozen.ref, 'zone_entry', 5000);
		assert.equal(alert.state, 'open');
		seen.frozenAlert = alert.id;
		assert.deepEqual(raisedIn(b.stderr()), [`${alert.id} zone_entry`], 'the new leader raised it');
		await sleep(Math.max(0, FREEZE_MS - (Date.now() - frozenAt)));
		seen.logAtWake = a.stderr().length;
		a.child.kill('SIGCONT');
		seen.wokeAt = Date.now();
	});

	test('woken, the old leader steps down at once and raises nothing itself; no alert is raised twice, and one node leads', async () => {
		assert.equal(await engineOf(a.url), 'standby', 'the old leader is standing by from its first answer');
		assert.equal(await engineOf(b.url), 'leader');
		// a fix sent to the old leader: stored there, its alert raised by the new one
		await kA.trail(s.woken.tag, [dest(HOME, 1000, 180)]);
		const alert = await kB.waitAlert(s.woken.ref, 'zone_entry', 5000);
		await sleep(3000); // more than one round of renewing the lease
		for (const [x, id] of [[s.frozen, seen.frozenAlert], [s.woken, alert.id]])
			assert.deepEqual((await kB.alerts(x.ref, 'zone_entry')).map((e) => e.id), [id]);
		assert.deepEqual(raisedIn(a.stderr(), seen.logAtWake), [], `the woken node raised alerts:\n${a.stderr().slice(seen.logAtWake)}`);
		assert.match(a.stderr().slice(seen.logAtWake), /lease/);
		for (const until = Date.now() + 2000; Date.now() < until; await sleep(200))
			assert.deepEqual([await engineOf(a.url), await engineOf(b.url)], ['standby', 'leader']);
	});
});
