// Risk instruments and assessments through the API: the instruments as
// data, the checklist's bands at every boundary (9/10, 13/14), unknown answers
// counted, missing and extra items named, professional judgement that may
// raise (with a reason) and never lower, the checklist's level as the floor of
// later instruments, the case's risk with its review date, the MARAC flag by
// each of its four routes, the stalking-screen offer, and who may submit and
// read assessments.  A second server checks --review-days and
// --marac-escalation.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { expectError, sleep, startServers } from './lib/server.mjs';
import {
	DAY, HOUR, RIC_ITEMS, SCREEN_ITEMS, SJ_ITEMS, addIncident, ago, assertNear, createCase, moveTo, ricAnswers,
	screenAnswers, screening, sjAnswers,
} from './lib/casekit.mjs';

let srv;
let cfg; // --review-days 3,10,30 --marac-escalation 2
const c = {};
const SLACK = 10 * 1000; // ms of tolerance on computed dates

before(async () => {
	[srv, cfg] = await startServers({}, { args: ['--review-days', '3,10,30', '--marac-escalation', '2'], roles: ['officer'] });
	Object.assign(c, await srv.logins(['officer', 'supervisor', 'operator', 'clinician', 'advocate', 'analyst', 'admin']));
	c.cfgOfficer = await cfg.login('officer');
});
after(async () => {
	await Promise.all([srv, cfg].filter(Boolean).map(async (s) => assert.equal(await s.stop(), 0)));
});

function assess(client, ref, body) {
	return client.post(`/api/v1/cases/${ref}/assessments`, body);
}
async function assessOk(client, ref, body) {
	const res = await assess(client, ref, body);
	assert.equal(res.status, 201, `assess: ${res.status} ${res.text}`);
	return res.body;
}
const ric = (yes, opts, extra = {}) => ({ instrument: 'ric', answers: ricAnswers(yes, opts), ...extra });
const flagsOf = (x) => x.flags.map((f) => f.flag);

describe('the instruments', () => {
	test('three instruments are listed with their versions and item counts', async () => {
		const res = await c.advocate.get('/api/v1/instruments');
		assert.equal(res.status, 200);
		const byId = Object.fromEntries(res.body.instruments.map((i) => [i.id, i]));
		assert.deepEqual(Object.keys(byId).sort(), ['ric', 'stalking-screen', 'structured-judgement']);
		assert.equal(byId.ric.items, 27);
		assert.equal(byId.ric.kind, 'checklist');
		assert.equal(byId['stalking-screen'].items, 11);
		assert.equal(byId['stalking-screen'].kind, 'screen');
		assert.equal(byId['structured-judgement'].items, 4);
		assert.equal(byId['structured-judgement'].kind, 'judgement');
		for (const i of res.body.instruments) assert.equal(i.version, 1);
	});

	test('the checklist comes with its items, answers and bands', async () => {
		const res = await c.operator.get('/api/v1/instruments/ric');
		assert.equal(res.status, 200);
		assert.equal(res.body.version, 1);
		assert.deepEqual(res.body.items.map((i) => i.id), RIC_ITEMS);
		assert.ok(res.body.items.every((i) => typeof i.theme === 'string' && i.theme.length > 0 && i.licensed_text === false));
		assert.deepEqual(res.body.answers, ['yes', 'no', 'unknown']);
		assert.deepEqual(res.body.scoring, {
			type: 'count_yes',
			bands: [
				{ min: 0, max: 9, level: 'standard' },
				{ min: 10, max: 13, level: 'medium' },
				{ min: 14, level: 'high', visible_high: true },
			],
		});
	});

	test('the screen has no scoring, the structured judgement has ratings', async () => {
		const s = await c.officer.get('/api/v1/instruments/stalking-screen');
		assert.deepEqual(s.body.items.map((i) => i.id), SCREEN_ITEMS);
		assert.deepEqual(s.body.scoring, { type: 'none' });
		const j = await c.officer.get('/api/v1/instruments/structured-judgement');
		assert.deepEqual(j.body.items.map((i) => i.id), SJ_ITEMS);
		assert.deepEqual(j.body.ratings, ['low', 'moderate', 'high']);
	});

	test('an unknown instrument is 404', async () => {
		expectError(await c.officer.get('/api/v1/instruments/dash2009'), 404, 'not_found');
	});

	test('reading instruments needs signing in (401)', async () => {
		assert.equal((await srv.raw('/api/v1/instruments')).status, 401);
	});
});

