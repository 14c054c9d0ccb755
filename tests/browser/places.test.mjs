// Placing a zone where it belongs, in the browser: by address or postcode
// through the force's geocoder (a stub on 127.0.0.1 answering as Nominatim,
// asked by Vigil, not the browser), and by coordinates typed or pasted; a
// coordinate that is not one is said so beside its field.  And the desk shows
// both people where they were when a proximity alert was decided and where
// they are now, apart and with their times.
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, test } from 'node:test';

import { createCase } from '../api/lib/casekit.mjs';
import { dest, monitoringKit } from '../api/lib/monitorkit.mjs';
import { assertAccessible, launch, newPage, noErrors, shot, signIn, uiServer } from './lib/browser.mjs';

let stub;
const asked = [];
let srv;
let browser;
let officer;
let ref;

const LIME_GROVE = { lat: 51.5712, lon: -0.1093 };

before(async () => {
	stub = http.createServer((req, res) => {
		const q = new URL(req.url, 'http://x').searchParams.get('q');
		asked.push(q);
		res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(/lime grove/i.test(q)
			? [{ lat: String(LIME_GROVE.lat), lon: String(LIME_GROVE.lon), display_name: '14, Lime Grove, London, N4 2AB' }]
			: []));
	});
	await new Promise((resolve) => stub.listen(0, '127.0.0.1', resolve));
	srv = await uiServer(['--geocoder', `http://127.0.0.1:${stub.address().port}/search?format=jsonv2&q={q}`]);
	browser = await launch();
	officer = await srv.login('officer');
	ref = (await createCase(officer, { summary: 'He waits in her street' })).ref;
});
after(async () => {
	if (browser) await browser.close();
	if (srv) assert.equal(await srv.stop(), 0);
	if (stub) stub.close();
});

describe('placing zones', () => {
	test('by address: the place found is where the zone goes; by coordinates pasted; nonsense said beside its field', async () => {
		const page = await newPage(browser);
		await signIn(page, srv, 'officer');
		await page.goto(`${srv.url}/#/cases/${ref}/monitoring`);
		const form = page.getByRole('form', { name: 'Zone' });
		await form.waitFor();
		await form.getByLabel('Name').fill('Her home');
		await form.getByLabel('Address or postcode').fill('Nowhere Lane');
		await form.getByRole('button', { name: 'Find the place' }).click();
		await form.getByText('Nothing found for “Nowhere Lane”').waitFor();
		await form.getByLabel('Address or postcode').fill('14 Lime Grove, N4 2AB');
		await form.getByRole('button', { name: 'Find the place' }).click();
		await form.getByRole('button', { name: 'Use: 14, Lime Grove, London, N4 2AB' }).click();
		await form.getByText(/^Circle placed: 200 m around 51\.57120, -0\.10930/).waitFor();
		await assertAccessible(page, 'monitoring with a place found');
		await shot(page, 'places-by-address');
		await form.getByRole('button', { name: 'Save zone' }).click();
		await page.getByText('Her home — exclusion, 200 m').waitFor();
		let zones = (await officer.get(`/api/v1/cases/${ref}/zones`)).body.zones;
		assert.deepEqual(zones[0].geometry.coordinates, [LIME_GROVE.lon, LIME_GROVE.lat]);
		assert.equal(asked.at(-1), '14 Lime Grove, N4 2AB', 'the geocoder was asked for what she typed');

		const f2 = page.getByRole('form', { name: 'Zone' });
		await f2.getByLabel('Name').fill('Her work');
		await f2.getByLabel('Coordinates (latitude, longitude)').fill('north of the river');
		await f2.getByLabel('Coordinates (latitude, longitude)').blur();
		await f2.locator('.field-error', { hasText: 'Type latitude then longitude in decimal degrees' }).waitFor();
		await f2.getByLabel('Coordinates (latitude, longitude)').fill('51.5033, -0.1196');
		await f2.locator('[data-error-for="coordinates"]:empty').waitFor({ state: 'attached' });
		await f2.getByRole('button', { name: 'Place at these coordinates' }).click();
		await f2.getByText(/^Circle placed: 200 m around 51\.50330, -0\.11960/).waitFor();
		await f2.getByRole('button', { name: 'Save zone' }).click();
		await page.getByText('Her work — exclusion, 200 m').waitFor();
		zones = (await officer.get(`/api/v1/cases/${ref}/zones`)).body.zones;
		assert.deepEqual(zones.find((z) => z.name === 'Her work').geometry.coordinates, [-0.1196, 51.5033]);
		noErrors(page);
		await page.context().close();
	});
});

describe('the desk', () => {
	test('a proximity alert: both of them where they were when it was decided, and where they are now, apart and timed', async () => {
		const api = { operator: await srv.login('operator'), officer };
		const kit = monitoringKit(srv, api);
		const m = await kit.monitored({ victim: true, zones: [{ kind: 'proximity', radius_m: 300, warning_m: 0 }] });
		const her = [51.5074, -0.1278];
		await kit.trail(m.phone, [her]);
		await kit.trail(m.tag, [dest(her, 150, 200)]);
		const alert = await kit.waitAlert(m.ref, 'proximity');
		await kit.trail(m.phone, [dest(her, 1200, 90)]); // she walks on 1.2 km
		await kit.settle();
		const page = await newPage(browser);
		await signIn(page, srv, 'operator');
		await page.goto(`${srv.url}/#/desk/${alert.id}`);
		const detail = page.locator('.alert-detail');
		const then = detail.getByRole('region', { name: 'At the alert' });
		const now = detail.getByRole('region', { name: 'Now' });
		await then.waitFor();
		assert.match(await then.innerText(), /Her\s+51\.50740, -0\.12780 \(±10 m\) at/);
		assert.match(await now.innerText(), /Her\s+51\.5074\d, -0\.110\d\d \(±10 m\) at/);
		await page.locator('path.pos-victim.pos-then').waitFor({ state: 'attached' });
		await page.locator('path.pos-victim.pos-now').waitFor({ state: 'attached' });
		await page.locator('path.pos-offender.pos-then').waitFor({ state: 'attached' });
		assert.match(await detail.locator('.leaflet-tooltip', { hasText: /^Her at the alert/ }).innerText(), /\d\d:\d\d:\d\d/);
		await assertAccessible(page, 'desk with positions then and now');
		await shot(page, 'places-desk-then-and-now');
		noErrors(page);
		await page.context().close();
	});
});
