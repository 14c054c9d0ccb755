// GET /api/v1/geocode: places for an address or postcode, asked of the
// force's geocoder by the server (`--geocoder`), here a stub on 127.0.0.1
// answering as Nominatim and as Photon do.  The address asked is passed on
// whole, and is never in the audit trail nor the log.
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, test } from 'node:test';

import { expectError, startServer } from './lib/server.mjs';

let stub;
let stubUrl;
let mode = 'nominatim';
const asked = [];
let srv;
let bare;
let officer;

const ADDRESS = '14 Lime Grove, London N4 2AB';

before(async () => {
	stub = http.createServer((req, res) => {
		const u = new URL(req.url, 'http://x');
		asked.push({ path: u.pathname, q: u.searchParams.get('q'), format: u.searchParams.get('format'), agent: req.headers['user-agent'] });
		if (mode === 'hang') return; // never answers
		if (mode === 'error') {
			res.writeHead(500).end('no');
			return;
		}
		if (mode === 'garbage') {
			res.writeHead(200, { 'Content-Type': 'text/html' }).end('<html>nope</html>');
			return;
		}
		const body = mode === 'nominatim'
			? [{ lat: '51.5712', lon: '-0.1093', display_name: '14, Lime Grove, London, N4 2AB, United Kingdom' },
				{ lat: '91', lon: '0', display_name: 'off the earth' },
				{ lat: '51.5', lon: 'x', display_name: 'no longitude' },
				{ lat: '51.6', lon: '-0.2', display_name: 'Lime\u0007 Grove\nN4' }]
			: { type: 'FeatureCollection', features: [
				{ type: 'Feature', geometry: { type: 'Point', coordinates: [-0.1093, 51.5712] }, properties: { housenumber: '14', street: 'Lime Grove', postcode: 'N4 2AB', city: 'London' } },
				{ type: 'Feature', geometry: { type: 'Point', coordinates: [200, 51] }, properties: { name: 'nowhere' } }] };
		res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
	});
	await new Promise((resolve) => stub.listen(0, '127.0.0.1', resolve));
	stubUrl = `http://127.0.0.1:${stub.address().port}`;
	srv = await startServer({ args: ['--geocoder', `${stubUrl}/search?format=jsonv2&limit=5&q={q}`, '--geocoder-timeout-ms', '800'] });
	officer = await srv.login('officer');
	bare = await startServer({ roles: ['officer'] });
});
after(async () => {
	if (srv) assert.equal(await srv.stop(), 0);
	if (bare) assert.equal(await bare.stop(), 0);
	if (stub) stub.close();
});

describe('places for an address', () => {
	test('a Nominatim answer: the places that are on the earth, labels as plain text; the address passed on whole', async () => {
		mode = 'nominatim';
		const res = await officer.get(`/api/v1/geocode?q=${encodeURIComponent(ADDRESS)}`);
		assert.equal(res.status, 200, res.text);
		assert.deepEqual(res.body.places, [
			{ label: '14, Lime Grove, London, N4 2AB, United Kingdom', lat: 51.5712, lon: -0.1093 },
			{ label: 'Lime  Grove N4', lat: 51.6, lon: -0.2 },
		]);
		const last = asked.at(-1);
		assert.equal(last.path, '/search');
		assert.equal(last.q, ADDRESS);
		assert.equal(last.format, 'jsonv2');
		assert.match(last.agent, /^Vigil/);
	});

	test('a Photon answer (GeoJSON): its parts make the label', async () => {
		mode = 'photon';
		const res = await officer.get(`/api/v1/geocode?q=${encodeURIComponent('N4 2AB')}`);
		assert.equal(res.status, 200, res.text);
		assert.deepEqual(res.body.places, [{ label: '14 Lime Grove, N4 2AB, London', lat: 51.5712, lon: -0.1093 }]);
	});

	test('a geocoder that fails, answers nonsense or hangs is 502, said in plain words', async () => {
		for (const m of ['error', 'garbage', 'hang']) {
			mode = m;
			const t0 = Date.now();
			const res = await officer.get('/api/v1/geocode?q=N4');
			expectError(res, 502, 'geocoder_failed');
			assert.match(res.body.error.message, /coordinates or on the map/);
			if (m === 'hang') assert.ok(Date.now() - t0 < 3000, 'it waited no longer than its timeout');
		}
	});

	test('what may be asked, and by whom', async () => {
		mode = 'nominatim';
		expectError(await officer.get('/api/v1/geocode'), 400, 'bad_request', 'q');
		expectError(await officer.get(`/api/v1/geocode?q=${'x'.repeat(201)}`), 400, 'bad_request', 'q');
		for (const role of ['clinician', 'analyst', 'admin', 'operator', 'advocate'])
			expectError(await (await srv.login(role)).get('/api/v1/geocode?q=N4'), 403, 'forbidden');
		expectError(await srv.client().get('/api/v1/geocode?q=N4'), 401, 'unauthorized');
		assert.equal((await (await srv.login('supervisor')).get('/api/v1/geocode?q=N4')).status, 200);
	});

	test('without --geocoder it says so, and /me tells the UI', async () => {
		const c = await bare.login('officer');
		expectError(await c.get('/api/v1/geocode?q=N4'), 404, 'no_geocoder');
		assert.equal((await c.get('/api/v1/me')).body.ui.geocoder, false);
		assert.equal((await officer.get('/api/v1/me')).body.ui.geocoder, true);
	});

	test('the address asked is neither in the audit trail nor in the log', async () => {
		const admin = await srv.login('admin');
		const res = await admin.get('/api/v1/audit?limit=500');
		assert.equal(res.status, 200, res.text);
		assert.ok(!JSON.stringify(res.body).includes('Lime Grove'), 'not in the audit trail');
		assert.ok(!srv.stderr().includes('Lime'), 'not in the log');
		assert.ok(!srv.stderr().includes('N4'), 'not in the log');
	});
});

test('--geocoder wants an http(s) template with {q} once', async () => {
	const { cli } = await import('./lib/server.mjs');
	for (const bad of ['ftp://x/{q}', 'https://x/search', 'https://x/{q}/{q}', 'https://x/"{q}'])
		assert.equal(cli(['serve', '--geocoder', bad, '--db', ':memory:']).status, 2, bad);
});
