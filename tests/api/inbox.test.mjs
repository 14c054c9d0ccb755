// GET /api/v1/inbox: "My work", built from the records.  A caseload whose
// right answers are stated here: each item is due to the person named, on a
// case she may see, on a part of the case her role reads; it leaves the
// inbox when the record that completes it is written; overdue comes first;
// a supervisor sees her team's work with whom each item is due to.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { assess, daysAgo, inDays, makePlan, newCase } from './lib/cases.mjs';
import { circle, monitoringKit } from './lib/monitorkit.mjs';
import { expectError, startServer, stopServer } from './lib/server.mjs';

let srv;
const c = {};
let kit;
const ref = {};
let actionId;
let clinicianActionId;
let spo;
let breach;
let notifyTask;

const inbox = async (who, q = '') => {
	const res = await c[who].get(`/api/v1/inbox${q}`);
	assert.equal(res.status, 200, res.text);
	return res.body;
};
const kindsOf = (box, r) => box.items.filter((i) => !r || (i.case && i.case.ref === r)).map((i) => i.kind).sort();

before(async () => {
	// contact every day, so that a case opened today is due within two days
	srv = await startServer({ args: ['--contact-days', '1', '--login-max-failures', '3', '--login-backoff-ms', '10'] });
	for (const role of ['officer', 'supervisor', 'operator', 'clinician', 'advocate', 'analyst', 'admin']) c[role] = await srv.login(role);
	kit = monitoringKit(srv, c);
	let res;

	// A: reported, not screened
	res = await c.officer.post('/api/v1/cases', { relationship: 'stranger', channel: 'online', victims: [{ name: 'Ann A' }] });
	assert.equal(res.status, 201, res.text);
	ref.A = res.body.ref;

	// B: screened, not assessed; FOUR says stalking but it is classified as harassment,
	// so a supervisor must sign it off
	res = await c.officer.post('/api/v1/cases', {
		relationship: 'work', channel: 'online', victims: [{ name: 'Bea B' }], classifications: ['harassment'], classification_reason: 'one-off dispute at work',
		screening: { fixated: { answer: true, note: 'yes' }, obsessive: { answer: true, note: 'yes' }, unwanted: { answer: true, note: 'yes' }, repeated: { answer: true, note: 'twice' } },
	});
	assert.equal(res.status, 201, res.text);
	ref.B = res.body.ref;

	// C: high risk, no plan, no advocate; an SPO granted and not served; an arrest to tell her of
	ref.C = (await newCase(c.officer, { victim: 'Cara C' })).ref;
	await assess(c.officer, ref.C, 'high');
	res = await c.officer.post(`/api/v1/cases/${ref.C}/orders`, { kind: 'spo_interim', status: 'granted', granted_at: daysAgo(0.1) });
	assert.equal(res.status, 201, res.text);
	spo = res.body.order;
	res = await c.officer.post(`/api/v1/cases/${ref.C}/tasks`, { event: 'arrest', occurred_at: daysAgo(2), detail: 'arrested at home' });
	assert.equal(res.status, 201, res.text);
	notifyTask = res.body.task ?? res.body;

	// D: medium, a plan whose action (the officer's) was due yesterday, one the clinician
	// owns; served an SPO five days ago and he has not notified; breached, no crime record
	ref.D = (await newCase(c.officer, { victim: 'Dee D' })).ref;
	await assess(c.officer, ref.D, 'medium');
	res = await makePlan(c.officer, ref.D, { due: daysAgo(1) });
	actionId = res.action.id;
	res = await c.officer.post(`/api/v1/cases/${ref.D}/programme`, { consent_note: 'signed form 12' });
	assert.equal(res.status, 201, res.text);
	const plan = (await c.officer.get(`/api/v1/cases/${ref.D}/plan`)).body;
	res = await c.officer.post(`/api/v1/cases/${ref.D}/plan/actions`, { version: plan.version, category: 'treatment', description: 'Start the behaviour change sessions', owner: 'clinician', due_at: inDays(5) });
	assert.equal(res.status, 201, res.text);
	clinicianActionId = res.body.action.id;
	res = await c.officer.post(`/api/v1/cases/${ref.D}/orders`, { kind: 'spo_interim', status: 'granted', granted_at: daysAgo(5), served_at: daysAgo(5) });
	assert.equal(res.status, 201, res.text);
	res = await c.officer.post(`/api/v1/cases/${ref.D}/orders/${res.body.order.id}/breaches`, { occurred_at: daysAgo(0.5), description: 'came to her door' });
	assert.equal(res.status, 201, res.text);
	breach = res.body.order.breaches[0];
	// her point of contact is the advocate (the case is referred to her charity)
	res = await c.officer.post(`/api/v1/cases/${ref.D}/referrals`, { agency: 'sas', note: 'advocacy' });
	assert.equal(res.status, 201, res.text);
	res = await c.officer.put(`/api/v1/cases/${ref.D}/victim-care/spoc`, { username: 'advocate' });
	assert.equal(res.status, 200, res.text);
	res = await c.officer.post(`/api/v1/cases/${ref.D}/tasks`, { event: 'charge', occurred_at: daysAgo(0.1), detail: 'charged with stalking' });
	assert.equal(res.status, 201, res.text);

	// E: monitored, with an alert on the desk
	const m = await kit.monitored({ zones: [circle([51.52, -0.1], 200)] });
	ref.E = m.ref;
	await kit.trail(m.tag, [[51.52, -0.1]]);
	await kit.waitAlert(ref.E, 'zone_entry');

	// a case of another officer of the force, none of the officer's business
	srv.addUser('officer2', 'officer', 'met');
	c.officer2 = await srv.login('officer2');
	res = await c.officer2.post('/api/v1/cases', { relationship: 'stranger', channel: 'online', victims: [{ name: 'Ola O' }] });
	assert.equal(res.status, 201, res.text);
	ref.O = res.body.ref;
});
after(() => stopServer(srv));

