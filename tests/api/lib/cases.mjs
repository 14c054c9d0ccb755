// Helpers for the scenarios that need cases: make one, screen it, assess it,
// decide its typology, give it a plan that passes the `assessed` gate.  Each
// asserts the status it expects, so a scenario fails where the setup failed.

import assert from 'node:assert/strict';

export const RIC_ITEMS = ['current_injury', 'fear', 'fears_harm', 'isolation', 'depression', 'separation', 'child_contact',
	'stalking', 'pregnancy', 'other_children', 'child_abuse', 'threats_children', 'escalation', 'frequency',
	'control_jealousy', 'weapons', 'threats_to_kill', 'strangulation', 'sexual_abuse', 'third_party_threat',
	'harmed_others', 'animals', 'financial', 'substance_misuse', 'abuser_suicide', 'breach', 'criminal_history'];

export const SCREEN_ITEMS = ['very_frightened', 'previous_stalking', 'property_damage', 'visits_home_work', 'loitering',
	'threats_violence', 'third_parties', 'violence_this_episode', 'proxy', 'substance_misuse', 'violence_history'];

const YES_FOR = { standard: 0, medium: 10, high: 14 };

const ALL_YES = {
	fixated: { answer: true, note: 'messages every day' },
	obsessive: { answer: true, note: 'about her only' },
	unwanted: { answer: true, note: 'she asked him to stop' },
	repeated: { answer: true, note: 'for six weeks' },
};

/** A new case (screened, stalking); returns its full view. */
export async function newCase(client, { relationship = 'ex_partner', victim = 'Vera Victim', address = '1 High Street, London N1 1AA', suspect = 'Sam Suspect', owner } = {}) {
	const body = {
		relationship,
		channel: 'online',
		victims: [{ name: victim, identifiers: [{ kind: 'address', value: address }] }],
		suspect: { name: suspect },
		screening: ALL_YES,
	};
	if (owner) body.owner = owner;
	const res = await client.post('/api/v1/cases', body);
	assert.equal(res.status, 201, `case create: ${res.text}`);
	assert.equal(res.body.status, 'screened');
	return res.body;
}

/** Assess the case with the checklist to the given level. */
export async function assess(client, ref, level) {
	const answers = {};
	RIC_ITEMS.forEach((id, i) => (answers[id] = i < YES_FOR[level] ? 'yes' : 'no'));
	const res = await client.post(`/api/v1/cases/${ref}/assessments`, { instrument: 'ric', answers });
	assert.equal(res.status, 201, `assess: ${res.text}`);
	assert.equal(res.body.final_level.level, level);
	return res.body;
}

/** Record the stalking screen with these items yes and the rest no. */
export async function screen(client, ref, yes = []) {
	const answers = {};
	for (const id of SCREEN_ITEMS) answers[id] = yes.includes(id) ? 'yes' : 'no';
	const res = await client.post(`/api/v1/cases/${ref}/assessments`, { instrument: 'stalking-screen', answers });
	assert.equal(res.status, 201, `screen: ${res.text}`);
	return res.body;
}

export async function typology(client, ref, type) {
	const res = await client.post(`/api/v1/cases/${ref}/typology`, { typology: type, rationale: 'former partner, will not accept the end' });
	assert.equal(res.status, 201, `typology: ${res.text}`);
}

export async function getCase(client, ref) {
	const res = await client.get(`/api/v1/cases/${ref}`);
	assert.equal(res.status, 200, res.text);
	return res.body;
}

export async function getPlan(client, ref) {
	const res = await client.get(`/api/v1/cases/${ref}/plan`);
	assert.equal(res.status, 200, res.text);
	return res.body;
}

/** Make the plan (version 0) with one action that has an owner and a due date. */
export async function makePlan(client, ref, { owner = 'officer', due = inDays(7), category = 'victim_safety', description = 'Fit new locks and a doorbell camera' } = {}) {
	let res = await client.put(`/api/v1/cases/${ref}/plan`, { version: 0, summary: 'keep her safe at home and at work' });
	assert.equal(res.status, 201, `plan: ${res.text}`);
	res = await client.post(`/api/v1/cases/${ref}/plan/actions`, { version: res.body.version, category, description, owner, due_at: due });
	assert.equal(res.status, 201, `action: ${res.text}`);
	return res.body;
}

/** Offer the advocacy service. */
export async function offerAdvocate(client, ref, status = 'offered') {
	const body = { service: 'advocacy', agency: 'sas', status };
	if (status === 'accepted') body.consent = { given: true, note: 'agreed on the phone' };
	const res = await client.post(`/api/v1/cases/${ref}/victim-care/referrals`, body);
	assert.equal(res.status, 201, `referral: ${res.text}`);
	return res.body;
}

/** PATCH the case's status from the version it has now. */
export async function moveCase(client, ref, status, extra = {}) {
	const c = await getCase(client, ref);
	return client.patch(`/api/v1/cases/${ref}`, { version: c.version, status, ...extra });
}

export function inDays(n) {
	return new Date(Date.now() + n * 86400000).toISOString();
}

export function daysAgo(n) {
	return inDays(-n);
}
