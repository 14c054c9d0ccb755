// The typology: the aid's proposal on one clear case of each of the five
// types and on facts that do not decide it, with the evidence for and against;
// the assessor's decision recorded with its rationale, each change kept; the
// type-specific prompts; who may run the aid, decide and read.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { expectError, startServer, stopServer } from './lib/server.mjs';
import { addIncident, createCase, screenAnswers } from './lib/casekit.mjs';

let srv;
const c = {};

before(async () => {
	srv = await startServer();
	Object.assign(c, await srv.logins(['officer', 'supervisor', 'operator', 'clinician', 'advocate', 'analyst']));
});
after(() => stopServer(srv));

async function suggest(client, ref, motives) {
	const res = await client.post(`/api/v1/cases/${ref}/typology/suggest`, motives === undefined ? {} : { motives });
	assert.equal(res.status, 200, res.text);
	return res.body;
}
const ev = (p, type, supports) => p.evidence.filter((e) => e.type === type && e.supports === supports).map((e) => e.fact);

describe('the aid on one clear case of each type', () => {
	test('rejected: a former partner seeking reconciliation or revenge', async () => {
		const C = await createCase(c.officer, { relationship: 'ex_partner' });
		const p = await suggest(c.officer, C.ref, { reconciliation_or_revenge: true });
		assert.equal(p.proposed, 'rejected');
		assert.equal(p.ref, C.ref);
		assert.equal(p.scores.rejected, 8);
		assert.deepEqual(ev(p, 'rejected', true).sort(), ['former intimate partner', 'seeks reconciliation or revenge after the relationship ended']);
		assert.deepEqual(ev(p, 'predatory', false), ['former intimate partner'], 'facts against other types are shown too');
		assert.match(p.rule, /at least 5 and leads every other type by at least 3/);
		assert.ok(p.prompts.some((s) => /violence/.test(s)));
		for (const e of p.evidence) assert.ok(Number.isInteger(e.weight) && e.weight > 0);
	});

	test('intimacy seeker: known online, believes in a relationship that does not exist', async () => {
		const C = await createCase(c.officer, { relationship: 'online_only' });
		for (let i = 0; i < 10; i++) await addIncident(c.officer, C.ref, { behaviour: 'social_media' });
		await addIncident(c.officer, C.ref, { behaviour: 'unwanted_gift' });
		const p = await suggest(c.officer, C.ref, { believes_relationship: true, reconciliation_or_revenge: false });
		assert.equal(p.proposed, 'intimacy_seeker');
		const facts = ev(p, 'intimacy_seeker', true);
		assert.ok(facts.includes('believes in a relationship that does not exist'));
		assert.ok(facts.includes('persistent contact: 10 messages, calls or social-media contacts'), facts.join(' | '));
		assert.ok(facts.includes('unwanted gifts: 1'));
		assert.deepEqual(ev(p, 'rejected', false), ['assessed: not seeking reconciliation or revenge']);
		assert.ok(p.prompts.some((s) => /mental-health referral/.test(s)));
	});

	test('incompetent suitor: an acquaintance seeking a date and not taking no', async () => {
		const C = await createCase(c.officer, { relationship: 'friend_acquaintance' });
		const p = await suggest(c.officer, C.ref, { seeks_date_ignores_refusal: true });
		assert.equal(p.proposed, 'incompetent_suitor');
		assert.ok(ev(p, 'incompetent_suitor', true).includes('seeks a date with someone who has never been a partner'));
		assert.ok(p.prompts.some((s) => /other victims/.test(s)));
	});

	test('resentful: a grievance from a service, with threats and damage', async () => {
		const C = await createCase(c.officer, { relationship: 'professional_customer' });
		await addIncident(c.officer, C.ref, { behaviour: 'threat' });
		await addIncident(c.officer, C.ref, { behaviour: 'threat' });
		await addIncident(c.officer, C.ref, { behaviour: 'property_damage' });
		const p = await suggest(c.officer, C.ref, { grievance: true });
		assert.equal(p.proposed, 'resentful');
		const facts = ev(p, 'resentful', true);
		for (const f of ['nurses a grievance or sense of injustice', 'a grievance arising from work or a service', 'threats: 2 recorded incidents', 'property damage: 1 recorded incident'])
			assert.ok(facts.includes(f), `${f} in ${facts.join(' | ')}`);
		assert.ok(p.prompts.some((s) => /threatens and damages property/.test(s)));
	});

	test('predatory: a stranger watching covertly, with a sexual motive', async () => {
		const C = await createCase(c.officer, { relationship: 'stranger' });
		await addIncident(c.officer, C.ref, { behaviour: 'following' });
		await addIncident(c.officer, C.ref, { behaviour: 'loitering' });
		const p = await suggest(c.officer, C.ref, { sexual_covert_preparation: true });
		assert.equal(p.proposed, 'predatory');
		assert.ok(ev(p, 'predatory', true).includes('a stranger who follows or watches without making contact'));
		assert.ok(p.prompts.some((s) => /sexual violence/.test(s)));
		assert.ok(p.prompts.some((s) => /Urgent/.test(s)));
	});

	test('the latest stalking screen counts as a fact', async () => {
		const C = await createCase(c.officer, { relationship: 'stranger' });
		const r = await c.officer.post(`/api/v1/cases/${C.ref}/assessments`, { instrument: 'stalking-screen', answers: screenAnswers(['loitering', 'previous_stalking']) });
		assert.equal(r.status, 201, r.text);
		const p = await suggest(c.officer, C.ref, { sexual_covert_preparation: true });
		assert.equal(p.proposed, 'predatory');
		assert.ok(ev(p, 'predatory', true).includes('a stranger who follows or watches without making contact'));
		assert.ok(ev(p, 'incompetent_suitor', true).includes('has stalked this or other victims before (stalking screen)'));
	});
});

