// The stalkers register in the browser (issue 19): a supervisor enters a
// convicted stalker with an SPO; a new report in another force naming his
// phone in another format raises the match at once for that officer (on the
// case) and her supervisor (in her work), and tells the entry's officer in
// his; a role that may not read the register sees only that a match exists
// and whom to ask; an overdue review is in the officer's work; the oversight
// report lists every search; the export is signed, imports into another Vigil,
// and a tampered file is refused.  Each page is checked with axe-core.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { cli, sqlite } from '../api/lib/server.mjs';
import { checkPage, launch, newPage, noErrors, signIn, uiServer } from './lib/browser.mjs';

let srv;
let other;
let browser;
let dir;
let entryId;
let caseRef;
const NAME = 'Darren Fixley';

before(async () => {
	dir = fs.mkdtempSync(path.join(process.env.TMPDIR || '/tmp', 'vigil-register-ui-'));
	const key = path.join(dir, 'met.key');
	const r = cli(['audit', 'keygen', '--key', key]);
	assert.equal(r.status, 0, r.stderr);
	const pk = r.stdout.match(/public key: ([0-9a-f]{64})/)[1];
	fs.writeFileSync(path.join(dir, 'trusted'), `${pk} met\n`);
	[srv, other] = await Promise.all([uiServer(['--register-key', key]), uiServer(['--register-trust', path.join(dir, 'trusted')])]);
	srv.addAgency('kent', 'police', 'Kent Police');
	srv.addUser('kentoff', 'officer', 'kent');
	srv.addUser('kentsup', 'supervisor', 'kent');
	browser = await launch();
});
after(async () => {
	if (browser) await browser.close();
	await Promise.all([srv, other].filter(Boolean).map(async (s) => assert.equal(await s.stop(), 0)));
	if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

async function as(server, username) {
	const page = await newPage(browser);
	await signIn(page, server, username);
	return page;
}

describe('the register in the browser', () => {
	test('a supervisor enters a convicted stalker with an SPO', async () => {
		const page = await as(srv, 'supervisor');
		await page.getByRole('link', { name: 'Register' }).click();
		await page.getByRole('heading', { name: 'Stalkers register' }).waitFor();
		await checkPage(page, 'register-home');
		const form = page.getByRole('form', { name: 'Enter a person on the register' });
		await form.getByLabel(/^Name/).fill(NAME);
		await form.getByLabel(/^Date of birth/).fill('1982-05-06');
		await form.getByLabel(/^Phone/).fill('07700 900555');
		await form.getByLabel(/^Lawful basis/).selectOption('spo');
		await form.getByLabel(/^Its reference/).fill('SPO 2026/118, Westminster Magistrates');
		await form.getByLabel(/^Category/).selectOption('serial');
		await form.getByLabel(/^Level of management/).selectOption('2');
		await form.getByLabel(/^Responsible officer/).fill('officer');
		await form.getByLabel(/^Reason for the decision/).fill('convicted of stalking two women; full SPO granted');
		await form.getByRole('button', { name: 'Enter on the register' }).click();
		await page.getByRole('heading', { name: `Register: ${NAME}` }).waitFor();
		assert.match(await page.locator('main').innerText(), /Stalking Protection Order: SPO 2026\/118/);
		assert.match(await page.locator('main').innerText(), /Phone: \+447700900555/);
		entryId = Number(new URL(page.url()).hash.match(/register\/(\d+)/)[1]);
		await checkPage(page, 'register-entry');
		await page.context().close();
	});

	test('a new report in another force naming his phone another way raises the match for her at once', async () => {
		const page = await as(srv, 'kentoff');
		await page.getByRole('link', { name: 'Cases' }).click();
		await page.getByRole('link', { name: 'New case' }).click();
		await page.getByRole('heading', { name: 'New case' }).waitFor();
		await page.getByLabel('Relationship of the suspect to the victim').selectOption('stranger');
		await page.getByLabel('How the report came in').selectOption('in_person');
		await page.getByLabel('Summary').fill('A man keeps texting her and waiting at the station');
		await page.getByLabel('Victim’s name').fill('Amira Stone');
		await page.getByLabel('Suspect’s name (if known)').fill('Unknown texter');
		await page.getByLabel('His phone (optional)').fill('+44 (0) 7700-900-555');
		await page.getByRole('button', { name: 'Create case' }).click();
		const card = page.locator('#recognition');
		await card.getByRole('heading', { name: 'The suspect is known' }).waitFor();
		const text = await card.innerText();
		assert.match(text, new RegExp(`On the stalkers register: ${NAME}`));
		assert.match(text, /matched by phone \+447700900555/);
		caseRef = new URL(page.url()).hash.match(/cases\/([^/?]+)/)[1];
		await checkPage(page, 'register-recognised-at-intake');
		await page.context().close();
	});

	test('his phone learnt after intake is added on the case, and he is recognised then', async () => {
		const kentoff = await srv.login('kentoff');
		const res = await kentoff.post('/api/v1/cases', { relationship: 'stranger', channel: 'in_person', summary: 'flowers left at her door', victims: [{ name: 'Bea Long' }], suspect: { name: 'Flower man' } });
		assert.equal(res.status, 201, res.text);
		const page = await as(srv, 'kentoff');
		await page.goto(`${srv.url}/#/cases/${res.body.ref}`);
		const form = page.getByRole('form', { name: 'Add what identifies the suspect' });
		await form.getByLabel(/^Kind of identifier/).selectOption('phone');
		await form.getByLabel(/^Identifier/).fill('07700900555');
		await form.getByRole('button', { name: 'Add and check again' }).click();
		await page.locator('#recognition').getByRole('heading', { name: 'The suspect is known' }).waitFor();
		assert.match(await page.locator('#recognition').innerText(), new RegExp(`On the stalkers register: ${NAME}`));
		await checkPage(page, 'register-recognised-later');
		await page.context().close();
	});

	test('her supervisor has it in her work and marks it seen', async () => {
		const page = await as(srv, 'kentsup');
		await page.getByRole('link', { name: /My work/ }).click();
		const item = page.locator('[data-kind=recognition]').filter({ hasText: caseRef });
		await item.first().waitFor();
		assert.match(await item.first().innerText(), /The suspect is on the stalkers register/);
		await checkPage(page, 'register-supervisor-work');
		await item.first().getByRole('link').click();
		await page.locator('#recognition').waitFor();
		await page.locator('#recognition').getByRole('button', { name: /Mark recognition \d+ seen/ }).click();
		await page.locator('#recognition').getByText(/Seen by a supervisor/).waitFor();
		noErrors(page);
		await page.context().close();
	});

	test('the entry\'s officer is told in his work, and acknowledges', async () => {
		const page = await as(srv, 'officer');
		await page.getByRole('link', { name: /My work/ }).click();
		const item = page.locator('[data-kind=register_match]').first();
		await item.waitFor();
		assert.match(await item.innerText(), new RegExp(`${NAME}, on the register, is the suspect of a new case`));
		assert.match(await item.innerText(), /new case in kent/);
		assert.ok(!(await item.innerText()).includes(caseRef), 'he is not shown the other force\'s case');
		await item.getByRole('link').click();
		await page.getByRole('heading', { name: `Register: ${NAME}` }).waitFor();
		const buttons = page.getByRole('button', { name: /^Acknowledge the new case of kent \(recognition \d+\)$/ });
		assert.equal(await buttons.count(), 2, 'two new cases: one at intake, one identified later');
		await checkPage(page, 'register-entry-told');
		await buttons.first().click();
		await page.locator('#entry-recognitions').getByText('acknowledged').waitFor();
		noErrors(page);
		await page.context().close();
	});

	test('a role that may not read the register sees only that a match exists and whom to ask', async () => {
		const kentoff = await srv.login('kentoff');
		const res = await kentoff.post(`/api/v1/cases/${caseRef}/referrals`, { agency: 'sas', note: 'advocacy for her' });
		assert.equal(res.status, 201, res.text);
		const page = await as(srv, 'advocate');
		await page.goto(`${srv.url}/#/cases/${caseRef}`);
		const card = page.locator('#recognition');
		await card.waitFor();
		const text = await card.innerText();
		assert.match(text, /A match on the register exists that your role may not see: ask .+ \(met\)/);
		assert.ok(!text.includes(NAME) && !text.includes('+447700900555'), text);
		await checkPage(page, 'register-match-hidden');
		await page.context().close();
	});

	test('an overdue review is in the responsible officer\'s work and on the compliance view', async () => {
		sqlite(srv.db, `UPDATE register_entries SET next_review_at = ${Date.now() - 3 * 864e5} WHERE id = ${entryId}`);
		const page = await as(srv, 'officer');
		await page.getByRole('link', { name: /My work/ }).click();
		const item = page.locator('[data-kind=register_review]');
		await item.waitFor();
		assert.match(await item.innerText(), new RegExp(`Review the register entry of ${NAME}`));
		assert.match(await item.innerText(), /overdue since/);
		await page.context().close();
		// and on his force's compliance view
		const sup = await as(srv, 'supervisor');
		await sup.getByRole('link', { name: 'Compliance' }).click();
		const list = sup.locator('[data-list=register_reviews_overdue]');
		await list.getByRole('link', { name: NAME }).waitFor();
		assert.match(await list.locator('h3').textContent(), /Register reviews overdue: 1/);
		noErrors(sup);
		await sup.context().close();
	});

	test('the oversight report lists every search, who, why and how often', async () => {
		const kp = await as(srv, 'kentsup');
		await kp.getByRole('link', { name: 'Register' }).click();
		const search = kp.getByRole('search', { name: 'Search the stalkers register' });
		await search.getByLabel(/^Name or identifier/).fill('07700900555');
		await search.getByLabel(/^Purpose of the search/).fill('a new report names this number');
		await search.getByRole('button', { name: 'Search the register' }).click();
		await kp.locator('#register-results [data-entry]').waitFor();
		await kp.context().close();
		// the officer's views first: his force's oversight lists them
		const met = await as(srv, 'supervisor');
		await met.goto(`${srv.url}/#/register/oversight`);
		await met.getByRole('heading', { name: 'Register oversight' }).waitFor();
		const metRows = await met.locator('#oversight-accesses tbody tr').allInnerTexts();
		assert.ok(metRows.some((r) => /officer \(met\)/.test(r) && /viewed entry/.test(r)), metRows.join('\n'));
		assert.ok(!metRows.some((r) => /kentsup/.test(r)), 'Kent\'s searches are Kent\'s to oversee');
		await met.context().close();
		const page = await as(srv, 'kentsup');
		await page.goto(`${srv.url}/#/register/oversight`);
		await page.getByRole('heading', { name: 'Register oversight' }).waitFor();
		const rows = page.locator('#oversight-accesses tbody tr');
		const all = await rows.allInnerTexts();
		assert.ok(all.some((r) => /kentsup \(kent\)/.test(r) && /searched by Phone/.test(r) && /a new report names this number/.test(r)), all.join('\n'));
		assert.ok(!all.join('\n').includes('900555'), 'queries are hashed');
		assert.match(await page.locator('#oversight-users tr[data-user=kentsup]').innerText(), /kent\s+1\s+0/);
		await checkPage(page, 'register-oversight');
		await page.context().close();
	});

	test('export from one Vigil, import into another; a tampered file is refused', async () => {
		const page = await as(srv, 'supervisor');
		await page.getByRole('link', { name: 'Register' }).click();
		await page.getByRole('button', { name: 'Export the register (signed)' }).click();
		const link = page.getByRole('link', { name: 'Save the signed file' });
		await link.waitFor();
		const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
		const file = path.join(dir, 'export.json');
		await download.saveAs(file);
		await page.context().close();
		const doc = JSON.parse(fs.readFileSync(file, 'utf8'));
		assert.equal(doc.signature.algorithm, 'ed25519');
		const tampered = path.join(dir, 'tampered.json');
		fs.writeFileSync(tampered, JSON.stringify({ ...doc, payload: doc.payload.replace('"level":2', '"level":1') }));

		const op = await as(other, 'supervisor');
		await op.getByRole('link', { name: 'Register' }).click();
		const form = op.getByRole('form', { name: 'Import a signed register file' });
		await form.getByLabel(/^Signed file/).setInputFiles(tampered);
		await form.getByLabel(/^Reason/).fill('monthly exchange with the Met');
		await form.getByRole('button', { name: 'Verify and import' }).click();
		await form.getByText(/the signature does not verify/).waitFor();
		await form.getByLabel(/^Signed file/).setInputFiles(file);
		await form.getByRole('button', { name: 'Verify and import' }).click();
		await op.getByText('Verified: signed by met. 1 added, 0 updated.').waitFor();
		await checkPage(op, 'register-imported');
		const search = op.getByRole('search', { name: 'Search the stalkers register' });
		await search.getByLabel(/^Name or identifier/).fill('fixley');
		await search.getByLabel(/^Purpose of the search/).fill('checking the import');
		await search.getByRole('button', { name: 'Search the register' }).click();
		await op.locator('#register-results').getByRole('link', { name: NAME }).waitFor();
		noErrors(op);
		await op.context().close();
	});
});