describe('the checklist bands at every boundary', () => {
	let C;
	before(async () => {
		C = await createCase(c.officer, { screening: screening(true) });
	});
	const table = [
		[0, 'standard', false],
		[9, 'standard', false],
		[10, 'medium', false],
		[13, 'medium', false],
		[14, 'high', true],
		[27, 'high', true],
	];
	for (const [yes, level, visible] of table) {
		test(`${yes} yes answers give ${level}${visible ? ' (visible high risk)' : ''}`, async () => {
			const a = await assessOk(c.officer, C.ref, ric(yes));
			assert.equal(a.computed_level.level, level);
			assert.equal(typeof a.computed_level.definition, 'string');
			assert.equal(a.final_level.level, level);
			assert.equal(a.judged_level, null);
			assert.equal(a.visible_high, visible);
			assert.deepEqual(a.counts, { yes, no: 27 - yes, unknown: 0 });
			assert.equal(a.yes_items.length, yes);
			assert.equal(a.instrument, 'ric');
			assert.equal(a.instrument_version, 1);
			const cs = (await c.officer.get(`/api/v1/cases/${C.ref}`)).body;
			assert.equal(cs.risk_level, level);
			assert.equal(cs.risk.level.level, level);
		});
	}

	test('the level definitions are the agreed wording', async () => {
		const s = await assessOk(c.officer, C.ref, ric(0));
		assert.match(s.computed_level.definition, /no current evidence that serious harm is likely/);
		const m = await assessOk(c.officer, C.ref, ric(10));
		assert.match(m.computed_level.definition, /unlikely unless circumstances change/);
		const h = await assessOk(c.officer, C.ref, ric(14));
		assert.match(h.computed_level.definition, /could happen at any time/);
	});

	test('unknown answers are counted and shown, never taken as no', async () => {
		const a = await assessOk(c.officer, C.ref, ric(9, { unknown: 6 }));
		assert.deepEqual(a.counts, { yes: 9, no: 12, unknown: 6 });
		assert.equal(a.computed_level.level, 'standard');
		assert.equal(a.answers[Object.keys(a.answers).find((k) => a.answers[k] === 'unknown')], 'unknown');
	});

	test('all unknown is standard with 27 unknown', async () => {
		const answers = Object.fromEntries(RIC_ITEMS.map((id) => [id, 'unknown']));
		const a = await assessOk(c.officer, C.ref, { instrument: 'ric', answers });
		assert.deepEqual(a.counts, { yes: 0, no: 0, unknown: 27 });
		assert.equal(a.computed_level.level, 'standard');
	});

	test('yes_items names the items answered yes', async () => {
		const a = await assessOk(c.officer, C.ref, ric(['strangulation', 'threats_to_kill', 'weapons']));
		assert.deepEqual([...a.yes_items].sort(), ['strangulation', 'threats_to_kill', 'weapons']);
	});

	test('the case list finds cases by risk level', async () => {
		await assessOk(c.officer, C.ref, ric(14));
		const list = await c.officer.get('/api/v1/cases?risk_level=high&limit=200');
		assert.ok(list.body.cases.some((x) => x.ref === C.ref));
		const low = await c.officer.get('/api/v1/cases?risk_level=standard&limit=200');
		assert.ok(!low.body.cases.some((x) => x.ref === C.ref));
	});
});