describe('the aid on facts that do not decide', () => {
	test('two motives for two types and nothing else: undetermined', async () => {
		const C = await createCase(c.officer, { relationship: 'unknown' });
		const p = await suggest(c.officer, C.ref, { reconciliation_or_revenge: true, grievance: true });
		assert.equal(p.proposed, 'undetermined');
		assert.equal(p.scores.rejected, 5);
		assert.equal(p.scores.resentful, 5);
		assert.ok(p.prompts.some((s) => /revisit/.test(s)));
	});

	test('no motives and no telling relationship: undetermined', async () => {
		const C = await createCase(c.officer, { relationship: 'unknown' });
		const p = await suggest(c.officer, C.ref);
		assert.equal(p.proposed, 'undetermined');
		assert.deepEqual(p.evidence, []);
		assert.deepEqual(Object.keys(p.scores).sort(), ['incompetent_suitor', 'intimacy_seeker', 'predatory', 'rejected', 'resentful']);
	});

	test('a former partner whose motive is assessed as not reconciliation or revenge: undetermined', async () => {
		const C = await createCase(c.officer, { relationship: 'ex_partner' });
		const p = await suggest(c.officer, C.ref, { reconciliation_or_revenge: false });
		assert.equal(p.proposed, 'undetermined');
		assert.equal(p.scores.rejected, 0);
		assert.deepEqual(ev(p, 'rejected', false), ['assessed: not seeking reconciliation or revenge']);
	});

	test('a motive left null counts neither way', async () => {
		const C = await createCase(c.officer, { relationship: 'unknown' });
		const p = await suggest(c.officer, C.ref, { grievance: null, believes_relationship: null });
		assert.deepEqual(p.evidence, []);
		assert.equal(p.proposed, 'undetermined');
	});

	test('a former partner alone (score 3) is below the threshold: undetermined', async () => {
		const C = await createCase(c.officer, { relationship: 'ex_partner' });
		const p = await suggest(c.officer, C.ref, {});
		assert.equal(p.scores.rejected, 3);
		assert.equal(p.proposed, 'undetermined');
	});
});

describe('refused suggestions', () => {
	let C;
	before(async () => {
		C = await createCase(c.officer);
	});
	test('motives that are not an object are 400 naming motives', async () => {
		expectError(await c.officer.post(`/api/v1/cases/${C.ref}/typology/suggest`, { motives: ['grievance'] }), 400, 'bad_request', 'motives');
	});
	test('an unknown motive is 400 naming it', async () => {
		expectError(await c.officer.post(`/api/v1/cases/${C.ref}/typology/suggest`, { motives: { jealousy: true } }), 400, 'bad_request', 'motives.jealousy');
	});
	test('a motive answered other than true, false or null is 400 naming it', async () => {
		expectError(await c.officer.post(`/api/v1/cases/${C.ref}/typology/suggest`, { motives: { grievance: 'yes' } }), 400, 'bad_request', 'motives.grievance');
	});
	test('an unknown field is 400', async () => {
		expectError(await c.officer.post(`/api/v1/cases/${C.ref}/typology/suggest`, { relationship: 'stranger' }), 400, 'bad_request', 'relationship');
	});
	test('an unknown case is 404', async () => {
		expectError(await c.officer.post('/api/v1/cases/STAC-2000-000321/typology/suggest', {}), 404, 'not_found');
	});
});

