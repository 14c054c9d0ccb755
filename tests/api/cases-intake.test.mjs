// Intake of a case: the reference (format, sequence, never reused), the
// validation of a report, the FOUR screening and what it implies for the
// classification, the "possible misrecording" flag and the supervisor's
// sign-off, the screening recorded later, reclassification by PATCH, and the
// list with its filters and cursor.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { expectError, sqlite, startServer, stopServer } from './lib/server.mjs';
import { createCase, meetGates, screening, ukMobile, victim } from './lib/casekit.mjs';

let srv;
let officer;
let supervisor;
const YEAR = new Date().getUTCFullYear();

before(async () => {
	srv = await startServer();
	[officer, supervisor] = await Promise.all([srv.login('officer'), srv.login('supervisor')]);
});
after(() => stopServer(srv));

const flagsOf = (c) => c.flags.map((f) => f.flag);

describe('the case reference', () => {
	let first;

	test('the first case of a fresh database is STAC-<year>-000001 and the next ones follow', async () => {
		first = await createCase(officer);
		assert.equal(first.ref, `STAC-${YEAR}-000001`);
		assert.match(first.ref, /^STAC-\d{4}-\d{6}$/);
		const second = await createCase(officer);
		const third = await createCase(supervisor);
		assert.equal(second.ref, `STAC-${YEAR}-000002`);
		assert.equal(third.ref, `STAC-${YEAR}-000003`, 'one sequence for all creators');
	});

	test('a refused intake (400) takes no number', async () => {
		expectError(await officer.post('/api/v1/cases', { relationship: 'stranger', channel: 'online', victims: [] }),
			400, 'bad_request', 'victims');
		const next = await createCase(officer);
		assert.equal(next.ref, `STAC-${YEAR}-000004`);
	});

	test('concurrent intakes get distinct consecutive numbers', async () => {
		const made = await Promise.all(Array.from({ length: 6 }, () => createCase(officer)));
		const nums = made.map((c) => Number(c.ref.slice(-6))).sort((a, b) => a - b);
		assert.deepEqual(nums, [5, 6, 7, 8, 9, 10]);
	});

	test('a number is never reused, even when the newest case is removed from the database', async () => {
		const doomed = await createCase(officer);
		assert.equal(doomed.ref, `STAC-${YEAR}-000011`);
		// the case and every row that refers to it (works on both engines)
		const of = `(SELECT id FROM cases WHERE ref = '${doomed.ref}')`;
		sqlite(srv.db, ['case_events', 'case_people', 'case_classifications', 'case_flags', 'case_assignments',
			'case_referrals'].map((t) => `DELETE FROM ${t} WHERE case_id = ${of};`).join(' ')
			+ ` DELETE FROM cases WHERE ref = '${doomed.ref}';`);
		expectError(await officer.get(`/api/v1/cases/${doomed.ref}`), 404, 'not_found');
		const next = await createCase(officer);
		assert.equal(next.ref, `STAC-${YEAR}-000012`, 'the removed number is not given again');
	});

	test('an unknown reference is 404, and so is a malformed one', async () => {
		expectError(await officer.get(`/api/v1/cases/STAC-${YEAR}-999999`), 404, 'not_found');
		expectError(await officer.get('/api/v1/cases/STAC-20-1'), 404, 'not_found');
		expectError(await officer.get('/api/v1/cases/nonsense'), 404, 'not_found');
	});

	test('the new case carries its intake facts and is owned by its creator', async () => {
		const phone = ukMobile();
		const c = await createCase(officer, {
			relationship: 'work',
			channel: 'third_party',
			summary: 'messages at work',
			victims: [{ name: 'Ann Vee', dob: '1990-02-03', aliases: ['Annie'], description: 'tall',
				identifiers: [{ kind: 'email', value: 'Ann.Vee@Example.ORG' }] }],
			suspect: { name: 'Sid Sus', identifiers: [{ kind: 'phone', value: phone.national }] },
		});
		assert.equal(c.status, 'intake');
		assert.deepEqual(c.allowed_next, ['screened']);
		assert.equal(c.relationship, 'work');
		assert.equal(c.channel, 'third_party');
		assert.equal(c.summary, 'messages at work');
		assert.equal(c.owner, 'officer');
		assert.equal(c.agency, 'met');
		assert.equal(c.risk_level, null);
		assert.equal(c.typology, null);
		assert.deepEqual(c.classifications, []);
		assert.deepEqual(c.flags, []);
		assert.equal(c.version, 1);
		assert.equal(c.screening.complete, false);
		assert.equal(c.screening.fixated.answer, null);
		const v = c.people.find((p) => p.role === 'victim');
		const s = c.people.find((p) => p.role === 'suspect');
		assert.equal(v.name, 'Ann Vee');
		assert.equal(v.dob, '1990-02-03');
		assert.deepEqual(v.aliases, ['Annie']);
		assert.deepEqual(v.identifiers, [{ kind: 'email', value: 'ann.vee@example.org' }]);
		assert.deepEqual(s.identifiers, [{ kind: 'phone', value: phone.e164 }]);
		const again = await officer.get(`/api/v1/cases/${c.ref}`);
		assert.equal(again.status, 200);
		assert.deepEqual(again.body.people, c.people);
	});
});