describe('refused answers', () => {
	let C;
	before(async () => {
		C = await createCase(c.officer);
	});

	test('missing items are 400 naming them', async () => {
		const answers = ricAnswers(3);
		delete answers.fear;
		delete answers.weapons;
		const res = await assess(c.officer, C.ref, { instrument: 'ric', answers });
		expectError(res, 400, 'bad_request', 'answers.fear');
		assert.match(res.body.error.message, /missing answers: fear, weapons/);
	});

	test('extra items are 400 naming them', async () => {
		const res = await assess(c.officer, C.ref, { instrument: 'ric', answers: { ...ricAnswers(3), bogus: 'yes', another: 'no' } });
		expectError(res, 400, 'bad_request');
		assert.match(res.body.error.message, /items not in ric v1: (bogus, another|another, bogus)/);
	});

	test('an answer other than yes, no or unknown is 400 naming the item', async () => {
		const res = await assess(c.officer, C.ref, { instrument: 'ric', answers: { ...ricAnswers(3), isolation: 'maybe' } });
		expectError(res, 400, 'bad_request', 'answers.isolation');
		assert.match(res.body.error.message, /isolation/);
		expectError(await assess(c.officer, C.ref, { instrument: 'ric', answers: { ...ricAnswers(3), isolation: true } }), 400, 'bad_request', 'answers.isolation');
	});

	test('an unknown instrument, or answers that are not an object, are 400', async () => {
		expectError(await assess(c.officer, C.ref, { instrument: 'dash', answers: {} }), 400, 'bad_request', 'instrument');
		expectError(await assess(c.officer, C.ref, { instrument: 'ric', answers: ['yes'] }), 400, 'bad_request', 'answers');
		expectError(await assess(c.officer, C.ref, { answers: ricAnswers(1) }), 400, 'bad_request', 'instrument');
	});

	test('a structured judgement needs a rating and a reason for each risk', async () => {
		const answers = sjAnswers('moderate');
		answers.persistence = { rating: 'severe', reason: 'x' };
		expectError(await assess(c.officer, C.ref, { instrument: 'structured-judgement', answers }), 400, 'bad_request', 'answers.persistence');
		const noReason = sjAnswers('low');
		noReason.violence = { rating: 'low' };
		expectError(await assess(c.officer, C.ref, { instrument: 'structured-judgement', answers: noReason }), 400, 'bad_request', 'answers.violence');
	});

	test('malformed judgements are 400 naming the field', async () => {
		const bad = [
			[{ level: 'extreme', reason: 'x' }, 'judgement.level'],
			[{ level: 'high', reason: '' }, 'judgement.reason'],
			[{ marac: 'yes', reason: 'x' }, 'judgement.marac'],
			[{ marac: true }, 'judgement.reason'],
			[{ level: 'high', reason: 'x', colour: 'red' }, 'judgement.colour'],
			['high', 'judgement'],
		];
		for (const [judgement, field] of bad)
			expectError(await assess(c.officer, C.ref, ric(0, {}, { judgement })), 400, 'bad_request', field);
	});

	test('a refused assessment leaves the case without a level', async () => {
		const cs = (await c.officer.get(`/api/v1/cases/${C.ref}`)).body;
		assert.equal(cs.risk_level, null);
		assert.equal(cs.risk.latest_assessment, null);
		assert.deepEqual((await c.officer.get(`/api/v1/cases/${C.ref}/assessments`)).body.assessments, []);
	});
});

