// A panic (or a tamper) reported beside readings that cannot be (a latitude
// of 91, 0,0, a battery of 150 %, a time in 1970) is still raised: the
// impossible readings are dropped and the event kept, because refusing the
// report would lose the panic with them.  A report without an event is still
// refused for the same readings.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { startServer, stopServer } from './lib/server.mjs';
import { createCase, unique } from './lib/casekit.mjs';

let srv;
let OSM;
let operator;
let officer;

before(async () => {
	srv = await startServer({ args: ['--osmand-listen', '127.0.0.1:0'], roles: ['operator', 'officer'] });
	OSM = srv.osmandUrl();
	[operator, officer] = await Promise.all([srv.login('operator'), srv.login('officer')]);
});
after(() => stopServer(srv));

const nowS = () => Math.floor(Date.now() / 1000);

async function osm(query) {
	const res = await fetch(`${OSM}/?${query}`, { signal: AbortSignal.timeout(2000) });
	return { status: res.status, text: await res.text() };
}

async function watchedTag() {
	const uid = unique('salv');
	const dev = await operator.post('/api/v1/devices', { uid, kind: 'offender_tag', protocol: 'osmand' });
	assert.equal(dev.status, 201, dev.text);
	const k = await createCase(officer, { suspect: { name: `Tagged ${unique('s')}` } });
	const assigned = await officer.post(`/api/v1/cases/${k.ref}/monitoring`, { device: uid, role: 'suspect' });
	assert.equal(assigned.status, 201, assigned.text);
	return { uid, ref: k.ref };
}

async function alertOf(ref, kind) {
	const until = Date.now() + 5000;
	for (;;) {
		const res = await operator.get(`/api/v1/alerts?case=${ref}`);
		assert.equal(res.status, 200, res.text);
		const a = res.body.alerts.find((x) => x.kind === kind);
		if (a) return a;
		if (Date.now() > until) assert.fail(`no ${kind} alert on ${ref}: ${JSON.stringify(res.body.alerts)}`);
		await new Promise((r) => setTimeout(r, 50));
	}
}

describe('an event beside impossible readings', () => {
	for (const [what, query] of [
		['a latitude of 91', 'lat=91&lon=-0.12'],
		['a longitude of -181', 'lat=51.5&lon=-181'],
		['0,0 (no GPS fix)', 'lat=0&lon=0'],
		['a battery of 150 % and a speed of 900 m/s', 'lat=51.5&lon=-0.12&batt=150&speed=1800'],
	]) {
		test(`a panic with ${what} is raised, critical`, async () => {
			const { uid, ref } = await watchedTag();
			const res = await osm(`id=${uid}&timestamp=${nowS() - 5}&${query}&alarm=sos`);
			assert.equal(res.status, 200, res.text);
			const sos = await alertOf(ref, 'sos');
			assert.equal(sos.severity, 'critical');
		});
	}

	test('a panic stamped in 1970 is raised, at the time it arrived', async () => {
		const { uid, ref } = await watchedTag();
		const t0 = Date.now();
		const res = await osm(`id=${uid}&timestamp=5&lat=51.5&lon=-0.12&alarm=sos`);
		assert.equal(res.status, 200, res.text);
		const sos = await alertOf(ref, 'sos');
		const at = Date.parse(sos.raised_at ?? sos.fix_at ?? sos.created_at);
		assert.ok(at >= t0 - 2000, `raised now, not in 1970: ${JSON.stringify(sos)}`);
	});

	test('a tamper with a latitude of 91 is raised', async () => {
		const { uid, ref } = await watchedTag();
		const res = await osm(`id=${uid}&timestamp=${nowS() - 5}&lat=91&lon=-0.12&alarm=tamper`);
		assert.equal(res.status, 200, res.text);
		await alertOf(ref, 'tamper');
	});

	test('without an event, the same readings are still refused', async () => {
		const { uid } = await watchedTag();
		for (const q of ['lat=91&lon=-0.12', 'lat=0&lon=0', 'lat=51.5&lon=-0.12&batt=150']) {
			const res = await osm(`id=${uid}&timestamp=${nowS() - 5}&${q}`);
			assert.equal(res.status, 400, `${q}: ${res.text}`);
		}
	});
});