describe('intake validation', () => {
	const base = () => ({ relationship: 'stranger', channel: 'online', victims: [victim()] });
	const cases = [
		['no relationship', (b) => delete b.relationship, 'relationship'],
		['an unknown relationship', (b) => (b.relationship = 'neighbour'), 'relationship'],
		['no channel', (b) => delete b.channel, 'channel'],
		['an unknown channel', (b) => (b.channel = 'pigeon'), 'channel'],
		['no victims', (b) => delete b.victims, 'victims'],
		['an empty victim list', (b) => (b.victims = []), 'victims'],
		['eleven victims', (b) => (b.victims = Array.from({ length: 11 }, () => victim())), 'victims'],
		['a victim with nothing to identify her', (b) => (b.victims = [{}]), 'victims[0]'],
		['a victim with an unknown field', (b) => (b.victims = [{ name: 'x', age: 3 }]), 'victims[0].age'],
		['an impossible date of birth', (b) => (b.victims = [{ name: 'x', dob: '1990-02-30' }]), 'victims[0].dob'],
		['a date of birth in the future', (b) => (b.victims = [{ name: 'x', dob: `${new Date().getUTCFullYear() + 1}-01-01` }]), 'victims[0].dob'],
		['an unknown identifier kind', (b) => (b.suspect = { identifiers: [{ kind: 'fax', value: '1' }] }), 'suspect.identifiers[0].kind'],
		['a phone number that is not one', (b) => (b.suspect = { identifiers: [{ kind: 'phone', value: '12345' }] }), 'suspect.identifiers[0].value'],
		['an e-mail address without a domain', (b) => (b.suspect = { identifiers: [{ kind: 'email', value: 'someone@' }] }), 'suspect.identifiers[0].value'],
		['a screening missing a question', (b) => { b.screening = screening(true); delete b.screening.repeated; }, 'screening.repeated'],
		['a screening answer that is not a boolean', (b) => { b.screening = screening(true); b.screening.obsessive.answer = 'yes'; }, 'screening.obsessive.answer'],
		['a screening answer without its note', (b) => { b.screening = screening(true); b.screening.fixated.note = ''; }, 'screening.fixated.note'],
		['an unknown classification', (b) => (b.classifications = ['stalking', 'trespass']), 'classifications[1]'],
		['an unknown top-level field', (b) => (b.priority = 'high'), 'priority'],
	];
	for (const [what, edit, field] of cases) {
		test(`${what} is 400 naming ${field}`, async () => {
			const b = base();
			edit(b);
			expectError(await officer.post('/api/v1/cases', b), 400, 'bad_request', field);
		});
	}

	test('an officer may not give a new case to someone else (403, field owner)', async () => {
		expectError(await officer.post('/api/v1/cases', { ...base(), owner: 'supervisor' }), 403, 'forbidden', 'owner');
	});

	test('a supervisor may give a new case to an officer of her agency', async () => {
		const c = await createCase(supervisor, { owner: 'officer' });
		assert.equal(c.owner, 'officer');
		assert.equal((await officer.get(`/api/v1/cases/${c.ref}`)).status, 200, 'the owner sees it');
	});

	test('a supervisor may not give a case to an analyst, nor to nobody', async () => {
		expectError(await supervisor.post('/api/v1/cases', { ...base(), owner: 'analyst' }), 400, 'bad_request', 'owner');
		expectError(await supervisor.post('/api/v1/cases', { ...base(), owner: 'nobody-here' }), 400, 'bad_request', 'owner');
	});

	for (const role of ['analyst', 'advocate', 'clinician', 'operator', 'admin']) {
		test(`a ${role} may not record a case (403)`, async () => {
			const c = await srv.login(role);
			expectError(await c.post('/api/v1/cases', base()), 403, 'forbidden');
		});
	}
});