describe('the decision', () => {
	let C;
	let first;
	let proposal;

	before(async () => {
		C = await createCase(c.officer, { relationship: 'ex_partner' });
		proposal = await suggest(c.officer, C.ref, { reconciliation_or_revenge: true });
	});

	test('is recorded with its rationale and the proposal it followed, and brings the prompts', async () => {
		const res = await c.officer.post(`/api/v1/cases/${C.ref}/typology`, { typology: 'rejected', rationale: 'wants her back, threatens otherwise', proposal });
		assert.equal(res.status, 201, res.text);
		first = res.body;
		assert.equal(first.ref, C.ref);
		assert.equal(first.typology, 'rejected');
		assert.deepEqual(first.prompts, [
			'Highest risk of violence of the five types: plan for it.',
			'Expect long persistence: the stalking may go on for a long time.',
		]);
		assert.equal(first.history.length, 1);
		const h = first.history[0];
		assert.equal(h.typology, 'rejected');
		assert.equal(h.rationale, 'wants her back, threatens otherwise');
		assert.deepEqual(h.proposal, proposal);
		assert.equal(h.decided_by, 'officer');
		assert.equal(typeof h.decided_at, 'string');
		assert.equal(typeof h.version, 'number');
	});

	test('the case carries the type and is found by it', async () => {
		const cs = (await c.officer.get(`/api/v1/cases/${C.ref}`)).body;
		assert.equal(cs.typology, 'rejected');
		const list = await c.officer.get('/api/v1/cases?typology=rejected&limit=200');
		assert.ok(list.body.cases.some((x) => x.ref === C.ref));
	});

	test('a change is a new version; the earlier one is kept', async () => {
		const res = await c.supervisor.post(`/api/v1/cases/${C.ref}/typology`, { typology: 'intimacy_seeker', rationale: 'on reflection, believes they are still together' });
		assert.equal(res.status, 201, res.text);
		assert.equal(res.body.typology, 'intimacy_seeker');
		assert.equal(res.body.history.length, 2);
		assert.deepEqual(res.body.history.map((h) => h.typology), ['intimacy_seeker', 'rejected'], 'newest first');
		assert.ok(res.body.history[0].version > res.body.history[1].version);
		assert.equal(res.body.history[0].proposal, null);
		assert.equal(res.body.history[0].decided_by, 'supervisor');
		assert.ok(res.body.prompts.some((s) => /mental-health referral/.test(s)));
		const got = await c.officer.get(`/api/v1/cases/${C.ref}/typology`);
		assert.equal(got.status, 200);
		assert.deepEqual(got.body, res.body);
		const list = await c.officer.get('/api/v1/cases?typology=rejected&limit=200');
		assert.ok(!list.body.cases.some((x) => x.ref === C.ref));
	});

	test('the decision is on the timeline and moves the case version', async () => {
		const tl = await c.officer.get(`/api/v1/cases/${C.ref}/timeline`);
		assert.deepEqual(tl.body.items.filter((i) => i.kind === 'typology').map((i) => i.summary), ['rejected', 'intimacy_seeker']);
		expectError(await c.officer.patch(`/api/v1/cases/${C.ref}`, { version: C.version, summary: 'x' }), 409, 'stale_version');
	});

	const prompts = {
		rejected: [/Highest risk of violence/, /long persistence/],
		intimacy_seeker: [/Very persistent/, /Legal sanctions alone often fail/, /third parties/, /mental-health referral/],
		incompetent_suitor: [/recurs with new victims/, /other victims/],
		resentful: [/threatens and damages property/],
		predatory: [/Covert/, /sexual violence/, /Urgent/],
		undetermined: [/revisit/],
	};
	for (const [type, expect] of Object.entries(prompts)) {
		test(`deciding ${type} brings its prompts`, async () => {
			const X = await createCase(c.officer);
			const res = await c.officer.post(`/api/v1/cases/${X.ref}/typology`, { typology: type, rationale: `decided ${type}` });
			assert.equal(res.status, 201, res.text);
			assert.equal(res.body.prompts.length, expect.length);
			expect.forEach((re, i) => assert.match(res.body.prompts[i], re));
		});
	}

	test('a case with no decision has no type, no prompts and no history', async () => {
		const X = await createCase(c.officer);
		const got = await c.officer.get(`/api/v1/cases/${X.ref}/typology`);
		assert.deepEqual(got.body, { ref: X.ref, typology: null, prompts: [], history: [] });
	});

	const bad = [
		[{ typology: 'erotomanic', rationale: 'x' }, 'typology'],
		[{ rationale: 'x' }, 'typology'],
		[{ typology: 'resentful' }, 'rationale'],
		[{ typology: 'resentful', rationale: 'x', proposal: 'resentful' }, 'proposal'],
		[{ typology: 'resentful', rationale: 'x', confidence: 0.9 }, 'confidence'],
	];
	for (const [body, field] of bad) {
		test(`${JSON.stringify(body)} is 400 naming ${field}`, async () => {
			expectError(await c.officer.post(`/api/v1/cases/${C.ref}/typology`, body), 400, 'bad_request', field);
		});
	}
});

