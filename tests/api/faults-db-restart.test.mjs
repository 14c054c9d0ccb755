// Faults heal by themselves (issue 14): PostgreSQL stopped as if killed
// (pg_ctl -m immediate) and started again while fixes stream in over
// POST /api/v1/fixes and the OsmAnd port.  While it is down the API answers
// 503 with Retry-After (code `unavailable`), never 500; the OsmAnd port
// answers 503; a Teltonika tag is neither told it is not registered nor
// acknowledged, so it sends its records again.  Within seconds of the
// database's return everything resumes by itself: the API, both ingest paths
// and the monitoring engine (a fix into a zone raises its alert), and every fix
// that was acknowledged, before, during or after, is in the database.
//
// The database is a PostgreSQL cluster of this test's own (lib/pgcluster.mjs),
// so that stopping it disturbs no other test file.  Run with the PostgreSQL
// suite (VIGIL_TEST_ENGINE=postgres).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { ENGINE, sleep, sqlite, startServer } from './lib/server.mjs';
import { circle, dest, iso, monitoringKit, nextAt, waitFor } from './lib/monitorkit.mjs';
import { privateCluster } from './lib/pgcluster.mjs';
import { packet, tag } from './lib/teltonika.mjs';

const HOME = [51.5074, -0.1278];
const FAR = dest(HOME, 5000, 45);
const RESUME_LIMIT_MS = 10000;

let cluster;
let srv;
let OSM;
let TEL;
const c = {};
let k;
const seen = {};
const dev = {};

/** Send one fix at a time until stopped: every answer, with its fix time and when it came. */
function load(send) {
	const log = [];
	let stop = false;
	const done = (async () => {
		while (!stop) {
			const at = nextAt();
			let status;
			try {
				status = await send(at);
			} catch {
				status = 'error';
			}
			log.push({ at, status, t: Date.now() });
			await sleep(10);
		}
	})();
	return { log, done, stop: () => (stop = true) };
}

const acked = (l) => l.log.filter((x) => x.status === 200).map((x) => x.at);
const statuses = (l, from = 0, to = Infinity) => [...new Set(l.log.filter((x) => x.t >= from && x.t <= to).map((x) => x.status))].sort();

async function postFix(at) {
	const res = await c.operator.post('/api/v1/fixes', { fixes: [{ device: dev.json, at: iso(at), lat: FAR[0], lon: FAR[1], accuracy_m: 10 }] });
	if (res.status === 200) assert.equal(res.body.results[0].result, 'stored', res.text);
	return res.status;
}

async function osmFix(at) {
	const q = new URLSearchParams({ id: dev.osm, lat: String(FAR[0]), lon: String(FAR[1]), timestamp: String(at), accuracy: '8' });
	const res = await fetch(`${OSM}/?${q}`);
	await res.text();
	return res.status;
}

const storedTimes = (uid) => new Set(sqlite(srv.db, `SELECT f.at FROM fixes f JOIN devices d ON d.id = f.device_id
	WHERE d.uid = '${uid}'`).trim().split('\n').filter(Boolean).map(Number));