describe('FOUR screening at intake', () => {
	test('four yes answers and no classification record the case as stalking, screened', async () => {
		const c = await createCase(officer, { screening: screening(true) });
		assert.equal(c.status, 'screened');
		assert.deepEqual(c.classifications, ['stalking']);
		assert.deepEqual(c.flags, []);
		assert.equal(c.screening.complete, true);
		assert.equal(c.screening.implies_stalking, true);
		assert.equal(c.screening.screened_by, 'officer');
		assert.equal(typeof c.screening.screened_at, 'string');
		assert.equal(c.screening.fixated.answer, true);
		assert.match(c.screening.fixated.note, /fixated/);
	});

	test('four yes answers with another classification and no reason are refused (400, classification_reason)', async () => {
		expectError(await officer.post('/api/v1/cases', {
			relationship: 'stranger', channel: 'online', victims: [victim()],
			screening: screening(true), classifications: ['harassment'],
		}), 400, 'bad_request', 'classification_reason');
	});

	test('four yes answers recorded as harassment with a reason carry the possible_misrecording flag', async () => {
		const c = await createCase(officer, {
			screening: screening(true), classifications: ['harassment'],
			classification_reason: 'a single neighbour dispute, not a course of conduct',
		});
		assert.deepEqual(c.classifications, ['harassment']);
		assert.deepEqual(flagsOf(c), ['possible_misrecording']);
		assert.equal(typeof c.flags[0].raised_at, 'string');
		assert.equal(c.classification_reason, 'a single neighbour dispute, not a course of conduct');
		assert.equal(c.signoff, null);
	});

	test('four yes answers classified stalking and harassment need no reason and raise no flag', async () => {
		const c = await createCase(officer, { screening: screening(true), classifications: ['harassment', 'stalking'] });
		assert.deepEqual([...c.classifications].sort(), ['harassment', 'stalking']);
		assert.deepEqual(c.flags, []);
	});

	test('three yes answers (not repeated) do not imply stalking', async () => {
		const c = await createCase(officer, {
			screening: screening({ fixated: true, obsessive: true, unwanted: true, repeated: false }),
			classifications: ['harassment'],
		});
		assert.equal(c.status, 'screened');
		assert.equal(c.screening.implies_stalking, false);
		assert.deepEqual(c.classifications, ['harassment']);
		assert.deepEqual(c.flags, []);
	});

	test('all four no answers leave the case unclassified and unflagged', async () => {
		const c = await createCase(officer, { screening: screening(false) });
		assert.deepEqual(c.classifications, []);
		assert.deepEqual(c.flags, []);
		assert.equal(c.status, 'screened');
	});

	test("a former partner's repeated conduct alone means stalking", async () => {
		const c = await createCase(officer, { relationship: 'ex_partner', screening: screening({ repeated: true }) });
		assert.equal(c.screening.implies_stalking, true);
		assert.deepEqual(c.classifications, ['stalking']);
	});

	test("a former partner's repeated conduct recorded otherwise needs a reason, then is flagged", async () => {
		const body = { relationship: 'ex_partner', channel: 'online', victims: [victim()],
			screening: screening({ repeated: true }), classifications: ['malicious_communications'] };
		expectError(await officer.post('/api/v1/cases', body), 400, 'bad_request', 'classification_reason');
		const c = await createCase(officer, { ...body, classification_reason: 'two e-mails a year apart' });
		assert.deepEqual(flagsOf(c), ['possible_misrecording']);
	});

	test("a current partner's repeated conduct alone does not imply stalking", async () => {
		const c = await createCase(officer, { relationship: 'intimate_partner', screening: screening({ repeated: true }) });
		assert.equal(c.screening.implies_stalking, false);
		assert.deepEqual(c.classifications, []);
	});

	test('repeated classifications are kept once', async () => {
		const c = await createCase(officer, { classifications: ['assault', 'assault', 'other'] });
		assert.deepEqual([...c.classifications].sort(), ['assault', 'other']);
	});
});

