// Faults heal by themselves (issue 14): a PostgreSQL connection that the
// server ends (pg_terminate_backend here; an idle timeout or a pooler does the
// same) is found and replaced, never handed out again dead.  One pooled
// connection ended while idle: 400 concurrent health checks and 400 concurrent
// API calls all succeed.  One ended while requests are in flight: at most the
// request using it answers 503 (with Retry-After), none 500.  Every session of
// the server ended at once, as a database restart does: the API, ingest and
// the monitoring engine carry on, and the first fix sent is stored and raises
// its alert.
//
// PostgreSQL only (VIGIL_TEST_ENGINE=postgres): a SQLite file has no server
// to end a connection.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { ENGINE, sqlite } from './lib/server.mjs';
import { circle, dest, startMonitoring, waitFor } from './lib/monitorkit.mjs';

const HOME = [51.5074, -0.1278];
const BURST = 400;
const HEALTH_SQL = 'SELECT MAX(version) FROM schema_version';

let srv;
let c;
let k;

/** Statuses of n requests made at once, counted: {200: n, 503: m, ...}. */
async function burst(n, one) {
	const statuses = await Promise.all(Array.from({ length: n }, () => one().then((r) => r.status, () => 'error')));
	const count = {};
	for (const s of statuses) count[s] = (count[s] || 0) + 1;
	return count;
}
const health = () => fetch(`${srv.url}/healthz`);
const me = () => c.operator.get('/api/v1/me');

/** The idle sessions of the server's database (not this one) whose last statement was sql. */
function idleSessionsThatRan(sql) {
	return sqlite(srv.db, `SELECT pid FROM pg_stat_activity WHERE datname = current_database()
		AND pid <> pg_backend_pid() AND state = 'idle' AND query = '${sql}'`).trim().split('\n').filter(Boolean);
}

/** End these sessions and wait until the server has let them go. */
async function cut(pids) {
	assert.ok(pids.length > 0, 'there is a session to end');
	const ended = sqlite(srv.db, `SELECT count(*) FROM (SELECT pg_terminate_backend(pid) AS t
		FROM pg_stat_activity WHERE pid IN (${pids.join(',')})) x WHERE t`).trim();
	assert.equal(ended, String(pids.length), 'each session was ended');
	await waitFor('the ended sessions to go', () => sqlite(srv.db,
		`SELECT count(*) FROM pg_stat_activity WHERE pid IN (${pids.join(',')})`).trim() === '0');
}

describe('a PostgreSQL connection ended by the server', { skip: ENGINE !== 'postgres' && 'needs PostgreSQL: a SQLite file has no server to end a connection' }, () => {
	before(async () => {
		({ srv, c, k } = await startMonitoring());
	});
	after(async () => {
		if (srv) assert.equal(await srv.stop(), 0);
	});

	test(`one pooled connection ended while idle: ${BURST} concurrent health checks and ${BURST} API calls all succeed`, async () => {
		// one request at a time: the pool hands the same connection out again
		for (let i = 0; i < 5; i++) assert.equal((await health()).status, 200);
		const [pid] = idleSessionsThatRan(HEALTH_SQL);
		await cut([pid]);
		assert.deepEqual(await burst(BURST, health), { 200: BURST });

		for (let i = 0; i < 5; i++) assert.equal((await health()).status, 200);
		await cut(idleSessionsThatRan(HEALTH_SQL).slice(0, 1));
		assert.deepEqual(await burst(BURST, me), { 200: BURST });
	});

	test('one pooled connection ended while requests are in flight: at most the one using it answers 503, with Retry-After, and none 500', async () => {
		for (let i = 0; i < 5; i++) assert.equal((await health()).status, 200);
		const [pid] = idleSessionsThatRan(HEALTH_SQL);
		const answers = [];
		const inFlight = Promise.all(Array.from({ length: BURST }, () => me().then((r) => answers.push(r), () => answers.push({ status: 'error' }))));
		sqlite(srv.db, `SELECT pg_terminate_backend(${pid})`);
		await inFlight;
		const count = {};
		for (const r of answers) count[r.status] = (count[r.status] || 0) + 1;
		assert.equal((count[200] || 0) + (count[503] || 0), BURST, JSON.stringify(count));
		assert.ok((count[503] || 0) <= 1, JSON.stringify(count));
		for (const r of answers.filter((x) => x.status === 503)) {
			assert.equal(r.body.error.code, 'unavailable');
			assert.ok(Number(r.headers.get('retry-after')) > 0, 'Retry-After');
		}
		// and the connection is replaced: the next ones all succeed
		assert.deepEqual(await burst(BURST, me), { 200: BURST });
	});

	test('every session of the server ended at once, as a restart does: the first fix sent is stored and raises its alert, and the API carries on', async () => {
		const s = await k.monitored({ zones: [circle(HOME, 100, { warning_m: 0 })] });
		await k.trail(s.tag, [dest(HOME, 2000, 0)]);
		await k.settle();
		const pids = sqlite(srv.db, `SELECT pid FROM pg_stat_activity WHERE datname = current_database()
			AND pid <> pg_backend_pid()`).trim().split('\n').filter(Boolean);
		assert.ok(pids.length >= 5, `the server's sessions: ${pids.length}`);
		await cut(pids);
		// the committer's connection, the engine's and the pool's were all ended
		await k.trail(s.tag, [HOME]);
		const alert = await k.waitAlert(s.ref, 'zone_entry', 10000);
		assert.equal(alert.state, 'open');
		assert.deepEqual(await burst(BURST, me), { 200: BURST });
		assert.deepEqual(await burst(BURST, health), { 200: BURST });
	});
});