describe('professional judgement', () => {
	test('may raise the level with a reason; both levels are shown side by side', async () => {
		const C = await createCase(c.officer);
		const a = await assessOk(c.officer, C.ref, ric(4, {}, { judgement: { level: 'high', reason: 'recent strangulation threat' } }));
		assert.equal(a.computed_level.level, 'standard');
		assert.equal(a.judged_level.level, 'high');
		assert.equal(a.final_level.level, 'high');
		assert.equal(a.judgement_reason, 'recent strangulation threat');
		const risk = (await c.officer.get(`/api/v1/cases/${C.ref}`)).body.risk;
		assert.equal(risk.level.level, 'high');
		assert.equal(risk.computed_level.level, 'standard');
		assert.equal(risk.judged_level.level, 'high');
		assert.equal(risk.set_by, 'officer');
		assertNear(risk.set_at, Date.now(), SLACK, 'set_at');
		assert.equal(risk.latest_assessment.id, a.id);
	});

	test('may not raise the level without a reason (400 judgement.level)', async () => {
		const C = await createCase(c.officer);
		const res = await assess(c.officer, C.ref, ric(4, {}, { judgement: { level: 'medium' } }));
		expectError(res, 400, 'bad_request', 'judgement.level');
		assert.match(res.body.error.message, /needs a reason/);
	});

	test('may confirm the computed level without a reason', async () => {
		const C = await createCase(c.officer);
		const a = await assessOk(c.officer, C.ref, ric(11, {}, { judgement: { level: 'medium' } }));
		assert.equal(a.final_level.level, 'medium');
	});

	const lowerings = [
		[14, 'medium'], [14, 'standard'], [10, 'standard'],
	];
	for (const [yes, judged] of lowerings) {
		test(`may never lower: ${yes} yes answers judged ${judged} is 400 saying so`, async () => {
			const C = await createCase(c.officer);
			const res = await assess(c.officer, C.ref, ric(yes, {}, { judgement: { level: judged, reason: 'I know this family well' } }));
			expectError(res, 400, 'bad_request', 'judgement.level');
			assert.match(res.body.error.message, /never lower/);
			if (yes >= 14) assert.match(res.body.error.message, /visible high risk/);
		});
	}

	describe('the latest checklist is the floor of later instruments', () => {
		let C;
		before(async () => {
			C = await createCase(c.officer);
			await assessOk(c.officer, C.ref, ric(10)); // medium
		});

		test('a stalking screen judged below it is 400', async () => {
			const res = await assess(c.officer, C.ref, { instrument: 'stalking-screen', answers: screenAnswers([]), judgement: { level: 'standard', reason: 'calmer now' } });
			expectError(res, 400, 'bad_request', 'judgement.level');
			assert.match(res.body.error.message, /latest checklist gives medium/);
		});

		test('a structured judgement judged below it is 400', async () => {
			expectError(await assess(c.officer, C.ref, { instrument: 'structured-judgement', answers: sjAnswers('low'), judgement: { level: 'standard', reason: 'x' } }),
				400, 'bad_request', 'judgement.level');
		});

		test('a stalking screen without judgement keeps the level of the checklist', async () => {
			const a = await assessOk(c.officer, C.ref, { instrument: 'stalking-screen', answers: screenAnswers(['loitering', 'proxy']) });
			assert.equal(a.computed_level, null);
			assert.equal(a.judged_level, null);
			assert.equal(a.final_level.level, 'medium');
			assert.deepEqual([...a.yes_items].sort(), ['loitering', 'proxy']);
			assert.deepEqual(a.counts, { yes: 2, no: 9, unknown: 0 });
			assert.equal(a.visible_high, false);
			assert.deepEqual(a.offer, []);
		});

		test('a structured judgement may raise it, with a reason, and shows its ratings', async () => {
			const answers = sjAnswers('moderate');
			answers.violence = { rating: 'high', reason: 'threatened with a knife' };
			const a = await assessOk(c.officer, C.ref, { instrument: 'structured-judgement', answers, judgement: { level: 'high', reason: 'knife threat' } });
			assert.equal(a.final_level.level, 'high');
			assert.equal(a.computed_level, null);
			assert.deepEqual(a.ratings, { violence: 'high', persistence: 'moderate', recurrence: 'moderate', psychosocial_harm: 'moderate' });
			const risk = (await c.officer.get(`/api/v1/cases/${C.ref}`)).body.risk;
			assert.equal(risk.level.level, 'high');
			assert.equal(risk.judged_level.level, 'high');
		});

		test("the case still shows the checklist's computed level beside the judged one", async () => {
			const risk = (await c.officer.get(`/api/v1/cases/${C.ref}`)).body.risk;
			assert.equal(risk.judged_level?.level, 'high');
			assert.equal(risk.computed_level?.level, 'medium',
				`after a structured judgement the case's computed level should stay the checklist's (medium), got ${JSON.stringify(risk.computed_level)}`);
		});
	});
});

describe('the history of assessments', () => {
	test('lists them newest first, each pinned to its instrument version, with the case risk', async () => {
		const C = await createCase(c.officer);
		const a1 = await assessOk(c.officer, C.ref, ric(2, {}, { notes: 'first contact' }));
		const a2 = await assessOk(c.supervisor, C.ref, { instrument: 'stalking-screen', answers: screenAnswers(['very_frightened']) });
		const a3 = await assessOk(c.officer, C.ref, ric(12));
		const res = await c.officer.get(`/api/v1/cases/${C.ref}/assessments`);
		assert.equal(res.status, 200);
		assert.equal(res.body.ref, C.ref);
		assert.deepEqual(res.body.assessments.map((a) => a.id), [a3.id, a2.id, a1.id]);
		assert.deepEqual(res.body.assessments.map((a) => a.instrument), ['ric', 'stalking-screen', 'ric']);
		assert.ok(res.body.assessments.every((a) => a.instrument_version === 1));
		assert.deepEqual(res.body.assessments.map((a) => a.assessed_by), ['officer', 'supervisor', 'officer']);
		const first = res.body.assessments[2];
		assert.equal(first.notes, 'first contact');
		assert.deepEqual(first.answers, ricAnswers(2));
		assert.equal(res.body.risk.level.level, 'medium');
		assert.equal(res.body.risk.latest_assessment.id, a3.id);
	});

	test('an assessment is never edited: PUT, PATCH and DELETE are refused', async () => {
		const C = await createCase(c.officer);
		for (const m of ['PUT', 'PATCH', 'DELETE'])
			expectError(await c.officer.request(m, `/api/v1/cases/${C.ref}/assessments`, { body: m === 'DELETE' ? undefined : {} }), 405, 'method_not_allowed');
	});

	test('a closed case takes no assessment (409)', async () => {
		const C = await createCase(c.officer, { screening: screening(true) });
		await moveTo(c.officer, C.ref, 'closed');
		expectError(await assess(c.officer, C.ref, ric(1)), 409, 'illegal_transition');
	});

	test('an assessment moves the case version', async () => {
		const C = await createCase(c.officer);
		await assessOk(c.officer, C.ref, ric(1));
		expectError(await c.officer.patch(`/api/v1/cases/${C.ref}`, { version: C.version, summary: 'x' }), 409, 'stale_version');
	});
});