describe('sign-off of a classification other than stalking', () => {
	const reason = 'the officer believes this is a one-off dispute';
	const flagged = () => createCase(officer, { screening: screening(true), classifications: ['harassment'], classification_reason: reason });

	test('an officer may not sign off (403)', async () => {
		const c = await flagged();
		expectError(await officer.post(`/api/v1/cases/${c.ref}/signoff`, { decision: 'approve', note: 'fine' }), 403, 'forbidden');
	});

	test('a supervisor approving clears the flag, keeps the classification and records the sign-off', async () => {
		const c = await flagged();
		const res = await supervisor.post(`/api/v1/cases/${c.ref}/signoff`, { decision: 'approve', note: 'agreed: one-off' });
		assert.equal(res.status, 200, res.text);
		assert.deepEqual(res.body.flags, []);
		assert.deepEqual(res.body.classifications, ['harassment']);
		assert.equal(res.body.signoff.by, 'supervisor');
		assert.equal(res.body.signoff.note, 'agreed: one-off');
		assert.equal(typeof res.body.signoff.at, 'string');
		assert.equal(res.body.classification_reason, reason);
		// nothing is left to sign off
		expectError(await supervisor.post(`/api/v1/cases/${c.ref}/signoff`, { decision: 'approve', note: 'again' }), 409, 'nothing_to_sign_off');
	});

	test('an approved sign-off stands: a later summary edit or status move does not raise the flag again', async () => {
		const c = await flagged();
		const ok = await supervisor.post(`/api/v1/cases/${c.ref}/signoff`, { decision: 'approve', note: 'agreed' });
		assert.deepEqual(ok.body.flags, []);
		const edit = await officer.patch(`/api/v1/cases/${c.ref}`, { version: ok.body.version, summary: 'typo fixed' });
		assert.equal(edit.status, 200, edit.text);
		assert.deepEqual(flagsOf(edit.body), [], 'editing the summary re-raised possible_misrecording despite the sign-off');
		await meetGates(officer, c.ref, 'assessed');
		const now = (await officer.get(`/api/v1/cases/${c.ref}`)).body;
		assert.deepEqual(flagsOf(now), [], 'writing the plan re-raised possible_misrecording despite the sign-off');
		const move = await officer.patch(`/api/v1/cases/${c.ref}`, { version: now.version, status: 'assessed' });
		assert.equal(move.status, 200, move.text);
		assert.deepEqual(flagsOf(move.body), [], 'a status move re-raised possible_misrecording despite the sign-off');
	});

	test('a supervisor rejecting records the case as stalking and clears the flag', async () => {
		const c = await flagged();
		const res = await supervisor.post(`/api/v1/cases/${c.ref}/signoff`, { decision: 'reject', note: 'this is stalking' });
		assert.equal(res.status, 200, res.text);
		assert.deepEqual([...res.body.classifications].sort(), ['harassment', 'stalking']);
		assert.deepEqual(res.body.flags, []);
		assert.ok(res.body.version > c.version, 'the version moves');
	});

	test('a case with no flag has nothing to sign off (409)', async () => {
		const c = await createCase(officer, { screening: screening(true) });
		expectError(await supervisor.post(`/api/v1/cases/${c.ref}/signoff`, { decision: 'approve', note: 'x' }), 409, 'nothing_to_sign_off');
	});

	test('a decision other than approve or reject, or no note, is 400', async () => {
		const c = await flagged();
		expectError(await supervisor.post(`/api/v1/cases/${c.ref}/signoff`, { decision: 'maybe', note: 'x' }), 400, 'bad_request', 'decision');
		expectError(await supervisor.post(`/api/v1/cases/${c.ref}/signoff`, { decision: 'approve' }), 400, 'bad_request', 'note');
		const still = await supervisor.get(`/api/v1/cases/${c.ref}`);
		assert.deepEqual(flagsOf(still.body), ['possible_misrecording']);
	});

	test('the flagged cases are found by the flag filter, and leave it once signed off', async () => {
		const c = await flagged();
		let list = await supervisor.get('/api/v1/cases?flag=possible_misrecording&limit=200');
		assert.ok(list.body.cases.some((x) => x.ref === c.ref));
		await supervisor.post(`/api/v1/cases/${c.ref}/signoff`, { decision: 'approve', note: 'ok' });
		list = await supervisor.get('/api/v1/cases?flag=possible_misrecording&limit=200');
		assert.ok(!list.body.cases.some((x) => x.ref === c.ref));
	});
});

