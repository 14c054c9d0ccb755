// The gates a plan puts on the case workflow: no case is `assessed` without
// a plan that has an action with an owner and a due date, and at high risk an
// advocate referral offered, accepted or declined; no case is `closed`
// without a closing review recording its outcome, and no outcome stands for
// a warning notice instead of an investigation.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { assess, getCase, getPlan, inDays, makePlan, moveCase, newCase, offerAdvocate } from './lib/cases.mjs';
import { expectError, startServer, stopServer } from './lib/server.mjs';

let srv;
let officer;
let supervisor;

before(async () => {
	srv = await startServer({ roles: ['officer', 'supervisor', 'advocate', 'admin'] });
	officer = await srv.login('officer');
	supervisor = await srv.login('supervisor');
});
after(() => stopServer(srv));

describe('the assessed gate', () => {
	test('a case without a plan cannot move to assessed, and the message says what is missing', async () => {
		const c = await newCase(officer);
		await assess(officer, c.ref, 'medium');
		const res = await moveCase(officer, c.ref, 'assessed');
		expectError(res, 409, 'illegal_transition', 'status');
		assert.match(res.body.error.message, /cannot move to assessed/);
		assert.match(res.body.error.message, /a risk management plan with at least one action that has an owner and a due date \(there is no plan\)/);
		assert.doesNotMatch(res.body.error.message, /advocate/);
		assert.equal((await getCase(officer, c.ref)).status, 'screened');
	});

	test('a plan whose actions lack an owner or a due date does not pass', async () => {
		const c = await newCase(officer);
		await assess(officer, c.ref, 'medium');
		let res = await officer.put(`/api/v1/cases/${c.ref}/plan`, { version: 0 });
		assert.equal(res.status, 201, res.text);
		res = await officer.post(`/api/v1/cases/${c.ref}/plan/actions`, { version: 1, category: 'victim_safety', description: 'Safety plan', owner: 'officer' });
		assert.equal(res.status, 201, res.text);
		res = await officer.post(`/api/v1/cases/${c.ref}/plan/actions`, { version: 2, category: 'support_referral', description: 'MARAC', due_at: inDays(3) });
		assert.equal(res.status, 201, res.text);
		assert.equal(res.body.assessed_gate.ready, false);
		res = await moveCase(officer, c.ref, 'assessed');
		expectError(res, 409, 'illegal_transition', 'status');
		assert.match(res.body.error.message, /no action of the plan has both/);
		// an action not done does not count, even with both
		res = await officer.post(`/api/v1/cases/${c.ref}/plan/actions`, {
			version: 3, category: 'monitoring', description: 'Tag', owner: 'officer', due_at: inDays(3), status: 'not_done', reason: 'no tag available',
		});
		assert.equal(res.status, 201, res.text);
		expectError(await moveCase(officer, c.ref, 'assessed'), 409, 'illegal_transition', 'status');
		// giving the first action its due date makes the plan ready
		const plan = await getPlan(officer, c.ref);
		res = await officer.patch(`/api/v1/cases/${c.ref}/plan/actions/${plan.actions[0].id}`, { version: plan.version, due_at: inDays(5) });
		assert.equal(res.status, 200, res.text);
		assert.deepEqual(res.body.assessed_gate, { ready: true, missing: null });
		res = await moveCase(officer, c.ref, 'assessed');
		assert.equal(res.status, 200, res.text);
		assert.equal(res.body.status, 'assessed');
	});

	test('a valid plan lets a medium-risk case move to assessed', async () => {
		const c = await newCase(officer);
		await assess(officer, c.ref, 'medium');
		await makePlan(officer, c.ref);
		const res = await moveCase(officer, c.ref, 'assessed');
		assert.equal(res.status, 200, res.text);
		assert.equal(res.body.status, 'assessed');
	});
});

describe('the high-risk advocate rule', () => {
	test('a high-risk case with a valid plan still needs an advocate referral', async () => {
		const c = await newCase(officer);
		await assess(officer, c.ref, 'high');
		await makePlan(officer, c.ref);
		const res = await moveCase(officer, c.ref, 'assessed');
		expectError(res, 409, 'illegal_transition', 'status');
		assert.match(res.body.error.message, /an advocate referral offered, accepted or declined \(the case is high risk and none is recorded\)/);
		assert.doesNotMatch(res.body.error.message, /owner/);
	});

	test('without a plan either, both are named', async () => {
		const c = await newCase(officer);
		await assess(officer, c.ref, 'high');
		const res = await moveCase(officer, c.ref, 'assessed');
		expectError(res, 409, 'illegal_transition', 'status');
		assert.match(res.body.error.message, /there is no plan\); and an advocate referral/);
	});

	for (const status of ['offered', 'accepted', 'declined']) {
		test(`an advocate referral ${status} satisfies it`, async () => {
			const c = await newCase(officer);
			await assess(officer, c.ref, 'high');
			await makePlan(officer, c.ref);
			await offerAdvocate(officer, c.ref, status);
			const res = await moveCase(officer, c.ref, 'assessed');
			assert.equal(res.status, 200, res.text);
		});
	}

	test('a referral to another service does not', async () => {
		const c = await newCase(officer);
		await assess(officer, c.ref, 'high');
		await makePlan(officer, c.ref);
		const res = await officer.post(`/api/v1/cases/${c.ref}/victim-care/referrals`, { service: 'housing', provider: 'Borough housing' });
		assert.equal(res.status, 201, res.text);
		expectError(await moveCase(officer, c.ref, 'assessed'), 409, 'illegal_transition', 'status');
	});

	test('a case that becomes high risk after assessment is not pushed back', async () => {
		const c = await newCase(officer);
		await assess(officer, c.ref, 'medium');
		await makePlan(officer, c.ref);
		assert.equal((await moveCase(officer, c.ref, 'assessed')).status, 200);
		await assess(officer, c.ref, 'high');
		const res = await moveCase(officer, c.ref, 'managed');
		assert.equal(res.status, 200, res.text);
	});
});

