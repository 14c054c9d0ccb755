// A plan is versioned: every change is made from the version read (a stale
// one is refused with 409 and the current version), bumps it, and is kept,
// so the plan can be shown as any version left it.  Actions move planned →
// in_progress → done, or not_done with a reason; clinicians and advocates
// move only the actions they own.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { assess, getPlan, inDays, newCase } from './lib/cases.mjs';
import { expectError, startServer, stopServer } from './lib/server.mjs';

let srv;
let officer;
let advocate;
let analyst;
let ref;

before(async () => {
	srv = await startServer({ roles: ['officer', 'supervisor', 'advocate', 'analyst', 'clinician'] });
	({ officer, advocate, analyst } = await srv.logins(['officer', 'advocate', 'analyst']));
	const c = await newCase(officer);
	ref = c.ref;
	await assess(officer, ref, 'medium');
	// the advocate sees the case once the victim accepts the referral
	const res = await officer.post(`/api/v1/cases/${ref}/victim-care/referrals`, {
		service: 'advocacy', agency: 'sas', status: 'accepted', consent: { given: true, note: 'agreed in person' },
	});
	assert.equal(res.status, 201, res.text);
});
after(() => stopServer(srv));

describe('versions', () => {
	let actionId;

	test('PUT with version 0 makes the plan; a second version 0 is stale', async () => {
		let res = await officer.put(`/api/v1/cases/${ref}/plan`, { version: 0, summary: 'first' });
		assert.equal(res.status, 201, res.text);
		assert.equal(res.body.version, 1);
		assert.equal(res.body.created_by, 'officer');
		res = await officer.put(`/api/v1/cases/${ref}/plan`, { version: 0, summary: 'again' });
		expectError(res, 409, 'stale_version', 'version');
		assert.match(res.body.error.message, /you sent version 0, it is now 1/);
	});

	test('a plan version must be given, and for a case with no plan it must be 0', async () => {
		const c = await newCase(officer);
		expectError(await officer.put(`/api/v1/cases/${c.ref}/plan`, { summary: 'x' }), 400, 'bad_request', 'version');
		const res = await officer.put(`/api/v1/cases/${c.ref}/plan`, { version: 3 });
		expectError(res, 409, 'stale_version', 'version');
		assert.match(res.body.error.message, /no plan yet: send version 0/);
		expectError(await officer.post(`/api/v1/cases/${c.ref}/plan/actions`, { version: 1, category: 'treatment', description: 'x' }), 409, 'no_plan');
	});

	test('every write from a stale version is refused with the current version, and changes nothing', async () => {
		let res = await officer.post(`/api/v1/cases/${ref}/plan/actions`, { version: 1, category: 'victim_safety', description: 'Safety plan', owner: 'advocate', due_at: inDays(5) });
		assert.equal(res.status, 201, res.text);
		assert.equal(res.body.version, 2);
		actionId = res.body.action.id;
		assert.equal(res.body.action.owner, 'advocate');
		assert.equal(res.body.action.agency, 'sas');
		// stale: version 1 again, on each write route
		res = await officer.put(`/api/v1/cases/${ref}/plan`, { version: 1, summary: 'lost update' });
		expectError(res, 409, 'stale_version', 'version');
		assert.match(res.body.error.message, /it is now 2/);
		expectError(await officer.post(`/api/v1/cases/${ref}/plan/actions`, { version: 1, category: 'treatment', description: 'x' }), 409, 'stale_version', 'version');
		expectError(await officer.patch(`/api/v1/cases/${ref}/plan/actions/${actionId}`, { version: 1, status: 'done' }), 409, 'stale_version', 'version');
		const plan = await getPlan(officer, ref);
		assert.equal(plan.version, 2);
		assert.equal(plan.summary, 'first');
		assert.equal(plan.actions.length, 1);
		assert.equal(plan.actions[0].status, 'planned');
	});

	test('every version is kept and can be read back as it stood', async () => {
		let res = await officer.patch(`/api/v1/cases/${ref}/plan/actions/${actionId}`, { version: 2, status: 'in_progress' });
		assert.equal(res.status, 200, res.text);
		res = await officer.put(`/api/v1/cases/${ref}/plan`, { version: 3, summary: 'second' });
		assert.equal(res.status, 200, res.text);
		assert.equal(res.body.version, 4);
		res = await officer.get(`/api/v1/cases/${ref}/plan/versions`);
		assert.equal(res.status, 200);
		assert.deepEqual(res.body.versions.map((v) => v.version), [4, 3, 2, 1]);
		assert.deepEqual(res.body.versions.map((v) => v.change), [
			'summary changed', `action ${actionId}: planned -> in_progress`, `action ${actionId} added (victim_safety)`, 'plan made',
		]);
		assert.ok(res.body.versions.every((v) => v.by === 'officer' && /Z$/.test(v.at)));
		res = await officer.get(`/api/v1/cases/${ref}/plan?version=2`);
		assert.equal(res.status, 200, res.text);
		assert.equal(res.body.version, 2);
		assert.equal(res.body.current_version, 4);
		assert.equal(res.body.summary, 'first');
		assert.equal(res.body.actions[0].status, 'planned');
		assert.equal(res.body.change, `action ${actionId} added (victim_safety)`);
		res = await officer.get(`/api/v1/cases/${ref}/plan?version=1`);
		assert.deepEqual(res.body.actions, []);
		expectError(await officer.get(`/api/v1/cases/${ref}/plan?version=9`), 404, 'not_found', 'version');
		expectError(await officer.get(`/api/v1/cases/${ref}/plan?version=x`), 400, 'bad_request', 'version');
	});

	test('each change is on the timeline and in the audit trail', async () => {
		const tl = await officer.get(`/api/v1/cases/${ref}/timeline`);
		assert.equal(tl.status, 200);
		const text = JSON.stringify(tl.body);
		assert.match(text, /version 4: summary changed/);
		const sup = await srv.login('supervisor');
		const audit = await sup.get('/api/v1/audit?action=plan.update&limit=10');
		assert.ok(audit.body.entries.some((e) => e.object === `case:${ref}` && e.outcome === 'ok' && /plan v4/.test(e.detail)), JSON.stringify(audit.body.entries));
	});
});

