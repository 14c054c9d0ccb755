// The behaviour-change programme (issue 18), walked through the API: an
// officer refers a suspect; a clinician of the trust screens him against the
// criteria and enrols him with his consent (and to a voluntary tag), or puts
// him on the waiting list when the cohort is full; sessions are attended and
// missed (a missed one is a task in his clinician's inbox until followed
// up); a clinical note the police cannot read and a disclosure they can,
// which opens a review; consent withdrawn leaves an order's protections in
// place.  Runs on both engines.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { expectError, sqlite, startServer, stopServer } from './lib/server.mjs';
import { assess, daysAgo, inDays, newCase, typology } from './lib/cases.mjs';

let srv;
const c = {};
let A, B, Z; // A: enrolled; B: waits (capacity 1); Z: predatory, ineligible
const ANSWERS = { willing: 'yes', engage: 'yes', community: 'yes' };

before(async () => {
	srv = await startServer({ args: ['--programme-capacity', '1'] });
	srv.addAgency('wlft', 'nhs', 'West London NHS');
	srv.addUser('clin2', 'clinician', 'nlft');
	srv.addUser('otherclin', 'clinician', 'wlft');
	for (const u of ['officer', 'supervisor', 'clinician', 'advocate', 'analyst', 'clin2', 'otherclin']) c[u] = await srv.login(u);
	A = (await newCase(c.officer, { suspect: 'Adam Programme' })).ref;
	B = (await newCase(c.officer, { suspect: 'Ben Waiting' })).ref;
	Z = (await newCase(c.officer, { suspect: 'Zed Predatory' })).ref;
	for (const [ref, type] of [[A, 'rejected'], [B, 'resentful'], [Z, 'predatory']]) {
		await assess(c.officer, ref, 'medium');
		await typology(c.officer, ref, type);
	}
});
after(() => stopServer(srv));

const prog = async (who, ref) => {
	const res = await c[who].get(`/api/v1/cases/${ref}/programme`);
	assert.equal(res.status, 200, res.text);
	return res.body;
};

async function refer(ref, extra = {}) {
	const res = await c.officer.post(`/api/v1/cases/${ref}/programme/referrals`, {
		trust: 'nlft', consent_note: 'he asked to be referred, in interview on 1 December', ...extra,
	});
	assert.equal(res.status, 201, res.text);
	return res.body.referrals.find((x) => x.id === res.body.id);
}

describe('referral and screening', () => {
	test('before the referral the trust cannot see the case; after it, for assessment', async () => {
		expectError(await c.clinician.get(`/api/v1/cases/${A}`), 403, 'forbidden');
		expectError(await c.officer.post(`/api/v1/cases/${A}/programme/referrals`, { trust: 'nlft' }), 400, 'bad_request', 'consent_note');
		expectError(await c.officer.post(`/api/v1/cases/${A}/programme/referrals`, { trust: 'sas', consent_note: 'x' }), 400, 'bad_request', 'trust');
		expectError(await c.officer.post(`/api/v1/cases/${A}/programme/referrals`, { trust: 'nlft', consent_note: 'x', source: 'court' }), 400, 'bad_request', 'source');
		const r = await refer(A);
		assert.equal(r.status, 'referred');
		// a referral to screen, in the inbox of the trust's clinicians (not another trust's)
		const item = (await c.clinician.get('/api/v1/inbox')).body.items.find((i) => i.kind === 'programme_referral');
		assert.equal(item.case.ref, A);
		assert.equal(item.what, 'referred');
		assert.ok(!(await c.otherclin.get('/api/v1/inbox')).body.items.some((i) => i.kind === 'programme_referral'));
		assert.equal(r.source, 'case');
		assert.equal((await c.clinician.get(`/api/v1/cases/${A}`)).status, 200);
		const shares = (await c.officer.get(`/api/v1/cases/${A}/shares`)).body.shares;
		assert.deepEqual(shares.map((s) => [s.agency, s.purpose, s.basis, s.consent_of, s.origin]), [['nlft', 'assessment', 'consent', 'offender', 'programme']]);
		expectError(await c.officer.post(`/api/v1/cases/${A}/programme/referrals`, { trust: 'nlft', consent_note: 'x' }), 409, 'conflict');
		expectError(await c.otherclin.get(`/api/v1/cases/${A}`), 403, 'forbidden');
	});

	test('screening answers every question, decides with reasons, and may not call eligible what the criteria refuse', async () => {
		const r = (await prog('clinician', A)).referrals[0];
		const url = `/api/v1/cases/${A}/programme/referrals/${r.id}/screening`;
		expectError(await c.officer.post(url, { answers: ANSWERS, decision: 'eligible', reasons: 'x', version: r.version }), 403, 'forbidden');
		expectError(await c.otherclin.post(url, { answers: ANSWERS, decision: 'eligible', reasons: 'x', version: r.version }), 403, 'forbidden');
		expectError(await c.clinician.post(url, { answers: { willing: 'yes' }, decision: 'eligible', reasons: 'x', version: r.version }), 400, 'bad_request', 'answers.engage');
		expectError(await c.clinician.post(url, { answers: { ...ANSWERS, mood: 'yes' }, decision: 'eligible', reasons: 'x', version: r.version }), 400, 'bad_request', 'answers');
		const no = await c.clinician.post(url, { answers: { ...ANSWERS, willing: 'no' }, decision: 'eligible', reasons: 'x', version: r.version });
		expectError(no, 400, 'bad_request', 'decision');
		assert.match(no.body.error.message, /not willing/);
		expectError(await c.clinician.post(url, { answers: ANSWERS, decision: 'eligible', reasons: 'x', version: r.version + 3 }), 409, 'stale_version', 'version');
		const res = await c.clinician.post(url, { answers: ANSWERS, decision: 'eligible', reasons: 'motivated; former partner; medium risk', version: r.version });
		assert.equal(res.status, 200, res.text);
		const done = res.body.referrals[0];
		assert.equal(done.status, 'eligible');
		assert.deepEqual(done.screening.typology, { answer: 'rejected', met: true });
		assert.deepEqual(done.screening.risk, { answer: 'medium', met: true });
		assert.equal(done.decision.by, 'clinician');
	});

	test('a predatory stalker is not eligible: the typology criterion says why', async () => {
		const r = await refer(Z, { source: 'self' });
		const url = `/api/v1/cases/${Z}/programme/referrals/${r.id}/screening`;
		const res = await c.clinician.post(url, { answers: ANSWERS, decision: 'eligible', reasons: 'x', version: r.version });
		expectError(res, 400, 'bad_request', 'decision');
		assert.match(res.body.error.message, /predatory/);
		const ok = await c.clinician.post(url, { answers: ANSWERS, decision: 'ineligible', reasons: 'predatory: referred to forensic services', version: r.version });
		assert.equal(ok.status, 200, ok.text);
		assert.equal(ok.body.referrals[0].status, 'ineligible');
		assert.equal(ok.body.referrals[0].screening.typology.met, false);
	});
});

