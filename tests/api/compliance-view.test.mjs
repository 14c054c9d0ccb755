// The compliance view on a seeded caseload whose right answers are stated
// here, case by case, and the monthly statistics of the same caseload.
//
//   A  screened, no plan, no level
//   B  medium, intimacy seeker; plan; contacted today; bail conditions ending in 40 days
//   C  medium; plan whose action was due yesterday; contacted today
//   D  standard; plan whose only action was not done: no current plan
//   E  high, rejected; plan; no advocate referral; contacted today
//   F  high, rejected; plan; advocate referral declined; contacted today
//   G  medium; plan; order granted an hour ago ending in 10 days; breached, no
//      crime record yet, so its review is due now; contacted today
//   H  medium; plan; last contacted 10 days ago
//   I  no plan; reported 8 days ago (moved back in the database); never contacted
//   J  no plan; told of nothing: an arrest 2 days ago (overdue), a charge an hour ago
//   K  closed (plan, reviews, closing review), reported 30 days ago: in no list
//   and one case of another police force, without a plan: in none of these lists
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { assess, daysAgo, inDays, makePlan, moveCase, newCase, offerAdvocate, typology } from './lib/cases.mjs';
import { expectError, randomPassword, sqlite, startServer, stopServer } from './lib/server.mjs';

let srv;
let officer;
let supervisor;
let analyst;
const c = {};
let gOrder;
let gBreach;
let cAction;
let jArrest;

const DAY = 86400000;

async function contact(ref, at = daysAgo(0.01)) {
	const res = await officer.post(`/api/v1/cases/${ref}/victim-care/contacts`, { at, method: 'phone', told: 'checked she is safe' });
	assert.equal(res.status, 201, res.text);
}

before(async () => {
	srv = await startServer({ roles: ['officer', 'supervisor', 'analyst', 'advocate', 'admin'] });
	officer = await srv.login('officer');
	supervisor = await srv.login('supervisor');
	analyst = await srv.login('analyst');
	const admin = await srv.login('admin');
	let res;

	for (const k of 'ABCDEFGHIJK') c[k] = (await newCase(officer, { victim: `Victim ${k}` })).ref;

	await assess(officer, c.B, 'medium');
	await typology(officer, c.B, 'intimacy_seeker');
	await makePlan(officer, c.B);
	await contact(c.B);
	res = await officer.post(`/api/v1/cases/${c.B}/orders`, { kind: 'bail_conditions', status: 'granted', granted_at: daysAgo(1 / 24), ends_at: inDays(40) });
	assert.equal(res.status, 201, res.text);

	await assess(officer, c.C, 'medium');
	res = await makePlan(officer, c.C, { due: daysAgo(1) });
	cAction = res.action.id;
	await contact(c.C);

	await assess(officer, c.D, 'standard');
	res = await officer.put(`/api/v1/cases/${c.D}/plan`, { version: 0 });
	assert.equal(res.status, 201, res.text);
	res = await officer.post(`/api/v1/cases/${c.D}/plan/actions`, { version: 1, category: 'victim_safety', description: 'Locks', status: 'not_done', reason: 'she declined' });
	assert.equal(res.status, 201, res.text);

	for (const k of ['E', 'F']) {
		await assess(officer, c[k], 'high');
		await typology(officer, c[k], 'rejected');
		await makePlan(officer, c[k]);
		await contact(c[k]);
	}
	await offerAdvocate(officer, c.F, 'declined');

	await assess(officer, c.G, 'medium');
	await makePlan(officer, c.G);
	await contact(c.G);
	res = await officer.post(`/api/v1/cases/${c.G}/orders`, { kind: 'non_molestation', status: 'granted', granted_at: daysAgo(1 / 24), ends_at: inDays(10) });
	assert.equal(res.status, 201, res.text);
	gOrder = res.body.order.id;
	res = await officer.post(`/api/v1/cases/${c.G}/orders/${gOrder}/breaches`, { occurred_at: daysAgo(1 / 48), description: 'sent a message through her sister' });
	assert.equal(res.status, 201, res.text);
	gBreach = res.body.breach_id;

	await assess(officer, c.H, 'medium');
	await makePlan(officer, c.H);
	await contact(c.H, daysAgo(10));

	sqlite(srv.db, `UPDATE cases SET created_at = created_at - ${8 * DAY} WHERE ref = '${c.I}'`);

	res = await officer.post(`/api/v1/cases/${c.J}/tasks`, { event: 'arrest', occurred_at: daysAgo(2) });
	assert.equal(res.status, 201, res.text);
	jArrest = res.body.tasks[0].id;
	res = await officer.post(`/api/v1/cases/${c.J}/tasks`, { event: 'charge', occurred_at: daysAgo(1 / 24) });
	assert.equal(res.status, 201, res.text);

	await assess(officer, c.K, 'medium');
	await makePlan(officer, c.K);
	assert.equal((await moveCase(officer, c.K, 'assessed')).status, 200);
	assert.equal((await moveCase(officer, c.K, 'managed')).status, 200);
	res = await officer.post(`/api/v1/cases/${c.K}/reviews`, { kind: 'closing', summary: 'plan complete, no contact for months', outcome: 'risk_reduced_plan_complete' });
	assert.equal(res.status, 201, res.text);
	assert.equal((await moveCase(officer, c.K, 'closed')).status, 200);
	sqlite(srv.db, `UPDATE cases SET created_at = created_at - ${30 * DAY} WHERE ref = '${c.K}'`);

	// another force, its own caseload
	assert.equal((await admin.post('/api/v1/agencies', { code: 'kent', name: 'Kent Police', kind: 'police' })).status, 201);
	const pw = randomPassword();
	for (const [u, role] of [['kentofficer', 'officer'], ['kentsup', 'supervisor']])
		srv.addUser(u, role, 'kent', { password: pw });
	const kent = await srv.login('kentofficer', pw);
	c.kent = (await newCase(kent)).ref;
	c.kentsup = await srv.login('kentsup', pw);
});
after(() => stopServer(srv));