describe('review dates', () => {
	for (const [yes, level, days] of [[14, 'high', 7], [10, 'medium', 28], [3, 'standard', 90]]) {
		test(`${level} risk is reviewed in ${days} days`, async () => {
			const C = await createCase(c.officer);
			const t = Date.now();
			const a = await assessOk(c.officer, C.ref, ric(yes));
			assertNear(a.review_due_at, t + days * DAY, SLACK, 'review_due_at');
			const risk = (await c.officer.get(`/api/v1/cases/${C.ref}`)).body.risk;
			assert.equal(risk.review_due_at, a.review_due_at);
		});
	}

	test('a level raised by judgement is reviewed at the raised level', async () => {
		const C = await createCase(c.officer);
		const a = await assessOk(c.officer, C.ref, ric(1, {}, { judgement: { level: 'high', reason: 'escalating fast' } }));
		assertNear(a.review_due_at, Date.now() + 7 * DAY, SLACK, 'review_due_at');
	});

	test('a new incident makes the review due at once', async () => {
		const C = await createCase(c.officer);
		await assessOk(c.officer, C.ref, ric(3));
		await addIncident(c.officer, C.ref);
		const risk = (await c.officer.get(`/api/v1/cases/${C.ref}`)).body.risk;
		assertNear(risk.review_due_at, Date.now(), SLACK, 'review_due_at after an incident');
		// the next assessment sets the next date again
		const a = await assessOk(c.officer, C.ref, ric(3));
		assertNear(a.review_due_at, Date.now() + 90 * DAY, SLACK, 'review_due_at after reassessment');
	});

	test('a breach of an order makes the review due at once too', async () => {
		const C = await createCase(c.officer);
		await assessOk(c.officer, C.ref, ric(14));
		await addIncident(c.officer, C.ref, { behaviour: 'breach_of_order' });
		assertNear((await c.officer.get(`/api/v1/cases/${C.ref}`)).body.risk.review_due_at, Date.now(), SLACK, 'review_due_at');
	});

	test('--review-days 3,10,30 sets the intervals', async () => {
		for (const [yes, days] of [[14, 3], [10, 10], [0, 30]]) {
			const C = await createCase(c.cfgOfficer);
			const a = await assessOk(c.cfgOfficer, C.ref, ric(yes));
			assertNear(a.review_due_at, Date.now() + days * DAY, SLACK, `review in ${days} days`);
		}
	});
});

