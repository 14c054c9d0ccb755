// A day at the centre, in the browser alone: the world is set up through the
// API (cases in every state, an order to serve, a breach, a monitored case
// with an alert, a locked account, a monitoring offer), then each of the
// seven roles signs in, opens My work and completes every item in it through
// the forms it opens, until nothing is waiting for her; the analyst, who has
// nothing to complete, reads her statistics and downloads them.  Every page
// met is checked with axe-core (no serious or critical violation, no two
// buttons with one name) and saved as a screenshot.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, test } from 'node:test';

import { assess, daysAgo, inDays, makePlan, newCase } from '../api/lib/cases.mjs';
import { circle, monitoringKit } from '../api/lib/monitorkit.mjs';
import { sqlite } from '../api/lib/server.mjs';
import { assertAccessible, launch, newPage, noErrors, shot, signIn, uiServer } from './lib/browser.mjs';

let srv;
let browser;
const api = {};
const ref = {};

before(async () => {
	srv = await uiServer(['--login-max-failures', '3', '--login-backoff-ms', '10']);
	browser = await launch();
	for (const role of ['officer', 'supervisor', 'operator', 'advocate']) api[role] = await srv.login(role);
	let res;

	// the officer's caseload
	res = await api.officer.post('/api/v1/cases', { relationship: 'stranger', channel: 'online', summary: 'Messages from an unknown account', victims: [{ name: 'Amy Intake' }] });
	assert.equal(res.status, 201, res.text);
	ref.intake = res.body.ref; // to screen, then assess, then plan
	res = await api.officer.post('/api/v1/cases', {
		relationship: 'work', channel: 'online', summary: 'A colleague will not leave her alone', victims: [{ name: 'Bea Signoff' }],
		classifications: ['harassment'], classification_reason: 'a dispute at work',
		screening: { fixated: { answer: true, note: 'yes' }, obsessive: { answer: true, note: 'yes' }, unwanted: { answer: true, note: 'yes' }, repeated: { answer: true, note: 'for weeks' } },
	});
	assert.equal(res.status, 201, res.text);
	ref.signoff = res.body.ref; // the supervisor signs it off; the officer assesses it
	ref.order = (await newCase(api.officer, { victim: 'Cara Order' })).ref;
	await assess(api.officer, ref.order, 'high');
	res = await api.officer.post(`/api/v1/cases/${ref.order}/orders`, { kind: 'spo_interim', status: 'granted', granted_at: daysAgo(0.2), reference: 'HCMC/2026/0101' });
	assert.equal(res.status, 201, res.text); // to serve; she is to be told; high risk: an advocate to offer; no plan yet
	ref.breach = (await newCase(api.officer, { victim: 'Dee Breach' })).ref;
	await assess(api.officer, ref.breach, 'medium');
	await makePlan(api.officer, ref.breach, { due: daysAgo(1) }); // an overdue action
	res = await api.officer.post(`/api/v1/cases/${ref.breach}/orders`, { kind: 'spo_interim', status: 'granted', granted_at: daysAgo(5), served_at: daysAgo(5) });
	assert.equal(res.status, 201, res.text); // he missed his duty to notify
	res = await api.officer.post(`/api/v1/cases/${ref.breach}/orders/${res.body.order.id}/breaches`, { occurred_at: daysAgo(0.5), description: 'came to her door' });
	assert.equal(res.status, 201, res.text); // a crime record; the review due now
	res = await api.officer.post(`/api/v1/cases/${ref.breach}/programme`, { consent_note: 'signed form 12' });
	assert.equal(res.status, 201, res.text);
	const plan = (await api.officer.get(`/api/v1/cases/${ref.breach}/plan`)).body;
	res = await api.officer.post(`/api/v1/cases/${ref.breach}/plan/actions`, { version: plan.version, category: 'treatment', description: 'Start the behaviour change sessions', owner: 'clinician', due_at: inDays(3) });
	assert.equal(res.status, 201, res.text); // the clinician's
	res = await api.officer.post(`/api/v1/cases/${ref.breach}/referrals`, { agency: 'sas', note: 'advocacy' });
	assert.equal(res.status, 201, res.text);
	res = await api.officer.put(`/api/v1/cases/${ref.breach}/victim-care/spoc`, { username: 'advocate' });
	assert.equal(res.status, 200, res.text);
	res = await api.officer.post(`/api/v1/cases/${ref.breach}/tasks`, { event: 'charge', occurred_at: daysAgo(0.2), detail: 'charged with stalking' });
	assert.equal(res.status, 201, res.text); // the advocate tells her
	// last contacted ten days ago: the advocate is due to call her
	res = await api.advocate.post(`/api/v1/cases/${ref.breach}/victim-care/contacts`, { at: daysAgo(0.1), method: 'phone', told: 'about the order' });
	assert.equal(res.status, 201, res.text);
	sqlite(srv.db, `UPDATE victim_contacts SET contacted_at = contacted_at - ${10 * 86400000} WHERE case_id = (SELECT id FROM cases WHERE ref = '${ref.breach}')`);

	// a monitored case with an alert on the desk
	const kit = monitoringKit(srv, api);
	const m = await kit.monitored({ zones: [circle([51.52, -0.1], 200)] });
	ref.monitored = m.ref;
	await kit.trail(m.tag, [[51.52, -0.1]]);
	await kit.waitAlert(ref.monitored, 'zone_entry');

	// a locked account, and another force offering the centre its monitoring
	srv.addUser('dc-locked', 'officer', 'met');
	for (let i = 0; i < 12; i++) {
		res = await srv.client().post('/api/v1/login', { username: 'dc-locked', password: `wrong-${i}` });
		if (res.status === 429 && res.body.error.code === 'account_locked') break;
		await new Promise((r) => setTimeout(r, Number(res.headers.get('retry-after') || 0) * 1000 + 20));
	}
	srv.addAgency('kent', 'police', 'Kent Police');
	srv.addUser('kent-admin', 'admin', 'kent');
	const kent = await srv.login('kent-admin');
	res = await kent.post('/api/v1/service-grants', { provider: 'met', note: 'out of hours monitoring' });
	assert.equal(res.status, 201, res.text);
});
after(async () => {
	if (browser) await browser.close();
	if (srv) assert.equal(await srv.stop(), 0);
});