describe('enrolment and the waiting list', () => {
	test('enrolled with his informed consent and to a voluntary tag; the trust now treats him', async () => {
		const r = (await prog('clinician', A)).referrals[0];
		const url = `/api/v1/cases/${A}/programme/referrals/${r.id}/enrol`;
		expectError(await c.clinician.post(url, { version: r.version }), 400, 'bad_request', 'consent.note');
		expectError(await c.clinician.post(url, { consent: { note: 'x' }, from: inDays(3), version: r.version }), 400, 'bad_request', 'from');
		const res = await c.clinician.post(url, { consent: { note: 'signed the consent form, read to him' }, tag_consent: true, from: daysAgo(30), version: r.version });
		assert.equal(res.status, 201, res.text);
		const e = res.body.enrolment;
		assert.equal(e.active, true);
		assert.equal(e.clinician, 'clinician');
		assert.equal(e.tag_consent.given, true);
		assert.match(e.consent.note, /signed/);
		assert.equal(res.body.referrals[0].status, 'enrolled');
		const shares = (await c.officer.get(`/api/v1/cases/${A}/shares`)).body.shares.map((s) => s.purpose).sort();
		assert.deepEqual(shares, ['assessment', 'treatment']);
		const kase = (await c.officer.get(`/api/v1/cases/${A}`)).body;
		assert.equal(kase.programme.status, 'enrolled', 'the case shows he is in the programme');
		assert.equal(kase.programme.trust, 'nlft');
		const cohort = (await c.clinician.get('/api/v1/programme')).body;
		assert.equal(cohort.capacity, 1);
		assert.deepEqual(cohort.enrolled.map((x) => x.ref), [A]);
	});

	test('the cohort full (capacity 1), the next eligible man waits, and is told his place', async () => {
		let r = await refer(B);
		let res = await c.clinician.post(`/api/v1/cases/${B}/programme/referrals/${r.id}/screening`, { answers: ANSWERS, decision: 'eligible', reasons: 'motivated', version: r.version });
		assert.equal(res.status, 200, res.text);
		r = res.body.referrals[0];
		res = await c.clinician.post(`/api/v1/cases/${B}/programme/referrals/${r.id}/enrol`, { consent: { note: 'agreed' }, version: r.version });
		assert.equal(res.status, 202, res.text);
		assert.equal(res.body.waiting_place, 1);
		assert.equal(res.body.referrals[0].status, 'waiting');
		assert.equal(res.body.enrolment, null);
		const cohort = (await c.clinician.get('/api/v1/programme')).body;
		assert.deepEqual(cohort.waiting.map((x) => x.ref), [B]);
		assert.equal(cohort.places_free, 0);
	});
});