describe('the MARAC referral flag', () => {
	test('a checklist count reaching high flags the case', async () => {
		const C = await createCase(c.officer);
		const a = await assessOk(c.officer, C.ref, ric(14));
		assert.equal(a.marac.due, true);
		assert.equal(a.marac.reasons.length, 1);
		assert.match(a.marac.reasons[0], /count reached high/);
		assert.deepEqual(flagsOf((await c.officer.get(`/api/v1/cases/${C.ref}`)).body), ['marac_referral']);
		const list = await c.officer.get('/api/v1/cases?flag=marac_referral&limit=200');
		assert.ok(list.body.cases.some((x) => x.ref === C.ref));
	});

	test('a count of 13 alone does not', async () => {
		const C = await createCase(c.officer);
		const a = await assessOk(c.officer, C.ref, ric(13));
		assert.deepEqual(a.marac, { due: false, reasons: [] });
		assert.deepEqual(flagsOf((await c.officer.get(`/api/v1/cases/${C.ref}`)).body), []);
	});

	test("the assessor's judgement flags it, with the reason", async () => {
		const C = await createCase(c.officer);
		const a = await assessOk(c.officer, C.ref, ric(2, {}, { judgement: { marac: true, reason: 'victim plans to leave this week' } }));
		assert.equal(a.marac.due, true);
		assert.deepEqual(a.marac.reasons, ['professional judgement: victim plans to leave this week']);
		assert.equal(a.final_level.level, 'standard', 'a referral does not by itself change the level');
		const cs = (await c.officer.get(`/api/v1/cases/${C.ref}`)).body;
		assert.deepEqual(flagsOf(cs), ['marac_referral']);
	});

	test('a high judgement without marac: true is not a referral by judgement', async () => {
		const C = await createCase(c.officer);
		const a = await assessOk(c.officer, C.ref, ric(2, {}, { judgement: { level: 'high', reason: 'worried', marac: false } }));
		assert.equal(a.marac.due, false);
	});

	/** A new case with incidents that many days ago, assessed on ric(1): the assessment. */
	async function assessedAfterIncidents(days) {
		const C = await createCase(c.officer);
		for (const d of days) await addIncident(c.officer, C.ref, { occurred_at: ago(d * DAY) });
		return assessOk(c.officer, C.ref, ric(1));
	}

	test('three incidents within twelve months flag it as potential escalation', async () => {
		const a = await assessedAfterIncidents([1, 30, 300]);
		assert.equal(a.marac.due, true);
		assert.deepEqual(a.marac.reasons, ['potential escalation: 3 incidents in the window (threshold 3)']);
	});

	test('two incidents within twelve months do not', async () => {
		const a = await assessedAfterIncidents([1, 30]);
		assert.equal(a.marac.due, false);
	});

	test('an incident older than twelve months is outside the window', async () => {
		const a = await assessedAfterIncidents([1, 30, 400]);
		assert.equal(a.marac.due, false);
	});

	test('an amendment is a correction, not another incident, for the escalation count', async () => {
		const C = await createCase(c.officer);
		await addIncident(c.officer, C.ref, { occurred_at: ago(2 * DAY) });
		await addIncident(c.officer, C.ref, { occurred_at: ago(DAY) });
		await addIncident(c.officer, C.ref, { occurred_at: ago(DAY), description: 'the same call, time corrected', amends: 2, amend_reason: 'wrong time' });
		const a = await assessOk(c.officer, C.ref, ric(1));
		assert.equal(a.marac.due, false, `two incidents and one correction should not reach the threshold of 3: ${JSON.stringify(a.marac)}`);
	});

	test('with --marac-escalation 2, two incidents are enough', async () => {
		const C = await createCase(c.cfgOfficer);
		for (const d of [1, 2]) await addIncident(c.cfgOfficer, C.ref, { occurred_at: ago(d * DAY) });
		const a = await assessOk(c.cfgOfficer, C.ref, ric(1));
		assert.equal(a.marac.due, true);
		assert.deepEqual(a.marac.reasons, ['potential escalation: 2 incidents in the window (threshold 2)']);
	});

	test('a new incident after a referral within twelve months is a repeat referral', async () => {
		const C = await createCase(c.officer);
		await assessOk(c.officer, C.ref, ric(1, {}, { judgement: { marac: true, reason: 'first referral' } }));
		// no new incident yet: nothing calls for a referral
		const quiet = await assessOk(c.officer, C.ref, ric(1));
		assert.deepEqual(quiet.marac, { due: false, reasons: [] });
		// an incident that happens after the referral (the server compares the
		// time of occurrence with the time of the referral)
		await sleep(20);
		await addIncident(c.officer, C.ref, { occurred_at: new Date().toISOString() });
		const a = await assessOk(c.officer, C.ref, ric(1));
		assert.equal(a.marac.due, true);
		assert.equal(a.marac.reasons.length, 1);
		assert.match(a.marac.reasons[0], /repeat referral/);
	});

	test('several routes at once give several reasons', async () => {
		const C = await createCase(c.officer);
		for (const d of [1, 2, 3]) await addIncident(c.officer, C.ref, { occurred_at: ago(d * DAY) });
		const a = await assessOk(c.officer, C.ref, ric(15, {}, { judgement: { marac: true, reason: 'all of it' } }));
		assert.equal(a.marac.reasons.length, 3);
	});
});