/* Each page is checked with axe-core and saved, once per role and kind of page. */
async function look(page, who, name, checked) {
	await page.waitForLoadState('networkidle').catch(() => {});
	const key = `${who}-${name}`;
	if (checked.has(key)) return;
	checked.add(key);
	await shot(page, `day-${key}`);
	await assertAccessible(page, key);
}

async function work(page) {
	await page.getByRole('link', { name: /^My work/ }).click();
	await page.getByRole('heading', { name: 'My work' }).waitFor();
	await page.locator('main p[role=status]').waitFor();
	return page.locator('ul.work-list > li').evaluateAll((lis) => lis.map((li) => ({ key: li.dataset.item, kind: li.dataset.kind })));
}

const form = (page, name) => page.getByRole('form', { name });
const now = () => {
	const d = new Date(Date.now() - 60000);
	const p = (x) => String(x).padStart(2, '0');
	return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
};

/* How each kind of item is completed, in the form it opens. */
const DO = {
	async screening(page) {
		const f = form(page, 'FOUR screening');
		for (const q of ['Fixated', 'Obsessive', 'Unwanted', 'Repeated']) {
			const set = f.getByRole('group', { name: new RegExp(`^${q}:`) });
			await set.getByLabel('Yes').check();
			await set.getByLabel('What she said').fill(`${q.toLowerCase()}: as she put it`);
		}
		await f.getByRole('button', { name: 'Save screening' }).click();
	},
	async assessment(page) {
		const rows = page.locator('fieldset.answer-row');
		await rows.first().waitFor();
		const n = await rows.count();
		for (let i = 0; i < n; i++) await rows.nth(i).getByLabel(i < 10 ? 'Yes' : 'No', { exact: true }).check();
		await page.getByRole('button', { name: 'Save assessment' }).click();
		await page.locator('[data-assessment]').first().waitFor();
	},
	async plan(page) {
		// the plan tab shows one of the two once it has read the case: wait for
		// it (counting at once could miss the first and never make the plan)
		await form(page, 'Make the plan').or(form(page, 'Add an action')).first().waitFor();
		if (await form(page, 'Make the plan').count()) {
			await form(page, 'Make the plan').getByLabel('What the plan sets out to do').fill('Keep her safe; stop the contact');
			await form(page, 'Make the plan').getByRole('button', { name: 'Make plan' }).click();
		}
		const f = form(page, 'Add an action');
		await f.getByLabel('Category').selectOption('victim_safety');
		await f.getByLabel('Owner (username)').fill('officer');
		await f.getByLabel('Due').fill(new Date(Date.now() + 10 * 86400000).toLocaleDateString('en-CA'));
		await f.getByLabel('Action').fill('Fit new locks and a doorbell camera');
		await f.getByRole('button', { name: 'Add action' }).click();
		await page.locator('tr[data-action]').first().waitFor();
	},
	async plan_action(page) {
		const f = page.locator('form.target');
		await f.getByLabel('Status').selectOption('done');
		await f.getByRole('button', { name: /^Save the action/ }).click();
	},
	async review(page) {
		const f = form(page, 'Record a review');
		await f.getByLabel('What the review found').fill('The plan stands; the breach is dealt with');
		await f.getByRole('button', { name: 'Record review' }).click();
	},
	async notify_victim(page) {
		const f = page.locator('form.target');
		await f.getByLabel(/^How she was told/).fill('by phone, she understood');
		await f.getByRole('button', { name: /^She has been told/ }).click();
	},
	async contact(page) {
		const f = form(page, 'Record contact');
		await f.getByLabel('What she was told').fill('Checked she is safe; the order stands');
		await f.getByRole('button', { name: 'Record contact' }).click();
	},
	async advocacy_referral(page) {
		const f = form(page, 'Refer her');
		await f.getByLabel('Service').selectOption('advocacy');
		await f.getByRole('combobox', { name: /Partner agency/ }).selectOption('sas');
		await f.getByRole('button', { name: 'Record referral' }).click();
	},
	async signoff(page) {
		const f = form(page, 'Sign off the classification');
		await f.getByLabel(/^Approve/).check();
		await f.getByLabel('Why').fill('A dispute at work, not a course of conduct against her');
		await f.getByRole('button', { name: 'Record the sign-off' }).click();
	},
	async order_service(page) {
		const f = page.locator('form.target');
		await f.getByLabel('Served at').fill(now());
		await f.getByRole('button', { name: /^Record service/ }).click();
	},
	async duty_to_notify(page) {
		const f = page.locator('form.target');
		await f.getByLabel('He notified the police at').fill(now());
		await f.getByRole('button', { name: /^Record notification/ }).click();
	},
	async crime_record(page) {
		const f = page.locator('form.target');
		await f.getByLabel('Crime reference').fill('CRIS 01/5555/26');
		await f.getByRole('button', { name: /^Save crime record/ }).click();
	},
	async alert(page) {
		const detail = page.locator('.alert-detail');
		await detail.getByRole('heading', { level: 2 }).waitFor();
		if (await detail.getByRole('button', { name: 'Acknowledge' }).count()) {
			await detail.getByRole('button', { name: 'Acknowledge' }).click();
			await detail.locator('.protocol li.done', { hasText: 'Acknowledge' }).waitFor();
		}
		await detail.getByLabel('Outcome').selectOption('false_alarm');
		await detail.getByLabel('Note').fill('He was passing on the main road; no approach');
		await detail.getByRole('button', { name: 'Resolve alert' }).click();
		await detail.getByText(/^Resolved /).waitFor();
	},
	async locked_account(page) {
		const row = page.locator('tr.target, tr[data-target]');
		await row.getByRole('button', { name: /^Unlock/ }).click();
	},
	async grant_offer(page) {
		await page.locator('[data-target]').getByRole('button', { name: /^Accept/ }).click();
	},
};

