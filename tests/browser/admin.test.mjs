// Administration through the UI: add a user of her own agency (the API's
// refusal shown next to the field), change a role, disable and enable, add an
// agency, grant a monitoring contractor and revoke it, add a service account
// and issue a token for it (shown once, listed at once) and revoke it.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { noErrors, shot, signedIn, startUi, stopUi } from './lib/browser.mjs';

let srv;
let browser;
let page;
let admin;

before(async () => {
	({ srv, browser } = await startUi());
	page = await signedIn(browser, srv, 'admin');
	await page.getByRole('link', { name: 'Administration' }).click();
	await page.getByRole('heading', { name: 'Administration' }).waitFor();
	admin = await srv.login('admin');
});
after(() => stopUi({ srv, browser }));

/** Add an agency through the form, and wait for it in the list. */
async function addAgency(code, name, kind) {
	const form = page.getByRole('form', { name: 'Add an agency' });
	await form.getByLabel('Code').fill(code);
	await form.getByLabel('Name').fill(name);
	await form.getByLabel('Kind').selectOption(kind);
	await form.getByRole('button', { name: 'Add agency' }).click();
	await page.getByText(`${name} (${code}, ${kind})`).waitFor();
}

describe('administration', () => {
	test('add a user: a short password is refused next to its field, then the user is made', async () => {
		const form = page.getByRole('form', { name: 'Add a user' });
		await form.getByLabel('Username').fill('jsmith');
		await form.getByLabel('Full name').fill('DC Jane Smith');
		await form.getByLabel('Role').selectOption('officer');
		await form.getByLabel('Initial password').fill('short');
		await form.getByRole('button', { name: 'Add user' }).click();
		await form.locator('[data-error-for="password"]', { hasText: 'at least 12 characters' }).waitFor();
		await shot(page, 'admin-user-error');
		await form.getByLabel('Initial password').fill('a-long-enough-passphrase');
		await form.getByRole('button', { name: 'Add user' }).click();
		await page.locator('tr[data-user="jsmith"]').waitFor();
		const u = await admin.get('/api/v1/users/jsmith');
		assert.equal(u.body.role, 'officer');
		assert.equal(u.body.agency.code, 'met');
		noErrors(page);
	});

	test('change a role, disable and enable a user', async () => {
		const row = page.locator('tr[data-user="jsmith"]');
		await row.getByLabel('Role of jsmith').selectOption('supervisor');
		await row.getByRole('button', { name: 'Save jsmith' }).click();
		await expectField('role', 'supervisor');
		await page.locator('tr[data-user="jsmith"]').getByRole('button', { name: 'Disable' }).click();
		await page.locator('tr[data-user="jsmith"]', { hasText: 'disabled' }).waitFor();
		assert.equal((await admin.get('/api/v1/users/jsmith')).body.disabled, true);
		await page.locator('tr[data-user="jsmith"]').getByRole('button', { name: 'Enable' }).click();
		await page.locator('tr[data-user="jsmith"]', { hasText: 'active' }).waitFor();
		assert.equal((await admin.get('/api/v1/users/jsmith')).body.disabled, false);
		noErrors(page);
	});

	test('add an agency', async () => {
		await addAgency('btp', 'British Transport Police', 'police');
		noErrors(page);
	});

	test('offer a monitoring contractor, which its administrator accepts in its own admin page; then end it', async () => {
		await addAgency('g4s', 'Monitoring Contractor Ltd', 'contractor');
		const form = page.getByRole('form', { name: 'Offer monitoring' });
		await form.getByLabel('Centre').selectOption('g4s');
		await form.getByLabel('Note (the agreement)').fill('contract 2026/14');
		await form.getByRole('button', { name: 'Offer monitoring' }).click();
		await page.getByText(/Monitoring Contractor Ltd \(g4s\) since .* contract 2026\/14/).waitFor();
		await page.getByText('offered, not yet accepted').waitFor();
		let grants = (await admin.get('/api/v1/service-grants')).body.grants;
		assert.deepEqual(grants.map((g) => [g.client, g.provider, g.state]), [['met', 'g4s', 'offered']]);
		await shot(page, 'admin-grants-offered');
		// g4s's administrator accepts it in her own page
		srv.addUser('g4s-admin', 'admin', 'g4s');
		const other = await signedIn(browser, srv, 'g4s-admin');
		await other.goto(`${srv.url}/#/admin`);
		await other.getByRole('button', { name: 'Accept met' }).click();
		await other.getByText('in force').waitFor();
		await other.context().close();
		grants = (await admin.get('/api/v1/service-grants')).body.grants;
		assert.equal(grants[0].state, 'accepted');
		await page.reload();
		page.once('dialog', (d) => d.accept());
		await page.getByRole('button', { name: 'End g4s' }).click();
		await page.getByRole('form', { name: 'Offer monitoring' }).getByLabel('Centre').locator('option[value="g4s"]').waitFor({ state: 'attached' });
		assert.deepEqual((await admin.get('/api/v1/service-grants')).body.grants, []);
		noErrors(page);
	});

	test('add a service account and issue it a token, shown once and listed at once, then revoke it', async () => {
		const users = page.getByRole('form', { name: 'Add a user' });
		await users.getByLabel('Username').fill('control-room');
		await users.getByLabel('Role').selectOption('operator');
		await users.getByLabel(/A service account/).check();
		assert.equal(await users.getByLabel('Initial password').isVisible(), false, 'no password for a service account');
		await users.getByRole('button', { name: 'Add user' }).click();
		await page.locator('tr[data-user="control-room"]', { hasText: 'service account' }).waitFor();
		const form = page.getByRole('form', { name: 'Issue a token' });
		await form.getByLabel('Name').fill('force control room');
		await form.getByLabel('Acts as').selectOption('control-room');
		await form.getByRole('button', { name: 'Issue token' }).click();
		const token = await form.locator('code.token').textContent();
		assert.match(token, /^vgl_/);
		await page.getByRole('button', { name: 'Revoke force control room' }).waitFor();
		const me = await srv.bearer(token).get('/api/v1/me');
		assert.equal(me.status, 200);
		assert.equal(me.body.user.username, 'control-room');
		// a person of the agency is not offered: a token acts as its account
		const offered = await form.getByLabel('Acts as').locator('option').allTextContents();
		assert.ok(!offered.some((o) => o.startsWith('jsmith')), offered.join());
		await shot(page, 'admin-token');
		await page.reload();
		await page.getByRole('heading', { name: 'API tokens' }).waitFor();
		assert.equal(await page.locator('code.token').count(), 0, 'the token is not shown again');
		page.once('dialog', (d) => d.accept());
		await page.getByRole('button', { name: 'Revoke force control room' }).click();
		await page.locator('td', { hasText: /^revoked / }).waitFor();
		assert.equal((await srv.bearer(token).get('/api/v1/me')).status, 401);
		noErrors(page);
	});
});

async function expectField(field, value) {
	for (let i = 0; i < 50; i++) {
		if ((await admin.get('/api/v1/users/jsmith')).body[field] === value) return;
		await new Promise((r) => setTimeout(r, 100));
	}
	assert.fail(`jsmith's ${field} did not become ${value}`);
}