describe('the screening recorded after intake (PUT .../screening)', () => {
	test('moves an intake case to screened and records stalking when FOUR says so', async () => {
		const c = await createCase(officer);
		const res = await officer.put(`/api/v1/cases/${c.ref}/screening`, { version: c.version, ...screening(true) });
		assert.equal(res.status, 200, res.text);
		assert.equal(res.body.status, 'screened');
		assert.deepEqual(res.body.classifications, ['stalking']);
		assert.equal(res.body.screening.complete, true);
		assert.ok(res.body.version > c.version);
	});

	test('with a classification_reason it does not add stalking but flags the case', async () => {
		const c = await createCase(officer, { classifications: ['harassment'] });
		const res = await officer.put(`/api/v1/cases/${c.ref}/screening`, {
			version: c.version, ...screening(true), classification_reason: 'one incident only',
		});
		assert.equal(res.status, 200, res.text);
		assert.deepEqual(res.body.classifications, ['harassment']);
		assert.deepEqual(flagsOf(res.body), ['possible_misrecording']);
		assert.equal(res.body.classification_reason, 'one incident only');
	});

	test('a screening that no longer implies stalking clears the misrecording flag', async () => {
		const c = await createCase(officer, { screening: screening(true), classifications: ['harassment'], classification_reason: 'doubt' });
		assert.deepEqual(flagsOf(c), ['possible_misrecording']);
		const res = await officer.put(`/api/v1/cases/${c.ref}/screening`, {
			version: c.version, ...screening({ fixated: true, obsessive: true, unwanted: true, repeated: false }),
		});
		assert.equal(res.status, 200, res.text);
		assert.deepEqual(res.body.flags, []);
	});

	test('a stale version is 409 stale_version and changes nothing', async () => {
		const c = await createCase(officer);
		expectError(await officer.put(`/api/v1/cases/${c.ref}/screening`, { version: c.version + 1, ...screening(true) }),
			409, 'stale_version', 'version');
		const now = (await officer.get(`/api/v1/cases/${c.ref}`)).body;
		assert.equal(now.status, 'intake');
		assert.equal(now.version, c.version);
	});

	test('an incomplete screening is 400 naming the missing question', async () => {
		const c = await createCase(officer);
		const body = { version: c.version, ...screening(true) };
		delete body.unwanted;
		expectError(await officer.put(`/api/v1/cases/${c.ref}/screening`, body), 400, 'bad_request', 'screening.unwanted');
	});
});

describe('reclassification (PATCH classifications)', () => {
	test('removing stalking from a case FOUR calls stalking needs a classification_reason', async () => {
		const c = await createCase(officer, { screening: screening(true) });
		expectError(await officer.patch(`/api/v1/cases/${c.ref}`, { version: c.version, classifications: ['harassment'] }),
			400, 'bad_request', 'classification_reason');
		const res = await officer.patch(`/api/v1/cases/${c.ref}`, {
			version: c.version, classifications: ['harassment'], classification_reason: 'a neighbour dispute',
		});
		assert.equal(res.status, 200, res.text);
		assert.deepEqual(res.body.classifications, ['harassment']);
		assert.deepEqual(flagsOf(res.body), ['possible_misrecording']);
		// putting stalking back clears the flag
		const back = await officer.patch(`/api/v1/cases/${c.ref}`, { version: res.body.version, classifications: ['harassment', 'stalking'] });
		assert.equal(back.status, 200, back.text);
		assert.deepEqual(back.body.flags, []);
	});

	test('changing the relationship to ex_partner on repeated conduct makes it stalking: a reason is needed to keep it otherwise', async () => {
		const c = await createCase(officer, { relationship: 'friend_acquaintance', screening: screening({ repeated: true }), classifications: ['harassment'] });
		assert.deepEqual(c.flags, []);
		expectError(await officer.patch(`/api/v1/cases/${c.ref}`, { version: c.version, relationship: 'ex_partner' }),
			400, 'bad_request', 'classification_reason');
		const res = await officer.patch(`/api/v1/cases/${c.ref}`, { version: c.version, relationship: 'ex_partner', classification_reason: 'contact was about the children' });
		assert.equal(res.status, 200, res.text);
		assert.equal(res.body.relationship, 'ex_partner');
		assert.deepEqual(flagsOf(res.body), ['possible_misrecording']);
	});

	test('a case with several classifications is found by each of them', async () => {
		const c = await createCase(officer, { classifications: ['criminal_damage', 'threats_to_kill'] });
		for (const cls of ['criminal_damage', 'threats_to_kill']) {
			const list = await officer.get(`/api/v1/cases?classification=${cls}&limit=200`);
			assert.equal(list.status, 200);
			assert.ok(list.body.cases.some((x) => x.ref === c.ref), `found by ${cls}`);
		}
		const none = await officer.get('/api/v1/cases?classification=coercive_control&limit=200');
		assert.ok(!none.body.cases.some((x) => x.ref === c.ref));
	});
});