/* Sign in as role and complete everything in her inbox through the forms
 * its items open; the kinds she did. */
async function day(role, { expect }) {
	const page = await newPage(browser);
	page.on('dialog', (d) => d.accept());
	const checked = new Set();
	await signIn(page, srv, role);
	const done = [];
	let items = await work(page);
	await look(page, role, 'work', checked);
	assert.ok(items.length > 0, `${role} has work to do`);
	for (let round = 0; items.length && round < 40; round++) {
		const item = items[0];
		assert.ok(DO[item.kind], `a form completes ${item.kind}`);
		await page.locator(`li[data-item="${item.key}"] a`).click();
		await page.locator('main h1, main h2').first().waitFor();
		await page.waitForLoadState('networkidle').catch(() => {});
		await look(page, role, item.kind, checked);
		await DO[item.kind](page);
		/* the page reflects the save at once: no manual refresh */
		await page.waitForLoadState('networkidle').catch(() => {});
		await page.locator('#toast:not([hidden])').waitFor().catch(() => {});
		done.push(item.kind);
		const before = items;
		items = await work(page);
		assert.ok(!items.some((i) => i.key === item.key), `${role}: "${item.key}" is gone from My work once done (it had ${before.length} items, now ${items.length})`);
	}
	assert.deepEqual(items, [], `${role} completed every item`);
	await page.getByText('Nothing is waiting for you.').waitFor();
	assert.equal(await page.locator('a[data-nav=work] .count').isHidden(), true, 'no count in the navigation');
	await shot(page, `day-${role}-done`);
	for (const k of expect) assert.ok(done.includes(k), `${role} completed a ${k} (did: ${done.join(', ')})`);
	noErrors(page);
	return { page, done };
}