const refs = (list) => list.items.map((i) => i.ref);

describe('the compliance view', () => {
	let v;

	before(async () => {
		const res = await supervisor.get('/api/v1/compliance');
		assert.equal(res.status, 200, res.text);
		v = res.body;
	});

	test('is the agency\'s, with its parameters', () => {
		assert.equal(v.agency, 'met');
		assert.equal(v.contact_days, 7);
		assert.equal(v.ending_days, 30);
		assert.match(v.at, /Z$/);
	});

	test('cases without a current plan: A, D, I, J (I reported first)', () => {
		assert.equal(v.cases_without_plan.count, 4);
		assert.deepEqual(refs(v.cases_without_plan), [c.I, c.A, c.D, c.J]);
		assert.equal(v.cases_without_plan.truncated, false);
		const d = v.cases_without_plan.items.find((i) => i.ref === c.D);
		assert.deepEqual([d.status, d.risk_level, d.owner], ['screened', 'standard', 'officer']);
	});

	test('actions overdue: C\'s', () => {
		assert.equal(v.actions_overdue.count, 1);
		const [a] = v.actions_overdue.items;
		assert.equal(a.ref, c.C);
		assert.equal(a.action.id, cAction);
		assert.equal(a.action.owner, 'officer');
		assert.ok(Date.parse(a.action.due_at) < Date.now());
	});

	test('reviews overdue: G, whose breach made its review due at once', () => {
		assert.deepEqual(refs(v.reviews_overdue), [c.G]);
		assert.equal(v.reviews_overdue.count, 1);
	});

	test('victims not contacted within 7 days: H (10 days ago), then I (never, reported 8 days ago)', () => {
		assert.deepEqual(refs(v.victims_not_contacted), [c.H, c.I]);
		const [h, i] = v.victims_not_contacted.items;
		assert.ok(Date.now() - Date.parse(h.last_contact_at) > 9.9 * DAY);
		assert.equal(i.last_contact_at, null);
	});

	test('notification tasks overdue: J\'s arrest', () => {
		assert.equal(v.notification_tasks_overdue.count, 1);
		const [t] = v.notification_tasks_overdue.items;
		assert.equal(t.ref, c.J);
		assert.equal(t.task.id, jArrest);
		assert.equal(t.task.event, 'arrest');
	});

	test('breaches without a crime record: G\'s', () => {
		assert.equal(v.breaches_without_crime_record.count, 1);
		const [b] = v.breaches_without_crime_record.items;
		assert.deepEqual([b.ref, b.breach.id, b.breach.order_id], [c.G, gBreach, gOrder]);
	});

	test('high-risk cases without an advocate referral: E (F\'s was declined, which counts)', () => {
		assert.deepEqual(refs(v.high_risk_without_advocate), [c.E]);
	});

	test('orders ending in the next 30 days: G\'s (B\'s ends in 40)', () => {
		assert.equal(v.orders_ending.count, 1);
		const [o] = v.orders_ending.items;
		assert.deepEqual([o.ref, o.order.id, o.order.kind], [c.G, gOrder, 'non_molestation']);
	});

	test('no list names the closed case or the other force\'s', () => {
		const text = JSON.stringify(v);
		assert.ok(!text.includes(c.K), 'K is closed');
		assert.ok(!text.includes(c.kent), 'another force');
		assert.doesNotMatch(text, /Victim [A-K]/, 'no victim details');
	});

	test('the headline: 6 of 10 open cases have a current plan, per level and per typology', () => {
		const h = v.headline;
		assert.deepEqual([h.open_cases, h.with_plan, h.share], [10, 6, 0.6]);
		assert.deepEqual(h.by_risk_level, {
			standard: { open_cases: 1, with_plan: 0, share: 0 },
			medium: { open_cases: 4, with_plan: 4, share: 1 },
			high: { open_cases: 2, with_plan: 2, share: 1 },
			unassessed: { open_cases: 3, with_plan: 0, share: 0 },
		});
		assert.deepEqual(h.by_typology.rejected, { open_cases: 2, with_plan: 2, share: 1 });
		assert.deepEqual(h.by_typology.intimacy_seeker, { open_cases: 1, with_plan: 1, share: 1 });
		assert.deepEqual(h.by_typology.not_decided, { open_cases: 7, with_plan: 3, share: 3 / 7 });
		assert.deepEqual(h.by_typology.predatory, { open_cases: 0, with_plan: 0, share: null });
	});

	test('the lists move with the facts', async () => {
		// G's crime recorded, C's action done, E's advocate offered
		let res = await officer.get(`/api/v1/cases/${c.G}/orders`);
		const b = res.body.orders[0].breaches[0];
		res = await officer.patch(`/api/v1/cases/${c.G}/breaches/${b.id}`, { version: b.version, crime_reference: 'CR/1' });
		assert.equal(res.status, 200, res.text);
		const plan = (await officer.get(`/api/v1/cases/${c.C}/plan`)).body;
		res = await officer.patch(`/api/v1/cases/${c.C}/plan/actions/${cAction}`, { version: plan.version, status: 'done' });
		assert.equal(res.status, 200, res.text);
		await offerAdvocate(officer, c.E);
		res = await supervisor.get('/api/v1/compliance');
		assert.equal(res.body.breaches_without_crime_record.count, 0);
		assert.equal(res.body.actions_overdue.count, 0);
		assert.equal(res.body.high_risk_without_advocate.count, 0);
		assert.equal(res.body.reviews_overdue.count, 1, 'G still needs its review');
	});

	test('contact_days is a parameter', async () => {
		let res = await supervisor.get('/api/v1/compliance?contact_days=9');
		assert.deepEqual(refs(res.body.victims_not_contacted), [c.H]);
		res = await supervisor.get('/api/v1/compliance?contact_days=11');
		assert.equal(res.body.victims_not_contacted.count, 0);
		expectError(await supervisor.get('/api/v1/compliance?contact_days=0'), 400, 'bad_request', 'contact_days');
	});

	test('the analyst sees it; an officer may not; another force sees its own', async () => {
		const res = await analyst.get('/api/v1/compliance');
		assert.equal(res.status, 200);
		assert.equal(res.body.headline.open_cases, 10);
		expectError(await officer.get('/api/v1/compliance'), 403, 'forbidden');
		const kent = await c.kentsup.get('/api/v1/compliance');
		assert.equal(kent.status, 200, kent.text);
		assert.equal(kent.body.agency, 'kent');
		assert.deepEqual(refs(kent.body.cases_without_plan), [c.kent]);
		assert.equal(kent.body.headline.open_cases, 1);
	});

	test('each read is audited', async () => {
		const res = await supervisor.get('/api/v1/audit?action=compliance.read&limit=50');
		assert.ok(res.body.entries.some((e) => e.username === 'analyst' && e.outcome === 'ok'));
	});
});

