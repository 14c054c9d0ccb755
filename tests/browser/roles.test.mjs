// Signing in and what each role sees: the navigation a role may use and no
// other, pages it may not use refused, the errors a person understands
// (wrong password, locked, expired), signing out, and the victim's address
// and phone absent from the page for the roles not allowed them (and the
// victim-care tab not offered to them).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { ROLES } from '../api/lib/server.mjs';
import { createCase } from '../api/lib/casekit.mjs';
import { launch, newPage, noErrors, shot, signIn, uiServer } from './lib/browser.mjs';

let srv;
let browser;
let caseRef;
const ADDRESS = '14 Lime Grove, London N4 2AB';
const PHONE = '07700 900417';

const NAV = {
	officer: ['My work', 'Cases', 'Devices'],
	supervisor: ['My work', 'Alert desk', 'Cases', 'Devices', 'Register', 'Compliance', 'Audit trail'],
	operator: ['My work', 'Alert desk', 'Cases', 'Devices'],
	clinician: ['My work', 'Cases'],
	advocate: ['My work', 'Cases'],
	analyst: ['My work', 'Cases', 'Register', 'Compliance'],
	admin: ['My work', 'Audit trail', 'Administration'],
};
/* a link's words without the work count and its words for screen readers */
const linkWords = (t) => t.replace(/\d*(:.*)?$/, '').trim();

before(async () => {
	srv = await uiServer(['--login-max-failures', '3', '--login-lockout', '60']);
	browser = await launch();
	const officer = await srv.login('officer');
	const c = await createCase(officer, { victims: [{ name: 'Hannah Price', identifiers: [{ kind: 'address', value: ADDRESS }, { kind: 'phone', value: PHONE }] }], suspect: { name: 'Gary Price' } });
	caseRef = c.ref;
	// the advocate sees the case once it is referred to her agency, the clinician once
	// its suspect is in the behaviour change programme
	let res = await officer.post(`/api/v1/cases/${caseRef}/referrals`, { agency: 'sas', note: 'for the STAC meeting' });
	assert.equal(res.status, 201, res.text);
	res = await officer.post(`/api/v1/cases/${caseRef}/programme`, { consent_note: 'consent recorded on form 12' });
	assert.equal(res.status, 201, res.text);
});
after(async () => {
	if (browser) await browser.close();
	if (srv) assert.equal(await srv.stop(), 0);
});

describe('each role sees only what it may', () => {
	for (const role of ROLES) {
		test(`${role}: the navigation offers exactly ${NAV[role].join(', ')}`, async () => {
			const page = await newPage(browser);
			await signIn(page, srv, role);
			const links = await page.getByRole('navigation', { name: 'Main' }).getByRole('link').allTextContents();
			assert.deepEqual(links.map(linkWords), NAV[role]);
			await page.locator('main h1').waitFor();
			await shot(page, `home-${role}`);
			// 'New case' only for the roles that create cases
			if (NAV[role].includes('Cases')) {
				await page.goto(`${srv.url}/#/cases`);
				await page.locator('table, main p.muted').first().waitFor();
				const newCase = await page.getByRole('link', { name: 'New case' }).count();
				assert.equal(newCase, ['officer', 'supervisor'].includes(role) ? 1 : 0, `${role}: New case offered?`);
			}
			noErrors(page);
			await page.context().close();
		});
	}

	test('a page the role may not use is refused, not shown', async () => {
		const page = await newPage(browser);
		await signIn(page, srv, 'officer');
		for (const hash of ['#/desk', '#/compliance', '#/admin']) {
			await page.goto(`${srv.url}/${hash}`);
			await page.getByRole('heading', { name: 'Not available' }).waitFor();
		}
		await page.goto(`${srv.url}/#/cases/new`);
		await page.getByRole('heading', { name: 'New case' }).waitFor();
		await page.getByRole('button', { name: 'Sign out' }).click();
		await signIn(page, srv, 'admin');
		await page.goto(`${srv.url}/#/cases`);
		await page.getByRole('heading', { name: 'Not available' }).waitFor();
		noErrors(page);
		await page.context().close();
	});

	test("the victim's address is in the page for the officer and the advocate, and nowhere in it for the clinician and the analyst", async () => {
		for (const [role, sees] of [['officer', true], ['advocate', true], ['clinician', false], ['analyst', false]]) {
			const page = await newPage(browser);
			await signIn(page, srv, role);
			await page.goto(`${srv.url}/#/cases/${caseRef}`);
			try {
				await page.getByRole('heading', { name: `Case ${caseRef}` }).waitFor();
			} catch (err) {
				await shot(page, `failed-case-${role}`);
				throw new Error(`${role}: ${err.message}\n${await page.locator('main').innerText()}`);
			}
			await page.getByText('Hannah Price').waitFor();
			const html = await page.content();
			assert.equal(html.includes('Lime Grove'), sees, `${role} ${sees ? 'sees' : 'must not see'} her address`);
			// need to know: her phone and her care only to the roles that protect her
			assert.equal(html.includes('900417'), sees, `${role} ${sees ? 'sees' : 'must not see'} her phone`);
			const tabs = await page.locator('nav[aria-label="Case sections"] a').allInnerTexts();
			assert.equal(tabs.includes('Victim contact'), sees, `${role}: tabs ${tabs.join(', ')}`);
			assert.ok(tabs.includes('Incidents and evidence'), `${role} reads the file`);
			if (!sees) await page.getByText(/withheld from your role: .*contact details/).waitFor();
			await shot(page, `case-summary-${role}`);
			noErrors(page);
			await page.context().close();
		}
	});
});

