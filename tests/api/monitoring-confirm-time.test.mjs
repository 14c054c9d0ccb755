// A possible entry confirmed by time (`--confirm-seconds`): a centre inside
// with an uncertain circle and then silence becomes an entry once the
// confirmation time has passed; one with later readings is decided then by
// the readings weighed together (inside by their uncertainty, or it lapses);
// one cancelled by a fix wholly outside, or a fix whose centre was never
// inside, never becomes an entry.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { sleep, stopServer } from './lib/server.mjs';
import { circle, dest, kinds, startMonitoring } from './lib/monitorkit.mjs';

const CONFIRM_S = 2;
let srv;
let c;
let k;

before(async () => {
	({ srv, c, k } = await startMonitoring({ args: ['--confirm-seconds', String(CONFIRM_S)] }));
});
after(() => stopServer(srv));

const HOME = [51.5074, -0.1278];

describe('a possible entry and the passing of time', () => {
	const s = {}; // the scenarios, all started together so that one wait serves them all
	let startedAt;
	let earlyAlerts;

	before(async () => {
		const zone = () => circle(HOME, 200, { warning_m: 0 });
		[s.silent, s.agreeing, s.even, s.questioned, s.cancelled, s.grazing, s.certain] = await Promise.all(
			[1, 2, 3, 4, 5, 6, 7].map(() => k.monitored({ zones: [zone()] })));
		startedAt = Date.now();
		// centre 20 m inside, circle 60 m: possible entry, then nothing
		[s.silent.possibleAt] = await k.trail(s.silent.tag, [dest(HOME, 180, 0)], { accuracy_m: 60 });
		// possible entry (20 m in), then two good fixes 8 m inside: none confident alone, nor
		// inside by the margin together, but on balance inside by their uncertainty
		[s.agreeing.possibleAt] = await k.trail(s.agreeing.tag, [dest(HOME, 180, 90)], { accuracy_m: 60 });
		await k.trail(s.agreeing.tag, [dest(HOME, 192, 90), dest(HOME, 192, 91)], { accuracy_m: 10 });
		// possible entry (20 m in), then a centre 10 m outside whose circle still crosses the edge:
		// about even
		await k.trail(s.even.tag, [dest(HOME, 180, 60)], { accuracy_m: 60 });
		await k.trail(s.even.tag, [dest(HOME, 210, 60)], { accuracy_m: 60 });
		// possible entry (20 m in), then a centre 40 m outside, as uncertain: on balance outside
		await k.trail(s.questioned.tag, [dest(HOME, 180, 135)], { accuracy_m: 60 });
		await k.trail(s.questioned.tag, [dest(HOME, 240, 135)], { accuracy_m: 60 });
		// possible entry, then a fix wholly outside
		await k.trail(s.cancelled.tag, [dest(HOME, 180, 180)], { accuracy_m: 60 });
		await k.trail(s.cancelled.tag, [dest(HOME, 500, 180)], { accuracy_m: 20 });
		// centre 10 m outside, circle 300 m
		await k.trail(s.grazing.tag, [dest(HOME, 210, 270)], { accuracy_m: 300 });
		// confidently inside: an entry at once, whatever the confirmation time
		await k.trail(s.certain.tag, [dest(HOME, 100, 45)], { accuracy_m: 10 });
		await k.settle();
		earlyAlerts = {};
		for (const name of Object.keys(s)) earlyAlerts[name] = kinds(await k.alerts(s[name].ref));
		assert.ok(Date.now() - startedAt < CONFIRM_S * 1000, 'the early look came before the confirmation time');
		await sleep(Math.max(0, startedAt + CONFIRM_S * 1000 + 1800 - Date.now()));
	});

	test('a certain entry does not wait for the confirmation time', () => {
		assert.deepEqual(earlyAlerts.certain, ['zone_entry']);
	});

	test('before the confirmation time a possible entry is not an alert', () => {
		assert.deepEqual(earlyAlerts.silent, []);
		assert.deepEqual(earlyAlerts.agreeing, []);
		assert.deepEqual(earlyAlerts.even, []);
		assert.deepEqual(earlyAlerts.questioned, []);
	});

	test('with nothing after it, a possible entry becomes an entry once the time has passed, at the fix that showed it', async () => {
		const all = await k.alerts(s.silent.ref);
		assert.deepEqual(kinds(all), ['zone_entry']);
		assert.equal(all[0].severity, 'critical');
		assert.equal(all[0].fix_at, s.silent.possibleAt);
		assert.ok(Date.parse(all[0].opened_at) - Date.parse(s.silent.possibleAt) >= CONFIRM_S * 1000 - 50,
			`opened ${all[0].opened_at}, the fix ${s.silent.possibleAt}`);
	});

	test('with later readings on balance inside by their uncertainty, it becomes an entry', async () => {
		assert.deepEqual(kinds(await k.alerts(s.agreeing.ref)), ['zone_entry']);
	});

	test('with a later reading that leaves the readings about even (centre out, circle across the edge), it lapses', async () => {
		assert.deepEqual(kinds(await k.alerts(s.even.ref)), []);
	});

	test('questioned by a later reading that puts the readings on balance outside, it lapses at the confirmation time', async () => {
		assert.deepEqual(kinds(await k.alerts(s.questioned.ref)), []);
	});

	test('cancelled by a fix wholly outside, it never becomes an entry', async () => {
		assert.deepEqual(kinds(await k.alerts(s.cancelled.ref)), []);
	});

	test('a centre outside, however large its circle, never becomes an entry with time', async () => {
		assert.deepEqual(kinds(await k.alerts(s.grazing.ref)), []);
	});

	test('the confirmed entry is one alert: the later ticks do not raise it again', async () => {
		await sleep(1200);
		assert.equal((await k.alerts(s.silent.ref)).length, 1);
		assert.equal((await k.alerts(s.certain.ref)).length, 1);
	});
});
