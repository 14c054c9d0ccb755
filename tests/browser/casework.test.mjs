// A case worked through the UI as a new officer would: create it with its FOUR
// screening, answer the risk checklist and watch the suggested level change,
// record a judgement, ask the typology aid and record the type, make a plan
// with an owned and dated action, move the case to assessed, draw a zone on
// the map, and see the API's error next to the field it names.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { createCase } from '../api/lib/casekit.mjs';
import { noErrors, shot, signedIn, startUi, stopUi } from './lib/browser.mjs';

let srv;
let browser;
let page;
let ref;
let officer;

before(async () => {
	({ srv, browser } = await startUi());
	page = await signedIn(browser, srv, 'officer');
	officer = await srv.login('officer');
});
after(() => stopUi({ srv, browser }));

describe('a case from intake to assessed, through the UI', () => {
	test('a form says what is required, and shows every problem at once beside its field, before anything is sent', async () => {
		await page.getByRole('link', { name: 'Cases', exact: true }).click();
		await page.getByRole('link', { name: 'New case' }).click();
		await page.getByRole('heading', { name: 'New case' }).waitFor();
		assert.match(await page.locator('label[for]', { hasText: 'Victim’s name' }).textContent(), /\(required\)/, 'required is said before she submits');
		await page.getByLabel('Summary').fill('He waits outside her work every evening');
		await page.getByRole('button', { name: 'Create case' }).click();
		await page.locator('[data-error-for="relationship"]', { hasText: 'Choose how the suspect is related to her' }).waitFor();
		await page.locator('[data-error-for="channel"]', { hasText: 'Choose how the report came in.' }).waitFor();
		await page.locator('[data-error-for="victims[0]"]', { hasText: 'Enter her name.' }).waitFor();
		assert.match(await page.locator('form .form-error').textContent(), /3 things need correcting/);
		assert.equal(await page.getByLabel('Relationship of the suspect to the victim').getAttribute('aria-invalid'), 'true');
		assert.ok(await page.getByLabel('Relationship of the suspect to the victim').evaluate((el) => el === document.activeElement), 'focus moves to the first field at fault');
		// checked again as she types
		await page.getByLabel('Victim’s phone (optional)').fill('not a phone');
		await page.getByLabel('Victim’s phone (optional)').blur();
		await page.locator('[data-error-for="victims[0].identifiers"]', { hasText: 'A phone number is digits' }).waitFor();
		await page.getByLabel('Victim’s phone (optional)').fill('');
		await page.locator('[data-error-for="victims[0].identifiers"]:empty').waitFor({ state: 'attached' });
		const cases = (await officer.get('/api/v1/cases')).body.cases;
		assert.equal(cases.length, 0, 'nothing was sent');
		await shot(page, 'case-new-error');
	});

	test('create a case with its FOUR screening', async () => {
		await page.getByLabel('Relationship of the suspect to the victim').selectOption('ex_partner');
		await page.getByLabel('How the report came in').selectOption('in_person');
		await page.getByLabel('Victim’s name').fill('Laura Benton');
		await page.getByLabel('Suspect’s name (if known)').fill('Craig Benton');
		for (const q of ['Fixated', 'Obsessive', 'Unwanted', 'Repeated']) {
			const set = page.getByRole('group', { name: new RegExp(`^${q}:`) });
			await set.getByLabel('Yes').check();
			await set.getByLabel('What she said').fill(`${q.toLowerCase()}: as she told it`);
		}
		await shot(page, 'case-new');
		await page.getByRole('button', { name: 'Create case' }).click();
		const h1 = page.getByRole('heading', { name: /^Case STAC-/ });
		await h1.waitFor();
		ref = (await h1.textContent()).replace('Case ', '');
		await page.getByText('FOUR points to stalking.').waitFor();
		const c = await officer.get(`/api/v1/cases/${ref}`);
		assert.equal(c.body.status, 'screened');
		assert.equal(c.body.relationship, 'ex_partner');
		assert.equal(c.body.screening.complete, true);
		await shot(page, 'case-summary');
		noErrors(page);
	});

	test('answer the risk checklist: the suggested level updates as she answers, and is saved with the judgement', async () => {
		await page.getByRole('link', { name: 'Assessment' }).click();
		await page.getByRole('heading', { name: 'New assessment' }).waitFor();
		const level = page.locator('.suggested-level');
		const rows = page.locator('fieldset.answer-row');
		await rows.first().waitFor(); // the instrument is fetched after the tab draws
		const n = await rows.count();
		assert.equal(n, 27, 'the checklist has 27 items');
		for (let i = 0; i < n; i++) await rows.nth(i).getByLabel('No', { exact: true }).check();
		assert.match(await level.textContent(), /Suggested level: standard \(0 yes of 27 answered/i);
		for (let i = 0; i < 9; i++) await rows.nth(i).getByLabel('Yes', { exact: true }).check();
		assert.match(await level.textContent(), /standard \(9 yes/i);
		await rows.nth(9).getByLabel('Yes', { exact: true }).check();
		assert.match(await level.textContent(), /Suggested level: medium \(10 yes/i, 'the tenth yes moves it to medium, before saving');
		await rows.nth(9).getByLabel('Unknown', { exact: true }).check();
		assert.match(await level.textContent(), /standard \(9 yes/i, 'unknown is not a yes');
		await rows.nth(9).getByLabel('Yes', { exact: true }).check();
		await page.getByLabel('Notes').fill('She is frightened; he has her new address');
		await shot(page, 'case-assessment');
		await page.getByRole('button', { name: 'Save assessment' }).click();
		// the page shows it at once: no "No assessment yet"
		await page.locator('[data-assessment]').first().waitFor();
		assert.equal(await page.getByText('No assessment yet.').count(), 0);
		const c = await officer.get(`/api/v1/cases/${ref}`);
		assert.equal(c.body.risk.computed_level.level, 'medium');
		assert.equal(c.body.risk_level, 'medium');
		noErrors(page);
	});

	test('a judgement that raises the level without a reason is refused, the reason shown next to the field; with one it is kept beside the computed level', async () => {
		await page.getByRole('heading', { name: 'New assessment' }).waitFor();
		const rows = page.locator('fieldset.answer-row');
		await rows.first().waitFor();
		for (let i = 0; i < 27; i++) await rows.nth(i).getByLabel(i < 10 ? 'Yes' : 'No', { exact: true }).check();
		await page.getByLabel('Judged level').selectOption('high');
		await page.getByRole('button', { name: 'Save assessment' }).click();
		await page.locator('[data-error-for="judgement.reason"]').filter({ hasText: 'Give the reason for your judgement.' }).waitFor();
		await page.getByLabel('Reason for the judgement').fill('Threats to kill in the last week; she believes him');
		await page.getByRole('button', { name: 'Save assessment' }).click();
		await page.locator('[data-assessment]').nth(1).waitFor();
		const c = await officer.get(`/api/v1/cases/${ref}`);
		assert.equal(c.body.risk.computed_level.level, 'medium');
		assert.equal(c.body.risk.judged_level.level, 'high');
		assert.equal(c.body.risk_level, 'high');
		await page.getByRole('link', { name: 'Summary' }).click();
		await page.getByRole('heading', { name: 'Computed' }).waitFor();
		const risk = await page.locator('.risk-levels').innerText();
		assert.match(risk, /Computed\s+medium[\s\S]*Judged\s+high/i, 'computed and judged side by side');
		await shot(page, 'case-risk-side-by-side');
		noErrors(page);
	});

	test('the typology aid proposes with its evidence, and the officer records the decision', async () => {
		await page.getByRole('link', { name: 'Typology' }).click();
		await page.getByRole('heading', { name: 'The typology aid' }).waitFor();
		await page.getByLabel('Seeks reconciliation or revenge after the relationship ended').selectOption('yes');
		await page.getByRole('button', { name: 'Ask the aid' }).click();
		await page.getByRole('heading', { name: 'Proposal: Rejected' }).waitFor();
		await page.getByText('for Rejected (5): seeks reconciliation or revenge after the relationship ended').waitFor();
		assert.equal(await page.getByRole('combobox', { name: 'Typology' }).inputValue(), 'rejected');
		await page.getByLabel('Rationale').fill('Wants her back since she left; angry when refused');
		await shot(page, 'case-typology');
		await page.getByRole('button', { name: 'Record typology' }).click();
		await page.getByRole('heading', { name: 'History' }).waitFor();
		const c = await officer.get(`/api/v1/cases/${ref}`);
		assert.equal(c.body.typology, 'rejected');
		noErrors(page);
	});

	test('make a plan, use a suggested action with an owner and a due date, and move the case to assessed', async () => {
		await page.getByRole('link', { name: 'Plan' }).click();
		await page.getByRole('heading', { name: 'Make the plan' }).waitFor();
		await page.getByLabel('What the plan sets out to do').fill('Keep Laura safe at home and at work; stop the contact');
		await page.getByRole('button', { name: 'Make plan' }).click();
		await page.getByRole('heading', { name: 'Suggested actions' }).waitFor();
		await page.getByRole('button', { name: 'Use this' }).first().click();
		const add = page.getByRole('form', { name: 'Add an action' });
		await add.getByLabel('Owner (username)').fill('officer');
		const due = new Date(Date.now() + 7 * 86400000).toISOString().slice(0, 10);
		await add.getByLabel('Due').fill(due);
		await add.getByRole('button', { name: 'Add action' }).click();
		await page.locator('tr[data-action]').first().waitFor();
		await shot(page, 'case-plan');
		// high risk: the gate also wants an advocacy referral, which the UI says
		await page.getByRole('link', { name: 'Summary' }).click();
		await page.getByLabel('Move to').selectOption('assessed');
		await page.getByRole('button', { name: 'Move case' }).click();
		const why = page.locator('form[aria-label="Move the case"] [role=alert]:not(:empty)');
		await why.waitFor();
		assert.match(await why.textContent(), /advoca/i, 'the gate names what is missing');
		await page.getByRole('link', { name: 'Victim contact' }).click();
		const refer = page.getByRole('form', { name: 'Refer her' });
		await refer.getByLabel('Service').selectOption('advocacy');
		await refer.getByRole('combobox', { name: /Partner agency/ }).selectOption('sas');
		await refer.getByRole('button', { name: 'Record referral' }).click();
		await page.getByText('Advocacy — Stalking Advocacy: offered').waitFor();
		await page.getByRole('link', { name: 'Summary' }).click();
		await page.getByLabel('Move to').selectOption('assessed');
		await page.getByRole('button', { name: 'Move case' }).click();
		await page.locator('.page-head .badge', { hasText: /assessed/i }).waitFor();
		const c = await officer.get(`/api/v1/cases/${ref}`);
		assert.equal(c.body.status, 'assessed');
		await shot(page, 'case-assessed');
		noErrors(page);
	});

	test('draw a circular zone and a polygon on the map; edit the circle', async () => {
		await page.getByRole('link', { name: 'Monitoring' }).click();
		await page.getByRole('heading', { name: 'Draw a zone' }).waitFor();
		const map = page.locator('#tab-panel .map.leaflet-container');
		await map.waitFor();
		assert.equal(await page.locator('.leaflet-control-scale').count(), 1, 'a scale bar');
		await page.getByLabel('Name').fill('Her home');
		await page.getByLabel('Radius (metres)').fill('250');
		const box = await map.boundingBox();
		await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
		await page.getByText(/^Circle placed: 250 m around/).waitFor();
		await page.getByRole('button', { name: 'Save zone' }).click();
		await page.getByText('Her home — exclusion, 250 m').waitFor();
		let zones = (await officer.get(`/api/v1/cases/${ref}/zones`)).body.zones;
		assert.equal(zones.length, 1);
		assert.equal(zones[0].radius_m, 250);
		assert.equal(zones[0].geometry.type, 'Point');

		await page.getByLabel('Name').fill('Her work');
		await page.getByLabel('Shape').selectOption('polygon');
		const b2 = await map.boundingBox();
		for (const [dx, dy] of [[0.6, 0.3], [0.8, 0.3], [0.8, 0.5], [0.6, 0.5]]) await page.mouse.click(b2.x + b2.width * dx, b2.y + b2.height * dy);
		await page.getByText('Polygon placed with 4 corners.').waitFor();
		await page.getByRole('button', { name: 'Save zone' }).click();
		await page.getByText('Her work — exclusion, polygon').waitFor();
		zones = (await officer.get(`/api/v1/cases/${ref}/zones`)).body.zones;
		const work = zones.find((z) => z.name === 'Her work');
		assert.equal(work.geometry.type, 'Polygon');
		assert.equal(work.geometry.coordinates[0].length, 5, 'a closed ring of four corners');

		await page.getByRole('button', { name: 'Edit Her home' }).click();
		await page.getByLabel('Radius (metres)').fill('400');
		await page.getByRole('button', { name: 'Save zone' }).click();
		await page.getByText('Her home — exclusion, 400 m').waitFor();
		zones = (await officer.get(`/api/v1/cases/${ref}/zones`)).body.zones;
		assert.deepEqual(zones.map((z) => [z.name, z.radius_m ?? null]).sort(), [['Her home', 400], ['Her work', null]]);
		await page.locator('path.zone-exclusion').nth(1).waitFor({ state: 'attached' }); // drawn once the devices are read
		assert.equal(await page.locator('path.zone-exclusion').count(), 2, 'both zones drawn on the map');
		await shot(page, 'case-monitoring-zones');
		noErrors(page);
	});

	test('assign a device: only free devices are offered; stop it watching, and it is offered again', async () => {
		const sup = await srv.login('supervisor');
		for (const uid of ['ui-tag-free', 'ui-tag-busy'])
			assert.equal((await sup.post('/api/v1/devices', { uid, kind: 'offender_tag', protocol: 'json' })).status, 201);
		const other = await createCase(officer, { summary: 'the busy tag\'s case' });
		assert.equal((await officer.post(`/api/v1/cases/${other.ref}/monitoring`, { device: 'ui-tag-busy', role: 'suspect' })).status, 201);
		await page.reload();
		const form = page.getByRole('form', { name: 'Assign a device' });
		await form.waitFor();
		const offered = await form.getByLabel('Device').locator('option').allTextContents();
		assert.ok(offered.some((o) => o.startsWith('ui-tag-free')), offered.join());
		assert.ok(!offered.some((o) => o.startsWith('ui-tag-busy')), 'a busy tag is not offered');
		await form.getByLabel('Device').selectOption('ui-tag-free');
		assert.equal(await form.getByLabel('Worn or carried by').inputValue(), 'suspect');
		await form.getByRole('button', { name: 'Assign device' }).click();
		await page.locator('li[data-device="ui-tag-free"]').waitFor();
		await shot(page, 'case-monitoring-assigned');
		const stop = page.getByRole('form', { name: 'Stop ui-tag-free watching' });
		await stop.getByRole('button', { name: 'Stop ui-tag-free watching' }).click();
		await stop.locator('.field-error', { hasText: 'Say why ui-tag-free stops watching' }).waitFor();
		await stop.getByLabel('Why ui-tag-free stops watching').fill('tag faulty, replaced');
		page.once('dialog', (d) => d.accept());
		await stop.getByRole('button', { name: 'Stop ui-tag-free watching' }).click();
		await page.locator('li[data-device="ui-tag-free"]').waitFor({ state: 'detached' });
		await page.getByRole('form', { name: 'Assign a device' }).getByLabel('Device').locator('option[value="ui-tag-free"]').waitFor({ state: 'attached' });
		const mon = (await officer.get(`/api/v1/cases/${ref}/monitoring`)).body.devices;
		assert.ok(!mon.some((d) => d.uid === 'ui-tag-free'));
		noErrors(page);
	});

	test('the case list filters as the cases API does, and the filter stays in the address', async () => {
		await createCase(officer, { summary: 'another case, still at intake' });
		await page.getByRole('link', { name: 'Cases', exact: true }).click();
		await page.locator('tr[data-ref]').first().waitFor();
		assert.ok(await page.locator('tr[data-ref]').count() >= 2);
		await page.getByLabel('Status').selectOption('assessed');
		await page.getByRole('button', { name: 'Apply filters' }).click();
		await page.waitForFunction(() => document.querySelectorAll('tr[data-ref]').length === 1);
		assert.equal(await page.locator('tr[data-ref]').getAttribute('data-ref'), ref);
		assert.match(page.url(), /#\/cases\?status=assessed/);
		const tomorrow = new Date(Date.now() + 86400000).toISOString().slice(0, 10);
		await page.getByLabel('Opened from').fill(tomorrow);
		await page.getByRole('button', { name: 'Apply filters' }).click();
		await page.getByText('No cases match these filters.').waitFor();
		await shot(page, 'cases-filtered');
		noErrors(page);
	});

	test('record an incident, amend it with a reason, and verify the chain', async () => {
		await page.goto(`${srv.url}/#/cases/${ref}/incidents`);
		await page.getByRole('heading', { name: 'Record an incident' }).waitFor();
		await page.getByLabel('When it happened').fill('2026-11-20T18:30');
		await page.getByLabel('What he did').selectOption('turning_up_work');
		await page.getByLabel('Description').fill('Waited by the staff entrance until she left');
		await page.getByRole('button', { name: 'Save incident' }).click();
		await page.locator('td', { hasText: 'Waited by the staff entrance' }).waitFor();
		let list = (await officer.get(`/api/v1/cases/${ref}/incidents`)).body.incidents;
		assert.equal(list.length, 1);
		assert.equal(list[0].occurred_at, new Date('2026-11-20T18:30:00Z').toISOString(), 'entered in her zone (London, GMT in November)');
		await page.getByRole('button', { name: 'Amend' }).click();
		await page.getByRole('heading', { name: 'Amend incident 1' }).waitFor();
		await page.getByLabel('Description').fill('Waited by the staff entrance until she left, then followed her to the bus');
		await page.getByRole('button', { name: 'Save incident' }).click();
		await page.locator('[data-error-for="amend_reason"]:not(:empty), [data-error-for="amends"]:not(:empty)').first().waitFor();
		await page.getByLabel('Reason for the amendment').fill('She remembered more the next day');
		await page.getByRole('button', { name: 'Save incident' }).click();
		await page.getByText('amends incident 1: She remembered more the next day').waitFor();
		list = (await officer.get(`/api/v1/cases/${ref}/incidents`)).body.incidents;
		assert.equal(list.length, 2, 'the original stays; the amendment is a new entry');
		await page.getByRole('button', { name: 'Verify the chain' }).click();
		await page.getByText('The incident chain is intact (2 entries).').waitFor();
		await shot(page, 'case-incidents');
		noErrors(page);
	});

	test('record a Stalking Protection Order and a breach of it', async () => {
		await page.goto(`${srv.url}/#/cases/${ref}/orders`);
		await page.getByRole('heading', { name: 'Record an order' }).waitFor();
		const form = page.getByRole('form', { name: 'Record an order' });
		await form.getByLabel('Kind').selectOption('spo_interim');
		await form.getByLabel('Status').selectOption('granted');
		await form.getByLabel('Reference').fill('HCMC/2026/0999');
		const yesterday = new Date(Date.now() - 86400000).toISOString().slice(0, 10);
		await form.getByLabel('Granted').fill(yesterday);
		await form.getByLabel('Served on him').fill(yesterday);
		await form.getByLabel('No-contact condition (optional)').fill('Not to contact her directly or through anyone else');
		await form.getByRole('button', { name: 'Record order' }).click();
		const order = page.locator('[data-order]', { hasText: 'HCMC/2026/0999' });
		await order.getByText('in force').waitFor();
		await order.getByText(/^Record a breach of the/).click();
		await order.getByLabel('When').fill(new Date(Date.now() - 3600000).toISOString().slice(0, 16));
		await order.getByLabel('What he did').fill('Sent her a message through her sister');
		await order.getByRole('button', { name: 'Record breach' }).click();
		await page.locator('[data-order]', { hasText: 'Sent her a message through her sister' }).waitFor();
		let orders = (await officer.get(`/api/v1/cases/${ref}/orders`)).body.orders;
		assert.equal(orders.length, 1);
		assert.equal(orders[0].kind, 'spo_interim');
		assert.equal(orders[0].breaches.length, 1);
		// the crime record, once the breach is recorded as a crime
		const breach = page.locator('[data-breach]').first();
		await breach.getByText('no crime recorded yet').waitFor();
		await breach.getByLabel('Crime reference').fill('CRIS 4411223/26');
		await breach.getByLabel('Outcome').selectOption('under_investigation');
		await breach.getByRole('button', { name: 'Save crime record' }).click();
		await page.locator('[data-breach]', { hasText: 'crime reference CRIS 4411223/26' }).waitFor();
		orders = (await officer.get(`/api/v1/cases/${ref}/orders`)).body.orders;
		assert.equal(orders[0].breaches[0].crime_reference, 'CRIS 4411223/26');
		assert.equal(orders[0].breaches[0].outcome, 'under_investigation');
		await shot(page, 'case-orders');
		noErrors(page);
	});

	test('victim care: her referral accepted with her consent, and her single point of contact named', async () => {
		await page.goto(`${srv.url}/#/cases/${ref}/contact`);
		await page.getByRole('heading', { name: 'Victim contact' }).waitFor();
		const referral = page.locator('[data-referral]', { hasText: 'Advocacy' });
		await referral.getByRole('combobox', { name: 'Status of the Advocacy referral' }).selectOption('accepted');
		await referral.getByRole('button', { name: 'Save status' }).click();
		await referral.locator('[role=alert]', { hasText: 'consent' }).first().waitFor(); // the API's refusal, in place
		await referral.getByLabel('She consents to sharing her details').check();
		await referral.getByLabel('How she gave her consent').fill('by phone, 28 Nov');
		await referral.getByRole('button', { name: 'Save status' }).click();
		await page.locator('[data-referral]', { hasText: 'Advocacy — Stalking Advocacy: accepted' }).waitFor();
		await page.getByLabel('Username of the officer or advocate she deals with').fill('advocate');
		await page.getByRole('button', { name: 'Name contact' }).click();
		await page.locator('dd', { hasText: /^advocate$/ }).waitFor();
		const v = (await officer.get(`/api/v1/cases/${ref}/victim-care`)).body;
		assert.equal(v.spoc, 'advocate');
		assert.equal(v.referrals.find((r) => r.service === 'advocacy').status, 'accepted');
		assert.equal(v.referrals.find((r) => r.service === 'advocacy').consent.given, true);
		await shot(page, 'case-victim-care');
		noErrors(page);
	});
});
