// Her app in a browser on a phone-sized screen (360 px): enrolled by her
// officer, she signs in with the code texted to her (through the GOV.UK
// Notify stand-in) and a PIN; presses "I need help now" and the operator's
// desk, open in another window, shows the critical panic with her position
// within 2 seconds; writes a diary entry with a photo, which is in the case's
// incident log with the photo's hash and an intact chain; the quick exit is on
// every screen; axe-core is clean on each; and no response her app receives
// holds his position or a zone.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { ukMobile, victim } from '../api/lib/casekit.mjs';
import { notifyArgs, notifyStandIn } from '../api/lib/govnotify.mjs';
import { dest, monitoringKit, waitFor } from '../api/lib/monitorkit.mjs';
import { assertAccessible, launch, newPage, noErrors, shot, signIn, uiServer } from './lib/browser.mjs';

const HER = { latitude: 51.5012, longitude: -0.1419 };
const HOME = [51.5309, -0.1233];
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');
let srv, browser, notify, ref, phone, his, k, tagUid;
const c = {};

before(async () => {
	notify = await notifyStandIn();
	srv = await uiServer([...notifyArgs(notify), '--sms-poll-ms', '100']);
	Object.assign(c, await srv.logins(['operator', 'officer']));
	k = monitoringKit(srv, c);
	phone = ukMobile();
	let tag;
	({ ref, tag } = await k.herCase(phone, HOME));
	his = [dest(HOME, 2500, 45)];
	await k.trail(tag, his);
	tagUid = tag;
	browser = await launch();
});
after(async () => {
	if (browser) await browser.close();
	if (srv) await srv.stop();
	await notify?.close();
});