describe('the stalking screen is offered', () => {
	test("when the checklist's stalking item is yes", async () => {
		const C = await createCase(c.officer);
		const a = await assessOk(c.officer, C.ref, ric(['stalking']));
		assert.deepEqual(a.offer, ['stalking-screen']);
	});

	test('when the victim is very frightened', async () => {
		const C = await createCase(c.officer);
		const a = await assessOk(c.officer, C.ref, ric(['fear']));
		assert.deepEqual(a.offer, ['stalking-screen']);
	});

	test('when there have been two or more incidents', async () => {
		const C = await createCase(c.officer);
		await addIncident(c.officer, C.ref);
		assert.deepEqual((await assessOk(c.officer, C.ref, ric(5))).offer, [], 'not after one');
		await addIncident(c.officer, C.ref);
		assert.deepEqual((await assessOk(c.officer, C.ref, ric(5))).offer, ['stalking-screen']);
	});

	test('not otherwise', async () => {
		const C = await createCase(c.officer);
		assert.deepEqual((await assessOk(c.officer, C.ref, ric(13))).offer, []);
	});
});

describe('who may submit and read assessments', () => {
	let C;
	before(async () => {
		C = await createCase(c.officer, { suspect: { name: 'Programme Member' } });
		await assessOk(c.officer, C.ref, ric(3));
	});

	test('an officer and a supervisor may submit (201)', async () => {
		await assessOk(c.supervisor, C.ref, ric(4));
	});

	for (const role of ['analyst', 'advocate', 'clinician', 'operator', 'admin']) {
		test(`a ${role} may not submit (403)`, async () => {
			expectError(await assess(c[role], C.ref, ric(1)), 403, 'forbidden');
		});
	}

	/** who may not read C's assessments (403) until the officer posts body to C's path, then reads both. */
	async function readsOnceOpened(who, path, body) {
		expectError(await who.get(`/api/v1/cases/${C.ref}/assessments`), 403, 'forbidden');
		await c.officer.post(`/api/v1/cases/${C.ref}/${path}`, body);
		const res = await who.get(`/api/v1/cases/${C.ref}/assessments`);
		assert.equal(res.status, 200);
		assert.equal(res.body.assessments.length, 2);
	}

	test('an advocate reads the assessments of a case referred to her agency, not before (403)', async () => {
		await readsOnceOpened(c.advocate, 'referrals', { agency: 'sas' });
	});

	test('a clinician reads the assessments once the suspect is in the programme, not before (403)', async () => {
		await readsOnceOpened(c.clinician, 'programme', { consent_note: 'signed' });
	});

	test('an analyst of the agency reads them (200)', async () => {
		assert.equal((await c.analyst.get(`/api/v1/cases/${C.ref}/assessments`)).status, 200);
	});

	test('an operator and an administrator may not read them (403)', async () => {
		expectError(await c.operator.get(`/api/v1/cases/${C.ref}/assessments`), 403, 'forbidden');
		expectError(await c.admin.get(`/api/v1/cases/${C.ref}/assessments`), 403, 'forbidden');
	});

	test("an officer may not assess a case she may not see (403)", async () => {
		const B = await createCase(c.supervisor);
		expectError(await assess(c.officer, B.ref, ric(1)), 403, 'forbidden');
		expectError(await c.officer.get(`/api/v1/cases/${B.ref}/assessments`), 403, 'forbidden');
	});

	test('submitting is audited with the instrument and the level', async () => {
		const res = await c.admin.get(`/api/v1/audit?action=assessment.create&outcome=ok&object=${encodeURIComponent(`case:${C.ref}`)}&limit=1`);
		assert.equal(res.body.entries[0].detail, 'ric v1: standard');
	});
});

describe('the risk through time', () => {
	test('a new checklist supersedes the old one, and each assessment keeps its own levels', async () => {
		const C = await createCase(c.officer);
		await assessOk(c.officer, C.ref, ric(14));
		const later = await assessOk(c.officer, C.ref, ric(10));
		assert.equal(later.final_level.level, 'medium');
		const hist = (await c.officer.get(`/api/v1/cases/${C.ref}/assessments`)).body.assessments;
		assert.deepEqual(hist.map((a) => a.final_level.level), ['medium', 'high']);
		assert.deepEqual(hist.map((a) => a.visible_high), [false, true]);
		assertNear((await c.officer.get(`/api/v1/cases/${C.ref}`)).body.risk.review_due_at, Date.now() + 28 * DAY, SLACK + HOUR, 'review');
	});
});