describe("each role's whole day, in the browser", () => {
	test('the supervisor: her team\'s work, the sign-off and the alert', async () => {
		const page = await newPage(browser);
		await signIn(page, srv, 'supervisor');
		await page.goto(`${srv.url}/#/work?scope=team`);
		await page.getByRole('heading', { name: 'My team’s work' }).waitFor();
		const team = await page.locator('ul.work-list > li').allInnerTexts();
		assert.ok(team.some((t) => /for officer/.test(t)) && team.some((t) => /for advocate/.test(t)) && team.some((t) => /for clinician/.test(t)), team.join('\n'));
		await assertAccessible(page, 'supervisor-team');
		await shot(page, 'day-supervisor-team');
		await page.context().close();
		const { page: p2 } = await day('supervisor', { expect: ['signoff', 'alert'] });
		await p2.context().close();
	});

	test('the officer: screening, assessment, plan, actions, review, service, his notification, the crime record, telling her, her advocate', async () => {
		const { page } = await day('officer', { expect: ['screening', 'assessment', 'plan', 'plan_action', 'review', 'order_service', 'duty_to_notify', 'crime_record', 'notify_victim', 'advocacy_referral'] });
		// what she did reads as sentences on the timeline, in her time zone
		await page.goto(`${srv.url}/#/cases/${ref.breach}/timeline`);
		await page.locator('ol.timeline li').first().waitFor();
		const lines = await page.locator('ol.timeline li').allInnerTexts();
		assert.ok(lines.some((l) => /officer recorded the Stalking Protection Order \(interim\)/.test(l)), lines.join('\n'));
		assert.ok(!lines.some((l) => /spo_interim|\border \d+\b|\d{4}-\d\d-\d\dT/.test(l)), `no raw codes, ids or ISO times:\n${lines.join('\n')}`);
		assert.ok(lines.every((l) => / (GMT|BST) /.test(l)), 'local times with the zone');
		await assertAccessible(page, 'officer-timeline');
		await shot(page, 'day-officer-timeline');
		await page.context().close();
	});

	test('the operator: the alerts of her monitored cases (none left after the supervisor\'s? then a new one)', async () => {
		// the supervisor resolved the first alert: another approach for the operator
		const kit = monitoringKit(srv, api);
		const tag = (await api.operator.get(`/api/v1/cases/${ref.monitored}/monitoring`)).body.devices.find((d) => d.assignment.role === 'suspect').uid;
		await kit.trail(tag, [[51.6, -0.3], [51.52, -0.1]]);
		await kit.waitAlert(ref.monitored, 'zone_entry');
		const { page } = await day('operator', { expect: ['alert'] });
		await page.context().close();
	});

	test('the clinician: the plan action she owns, and no control over the others', async () => {
		const page = await newPage(browser);
		await signIn(page, srv, 'clinician');
		await page.goto(`${srv.url}/#/cases/${ref.breach}/plan`);
		await page.locator('tr[data-action]').first().waitFor();
		const rows = await page.locator('tr[data-action]').count();
		const forms = await page.locator('tr[data-action] form').count();
		assert.equal(forms, 1, `one form, for her own action (of ${rows})`);
		assert.equal(await page.getByRole('form', { name: 'Add an action' }).count(), 0, 'she does not add actions');
		assert.equal(await page.getByRole('form', { name: 'Record a review' }).count(), 0, 'nor record reviews');
		await page.context().close();
		const { page: p2 } = await day('clinician', { expect: ['plan_action'] });
		await p2.context().close();
	});

	test('the advocate: telling her of the charge, and her contact', async () => {
		const { page } = await day('advocate', { expect: ['notify_victim', 'contact'] });
		await page.context().close();
	});

	test('the analyst: nothing to complete; her statistics for a range of months, broken down, downloaded as CSV', async () => {
		const page = await newPage(browser, {});
		await signIn(page, srv, 'analyst');
		await page.getByRole('heading', { name: 'My work' }).waitFor();
		await page.getByText('Nothing is waiting for you.').waitFor();
		await page.getByRole('link', { name: 'Compliance' }).click();
		await page.getByRole('heading', { name: 'Compliance' }).waitFor();
		const month = new Date().toISOString().slice(0, 7);
		const prev = new Date(Date.now() - 40 * 86400000).toISOString().slice(0, 7);
		await page.getByLabel('From (month)').fill(prev);
		await page.getByLabel('To (month, included)').fill(month);
		await page.getByRole('button', { name: 'Show these months' }).click();
		await page.waitForURL(/#\/compliance\?from=/);
		await page.locator(`tr[data-month="${month}"]`).waitFor();
		const monthsShown = await page.locator('table.stats:not([data-breakdown]) tbody tr').count();
		const ordinal = (m) => Number(m.slice(0, 4)) * 12 + Number(m.slice(5, 7));
		assert.equal(monthsShown, ordinal(month) - ordinal(prev) + 1, 'one row a month of the range');
		const row = await page.locator(`tr[data-month="${month}"]`).innerText();
		assert.match(row, /^\s*\d{4}-\d\d\s+\d+/, row);
		await page.locator('table[data-breakdown="by_typology"]').waitFor();
		await page.locator('table[data-breakdown="by_risk_level"]').waitFor();
		await assertAccessible(page, 'analyst-statistics');
		await shot(page, 'day-analyst-statistics');
		const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download these months as CSV' }).click()]);
		const csv = fs.readFileSync(await download.path(), 'utf8');
		assert.match(download.suggestedFilename(), /^vigil-stats-met-.*\.csv$/);
		const lines = csv.trim().split('\r\n');
		assert.equal(lines.length, monthsShown + 1);
		assert.match(lines[0], /^month,from,to,reports,/);
		// the headline and the months agree: every open case was reported in the range
		const shown = await page.locator('[data-headline=share]').innerText();
		const [, withPlan, open] = shown.match(/(\d+) of (\d+) open cases/);
		const hint = await page.getByText(/Plan coverage counts each month/).innerText();
		assert.match(hint, new RegExp(`here ${withPlan} of ${open}\\)`));
		noErrors(page);
		await page.context().close();
	});

	test('the administrator: the locked account, the monitoring offer; a password reset; the audit trail verified', async () => {
		const { page } = await day('admin', { expect: ['locked_account', 'grant_offer'] });
		await page.getByRole('link', { name: 'Administration' }).click();
		const row = page.locator('tr[data-user="dc-locked"]');
		await row.getByText('Reset the password of dc-locked').click();
		const f = page.getByRole('form', { name: 'Reset the password of dc-locked' });
		await f.getByLabel('New password for dc-locked').fill('short');
		await f.getByRole('button', { name: /^Set password/ }).click();
		await f.locator('.field-error', { hasText: 'at least 12 characters' }).waitFor();
		await f.getByLabel('New password for dc-locked').fill('a-new-long-passphrase-2026');
		await f.getByRole('button', { name: /^Set password/ }).click();
		await page.locator('#toast', { hasText: 'Password of dc-locked reset' }).waitFor();
		const res = await srv.client().post('/api/v1/login', { username: 'dc-locked', password: 'a-new-long-passphrase-2026' });
		assert.equal(res.status, 200, 'she signs in with the new password');
		await page.getByRole('link', { name: 'Audit trail' }).click();
		await page.getByRole('heading', { name: 'Audit trail' }).waitFor();
		await page.getByRole('button', { name: 'Verify the audit trail' }).click();
		await page.getByText(/^The audit trail is intact: \d+ entries/).waitFor();
		await page.getByLabel('Action').fill('user.update');
		await page.getByRole('button', { name: 'Show entries' }).click();
		await page.locator('tr[data-entry]', { hasText: 'user:dc-locked' }).first().waitFor();
		await assertAccessible(page, 'admin-audit');
		await shot(page, 'day-admin-audit');
		noErrors(page);
		await page.context().close();
	});
});