describe('the closed gate', () => {
	async function managedCase() {
		const c = await newCase(officer);
		await assess(officer, c.ref, 'medium');
		await makePlan(officer, c.ref);
		assert.equal((await moveCase(officer, c.ref, 'assessed')).status, 200);
		assert.equal((await moveCase(officer, c.ref, 'managed')).status, 200);
		return c;
	}

	test('a case cannot be closed without a closing review', async () => {
		const c = await managedCase();
		const res = await moveCase(officer, c.ref, 'closed');
		expectError(res, 409, 'illegal_transition', 'status');
		assert.match(res.body.error.message, /needs a closing review that records the outcome/);
		// a periodic review is not a closing one
		const rv = await officer.post(`/api/v1/cases/${c.ref}/reviews`, { kind: 'review', summary: 'plan on track' });
		assert.equal(rv.status, 201, rv.text);
		expectError(await moveCase(officer, c.ref, 'closed'), 409, 'illegal_transition', 'status');
	});

	for (const outcome of ['warning_notice', 'pin', 'police_information_notice', 'harassment_warning', 'words_of_advice']) {
		test(`"${outcome}" is refused as a closing outcome`, async () => {
			const c = await managedCase();
			const res = await officer.post(`/api/v1/cases/${c.ref}/reviews`, { kind: 'closing', summary: 'spoke to him', outcome });
			expectError(res, 400, 'bad_request', 'outcome');
			assert.match(res.body.error.message, /a warning notice instead of an investigation is not how a stalking case ends/);
		});
	}

	test('an unknown outcome is refused with the list, a missing one asked for', async () => {
		const c = await managedCase();
		let res = await officer.post(`/api/v1/cases/${c.ref}/reviews`, { kind: 'closing', summary: 's', outcome: 'solved' });
		expectError(res, 400, 'bad_request', 'outcome');
		assert.match(res.body.error.message, /outcome must be one of: convicted, acquitted/);
		res = await officer.post(`/api/v1/cases/${c.ref}/reviews`, { kind: 'closing', summary: 's' });
		expectError(res, 400, 'bad_request', 'outcome');
		res = await officer.post(`/api/v1/cases/${c.ref}/reviews`, { kind: 'review', summary: 's', outcome: 'convicted' });
		expectError(res, 400, 'bad_request', 'outcome');
	});

	test('a closing review with its outcome lets the case close; reopening needs a new one to close again', async () => {
		const c = await managedCase();
		let res = await officer.post(`/api/v1/cases/${c.ref}/reviews`, { kind: 'closing', summary: 'convicted at crown court; restraining order made', outcome: 'convicted' });
		assert.equal(res.status, 201, res.text);
		assert.equal(res.body.reviews[0].kind, 'closing');
		assert.equal(res.body.reviews[0].outcome, 'convicted');
		assert.equal(res.body.reviews[0].current, true);
		res = await moveCase(officer, c.ref, 'closed');
		assert.equal(res.status, 200, res.text);
		assert.equal(res.body.status, 'closed');
		// a closed case's plan is kept as it was
		const plan = await getPlan(officer, c.ref);
		expectError(await officer.post(`/api/v1/cases/${c.ref}/plan/actions`, { version: plan.version, category: 'treatment', description: 'x' }), 409, 'illegal_transition');
		res = await moveCase(officer, c.ref, 'managed', { reason: 'he breached the order' });
		assert.equal(res.status, 200, res.text);
		res = await officer.get(`/api/v1/cases/${c.ref}/reviews`);
		assert.equal(res.body.reviews[0].current, false);
		assert.ok(res.body.reviews[0].superseded_at);
		expectError(await moveCase(officer, c.ref, 'closed'), 409, 'illegal_transition', 'status');
		res = await officer.post(`/api/v1/cases/${c.ref}/reviews`, { kind: 'closing', summary: 'order in force, no contact since', outcome: 'order_in_force_managed' });
		assert.equal(res.status, 201, res.text);
		assert.equal((await moveCase(officer, c.ref, 'closed')).status, 200);
	});

	test('a review sets the next review date by the risk level', async () => {
		const c = await managedCase();
		const before = Date.now();
		const res = await officer.post(`/api/v1/cases/${c.ref}/reviews`, { kind: 'review', summary: 'all actions on time' });
		assert.equal(res.status, 201, res.text);
		const due = Date.parse(res.body.review_due_at);
		// medium: 28 days
		assert.ok(due >= before + 28 * 86400000 - 1000 && due <= Date.now() + 28 * 86400000, res.body.review_due_at);
		expectError(await officer.post(`/api/v1/cases/${c.ref}/reviews`, { kind: 'review', summary: 's', next_review_at: '2020-01-01' }), 400, 'bad_request', 'next_review_at');
	});

	test('a review needs a plan', async () => {
		const c = await newCase(officer);
		expectError(await officer.post(`/api/v1/cases/${c.ref}/reviews`, { kind: 'review', summary: 's' }), 409, 'no_plan');
	});

	test('the supervisor is held to the same gates', async () => {
		const c = await newCase(officer);
		await assess(officer, c.ref, 'standard');
		const res = await moveCase(supervisor, c.ref, 'assessed');
		expectError(res, 409, 'illegal_transition', 'status');
	});
});
