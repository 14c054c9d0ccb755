// Her side, in a browser on a phone-sized screen (360 px) and at the desk:
// a person with no account asks for help on the public page (FOUR in plain
// words, helplines, quick exit) and her request appears in the centre's
// triage, where an advocate answers it; her warning goes through the GOV.UK
// Notify stand-in to her number and the desk shows it delivered; a warning
// that fails escalates on the desk with "call her now".
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { createCase, ukMobile, unique, victim } from '../api/lib/casekit.mjs';
import { notifyArgs, notifyStandIn } from '../api/lib/govnotify.mjs';
import { circle, dest, monitoringKit } from '../api/lib/monitorkit.mjs';
import { checkPage, launch, newPage, noErrors, signIn, uiServer } from './lib/browser.mjs';

const PHONE = { width: 360, height: 740 };
const HOME = [51.5466, -0.1058];
let srv, browser, notify;
const c = {};

before(async () => {
	notify = await notifyStandIn();
	srv = await uiServer([...notifyArgs(notify), '--sms-poll-ms', '100']);
	browser = await launch();
	[c.operator, c.officer] = await Promise.all([srv.login('operator'), srv.login('officer')]);
});
after(async () => {
	if (browser) await browser.close();
	if (srv) await srv.stop();
	await notify?.close();
});

describe('asking for help without an account', () => {
	const STORY = `He sends flowers to my work every day ${unique('x')}`;

	test('on a phone: the four questions in plain words, helplines, a quick exit; sent, it says what happens next', async () => {
		const page = await newPage(browser, { viewport: PHONE });
		await page.goto(`${srv.url}/help/`);
		await page.getByRole('heading', { name: 'Ask for help', level: 1 }).waitFor();
		await page.getByRole('link', { name: /National Stalking Helpline: 0808 802 0300/ }).waitFor();
		await page.getByRole('button', { name: 'Leave this site quickly' }).waitFor();
		await checkPage(page, 'help-public-phone');
		// sending an empty form says everything that is missing, at once
		await page.getByRole('button', { name: 'Send' }).click();
		assert.match(await page.locator('.form-error').first().textContent(), /things need correcting/);
		await page.getByLabel('To report it to the centre').check();
		for (const q of ['fixated', 'obsessive', 'unwanted']) await page.locator(`input[name=${q}][value=yes]`).check();
		await page.locator('input[name=repeated][value=not_sure]').check();
		await page.getByLabel('What is happening?').fill(STORY);
		await page.getByLabel(/How can we reach you safely/).fill('e-mail only: safe@example.org');
		await page.getByRole('button', { name: 'Send' }).click();
		await page.getByRole('heading', { name: 'Thank you: we have your message' }).waitFor();
		assert.match(await page.locator('main').textContent(), /within one working day/);
		await checkPage(page, 'help-sent-phone');
		const width = await page.evaluate(() => document.documentElement.scrollWidth);
		assert.ok(width <= PHONE.width, `no sideways scrolling at 360 px (${width})`);
		noErrors(page);
		await page.context().close();
	});

	test('the quick exit leaves for a neutral site and Back does not return to the page', async () => {
		const page = await newPage(browser, { viewport: PHONE });
		await page.route('https://www.bbc.co.uk/**', (r) => r.fulfill({ status: 200, contentType: 'text/html', body: '<title>Weather</title>' }));
		await page.goto('about:blank');
		await page.goto(`${srv.url}/help/`);
		await page.getByRole('button', { name: 'Leave this site quickly' }).click();
		await page.waitForURL(/bbc\.co\.uk/);
		await page.goBack();
		assert.ok(!page.url().includes('/help/'), page.url());
		await page.context().close();
	});

	test('the request appears in triage; an advocate answers it there', async () => {
		const page = await newPage(browser);
		await signIn(page, srv, 'advocate');
		await page.getByRole('link', { name: /Requests for help/ }).click();
		const item = page.locator('li.help-request', { hasText: STORY });
		await item.waitFor();
		assert.match(await item.textContent(), /safe@example\.org/);
		await checkPage(page, 'help-triage');
		await item.getByLabel('Answer it').check();
		await item.getByRole('button', { name: /Save the decision/ }).click();
		await item.locator('[data-error-for=note]').filter({ hasText: /what she was told/ }).waitFor();
		await item.getByLabel('Note').fill('Rang her on the number she gave; safety advice and the helpline.');
		await item.getByRole('button', { name: /Save the decision/ }).click();
		await page.locator('li.help-request[data-state=answered]', { hasText: STORY }).waitFor();
		noErrors(page);
		await page.context().close();
	});
});