describe('who may run the aid, decide and read the typology', () => {
	let C;
	before(async () => {
		C = await createCase(c.officer, { relationship: 'stranger', suspect: { name: 'Typed Suspect' } });
		await c.officer.post(`/api/v1/cases/${C.ref}/referrals`, { agency: 'sas' });
		await c.officer.post(`/api/v1/cases/${C.ref}/programme`, { consent_note: 'consent on file' });
	});

	test('a supervisor of the agency may (200, 201)', async () => {
		assert.equal((await c.supervisor.post(`/api/v1/cases/${C.ref}/typology/suggest`, {})).status, 200);
		assert.equal((await c.supervisor.post(`/api/v1/cases/${C.ref}/typology`, { typology: 'undetermined', rationale: 'too early' })).status, 201);
	});

	test('a clinician of an offender in the programme may run the aid and decide', async () => {
		assert.equal((await c.clinician.post(`/api/v1/cases/${C.ref}/typology/suggest`, { motives: { sexual_covert_preparation: true } })).status, 200);
		const res = await c.clinician.post(`/api/v1/cases/${C.ref}/typology`, { typology: 'predatory', rationale: 'clinical assessment' });
		assert.equal(res.status, 201, res.text);
		assert.equal(res.body.history[0].decided_by, 'clinician');
	});

	test('a clinician may not for a case she may not see (403)', async () => {
		const X = await createCase(c.officer);
		expectError(await c.clinician.post(`/api/v1/cases/${X.ref}/typology/suggest`, {}), 403, 'forbidden');
		expectError(await c.clinician.get(`/api/v1/cases/${X.ref}/typology`), 403, 'forbidden');
	});

	for (const role of ['advocate', 'analyst']) {
		test(`a ${role} may read the typology (200) but not run the aid or decide (403)`, async () => {
			const got = await c[role].get(`/api/v1/cases/${C.ref}/typology`);
			assert.equal(got.status, 200);
			assert.equal(got.body.typology, 'predatory');
			expectError(await c[role].post(`/api/v1/cases/${C.ref}/typology/suggest`, {}), 403, 'forbidden');
			expectError(await c[role].post(`/api/v1/cases/${C.ref}/typology`, { typology: 'resentful', rationale: 'x' }), 403, 'forbidden');
		});
	}

	test('an operator may do none of it (403)', async () => {
		expectError(await c.operator.get(`/api/v1/cases/${C.ref}/typology`), 403, 'forbidden');
		expectError(await c.operator.post(`/api/v1/cases/${C.ref}/typology/suggest`, {}), 403, 'forbidden');
	});

	test('an officer may not for a case she may not see (403)', async () => {
		const B = await createCase(c.supervisor);
		expectError(await c.officer.post(`/api/v1/cases/${B.ref}/typology/suggest`, {}), 403, 'forbidden');
		expectError(await c.officer.post(`/api/v1/cases/${B.ref}/typology`, { typology: 'resentful', rationale: 'x' }), 403, 'forbidden');
	});
});
