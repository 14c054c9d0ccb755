// Suggested actions come from the table in plans/suggestions.json for the
// case's risk level, typology and the screen's yes items; the assessor
// accepts, edits or rejects each, once.  A broken table stops the server,
// naming the file and the problem.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { assess, getPlan, inDays, newCase, screen, typology } from './lib/cases.mjs';
import { expectError, removeDir, seedDatabase, spawnServer, startServer, stopServer } from './lib/server.mjs';

let srv;
let officer;

before(async () => {
	srv = await startServer({ roles: ['officer', 'advocate', 'clinician'] });
	officer = await srv.login('officer');
});
after(() => stopServer(srv));

const ids = (plan) => plan.suggestions.map((s) => s.id);

describe('suggestions', () => {
	test('a high-risk rejected ex-partner brings target hardening, an order, a tag, MARAC and an advocate', async () => {
		const c = await newCase(officer);
		await assess(officer, c.ref, 'high');
		await typology(officer, c.ref, 'rejected');
		const plan = await getPlan(officer, c.ref);
		assert.equal(plan.version, 0, 'no plan yet');
		for (const id of ['target-hardening-home', 'spo-application', 'consider-tag', 'marac-referral', 'advocate-referral'])
			assert.ok(ids(plan).includes(id), `${id} in ${ids(plan)}`);
		const tag = plan.suggestions.find((s) => s.id === 'consider-tag');
		assert.equal(tag.category, 'monitoring');
		assert.deepEqual(tag.because.map((b) => b.rule), ['high-rejected']);
		assert.equal(tag.decision, null);
		assert.equal(tag.current, true);
		// once each, with every rule that brought it
		assert.equal(ids(plan).filter((i) => i === 'marac-referral').length, 1);
		assert.deepEqual(plan.suggestions.find((s) => s.id === 'marac-referral').because.map((b) => b.rule), ['high-risk', 'high-rejected']);
	});

	test('a standard-risk case brings no tag; the screen\'s yes items bring theirs', async () => {
		const c = await newCase(officer);
		await assess(officer, c.ref, 'standard');
		let plan = await getPlan(officer, c.ref);
		assert.deepEqual(ids(plan).sort(), ['digital-safety', 'evidence-diary', 'safety-plan']);
		await screen(officer, c.ref, ['loitering', 'substance_misuse']);
		plan = await getPlan(officer, c.ref);
		for (const id of ['workplace-plan', 'consider-tag', 'target-hardening-home', 'substance-misuse-referral'])
			assert.ok(ids(plan).includes(id), `${id} in ${ids(plan)}`);
		assert.ok(!ids(plan).includes('panic-alarm'));
	});

	test('accept, edit and reject, each recorded once', async () => {
		const c = await newCase(officer);
		await assess(officer, c.ref, 'high');
		await typology(officer, c.ref, 'rejected');
		let res = await officer.put(`/api/v1/cases/${c.ref}/plan`, {
			version: 0,
			summary: 'protect her at home; apply for an SPO',
			suggestions: [
				{ id: 'target-hardening-home', decision: 'accept', owner: 'officer', due_at: inDays(3) },
				{ id: 'spo-application', decision: 'edit', description: 'Apply for an interim SPO at the magistrates on Monday', owner: 'officer', due_at: inDays(4) },
				{ id: 'consider-tag', decision: 'reject', reason: 'he is not on bail and has not agreed to wear one' },
			],
		});
		assert.equal(res.status, 201, res.text);
		assert.equal(res.body.version, 1);
		assert.equal(res.body.actions.length, 2);
		const [home, spo] = res.body.actions;
		assert.equal(home.suggestion, 'target-hardening-home');
		assert.equal(home.category, 'victim_safety');
		assert.match(home.description, /Target-harden the victim's home/);
		assert.equal(home.owner, 'officer');
		assert.equal(home.agency, 'met');
		assert.equal(home.status, 'planned');
		assert.equal(spo.description, 'Apply for an interim SPO at the magistrates on Monday');
		const dec = Object.fromEntries(res.body.suggestions.filter((s) => s.decision).map((s) => [s.id, s.decision]));
		assert.equal(dec['target-hardening-home'].decision, 'accepted');
		assert.equal(dec['target-hardening-home'].action_id, home.id);
		assert.equal(dec['spo-application'].decision, 'edited');
		assert.equal(dec['consider-tag'].decision, 'rejected');
		assert.equal(dec['consider-tag'].reason, 'he is not on bail and has not agreed to wear one');
		assert.equal(dec['consider-tag'].action_id, null);
		assert.equal(dec['consider-tag'].by, 'officer');
		assert.deepEqual(res.body.assessed_gate.ready, false); // high risk: the advocate referral is missing
		// decided already
		res = await officer.put(`/api/v1/cases/${c.ref}/plan`, { version: 1, suggestions: [{ id: 'consider-tag', decision: 'accept' }] });
		expectError(res, 409, 'conflict', 'suggestions[0].id');
		// and through POST .../actions, accepting one as it stands
		res = await officer.post(`/api/v1/cases/${c.ref}/plan/actions`, {
			version: 1, suggestion: 'marac-referral', category: 'support_referral', description: 'Refer the case to MARAC', owner: 'officer', due_at: inDays(2),
		});
		assert.equal(res.status, 201, res.text);
		assert.equal(res.body.suggestions.find((s) => s.id === 'marac-referral').decision.decision, 'accepted');
		res = await officer.post(`/api/v1/cases/${c.ref}/plan/actions`, { version: 2, suggestion: 'marac-referral', category: 'support_referral', description: 'again' });
		expectError(res, 409, 'conflict', 'suggestion');
	});

	test('decisions are validated, naming the field', async () => {
		const c = await newCase(officer);
		await assess(officer, c.ref, 'medium');
		const put = (suggestions) => officer.put(`/api/v1/cases/${c.ref}/plan`, { version: 0, suggestions });
		expectError(await put([{ id: 'consider-tag', decision: 'accept' }]), 400, 'bad_request', 'suggestions[0].id'); // not suggested at medium for an undetermined type
		expectError(await put([{ id: 'safety-plan', decision: 'maybe' }]), 400, 'bad_request', 'suggestions[0].decision');
		expectError(await put([{ id: 'safety-plan', decision: 'reject' }]), 400, 'bad_request', 'suggestions[0].reason');
		expectError(await put([{ id: 'safety-plan', decision: 'edit' }]), 400, 'bad_request', 'suggestions[0].description');
		expectError(await put([{ id: 'safety-plan', decision: 'accept', description: 'x' }]), 400, 'bad_request', 'suggestions[0]');
		expectError(await put([{ id: 'safety-plan', decision: 'accept', owner: 'nobody' }]), 400, 'bad_request', 'suggestions[0].owner');
		expectError(await put([{ id: 'safety-plan', decision: 'accept', due_at: 'tomorrow' }]), 400, 'bad_request', 'suggestions[0].due_at');
		expectError(await put([{ id: 'safety-plan', decision: 'accept', colour: 'red' }]), 400, 'bad_request', 'suggestions[0].colour');
		expectError(await put([{ id: 'safety-plan', decision: 'accept' }, { id: 'safety-plan', decision: 'accept' }]), 400, 'bad_request', 'suggestions[1].id');
		expectError(await put('all'), 400, 'bad_request', 'suggestions');
		// nothing was made
		assert.equal((await getPlan(officer, c.ref)).version, 0);
	});
});

describe('a broken suggestion table stops the server', () => {
	let seeded;
	before(async () => {
		seeded = await seedDatabase({ users: false });
	});
	after(() => removeDir(seeded.dir));

	const cases = [
		['not JSON', '{"version": 1,', /line \d+, column \d+/],
		['an unknown screen item', JSON.stringify({
			version: 1, screen: 'stalking-screen',
			actions: { a: { category: 'monitoring', description: 'Tag' } },
			rules: [{ id: 'r', why: 'w', when: { screen_yes: ['feer'] }, suggest: ['a'] }],
		}), /rule 1 \(r\): when\.screen_yes: 'feer' is not an item of the screen 'stalking-screen'/],
		['an action no rule names', JSON.stringify({
			version: 1, screen: 'stalking-screen',
			actions: { a: { category: 'monitoring', description: 'Tag' }, b: { category: 'treatment', description: 'T' } },
			rules: [{ id: 'r', why: 'w', when: {}, suggest: ['a'] }],
		}), /action 'b' is suggested by no rule/],
	];
	for (const [what, text, message] of cases) {
		test(what, async () => {
			const file = path.join(seeded.dir, 'suggestions.json');
			fs.writeFileSync(file, text);
			await assert.rejects(spawnServer(seeded.db, ['--plan-suggestions', file]), (e) => {
				assert.match(e.message, new RegExp(`vigil serve: ${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: `));
				assert.match(e.message, message);
				return true;
			});
		});
	}

	test('a missing file is named', async () => {
		await assert.rejects(spawnServer(seeded.db, ['--plan-suggestions', '/nonexistent/suggestions.json']), /\/nonexistent\/suggestions\.json: cannot open/);
	});
});
