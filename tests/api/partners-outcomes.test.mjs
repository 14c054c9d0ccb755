// The programme's outcomes (issue 18): at 6, 12 and 24 months from
// enrolment, computed from the record (new incidents, breaches, new victims
// linked to him, tag alerts), against the same figures for comparable
// suspects never in the programme (same typology and risk level, from their
// first case).  A seeded cohort whose figures are worked out by hand below;
// dates are set through the API where it takes them (enrolment, incidents,
// orders, breaches) and in the database where nothing may backdate them (a
// case's creation, past alerts).  Runs on both engines.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { sqlite, startServer, stopServer } from './lib/server.mjs';
import { assess, newCase, typology } from './lib/cases.mjs';

const DAY = 86400000;
const NOW = Date.now();
const iso = (ms) => new Date(ms).toISOString();
let srv;
const c = {};
const ref = {};
const T = { P1: NOW - 800 * DAY, P2: NOW - 300 * DAY, C1: NOW - 800 * DAY, C3: NOW - 400 * DAY };

async function incident(r, at) {
	const res = await c.officer.post(`/api/v1/cases/${r}/incidents`, { occurred_at: iso(at), behaviour: 'message', description: 'texted her' });
	assert.equal(res.status, 201, res.text);
}
const sql = (s) => sqlite(srv.db, s);
const caseId = (r) => `(SELECT id FROM cases WHERE ref = '${r}')`;
function alert(r, kind, at) {
	sql(`INSERT INTO alerts (case_id, kind, severity, state, opened_at) VALUES (${caseId(r)}, '${kind}', 'high', 'resolved', ${Math.round(at)})`);
}

async function enrol(r, from) {
	let res = await c.officer.post(`/api/v1/cases/${r}/programme/referrals`, { trust: 'nlft', consent_note: 'asked for help' });
	assert.equal(res.status, 201, res.text);
	let x = res.body.referrals[0];
	res = await c.clinician.post(`/api/v1/cases/${r}/programme/referrals/${x.id}/screening`, {
		answers: { willing: 'yes', engage: 'yes', community: 'yes' }, decision: 'eligible', reasons: 'motivated', version: x.version,
	});
	assert.equal(res.status, 200, res.text);
	x = res.body.referrals[0];
	res = await c.clinician.post(`/api/v1/cases/${r}/programme/referrals/${x.id}/enrol`, {
		consent: { note: 'signed on paper; entered from the pilot register' }, tag_consent: true, from: iso(from), version: x.version,
	});
	assert.equal(res.status, 201, res.text);
}