describe('monthly statistics', () => {
	test('the volumes of the same caseload, by the month each thing happened', async () => {
		const res = await analyst.get(`/api/v1/stats?from=${daysAgo(70).slice(0, 10)}`);
		assert.equal(res.status, 200, res.text);
		const months = res.body.months;
		assert.ok(months.length >= 3 && months.length <= 4, `${months.length} months`);
		assert.match(months[0].month, /^\d{4}-\d\d$/);
		const sum = (f) => months.reduce((n, m) => n + f(m), 0);
		// every met case: A to K
		assert.equal(sum((m) => m.reports), 11);
		// each case falls in the month of its report
		const monthOf = (ms) => new Date(ms).toISOString().slice(0, 7);
		const thisMonth = monthOf(Date.now());
		assert.equal(months.find((m) => m.month === monthOf(Date.now() - 30 * DAY)).reports >= 1, true, 'K');
		assert.equal(months.find((m) => m.month === thisMonth).orders.grants, 2, 'B and G');
		assert.equal(sum((m) => m.orders.grants), 2);
		assert.equal(sum((m) => m.orders.applications), 0);
		assert.equal(sum((m) => m.breaches), 1);
		assert.equal(sum((m) => m.by_risk_level.high ?? 0), 2);
		assert.equal(sum((m) => m.by_risk_level.medium ?? 0), 5);
		assert.equal(sum((m) => m.by_risk_level.standard ?? 0), 1);
		assert.equal(sum((m) => m.by_risk_level.unassessed ?? 0), 3);
		assert.equal(sum((m) => m.by_typology.rejected ?? 0), 2);
		assert.equal(sum((m) => m.by_typology.intimacy_seeker ?? 0), 1);
		// open, with a current plan now: B, C, E, F, G, H (K is closed); the months
		// add up to the headline, 6 of the 10 open cases
		assert.equal(sum((m) => m.plan_coverage.with_plan), 6);
		assert.equal(sum((m) => m.plan_coverage.open_cases), 10);
		// assessed: B, C, D, E, F, G, H, K, each within moments of its report (K's moved back)
		assert.equal(sum((m) => m.report_to_assessment.cases), 8);
		const now = months.find((m) => m.month === thisMonth).report_to_assessment;
		assert.ok(now.median_hours < 0.1, `${now.median_hours}`);
	});

	test('the same figures as CSV, one row a month, to download', async () => {
		const from = daysAgo(70).slice(0, 10);
		const json = (await analyst.get(`/api/v1/stats?from=${from}`)).body;
		const res = await analyst.get(`/api/v1/stats?from=${from}&format=csv`);
		assert.equal(res.status, 200, res.text);
		assert.match(res.headers.get('content-type'), /^text\/csv/);
		assert.match(res.headers.get('content-disposition'), /^attachment; filename="vigil-stats-met-\d{4}-\d\d-to-\d{4}-\d\d\.csv"$/);
		const rows = res.text.trim().split('\r\n').map((l) => l.split(','));
		const head = rows[0];
		assert.deepEqual(head.slice(0, 4), ['month', 'from', 'to', 'reports']);
		assert.equal(rows.length, json.months.length + 1);
		const col = (name) => head.indexOf(name);
		json.months.forEach((m, i) => {
			const row = rows[i + 1];
			assert.equal(row[col('month')], m.month);
			assert.equal(Number(row[col('reports')]), m.reports);
			assert.equal(Number(row[col('open_with_plan')]), m.plan_coverage.with_plan);
			assert.equal(Number(row[col('breaches')]), m.breaches);
			assert.equal(Number(row[col('typology_rejected')]), m.by_typology.rejected ?? 0);
			assert.equal(Number(row[col('risk_unassessed')]), m.by_risk_level.unassessed ?? 0);
		});
		expectError(await analyst.get('/api/v1/stats?format=xml'), 400, 'bad_request', 'format');
	});

	test('from and to are checked', async () => {
		expectError(await analyst.get('/api/v1/stats?from=yesterday'), 400, 'bad_request', 'from');
		expectError(await analyst.get('/api/v1/stats?from=2026-05-01&to=2026-04-01'), 400, 'bad_request', 'to');
		expectError(await analyst.get('/api/v1/stats?from=2020-01-01&to=2026-01-01'), 400, 'bad_request', 'from');
		const res = await analyst.get('/api/v1/stats');
		assert.equal(res.body.months.length, 12);
		expectError(await officer.get('/api/v1/stats'), 403, 'forbidden');
	});
});