describe('sessions, attendance and the missed-session task', () => {
	test('planned, attended (who ran it), missed: the attendance rate; a missed one is in his clinician\'s inbox until followed up', async () => {
		const ids = [];
		for (const d of [21, 14, 7]) {
			const res = await c.clinician.post(`/api/v1/cases/${A}/programme/sessions`, { planned_at: daysAgo(d) });
			assert.equal(res.status, 201, res.text);
			ids.push(res.body.id);
		}
		expectError(await c.clinician.post(`/api/v1/cases/${A}/programme/sessions`, { planned_at: daysAgo(60) }), 400, 'bad_request', 'planned_at');
		const version = (id) => prog('clinician', A).then((p) => p.enrolment.sessions.find((s) => s.id === id).version);
		const patch = async (id, body) => c.clinician.patch(`/api/v1/cases/${A}/programme/sessions/${id}`, { version: await version(id), ...body });
		expectError(await patch(ids[0], { status: 'attended' }), 400, 'bad_request', 'run_by');
		expectError(await patch(ids[0], { status: 'attended', run_by: 'otherclin' }), 400, 'bad_request', 'run_by');
		expectError(await patch(ids[0], { status: 'snoozed' }), 400, 'bad_request', 'status');
		assert.equal((await patch(ids[0], { status: 'attended', run_by: 'clin2' })).status, 200);
		assert.equal((await patch(ids[1], { status: 'attended', run_by: 'clinician' })).status, 200);
		const missed = await patch(ids[2], { status: 'missed' });
		assert.equal(missed.status, 200, missed.text);
		const e = missed.body.enrolment;
		assert.equal(e.attended, 2);
		assert.equal(e.missed, 1);
		assert.equal(e.attendance_rate, 0.667);
		assert.equal(e.sessions[0].run_by, 'clin2');
		assert.equal(e.sessions[2].follow_up, null);
		// his record since he joined (enrolled 30 days ago on paper, his case recorded
		// in Vigil today: its victim counts as new since he joined)
		assert.deepEqual(e.since_enrolment, { incidents: 0, breaches: 0, new_victims: 1, tag_alerts: 0 });
		let inbox = (await c.clinician.get('/api/v1/inbox')).body;
		const item = inbox.items.find((i) => i.kind === 'session_missed');
		assert.ok(item, JSON.stringify(inbox.by_kind));
		assert.equal(item.case.ref, A);
		assert.equal(item.id, ids[2]);
		assert.equal(item.due_to, 'clinician');
		assert.ok(!(await c.clin2.get('/api/v1/inbox')).body.items.some((i) => i.kind === 'session_missed'), 'his own clinician\'s, not every clinician\'s');
		expectError(await patch(ids[0], { follow_up: 'x' }), 400, 'bad_request', 'follow_up');
		assert.equal((await patch(ids[2], { follow_up: 'phoned him: he was ill; next week booked' })).status, 200);
		inbox = (await c.clinician.get('/api/v1/inbox')).body;
		assert.ok(!inbox.items.some((i) => i.kind === 'session_missed'));
		const cohort = (await c.clinician.get('/api/v1/programme')).body;
		assert.equal(cohort.enrolled[0].attendance_rate, 0.667);
	});
});

