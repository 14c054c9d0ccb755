// Optimistic concurrency on the alert desk: operators who read one version
// of an alert and move it at once (acknowledge, dispatch, resolve) are one
// winner and the rest 409 stale_version, never two moves from one state.
// The move is made in the UPDATE's WHERE (the state read and the version
// sent), so it holds on PostgreSQL, where writers do not queue for SQLite's
// one lock, as on SQLite.  Run with VIGIL_TEST_ENGINE=postgres for the other.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { ROLES, stopServer } from './lib/server.mjs';
import { iso, nextAt, startMonitoring } from './lib/monitorkit.mjs';

const WRITERS = 8;
const TRIALS = Number(process.env.CONCURRENCY_TRIALS || 6);

let srv;
let c;
let k;

before(async () => {
	({ srv, c, k } = await startMonitoring({ args: ['--threads', '8'] }, ROLES));
});
after(() => stopServer(srv));

async function race(what, write) {
	const results = await Promise.all(Array.from({ length: WRITERS }, (_, i) => write(i)));
	const won = results.filter((r) => r.status === 200);
	const stale = results.filter((r) => r.status === 409 && r.body?.error?.code === 'stale_version');
	const other = results.filter((r) => !won.includes(r) && !stale.includes(r));
	assert.deepEqual(other.map((r) => `${r.status} ${r.text}`), [], `${what}: answers other than success or stale_version`);
	assert.equal(won.length, 1, `${what}: ${won.length} of ${WRITERS} moves on one version succeeded`);
	assert.equal(stale.length, WRITERS - 1);
	return won[0].body;
}

describe(`${WRITERS} operators on one version of an alert, ${TRIALS} trials`, () => {
	test('acknowledge, dispatch and resolve: one move each, the rest stale; one event each', async () => {
		for (let t = 0; t < TRIALS; t++) {
			const m = await k.monitored();
			await k.post([{ device: m.tag, at: iso(nextAt()), lat: 51.5, lon: -0.12, events: ['tamper'] }]);
			const a = await k.waitAlert(m.ref, 'tamper');
			let got = await race('acknowledge', () => c.operator.post(`/api/v1/alerts/${a.id}/acknowledge`, { version: a.version }));
			assert.equal(got.state, 'acknowledged');
			got = await race('dispatch', () => c.operator.post(`/api/v1/alerts/${a.id}/dispatch`, { version: got.version }));
			assert.equal(got.state, 'dispatched');
			got = await race('resolve', (i) => c.operator.post(`/api/v1/alerts/${a.id}/resolve`, { version: got.version, outcome: 'technical', note: `writer ${i}` }));
			assert.equal(got.state, 'resolved');
			const full = await c.operator.get(`/api/v1/alerts/${a.id}`);
			assert.deepEqual(full.body.steps.map((s) => s.event), ['opened', 'acknowledged', 'dispatched', 'resolved']);
		}
	});
});