describe('what is due to each person', () => {
	test('the officer: the work on the cases she owns, overdue first', async () => {
		const box = await inbox('officer');
		assert.deepEqual(kindsOf(box, ref.A), ['contact', 'screening']);
		assert.deepEqual(kindsOf(box, ref.B), ['assessment', 'contact']);
		// the grant is one more thing to tell her; its review (high risk: in a week) is not yet near
		assert.deepEqual(kindsOf(box, ref.C), ['advocacy_referral', 'contact', 'notify_victim', 'notify_victim', 'order_service', 'plan']);
		// D's notifications and contact are the advocate's (her point of contact)
		assert.deepEqual(kindsOf(box, ref.D), ['crime_record', 'duty_to_notify', 'plan_action', 'review']);
		assert.deepEqual(kindsOf(box, ref.O), [], 'another officer\'s case is not hers');
		assert.ok(!box.items.some((i) => i.kind === 'signoff' || i.kind === 'alert'), 'no sign-off, no alert: not her role');
		// overdue first, the longest overdue first
		const firstDated = box.items.findIndex((i) => !i.overdue);
		assert.ok(firstDated > 0);
		assert.ok(box.items.slice(firstDated).every((i) => !i.overdue), 'no overdue item after one that is not');
		const od = box.items.filter((i) => i.overdue).map((i) => Date.parse(i.due_at));
		assert.deepEqual(od, [...od].sort((a, b) => a - b));
		assert.equal(box.counts.total, box.items.length);
		assert.equal(box.counts.overdue, od.length);
		const action = box.items.find((i) => i.kind === 'plan_action');
		assert.equal(action.id, actionId);
		assert.equal(action.overdue, true);
		assert.equal(action.part, 'file');
		assert.equal(action.due_to, 'officer');
		const task = box.items.find((i) => i.kind === 'notify_victim');
		assert.equal(task.what, 'arrest');
		assert.equal(task.overdue, true, 'an arrest two days ago, due 24 hours after');
		assert.equal(box.items.find((i) => i.kind === 'crime_record').breach_id, breach.id);
		assert.equal(box.items.find((i) => i.kind === 'order_service').id, spo.id);
		// no victim's details anywhere in it
		assert.ok(!JSON.stringify(box).includes('High Street'));
	});

	test('the advocate: her point-of-contact work and nothing of the file she does not own', async () => {
		const box = await inbox('advocate');
		assert.deepEqual(kindsOf(box), ['contact', 'notify_victim', 'notify_victim']);
		assert.ok(box.items.every((i) => i.case.ref === ref.D));
		assert.deepEqual(box.items.filter((i) => i.kind === 'notify_victim').map((i) => i.what).sort(), ['charge', 'order_granted']);
	});

	test('the clinician: the plan action she owns, nothing of victim care', async () => {
		const box = await inbox('clinician');
		assert.deepEqual(kindsOf(box), ['plan_action']);
		assert.equal(box.items[0].id, clinicianActionId);
		assert.equal(box.items[0].overdue, false);
	});

	test('the supervisor: the sign-off and the desk; her team\'s work with whom each is due to', async () => {
		let box = await inbox('supervisor');
		assert.deepEqual(kindsOf(box), ['alert', 'signoff']);
		assert.equal(box.items.find((i) => i.kind === 'signoff').case.ref, ref.B);
		box = await inbox('supervisor', '?scope=team');
		assert.equal(box.scope, 'team');
		const of = (kind, r) => box.items.find((i) => i.kind === kind && i.case && i.case.ref === r);
		assert.equal(of('screening', ref.A).due_to, 'officer');
		assert.equal(of('screening', ref.O).due_to, 'officer2');
		assert.equal(of('notify_victim', ref.D).due_to, 'advocate');
		assert.equal(of('plan_action', ref.D).due_to, 'officer');
		assert.ok(box.items.some((i) => i.kind === 'plan_action' && i.due_to === 'clinician'));
	});

	test('the operator: the alerts of the monitored cases, no victim care, no file', async () => {
		const box = await inbox('operator');
		assert.deepEqual(kindsOf(box), ['alert']);
		assert.equal(box.items[0].case.ref, ref.E);
		assert.equal(box.items[0].what, 'zone_entry');
		assert.equal(box.items[0].overdue, true);
	});

	test('the analyst has nothing to do here; the team is for supervisors only', async () => {
		assert.deepEqual(kindsOf(await inbox('analyst')), []);
		expectError(await c.officer.get('/api/v1/inbox?scope=team'), 403, 'forbidden', 'scope');
		expectError(await c.officer.get('/api/v1/inbox?scope=everyone'), 400, 'bad_request', 'scope');
		expectError(await srv.client().get('/api/v1/inbox'), 401, 'unauthorized');
	});

	test('the administrator: a locked account of her agency', async () => {
		assert.deepEqual(kindsOf(await inbox('admin')), []);
		for (let i = 0; i < 8; i++) {
			const res = await srv.client().post('/api/v1/login', { username: 'analyst', password: `wrong-${i}` });
			if (res.status === 429 && res.body.error.code === 'account_locked') break;
			await new Promise((r) => setTimeout(r, 1100));
		}
		const box = await inbox('admin');
		assert.deepEqual(kindsOf(box), ['locked_account']);
		assert.equal(box.items[0].what, 'analyst');
		const u = (await c.admin.get('/api/v1/users/analyst')).body;
		assert.equal((await c.admin.patch('/api/v1/users/analyst', { version: u.version, unlock: true })).status, 200);
		assert.deepEqual(kindsOf(await inbox('admin')), []);
	});
});