before(async () => {
	srv = await startServer();
	for (const u of ['officer', 'clinician']) c[u] = await srv.login(u);
	for (const [k, type] of [['A1', 'rejected'], ['A2', 'rejected'], ['C1', 'rejected'], ['C2', 'resentful'], ['C3', 'rejected']]) {
		ref[k] = (await newCase(c.officer, { suspect: `Suspect ${k}`, victim: `Victim ${k}` })).ref;
		await assess(c.officer, ref[k], 'medium');
		await typology(c.officer, ref[k], type);
	}
	// the comparison group's cases were reported long ago
	sql(`UPDATE cases SET created_at = ${T.C1} WHERE ref = '${ref.C1}'`);
	sql(`UPDATE cases SET created_at = ${T.C3} WHERE ref = '${ref.C3}'`);
	sql(`UPDATE cases SET created_at = ${T.C1} WHERE ref = '${ref.C2}'`);
	await enrol(ref.A1, T.P1);
	await enrol(ref.A2, T.P2);

	// P1: incidents before (not counted), at +10 and +100 days (6 months), +300 (12), +600 (24)
	for (const d of [-10, 10, 100, 300, 600]) await incident(ref.A1, T.P1 + d * DAY);
	// a breach at +400 days (24 months; it records its own incident too)
	let res = await c.officer.post(`/api/v1/cases/${ref.A1}/orders`, {
		kind: 'spo_full', status: 'granted', granted_at: iso(T.P1 + 300 * DAY), served_at: iso(T.P1 + 300 * DAY),
		notified_at: iso(T.P1 + 301 * DAY), until_further_order: true, conditions: [{ kind: 'no_contact' }],
	});
	assert.equal(res.status, 201, res.text);
	res = await c.officer.post(`/api/v1/cases/${ref.A1}/orders/${res.body.order.id}/breaches`, {
		occurred_at: iso(T.P1 + 400 * DAY), description: 'sent her a letter',
	});
	assert.equal(res.status, 201, res.text);
	// his tag: tampered at +50 days, lost signal at +500; a zone entry is not a compliance alert
	alert(ref.A1, 'tamper', T.P1 + 50 * DAY);
	alert(ref.A1, 'lost_signal', T.P1 + 500 * DAY);
	alert(ref.A1, 'zone_entry', T.P1 + 60 * DAY);
	// a new victim: a case against him reported at +200 days (12 months)
	ref.N1 = (await newCase(c.officer, { suspect: 'Suspect N1', victim: 'Victim N1' })).ref;
	sql(`UPDATE case_people SET person_id = (SELECT person_id FROM case_people WHERE case_id = ${caseId(ref.A1)} AND role = 'suspect')`
		+ ` WHERE case_id = ${caseId(ref.N1)} AND role = 'suspect'`);
	sql(`UPDATE cases SET created_at = ${T.P1 + 200 * DAY} WHERE ref = '${ref.N1}'`);
	// P2: an incident at +50 days (6 months; his 12 and 24 have not closed)
	await incident(ref.A2, T.P2 + 50 * DAY);

	// C1 (comparable): incidents at +20, +30 (6 months), +200 (12); powered off at +100
	for (const d of [20, 30, 200]) await incident(ref.C1, T.C1 + d * DAY);
	alert(ref.C1, 'powered_off', T.C1 + 100 * DAY);
	// C3 (comparable): an incident at +370 days, after its 12 months
	await incident(ref.C3, T.C3 + 370 * DAY);
	// C2 is resentful: not comparable with a cohort of rejected stalkers
	for (const d of [5, 6, 7]) await incident(ref.C2, T.C1 + d * DAY);
});
after(() => stopServer(srv));

test('the cohort\'s outcomes at 6, 12 and 24 months match the hand-computed figures, beside the comparable cases', async () => {
	const res = await c.clinician.get('/api/v1/programme/outcomes');
	assert.equal(res.status, 200, res.text);
	const got = Object.fromEntries(res.body.windows.map((w) => [w.months, w]));
	const sums = (people, incidents, breaches, new_victims, tag_alerts) => ({ people, totals: { incidents, breaches, new_victims, tag_alerts } });
	const pick = (s) => ({ people: s.people, totals: s.totals });
	// programme: P1 and P2 at 6 months, P1 alone after (P2 enrolled 300 days ago)
	assert.deepEqual(pick(got[6].programme), sums(2, 2 + 1, 0, 0, 1));
	assert.deepEqual(pick(got[12].programme), sums(1, 3, 0, 1, 1));
	assert.deepEqual(pick(got[24].programme), sums(1, 4 + 1, 1, 1, 2));
	// comparison: C1 and C3 (C2 is another type), C1 alone at 24 months
	assert.deepEqual(pick(got[6].comparison), sums(2, 2, 0, 0, 1));
	assert.deepEqual(pick(got[12].comparison), sums(2, 3, 0, 0, 1));
	assert.deepEqual(pick(got[24].comparison), sums(1, 3, 0, 0, 1));
	assert.equal(got[6].programme.per_person.incidents, 1.5);
	assert.equal(got[12].comparison.per_person.incidents, 1.5);
	assert.match(res.body.method, /same typology and risk level/);
});

test('the outcomes are the trust\'s clinicians\' to read', async () => {
	assert.equal((await c.officer.get('/api/v1/programme/outcomes')).status, 403);
});