describe('the list', () => {
	test('pages by cursor, newest first, with no case twice and none missed', async () => {
		const all = await supervisor.get('/api/v1/cases?limit=200');
		assert.equal(all.status, 200);
		assert.equal(all.body.next_cursor, null);
		const expected = all.body.cases.map((c) => c.ref);
		assert.ok(expected.length > 10);
		const seen = [];
		let cursor = null;
		for (let pages = 0; pages < 100; pages++) {
			const res = await supervisor.get(`/api/v1/cases?limit=4${cursor ? `&cursor=${cursor}` : ''}`);
			assert.equal(res.status, 200, res.text);
			assert.ok(res.body.cases.length <= 4);
			seen.push(...res.body.cases.map((c) => c.ref));
			cursor = res.body.next_cursor;
			if (cursor === null) break;
		}
		assert.deepEqual(seen, expected);
		const sorted = [...expected].sort().reverse();
		assert.deepEqual(expected, sorted, 'newest first');
	});

	test('each list entry carries the summary fields', async () => {
		const res = await officer.get('/api/v1/cases?limit=1');
		const c = res.body.cases[0];
		for (const k of ['ref', 'status', 'allowed_next', 'relationship', 'channel', 'owner', 'agency', 'risk_level', 'typology', 'classifications', 'flags', 'created_at', 'updated_at', 'version'])
			assert.ok(k in c, `has ${k}`);
	});

	test('filters by status, owner and creation time', async () => {
		const intake = await supervisor.get('/api/v1/cases?status=intake&limit=200');
		assert.ok(intake.body.cases.length > 0);
		assert.ok(intake.body.cases.every((c) => c.status === 'intake'));
		const mine = await supervisor.get('/api/v1/cases?owner=supervisor&limit=200');
		assert.ok(mine.body.cases.length > 0);
		assert.ok(mine.body.cases.every((c) => c.owner === 'supervisor'));
		const from = new Date(Date.now() + 60 * 60 * 1000).toISOString();
		const future = await supervisor.get(`/api/v1/cases?created_from=${encodeURIComponent(from)}`);
		assert.deepEqual(future.body.cases, []);
		const to = new Date(Date.now() - 60 * 60 * 1000).toISOString();
		const past = await supervisor.get(`/api/v1/cases?created_to=${encodeURIComponent(to)}`);
		assert.deepEqual(past.body.cases, []);
		const window = await supervisor.get(`/api/v1/cases?created_from=${encodeURIComponent(to)}&created_to=${encodeURIComponent(from)}&limit=200`);
		assert.equal(window.body.cases.length, (await supervisor.get('/api/v1/cases?limit=200')).body.cases.length);
	});

	const bad = [
		['status=open', 'status'],
		['risk_level=extreme', 'risk_level'],
		['typology=stalker', 'typology'],
		['classification=trespass', 'classification'],
		['flag=urgent', 'flag'],
		['limit=0', 'limit'],
		['limit=201', 'limit'],
		['created_from=yesterday', 'created_from'],
		['cursor=abc', 'cursor'],
	];
	for (const [q, field] of bad) {
		test(`?${q} is 400 naming ${field}`, async () => {
			expectError(await supervisor.get(`/api/v1/cases?${q}`), 400, 'bad_request', field);
		});
	}
});