describe('a request recorded as a case from triage', () => {
	test('the new-case form starts from what she wrote and her sure answers; creating the case accepts the request', async () => {
		const story = `He follows me home from the station ${unique('x')}`;
		const res = await srv.client().post('/api/v1/help', { wants: 'report', fixated: 'yes', obsessive: 'not_sure', unwanted: 'yes', repeated: 'yes', story, contact: 'call after 6pm' });
		assert.equal(res.status, 201, res.text);
		const page = await newPage(browser);
		await signIn(page, srv, 'officer');
		await page.goto(`${srv.url}/#/triage`);
		const item = page.locator('li.help-request', { hasText: story });
		await item.getByLabel('Accept it as a case').check();
		await item.getByRole('link', { name: /as a new case/ }).click();
		await page.getByRole('heading', { name: /From request for help/ }).waitFor();
		assert.equal(await page.getByLabel('Summary').inputValue(), story);
		assert.equal(await page.getByLabel('How the report came in').inputValue(), 'online');
		await page.getByLabel('Relationship of the suspect to the victim').selectOption('stranger');
		await page.getByLabel('Victim’s name').fill('Ann Example');
		// she was not sure whether it is obsessive: the officer answers it
		await page.locator('input[name=four-obsessive][value=yes]').check();
		await page.getByLabel('What she said (obsessive)').fill('He will not stop, she says on the phone.');
		await page.getByRole('button', { name: 'Create case' }).click();
		await page.waitForURL(/#\/cases\/STAC-/);
		const ref = decodeURIComponent(page.url().split('#/cases/')[1].split(/[/?]/)[0]);
		const q = (await c.officer.get('/api/v1/help-requests?state=accepted')).body.requests;
		assert.ok(q.some((r) => r.story === story && r.case === ref), JSON.stringify(q.map((r) => [r.case, r.story])));
		noErrors(page);
		await page.context().close();
	});
});

describe('her warning on the desk', () => {
	let k;

	before(async () => {
		k = monitoringKit(srv, c);
	});

	async function approach(phone) {
		const ref = (await createCase(c.officer, { suspect: { name: `Suspect ${unique('s')}` }, victims: [victim(phone ? { identifiers: [{ kind: 'phone', value: phone.national }] } : {})] })).ref;
		const tag = await k.device('offender_tag');
		await k.assign(ref, tag, 'suspect');
		await k.zone(ref, circle(HOME, 100, { warning_m: 0 }));
		await k.trail(tag, [dest(HOME, 2000, 0), HOME]);
		return { ref, alert: await k.waitAlert(ref, 'zone_entry') };
	}

	test('sent through Notify to her number and shown delivered; a failed one escalates with "call her now"', async () => {
		const phone = ukMobile();
		const ok = await approach(phone);
		const page = await newPage(browser);
		await signIn(page, srv, 'operator');
		await page.goto(`${srv.url}/#/desk/${ok.alert.id}`);
		const her = page.locator('[aria-label="Warnings sent"] li[data-channel=victim]');
		await her.locator('[data-warning-state=delivered]').waitFor();
		assert.match(await her.textContent(), /delivered to her phone \(SMS through GOV\.UK Notify, reference [0-9a-f-]{36}\)/);
		assert.equal(notify.sent.find((s) => s.body.reference === `vigil-alert-${ok.alert.id}-victim`).body.phone_number, phone.e164);
		await checkPage(page, 'desk-warning-delivered');

		notify.receipt = () => 'permanent-failure';
		const bad = await approach(ukMobile());
		await page.goto(`${srv.url}/#/desk/${bad.alert.id}`);
		await page.locator('[data-unreached]').filter({ hasText: 'Her warning did not reach her. Call her now.' }).waitFor();
		await her.locator('[data-warning-state=failed]').waitFor();
		assert.match(await page.locator('main').textContent(), /escalated/i);
		await checkPage(page, 'desk-warning-failed');
		noErrors(page);
		await page.context().close();
	});
});