describe('signing in and out', () => {
	test('a wrong password says so, and the password field is emptied', async () => {
		const page = await newPage(browser);
		await page.goto(`${srv.url}/`);
		await page.getByLabel('Username').fill('analyst');
		await page.getByLabel('Password').fill('not-the-password');
		await page.getByRole('button', { name: 'Sign in' }).click();
		await page.getByText('Wrong username or password.').waitFor();
		assert.equal(await page.getByLabel('Password').inputValue(), '');
		await shot(page, 'signin-wrong-password');
		await page.context().close();
	});

	test('an account locked after repeated failures says it is locked and what to do', async () => {
		const page = await newPage(browser);
		await page.goto(`${srv.url}/`);
		let text = '';
		for (let i = 0; i < 6 && !/locked/.test(text); i++) {
			await page.getByLabel('Username').fill('supervisor');
			await page.getByLabel('Password').fill(`wrong-${i}`);
			await page.getByRole('button', { name: 'Sign in' }).click();
			await page.locator('.form-error:not(:empty)').waitFor();
			await page.waitForTimeout(1100); // the back-off between failures
			text = await page.locator('.form-error').textContent();
		}
		assert.match(text, /This account is locked after too many wrong passwords\..*ask an administrator to unlock it/);
		await shot(page, 'signin-locked');
		await page.context().close();
		// unlock for the other tests
		const admin = await srv.login('admin');
		const u = await admin.get('/api/v1/users/supervisor');
		assert.equal((await admin.patch('/api/v1/users/supervisor', { version: u.body.version, unlock: true })).status, 200);
	});

	test('signing out returns to the sign-in page and the session is gone', async () => {
		const page = await newPage(browser);
		await signIn(page, srv, 'analyst');
		await page.getByRole('button', { name: 'Sign out' }).click();
		await page.getByText('You have signed out.').waitFor();
		await page.goto(`${srv.url}/#/compliance`);
		await page.getByRole('heading', { name: 'Sign in to Vigil' }).waitFor();
		await page.context().close();
	});

	test('a session that expires while idle says so, and signing in again returns to the page', async () => {
		const idle = await uiServer(['--session-idle', '2']);
		try {
			const page = await newPage(browser);
			await signIn(page, idle, 'supervisor');
			await page.getByRole('heading', { name: 'Alert desk' }).waitFor();
			await page.waitForTimeout(3000);
			await page.getByRole('link', { name: 'Cases' }).click();
			await page.getByText('Your session expired: sign in again to carry on.').waitFor();
			await shot(page, 'signin-expired');
			await page.getByLabel('Username').fill('supervisor');
			await page.getByLabel('Password').fill(idle.passwords.supervisor);
			await page.getByRole('button', { name: 'Sign in' }).click();
			await page.getByRole('heading', { name: 'Cases' }).waitFor();
			noErrors(page);
			await page.context().close();
		} finally {
			await idle.stop();
		}
	});
});
