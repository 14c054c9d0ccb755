// The alert desk as an operator works it: an alert raised by a fix posted to
// the OsmAnd ingest port arrives live (no reload), most urgent first, with its
// response clock running; the map shows the zone, its warning ring and the
// offender's trail; the operator acknowledges, records the calls, dispatches
// and resolves with an outcome and a note; and when the stream drops the desk
// says so, reconnects by itself and misses nothing raised meanwhile.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import path from 'node:path';

import { REPO, spawnServer } from '../api/lib/server.mjs';
import { createCase, unique } from '../api/lib/casekit.mjs';
import { circle, dest } from '../api/lib/monitorkit.mjs';
import { launch, newPage, noErrors, shot, signIn, uiServer } from './lib/browser.mjs';

let srv;
let browser;
let page;
let osm;
let second = null; // the server after the restart
const HOME = [51.5466, -0.1058];
const cases = [];

/** A case whose suspect wears an OsmAnd tag, with a 200 m exclusion zone round her home. */
async function monitoredCase(officer, operator) {
	const c = await createCase(officer, { suspect: { name: `Suspect ${unique('s')}` } });
	const uid = unique('tag');
	let res = await operator.post('/api/v1/devices', { uid, kind: 'offender_tag', protocol: 'osmand', expected_interval_s: 600 });
	assert.equal(res.status, 201, res.text);
	res = await officer.post(`/api/v1/cases/${c.ref}/monitoring`, { device: uid, role: 'suspect' });
	assert.equal(res.status, 201, res.text);
	res = await officer.post(`/api/v1/cases/${c.ref}/zones`, { name: 'Her home', ...circle(HOME, 200, { warning_m: 300 }) });
	assert.equal(res.status, 201, res.text);
	return { ref: c.ref, uid };
}

let clock = 0;
/** A fix on the OsmAnd port, as the Traccar Client app sends it: stamped now
 * (a second apart at least, as a tag reporting fast would). */
async function fix(uid, [lat, lon]) {
	clock = Math.max(Date.now(), clock + 1000);
	const q = new URLSearchParams({ id: uid, lat: String(lat), lon: String(lon), timestamp: String(Math.floor(clock / 1000)), accuracy: '8' });
	const res = await fetch(`${osm}/?${q}`);
	assert.equal(res.status, 200, await res.text());
}