describe('an item leaves the inbox when its record is done', () => {
	test('each completed through the API that its form uses', async () => {
		let res;
		// the plan action: done
		res = await c.officer.patch(`/api/v1/cases/${ref.D}/plan/actions/${actionId}`, { version: (await inbox('officer')).items.find((i) => i.kind === 'plan_action').version, status: 'done' });
		assert.equal(res.status, 200, res.text);
		// the review
		res = await c.officer.post(`/api/v1/cases/${ref.D}/reviews`, { kind: 'review', summary: 'breach dealt with; plan stands' });
		assert.equal(res.status, 201, res.text);
		// the crime record
		res = await c.officer.patch(`/api/v1/cases/${ref.D}/breaches/${breach.id}`, { version: breach.version, crime_reference: 'CRIS 01/1/26' });
		assert.equal(res.status, 200, res.text);
		// he notified
		const duty = (await inbox('officer')).items.find((i) => i.kind === 'duty_to_notify');
		res = await c.officer.patch(`/api/v1/cases/${ref.D}/orders/${duty.order_id}`, { version: duty.version, notified_at: daysAgo(0.01) });
		assert.equal(res.status, 200, res.text);
		// the SPO served
		res = await c.officer.patch(`/api/v1/cases/${ref.C}/orders/${spo.id}`, { version: spo.version, served_at: daysAgo(0.01) });
		assert.equal(res.status, 200, res.text);
		// the arrest and the grant told
		for (const tell of (await inbox('officer')).items.filter((i) => i.kind === 'notify_victim')) {
			res = await c.officer.patch(`/api/v1/cases/${ref.C}/tasks/${tell.id}`, { version: tell.version, done: true, note: 'told her by phone' });
			assert.equal(res.status, 200, res.text);
		}
		const box = await inbox('officer');
		assert.deepEqual(kindsOf(box, ref.D), []);
		assert.ok(!kindsOf(box, ref.C).includes('order_service'));
		assert.ok(!kindsOf(box, ref.C).includes('notify_victim'));
		// the sign-off
		res = await c.supervisor.post(`/api/v1/cases/${ref.B}/signoff`, { decision: 'approve', note: 'a single dispute at work' });
		assert.equal(res.status, 200, res.text);
		assert.ok(!kindsOf(await inbox('supervisor')).includes('signoff'));
		// the alert resolved
		const alert = (await inbox('operator')).items[0];
		await kit.resolve(alert.id, 'false_alarm');
		assert.deepEqual(kindsOf(await inbox('operator')), []);
	});
});