describe('her app on her phone', () => {
	let her, desk;
	const bodies = [];

	before(async () => {
		const context = await browser.newContext({ viewport: { width: 360, height: 740 }, locale: 'en-GB', timezoneId: 'Europe/London', geolocation: HER, permissions: ['geolocation'] });
		her = await context.newPage();
		her.errors = [];
		her.on('pageerror', (e) => her.errors.push(e.stack || e.message));
		her.on('response', async (r) => {
			if (r.url().includes('/api/')) bodies.push({ url: r.url(), text: await r.text().catch(() => '') });
		});
		her.setDefaultTimeout(10000);
		desk = await newPage(browser);
		await signIn(desk, srv, 'operator');
		await desk.goto(`${srv.url}/#/desk`);
		await desk.locator('.stream-status[data-state=live], .stream-status').first().waitFor();
	});

	test("her officer enrols her on the case's Victim contact page, and sets her code word", async () => {
		const page = await newPage(browser);
		await signIn(page, srv, 'officer');
		await page.goto(`${srv.url}/#/cases/${ref}/contact`);
		const card = page.getByRole('region', { name: 'Her app and her warnings' });
		await card.getByText('not enrolled').waitFor();
		await card.getByLabel('The name she chose for it').selectOption('Notes');
		await card.getByRole('button', { name: 'Enrol her' }).click();
		await card.getByText(/enrolled as “Notes” by officer/).waitFor();
		await card.getByLabel('who looks after her').check();
		// saving draws the tab again from the API: wait for the new drawing (the
		// box it shows checked is the stored one) before typing into the next form,
		// or the redraw can take the typing away
		const drawn = await card.locator('form[aria-label="What her app shows her"]').elementHandle();
		await card.getByRole('button', { name: 'Save what she sees' }).click();
		await page.waitForFunction((el) => !el.isConnected, drawn);
		await page.getByRole('region', { name: 'Her app and her warnings' }).getByLabel('who looks after her').and(page.locator(':checked')).waitFor();
		await card.getByLabel(/Code word for her warnings/).fill('Bluebell');
		await card.getByRole('button', { name: 'Save code word' }).click();
		await card.getByText('“Bluebell” (her code word)').waitFor();
		await assertAccessible(page, 'case: her app and her warnings');
		await shot(page, 'case-her-app');
		noErrors(page);
		await page.context().close();
	});

	test('signs in with the code texted to her and a PIN; the quick exit is on the screen; axe-core clean', async () => {
		await her.goto(`${srv.url}/m/`);
		assert.equal(await her.title(), 'Notes');
		await her.getByLabel('Your mobile number').fill(phone.national);
		await assertAccessible(her, 'her app: sign in');
		await her.getByRole('button', { name: 'Send me a code' }).click();
		const sms = await waitFor('the code by text', () => notify.sent.find((s) => s.body.phone_number === phone.e164 && /code is/.test(s.body.personalisation.message)));
		const code = sms.body.personalisation.message.match(/(\d{6})/)[1];
		await her.getByLabel('The code we texted you').fill(code);
		await her.getByLabel('Choose a PIN for this phone').fill('2580');
		await her.getByRole('button', { name: 'Sign in' }).click();
		await her.getByRole('button', { name: 'I need help now' }).waitFor();
		await her.getByRole('button', { name: 'Leave quickly' }).waitFor();
		await shot(her, 'her-app-home');
		await assertAccessible(her, 'her app: home');
		const width = await her.evaluate(() => document.documentElement.scrollWidth);
		assert.ok(width <= 360, `no sideways scrolling at 360 px (${width})`);
		// the address and history name nothing
		assert.equal(new URL(her.url()).pathname, '/m/');
		assert.equal(await her.evaluate(() => history.length <= 2), true);
	});

	test('"I need help now": the desk shows the critical panic with her position within 2 seconds', async () => {
		const t0 = Date.now();
		await her.getByRole('button', { name: 'I need help now' }).click();
		const item = desk.locator('.alert-item[data-severity=critical]').filter({ hasText: ref });
		await item.first().waitFor({ timeout: 2000 });
		assert.ok(Date.now() - t0 <= 2000, `${Date.now() - t0} ms`);
		await her.getByRole('status').filter({ hasText: 'The centre has your call for help.' }).waitFor();
		await item.first().click();
		const pos = `${HER.latitude.toFixed(5)}, ${HER.longitude.toFixed(5)}`;
		await desk.getByText(pos).first().waitFor();
		await shot(desk, 'desk-her-panic');
		await shot(her, 'her-app-panic');
		await assertAccessible(her, 'her app: panic');
		await her.getByRole('button', { name: 'Back' }).click();
	});

	test('a diary entry with a photo goes into the incident log with its hash, the chain intact', async () => {
		await her.getByRole('button', { name: /My diary/ }).click();
		await her.getByLabel('What happened?').fill('He was outside the gym when I left, again.');
		await her.getByLabel('What kind of thing was it?').selectOption('loitering');
		await her.getByLabel(/A photo or screenshot/).setInputFiles({ name: 'screenshot.png', mimeType: 'image/png', buffer: PNG });
		await assertAccessible(her, 'her app: diary');
		await her.getByRole('button', { name: 'Save in my diary' }).click();
		await her.getByRole('status').filter({ hasText: 'Saved. Your officer can see it now.' }).waitFor();
		const log = (await c.officer.get(`/api/v1/cases/${ref}/incidents`)).body.incidents;
		const e = log.find((x) => x.description === 'He was outside the gym when I left, again.');
		assert.ok(e, JSON.stringify(log));
		assert.equal(e.reporter, 'the victim, in her app');
		assert.equal(e.attachments.length, 1);
		assert.match(e.attachments[0], /^[0-9a-f]{64}$/);
		const v = (await c.officer.get(`/api/v1/cases/${ref}/incidents/verify`)).body;
		assert.equal(v.intact, true);
		await her.getByRole('button', { name: 'Back' }).click();
	});

	test('a warning while the app is open is shown at once, and in her warnings as delivered', async () => {
		await k.trail(tagUid, [HOME]);
		await her.getByRole('alert').filter({ hasText: 'Stay safe. Help is coming.' }).waitFor({ timeout: 8000 });
		await shot(her, 'her-app-live-warning');
		await her.getByRole('button', { name: 'My warnings' }).click();
		await her.locator('[data-warning]').filter({ hasText: /A warning was sent to you/ }).first().waitFor();
		await waitFor('delivered', async () => {
			await her.getByRole('button', { name: 'Back' }).click();
			await her.getByRole('button', { name: 'My warnings' }).click();
			return /The text reached your phone/.test(await her.locator('main').textContent());
		}, 5000);
		const sms = notify.sent.filter((s) => s.body.phone_number === phone.e164).pop();
		assert.match(sms.body.personalisation.message, /^Bluebell: /);
		await her.getByRole('button', { name: 'Back' }).click();
	});

	test('her warnings, plan, orders and contacts open; nothing she received holds his position or a zone', async () => {
		for (const name of ['My warnings', 'My safety plan', 'What he must not do', 'Who to contact']) {
			await her.getByRole('button', { name }).click();
			await her.getByRole('heading', { name: name === 'What he must not do' ? 'What he must not do' : name }).waitFor();
			await assertAccessible(her, `her app: ${name}`);
			if (name === 'Who to contact') assert.match(await her.locator('main').textContent(), /\(officer\)/);
			if (name === 'My safety plan') assert.match(await her.locator('main').textContent(), /has not shared this with you/);
			await her.getByRole('button', { name: 'Back' }).click();
		}
		assert.ok(bodies.length >= 8, `${bodies.length} responses`);
		const numbers = [...his, HOME].flatMap(([lat, lon]) => [lat.toFixed(4), lon.toFixed(4)]);
		for (const b of bodies) {
			for (const n of numbers) assert.ok(!b.text.includes(n), `${b.url}: ${b.text}`);
			assert.ok(!/"(lat|lon|position|geometry|zones?|trail|positions|victim_position|last_position)":/.test(b.text), `${b.url}: ${b.text}`);
		}
		noErrors(her);
		noErrors(desk);
	});

	test('the quick exit leaves for a neutral site, and Back does not return', async () => {
		await her.route('https://www.bbc.co.uk/**', (r) => r.fulfill({ status: 200, contentType: 'text/html', body: '<title>Weather</title>' }));
		await her.getByRole('button', { name: 'Leave quickly' }).click();
		await her.waitForURL(/bbc\.co\.uk/);
		await her.goBack().catch(() => {});
		assert.ok(!her.url().includes('/m/'), her.url());
	});

	test('her officer sees her phone signed in and can sign it out', async () => {
		const page = await newPage(browser);
		await signIn(page, srv, 'officer');
		await page.goto(`${srv.url}/#/cases/${ref}/contact`);
		const card = page.getByRole('region', { name: 'Her app and her warnings' });
		await card.locator('[data-phone]').first().waitFor();
		await assertAccessible(page, 'case: her phones');
		await card.getByRole('button', { name: 'Sign out phone 1' }).click();
		await card.getByText(/none yet: she signs in with a code/).waitFor();
		const res = await fetch(`${srv.url}/api/v1/her/home`, { headers: { 'X-Her-Session': 'x' } });
		assert.equal(res.status, 401);
		noErrors(page);
		await page.context().close();
	});
});