describe('PostgreSQL restarted under load', { skip: ENGINE !== 'postgres' && 'PostgreSQL only: run with VIGIL_TEST_ENGINE=postgres' }, () => {
	before(async () => {
		cluster = privateCluster();
		srv = await startServer({ db: cluster.createDatabase(), args: ['--osmand-listen', '127.0.0.1:0', '--teltonika-listen', '127.0.0.1:0'] });
		OSM = srv.osmandUrl();
		TEL = srv.teltonikaPort();
		[c.operator, c.officer] = await Promise.all([srv.login('operator'), srv.login('officer')]);
		k = monitoringKit(srv, c);
		dev.json = await k.device();
		dev.osm = await k.device('offender_tag', { protocol: 'osmand' });
		dev.imei = `35${String(process.pid % 100000).padStart(5, '0')}${String(Date.now() % 1e8).padStart(8, '0')}`;
		await k.device('offender_tag', { uid: dev.imei, protocol: 'teltonika' });
		seen.zoned = await k.monitored({ zones: [circle(HOME, 100, { warning_m: 0 })] });
	});
	after(async () => {
		if (srv) await srv.stop();
		if (cluster) cluster.destroy();
	});

	test('while the database is down the API and the ingest ports refuse honestly; within seconds of its return everything resumes, with every acknowledged fix stored', async () => {
		const api = load(postFix);
		const osm = load(osmFix);
		await waitFor('fixes acknowledged on both paths', () => acked(api).length >= 20 && acked(osm).length >= 20, 10000);
		const early = await tag(TEL, dev.imei);
		assert.equal(early.answer, 1, 'the tag is accepted while the database is up');

		const downAt = Date.now();
		cluster.stop('immediate');

		// the API: 503 unavailable with Retry-After, not 500
		for (const res of [await c.operator.get('/api/v1/me'), await c.operator.get('/api/v1/alerts'),
			await c.operator.post('/api/v1/fixes', { fixes: [{ device: dev.json, at: iso(nextAt()), lat: FAR[0], lon: FAR[1] }] })]) {
			assert.equal(res.status, 503, res.text);
			assert.equal(res.body.error.code, 'unavailable', res.text);
			assert.ok(Number(res.headers.get('retry-after')) > 0, 'Retry-After');
		}
		const hz = await fetch(`${srv.url}/healthz`);
		assert.equal(hz.status, 503);
		assert.ok(Number(hz.headers.get('retry-after')) > 0);
		// the OsmAnd port: 503, so the phone sends it again
		assert.equal(await osmFix(nextAt()), 503);
		// a Teltonika tag is not told it is not registered: no answer at all
		const during = await tag(TEL, dev.imei, { timeoutMs: 3000 });
		assert.notEqual(during.answer, 0, 'a tag is not refused as unregistered because the database is down');
		assert.equal(during.answer, null);
		during.close();
		// and its records are not acknowledged: it keeps them and sends them again
		seen.telAt = nextAt();
		const pkt = packet([[seen.telAt, FAR[0], FAR[1]]]);
		early.write(pkt);
		assert.equal(await early.read(4, 3000), null, 'no record count while the database is down');
		early.close();

		await sleep(Math.max(0, 3000 - (Date.now() - downAt)));
		const upAt = Date.now();
		cluster.start();
		const startedAt = Date.now();

		await waitFor('a fix acknowledged on both paths after the restart', () =>
			api.log.some((x) => x.t > startedAt && x.status === 200) && osm.log.some((x) => x.t > startedAt && x.status === 200), RESUME_LIMIT_MS + 5000);
		const resumed = Math.max(...[api, osm].map((l) => l.log.find((x) => x.t > startedAt && x.status === 200).t)) - startedAt;
		console.log(`# PostgreSQL down ${upAt - downAt} ms, its start took ${startedAt - upAt} ms; both ingest paths acknowledged again ${resumed} ms after it took connections`);
		assert.ok(resumed < RESUME_LIMIT_MS, `resumed after ${resumed} ms`);
		await sleep(500);
		api.stop();
		osm.stop();
		await Promise.all([api.done, osm.done]);

		// nothing but 200 and 503, and 503 seen while it was down
		for (const l of [api, osm]) {
			assert.deepEqual(statuses(l), [200, 503]);
			assert.deepEqual(statuses(l, downAt + 200, upAt), [503]);
		}
		for (const res of [await c.operator.get('/api/v1/me'), await fetch(`${srv.url}/healthz`)])
			assert.equal(res.status, 200);

		// every fix acknowledged (before, during, after) is stored
		for (const [l, uid] of [[api, dev.json], [osm, dev.osm]]) {
			const stored = storedTimes(uid);
			const missing = acked(l).filter((at) => !stored.has(at));
			assert.deepEqual(missing, [], `${missing.length} of ${acked(l).length} acknowledged fixes are not stored`);
		}

		// the tag connects again and sends the same record: now it is acknowledged and stored
		const again = await tag(TEL, dev.imei);
		assert.equal(again.answer, 1);
		again.write(pkt);
		assert.deepEqual(await again.read(4, 5000), Buffer.from([0, 0, 0, 1]));
		again.close();
		assert.ok(storedTimes(dev.imei).has(seen.telAt));
	});

	test('after the restart the monitoring engine raises alerts again', async () => {
		await k.trail(seen.zoned.tag, [HOME]);
		const alert = await k.waitAlert(seen.zoned.ref, 'zone_entry', 10000);
		assert.equal(alert.state, 'open');
	});
});