describe('clinical notes and disclosures', () => {
	const NOTE = 'Talked about the night she left; ruminates, no plan to approach';
	test('a clinical note only the treating trust reads: the police, the charity and another trust cannot', async () => {
		const res = await c.clinician.post(`/api/v1/cases/${A}/programme/notes`, { body: NOTE });
		assert.equal(res.status, 201, res.text);
		const notes = await c.clin2.get(`/api/v1/cases/${A}/programme/notes`);
		assert.equal(notes.status, 200, notes.text);
		assert.equal(notes.body.notes[0].body, NOTE);
		for (const who of ['officer', 'supervisor', 'advocate', 'analyst'])
			expectError(await c[who].get(`/api/v1/cases/${A}/programme/notes`), 403, 'forbidden');
		expectError(await c.otherclin.get(`/api/v1/cases/${A}/programme/notes`), 403, 'forbidden');
		for (const who of ['officer', 'supervisor'])
			assert.ok(!(await c[who].get(`/api/v1/cases/${A}/timeline`)).text.includes('ruminates'));
		// sealed at rest: the database holds no word of it
		assert.ok(!sqlite(srv.db, 'SELECT body FROM clinical_notes').includes('ruminates'));
	});

	test('a disclosure to police: the officer in charge reads it, and the case is due for review now', async () => {
		expectError(await c.clinician.post(`/api/v1/cases/${A}/programme/disclosures`, { risk: 'gossip', detail: 'x' }), 400, 'bad_request', 'risk');
		expectError(await c.officer.post(`/api/v1/cases/${A}/programme/disclosures`, { risk: 'plan_to_approach', detail: 'x' }), 403, 'forbidden');
		const res = await c.clinician.post(`/api/v1/cases/${A}/programme/disclosures`, {
			risk: 'plan_to_approach', detail: 'said he will wait for her outside her new work on Friday',
		});
		assert.equal(res.status, 201, res.text);
		const seen = await c.officer.get(`/api/v1/cases/${A}/disclosures`);
		assert.equal(seen.status, 200, seen.text);
		assert.equal(seen.body.disclosures[0].risk, 'plan_to_approach');
		assert.match(seen.body.disclosures[0].detail, /outside her new work/);
		expectError(await c.analyst.get(`/api/v1/cases/${A}/disclosures`), 403, 'forbidden');
		const kase = (await c.officer.get(`/api/v1/cases/${A}`)).body;
		assert.ok(kase.flags.some((f) => f.flag === 'programme_disclosure'), JSON.stringify(kase.flags));
		const reviews = (await c.officer.get(`/api/v1/cases/${A}/reviews`)).body;
		assert.ok(Date.parse(reviews.review_due_at) <= Date.now() + 1000, `review due now: ${reviews.review_due_at}`);
		const audit = await c.supervisor.get(`/api/v1/audit?object=case:${A}&limit=200`);
		assert.ok(audit.body.entries.some((e) => e.action === 'programme.disclose' && e.status === 201));
		assert.ok(audit.body.entries.some((e) => e.action === 'programme.notes' && e.status === 403 && e.username === 'officer'));
	});
});

describe('consent withdrawn', () => {
	test('to the tag, then to the programme: the trust stops treating him; an order\'s tag stays', async () => {
		let p = await prog('officer', A);
		const res = await c.officer.post(`/api/v1/cases/${A}/orders`, {
			kind: 'spo_full', status: 'granted', granted_at: daysAgo(10), served_at: daysAgo(10), notified_at: daysAgo(9),
			until_further_order: true, conditions: [{ kind: 'wear_tag' }],
		});
		assert.equal(res.status, 201, res.text);
		expectError(await c.advocate.post(`/api/v1/cases/${A}/programme/consent`, { withdraw: 'tag', reason: 'x', version: p.enrolment.version }), 403, 'forbidden');
		expectError(await c.clinician.post(`/api/v1/cases/${A}/programme/consent`, { withdraw: 'everything', reason: 'x', version: p.enrolment.version }), 400, 'bad_request', 'withdraw');
		let w = await c.clinician.post(`/api/v1/cases/${A}/programme/consent`, { withdraw: 'tag', reason: 'finds it shaming', version: p.enrolment.version });
		assert.equal(w.status, 200, w.text);
		assert.ok(w.body.enrolment.tag_consent.withdrawn_at);
		assert.equal(w.body.protections.orders_requiring_tag, 1);
		assert.match(w.body.protections.tag, /order in force requires it/);
		p = w.body;
		w = await c.officer.post(`/api/v1/cases/${A}/programme/consent`, { withdraw: 'programme', reason: 'he no longer wishes to attend', version: p.enrolment.version });
		assert.equal(w.status, 200, w.text);
		assert.equal(w.body.enrolment.active, false);
		assert.equal(w.body.protections.orders_requiring_tag, 1);
		expectError(await c.clinician.get(`/api/v1/cases/${A}`), 403, 'forbidden');
		const orders = (await c.officer.get(`/api/v1/cases/${A}/orders`)).body.orders;
		assert.equal(orders[0].status, 'granted', 'the order stands');
		assert.ok(!(await c.clinician.get('/api/v1/programme')).body.enrolled.some((x) => x.ref === A));
	});

	test('his place freed, the man waiting is in the clinicians\' inbox, and takes it', async () => {
		const item = (await c.clinician.get('/api/v1/inbox')).body.items.find((i) => i.kind === 'programme_referral');
		assert.equal(item.case.ref, B);
		assert.equal(item.what, 'waiting');
		const r = (await prog('clinician', B)).referrals[0];
		const res = await c.clinician.post(`/api/v1/cases/${B}/programme/referrals/${r.id}/enrol`, { consent: { note: 'agreed again when offered the place' }, version: r.version });
		assert.equal(res.status, 201, res.text);
		assert.equal(res.body.enrolment.active, true);
		assert.ok(!(await c.clinician.get('/api/v1/inbox')).body.items.some((i) => i.kind === 'programme_referral'));
	});
});