describe('actions', () => {
	let id;
	let version;

	before(async () => {
		const plan = await getPlan(officer, ref);
		const res = await officer.post(`/api/v1/cases/${ref}/plan/actions`, { version: plan.version, category: 'perpetrator_management', description: 'Apply for an SPO', owner: 'officer', due_at: inDays(10) });
		assert.equal(res.status, 201, res.text);
		id = res.body.action.id;
		version = res.body.version;
	});

	test('input is validated, naming the field', async () => {
		const post = (b) => officer.post(`/api/v1/cases/${ref}/plan/actions`, { version, category: 'treatment', description: 'x', ...b });
		expectError(await post({ category: 'target_hardening' }), 400, 'bad_request', 'category');
		expectError(await post({ description: '' }), 400, 'bad_request', 'description');
		expectError(await post({ description: 'x'.repeat(4001) }), 400, 'bad_request', 'description');
		expectError(await post({ owner: 'ghost' }), 400, 'bad_request', 'owner');
		expectError(await post({ due_at: '31/12/2026' }), 400, 'bad_request', 'due_at');
		expectError(await post({ status: 'started' }), 400, 'bad_request', 'status');
		expectError(await post({ status: 'not_done' }), 400, 'bad_request', 'reason');
		expectError(await post({ priority: 1 }), 400, 'bad_request', 'priority');
		expectError(await post({ suggestion: 'nope' }), 400, 'bad_request', 'suggestion');
		expectError(await post({ version: 'one' }), 400, 'bad_request', 'version');
		assert.equal((await getPlan(officer, ref)).version, version, 'nothing changed');
	});

	test('status moves follow the rules', async () => {
		const patch = (b) => officer.patch(`/api/v1/cases/${ref}/plan/actions/${id}`, { version, ...b });
		let res = await patch({ status: 'not_done' });
		expectError(res, 400, 'bad_request', 'status');
		assert.match(res.body.error.message, /needs the reason why/);
		res = await patch({ status: 'done' });
		assert.equal(res.status, 200, res.text);
		version = res.body.version;
		assert.equal(res.body.action.status, 'done');
		assert.ok(res.body.action.done_at);
		res = await patch({ status: 'planned' });
		expectError(res, 400, 'bad_request', 'status');
		assert.match(res.body.error.message, /from done it may go to in_progress/);
		res = await patch({ status: 'in_progress' });
		expectError(res, 400, 'bad_request', 'status');
		assert.match(res.body.error.message, /reopening a done action needs a reason/);
		res = await patch({ status: 'in_progress', reason: 'the court adjourned' });
		assert.equal(res.status, 200, res.text);
		version = res.body.version;
		assert.equal(res.body.action.done_at, null);
		res = await patch({ status: 'not_done', reason: 'the victim asked us not to apply' });
		assert.equal(res.status, 200, res.text);
		version = res.body.version;
		assert.equal(res.body.action.reason, 'the victim asked us not to apply');
		expectError(await officer.patch(`/api/v1/cases/${ref}/plan/actions/99999`, { version, status: 'done' }), 404, 'not_found');
		expectError(await patch({}), 400, 'bad_request', null);
		expectError(await officer.put(`/api/v1/cases/${ref}/plan`, { version }), 400, 'bad_request', null);
		expectError(await officer.patch(`/api/v1/cases/${ref}/plan/actions/abc`, { version, status: 'done' }), 404, 'not_found');
	});

	test('an overdue action says so; null clears an owner or a due date', async () => {
		let res = await officer.post(`/api/v1/cases/${ref}/plan/actions`, { version, category: 'support_referral', description: 'MARAC', owner: 'officer', due_at: '2026-01-01T00:00:00Z' });
		assert.equal(res.status, 201, res.text);
		version = res.body.version;
		assert.equal(res.body.action.overdue, true);
		res = await officer.patch(`/api/v1/cases/${ref}/plan/actions/${res.body.action.id}`, { version, owner: null, due_at: null });
		assert.equal(res.status, 200, res.text);
		version = res.body.version;
		assert.equal(res.body.action.owner, null);
		assert.equal(res.body.action.due_at, null);
		assert.equal(res.body.action.overdue, false);
	});

	test('an advocate moves only her own actions, and only their status', async () => {
		const plan = await getPlan(advocate, ref);
		const mine = plan.actions.find((a) => a.owner === 'advocate');
		const notMine = plan.actions.find((a) => a.owner === 'officer');
		let res = await advocate.patch(`/api/v1/cases/${ref}/plan/actions/${notMine.id}`, { version: plan.version, status: 'done' });
		expectError(res, 403, 'forbidden');
		res = await advocate.patch(`/api/v1/cases/${ref}/plan/actions/${mine.id}`, { version: plan.version, due_at: inDays(30) });
		expectError(res, 403, 'forbidden', 'due_at');
		expectError(await advocate.post(`/api/v1/cases/${ref}/plan/actions`, { version: plan.version, category: 'treatment', description: 'x' }), 403, 'forbidden');
		expectError(await advocate.put(`/api/v1/cases/${ref}/plan`, { version: plan.version, summary: 'x' }), 403, 'forbidden');
		res = await advocate.patch(`/api/v1/cases/${ref}/plan/actions/${mine.id}`, { version: plan.version, status: 'done' });
		assert.equal(res.status, 200, res.text);
		assert.equal(res.body.action.status, 'done');
		version = res.body.version;
	});

	test('an analyst reads the plan but may not change it', async () => {
		const plan = await getPlan(analyst, ref);
		assert.equal(plan.version, version);
		expectError(await analyst.put(`/api/v1/cases/${ref}/plan`, { version, summary: 'x' }), 403, 'forbidden');
	});
});