before(async () => {
	srv = await uiServer(['--osmand-listen', '127.0.0.1:0']);
	osm = srv.stdout().match(/vigil: OsmAnd devices on (http:\/\/127\.0\.0\.1:\d+)\//)[1];
	const officer = await srv.login('officer');
	const operator = await srv.login('operator');
	cases.push(await monitoredCase(officer, operator), await monitoredCase(officer, operator));
	browser = await launch();
	page = await newPage(browser);
	await signIn(page, srv, 'operator');
});
after(async () => {
	if (browser) await browser.close();
	if (second) {
		second.child.kill('SIGTERM');
		await second.exited;
	}
	if (srv) await srv.stop();
});

describe('the alert desk', () => {
	test('an alert from a fix on the ingest port appears live, with its clock running', async () => {
		await page.getByRole('heading', { name: 'Alert desk' }).waitFor();
		await page.getByText('Live: new alerts appear here as they happen.').waitFor();
		assert.equal(await page.locator('.alert-item').count(), 0);
		const { uid, ref } = cases[0];
		// he walks in from 1 km out, through the warning ring, into the zone
		for (const d of [1000, 700, 420, 120, 40]) await fix(uid, dest(HOME, d, 90));
		const entry = page.locator('.alert-item', { hasText: 'zone entry' });
		await entry.waitFor();
		assert.match(await entry.innerText(), new RegExp(ref));
		const first = await page.locator('.alert-item').first().innerText();
		assert.match(first, /critical/, 'the critical alert is at the top');
		const c1 = await entry.locator('.clock').textContent();
		await page.waitForTimeout(2100);
		const c2 = await entry.locator('.clock').textContent();
		assert.match(c1, /^waiting \d+ s$/);
		assert.notEqual(c1, c2, 'the response clock runs');
		assert.ok(await page.getByRole('button', { name: /Sound (on|off)/ }).isVisible());
		await shot(page, 'desk-live-alert');
		noErrors(page);
	});

	test('the selected alert shows the zone, its warning ring and the trail on the map', async () => {
		await page.locator('.alert-item', { hasText: 'zone entry' }).click();
		await page.getByRole('heading', { name: /zone entry/ }).waitFor();
		await page.locator('.alert-detail .leaflet-container').waitFor();
		assert.equal(await page.locator('.alert-detail path.zone-exclusion').count(), 1);
		assert.equal(await page.locator('.alert-detail path.zone-warning').count(), 1);
		assert.equal(await page.locator('.alert-detail path.trail').count(), 1);
		assert.equal(await page.locator('.alert-detail .leaflet-control-scale').count(), 1);
		await shot(page, 'desk-alert-map');
	});

	test('acknowledge, record the calls, dispatch police and resolve with an outcome and a note', async () => {
		const detail = page.locator('.alert-detail');
		await detail.getByRole('button', { name: 'Acknowledge' }).click();
		await detail.locator('.protocol li.done', { hasText: 'Acknowledge' }).waitFor();
		await detail.getByRole('button', { name: 'Record call to victim' }).click();
		await detail.locator('.protocol li.done', { hasText: 'Call the victim' }).waitFor();
		await detail.getByRole('button', { name: 'Record call to offender' }).click();
		await detail.locator('.protocol li.done', { hasText: 'Call the offender' }).waitFor();
		await detail.getByRole('button', { name: 'Dispatch police' }).click();
		await detail.locator('.protocol li.done', { hasText: 'Send police' }).waitFor();
		for (const step of ['Acknowledge', 'Call the victim', 'Call the offender', 'Send police'])
			assert.match(await detail.locator('.protocol li', { hasText: step }).innerText(), /\d{2}:\d{2}:\d{2} (GMT|BST)/, `${step} shows its time in her zone`);
		// resolving needs an outcome: the API's message next to the field
		const id = Number(await page.locator('.alert-item[aria-current=true]').getAttribute('data-alert'));
		await detail.getByLabel('Note').fill('Police attended; he had left before they arrived');
		await detail.getByRole('button', { name: 'Resolve alert' }).click();
		await detail.locator('[data-error-for="outcome"]', { hasText: 'Choose how the alert ends.' }).waitFor();
		await detail.getByLabel('Outcome').selectOption('breach_confirmed');
		await detail.getByRole('button', { name: 'Resolve alert' }).click();
		await detail.getByText(/Resolved .*Breach confirmed/).waitFor();
		await shot(page, 'desk-resolved');
		const operator = await srv.login('operator');
		const a = (await operator.get(`/api/v1/alerts/${id}`)).body;
		assert.equal(a.state, 'resolved');
		assert.equal(a.outcome, 'breach_confirmed');
		assert.deepEqual(a.steps.map((s) => s.event), ['opened', 'acknowledged', 'called_victim', 'called_offender', 'dispatched', 'resolved']);
		noErrors(page);
	});

	test('when her account is disabled the desk says the stream has ended, and does not reconnect', async () => {
		srv.addUser('op-leaving', 'operator', 'met');
		const other = await newPage(browser);
		await signIn(other, srv, 'op-leaving');
		await other.goto(`${srv.url}/#/desk`);
		await other.locator('.stream-status[data-state=live]').waitFor({ timeout: 15000 });
		const admin = await srv.login('admin');
		const u = (await admin.get('/api/v1/users/op-leaving')).body;
		assert.equal((await admin.patch('/api/v1/users/op-leaving', { version: u.version, disabled: true })).status, 200);
		await other.getByText(/The live stream has ended|account has been disabled|signed out/i).first().waitFor({ timeout: 15000 });
		await shot(other, 'desk-stream-ended');
		await other.context().close();
	});

	test('when the stream drops the desk says so, reconnects by itself, and shows what was raised meanwhile', async () => {
		// the server restarts (on the same port and database); the desk's way back
		// is held shut while an alert is raised, so that only the resume can bring it
		await page.route('**/api/v1/alerts/stream**', (route) => route.abort());
		srv.child.kill('SIGTERM');
		assert.equal((await srv.exited).code, 0);
		await page.locator('.stream-status[data-state=down]').waitFor({ timeout: 15000 });
		assert.match(await page.locator('.stream-status').textContent(), /The live stream dropped: reconnecting/);
		await shot(page, 'desk-stream-down');
		second = await spawnServer(srv.db, ['--listen', `127.0.0.1:${srv.port}`, '--web', path.join(REPO, 'web'), '--osmand-listen', '127.0.0.1:0', '--attachments', srv.attachments]);
		osm = second.stdout().match(/vigil: OsmAnd devices on (http:\/\/127\.0\.0\.1:\d+)\//)[1];
		const { uid, ref } = cases[1];
		for (const d of [900, 100, 30]) await fix(uid, dest(HOME, d, 180));
		await page.waitForTimeout(2500);
		assert.equal(await page.locator('.alert-item', { hasText: ref }).count(), 0, 'not shown while the stream is down');
		await page.unroute('**/api/v1/alerts/stream**');
		await page.locator('.stream-status[data-state=live]').waitFor({ timeout: 15000 });
		await page.locator('.alert-item', { hasText: ref }).filter({ hasText: 'zone entry' }).waitFor();
		await shot(page, 'desk-stream-back');
		noErrors(page);
	});
});
