// Programme: the suspect in the behaviour-change programme.  The officer
// refers him (with his consent to be assessed); the trust's clinicians
// screen the referral against the criteria (the API's table), decide with
// reasons, enrol him with his informed consent (and to a tag) or put him on
// the waiting list; plan and record his sessions (a missed one waits in her
// inbox for its follow-up); write clinical notes only they read, and a
// disclosure to police apart from them.  His consent may be withdrawn here
// by his clinicians or his officer.
import { api } from '../../api.js';
import { add, choice, field, formError, h, input, isoToLocal, localToIso, need, onSubmit, select, textarea, timeEl } from '../../dom.js';
import { label } from '../../vocab.js';
import { dayAt, enc, facts, none, notFuture, saved, target } from './common.js';

const words = (s) => s.replace(/_/g, ' ');
const pct = (r) => (r === null || r === undefined ? 'no session held yet' : `${Math.round(r * 100)}%`);

/** GET that answers null when the role may not read it (403). */
async function maybe(url) {
	try {
		return await api.get(url);
	} catch (err) {
		if (err.status === 403) return null;
		throw err;
	}
}

export async function render(panel, env) {
	const { c, can, me, query } = env;
	const [p, agencies, notes, disclosures] = await Promise.all([
		api.get(`/api/v1/cases/${enc(c.ref)}/programme`),
		api.get('/api/v1/agencies').then((r) => r.agencies),
		can('programme') ? maybe(`/api/v1/cases/${enc(c.ref)}/programme/notes`) : null,
		maybe(`/api/v1/cases/${enc(c.ref)}/disclosures`),
	]);
	const mine = (code) => can('programme') && me.user.agency && me.user.agency.code === code;
	const officer = me.user.agency && me.user.agency.code === c.agency && can('cases:write');
	const e = p.enrolment;
	const open = p.referrals.find((r) => ['referred', 'eligible', 'waiting'].includes(r.status));
	add(panel, h('h2', {}, 'Behaviour-change programme'));

	if (e) add(panel, enrolmentCard(c, e, env, mine(e.trust), officer, query));
	else add(panel, h('p', { class: 'muted' }, open ? 'He is referred, not yet enrolled.' : 'He is not in the programme.'));

	add(panel, h('h3', {}, 'Referrals'), p.referrals.length ? h('ul', { class: 'referral-list' }, p.referrals.map((r) => referralItem(c, p, r, env, mine(r.trust)))) : none('none'));
	if (officer && !open && !(e && e.active) && c.status !== 'closed') add(panel, referForm(c, agencies, env));

	if (disclosures) add(panel, h('h3', {}, 'Disclosures to police'), disclosures.disclosures.length ? h('ul', {}, disclosures.disclosures.map((d) =>
		h('li', { 'data-disclosure': d.id }, h('strong', {}, words(d.risk)), `: ${d.detail} — `, timeEl(d.at), ` by ${d.by}`))) : none('none'));
	if (e && e.active && mine(e.trust)) {
		add(panel, disclosureForm(c, p.disclosure_risks, env));
		if (notes) add(panel, notesSection(c, notes.notes, env));
	}
}

function referralItem(c, p, r, env, clinician) {
	const li = h('li', { 'data-referral': r.id, class: 'card' },
		facts([['Trust', r.trust], ['Status', words(r.status)], ['Referred', [timeEl(r.referred_at), ` by ${r.referred_by}`, r.source === 'self' ? ' (his own request)' : '']],
			r.note ? ['Note', r.note] : null,
			r.decision ? ['Decision', `${r.decision.decision}: ${r.decision.reasons || ''} (${r.decision.by})`] : null,
			r.waiting_since ? ['Waiting since', timeEl(r.waiting_since)] : null]),
		r.screening ? h('ul', { class: 'criteria' }, p.criteria.map((k) => {
			const s = r.screening[k.id] || {};
			return h('li', { class: s.met ? 'met' : 'unmet' }, `${s.met ? '✓' : '✗'} ${k.question}${s.answer ? `: ${words(s.answer)}` : ''}`);
		})) : null);
	if (clinician && ['referred', 'eligible', 'ineligible'].includes(r.status)) add(li, screeningForm(c, p, r, env));
	if (clinician && ['eligible', 'waiting'].includes(r.status)) add(li, enrolForm(c, r, env));
	if (String(r.id) === env.query.get('referral')) target(li.querySelector('form') || li);
	return li;
}

function referForm(c, agencies, env) {
	const trusts = agencies.filter((a) => a.kind === 'nhs');
	const trust = select('trust', trusts.map((a) => [a.code, a.name]), { blank: 'Choose…', value: trusts.length === 1 ? trusts[0].code : undefined });
	const source = choice('Who asked for it', 'source', [['case', 'The officer in charge refers him'], ['self', 'He asked, through his officer']], { value: 'case' });
	const consent = textarea('consent_note', { rows: 2 });
	const note = textarea('note', { rows: 2 });
	return onSubmit(h('form', { class: 'card', 'aria-label': 'Refer him to the programme' }, h('h3', {}, 'Refer him to the programme'),
		h('p', { class: 'hint' }, 'The trust’s clinicians then see the case for assessment: his side, not her address or phone.'),
		field('NHS trust', trust, { name: 'trust', required: 'Choose the trust.' }), source,
		field('His consent to be referred and assessed (how and when)', consent, { name: 'consent_note', required: 'Record how he agreed to be referred.' }),
		field('Note (optional)', note, { name: 'note' }), formError(),
		h('button', { type: 'submit', class: 'primary' }, 'Refer him')), async () => {
		await api.post(`/api/v1/cases/${enc(c.ref)}/programme/referrals`, { trust: trust.value, source: source.value(), consent_note: consent.value.trim(), note: note.value.trim() || undefined });
		saved(env, 'Referred to the programme');
	});
}

function screeningForm(c, p, r, env) {
	const asked = p.criteria.filter((k) => k.source === 'answer');
	const answers = asked.map((k) => [k, choice(k.question, `answers.${k.id}`, [['yes', 'Yes'], ['no', 'No']], { required: true })]);
	const fromRecord = p.criteria.filter((k) => k.source !== 'answer').map((k) => h('li', {}, `${k.question}: ${k.source === 'typology' ? (c.typology ? label('typologies', c.typology) : 'not decided') : (c.risk_level ? label('risk_levels', c.risk_level) : 'not assessed')}`));
	const decision = choice('Decision', 'decision', [['eligible', 'Eligible'], ['ineligible', 'Not eligible']], { required: true });
	const reasons = textarea('reasons', { rows: 2 });
	return h('details', { class: 'inner', open: r.status === 'referred' }, h('summary', {}, `Screen referral ${r.id}`), onSubmit(h('form', { 'aria-label': `Screen referral ${r.id}` },
		h('p', { class: 'hint' }, 'From the case:'), h('ul', {}, fromRecord),
		answers.map(([, el]) => el), decision,
		field('Reasons for the decision', reasons, { name: 'reasons', required: 'Give the reasons for the decision.' }), formError(),
		h('button', { type: 'submit', class: 'primary', 'aria-label': `Record screening of referral ${r.id}` }, 'Record screening')), async () => {
		const body = { answers: Object.fromEntries(answers.map(([k, el]) => [k.id, el.value()])), decision: decision.value(), reasons: reasons.value.trim(), version: r.version };
		await api.post(`/api/v1/cases/${enc(c.ref)}/programme/referrals/${r.id}/screening`, body);
		saved(env, 'Screening recorded');
	}));
}

function enrolForm(c, r, env) {
	const consent = textarea('consent.note', { rows: 2 });
	const tag = h('input', { type: 'checkbox', name: 'tag_consent' });
	const from = h('input', { type: 'date', name: 'from' });
	return onSubmit(h('form', { class: 'inner', 'aria-label': `Enrol referral ${r.id}` }, h('h4', {}, r.status === 'waiting' ? 'Offer him the place now free' : 'Enrol him'),
		field('His informed consent (how and when he gave it)', consent, { name: 'consent.note', errorFor: 'consent', required: 'Record his informed consent.' }),
		h('p', {}, h('label', { class: 'inline' }, tag, 'He consents to wear a tag voluntarily')),
		field('Enrolled on (optional: today if empty)', from, { name: 'from', check: notFuture('The enrolment') }), formError(),
		h('button', { type: 'submit', class: 'primary', 'aria-label': `Enrol him (referral ${r.id})` }, 'Enrol')), async () => {
		const body = { consent: { note: consent.value.trim() }, tag_consent: tag.checked, version: r.version };
		if (from.value) body.from = dayAt(from.value);
		const res = await api.post(`/api/v1/cases/${enc(c.ref)}/programme/referrals/${r.id}/enrol`, body);
		saved(env, res.waiting_place ? `The cohort is full: he is number ${res.waiting_place} on the waiting list` : 'Enrolled');
	});
}

function enrolmentCard(c, e, env, clinician, officer, query) {
	const card = h('div', { class: 'card', 'data-enrolment': e.id },
		facts([['Status', e.active ? 'in the programme' : `left ${e.ended_reason ? `(${e.ended_reason})` : ''}`], ['Trust', e.trust], ['Clinician', e.clinician || none()],
			['Enrolled', timeEl(e.enrolled_at)], ['His consent', e.consent.note || none()],
			['Tag', e.tag_consent.given ? (e.tag_consent.withdrawn_at ? ['consent withdrawn ', timeEl(e.tag_consent.withdrawn_at)] : 'he consents to wear one') : 'no consent to a tag'],
			['Attendance', `${pct(e.attendance_rate)} (${e.attended} attended, ${e.missed} missed)`],
			e.since_enrolment ? ['Since he joined', `${e.since_enrolment.incidents} incidents, ${e.since_enrolment.breaches} breaches, ${e.since_enrolment.new_victims} new victims, ${e.since_enrolment.tag_alerts} tag alerts`] : null]));
	add(card, h('h3', {}, 'Sessions'), e.sessions.length ? h('div', { class: 'table-wrap' }, h('table', {}, h('caption', { class: 'sr-only' }, 'His sessions'),
		h('thead', {}, h('tr', {}, ['When', 'What became of it', 'Ran it', 'Follow-up'].map((x) => h('th', { scope: 'col' }, x)))),
		h('tbody', {}, e.sessions.map((s) => {
			const row = h('tr', { 'data-session': s.id }, h('td', {}, timeEl(s.planned_at)), h('td', {}, words(s.status), clinician && e.active && s.status === 'planned' ? sessionForm(c, s, env) : null),
				h('td', {}, s.run_by || ''),
				h('td', {}, s.status !== 'missed' ? '' : s.follow_up ? `${s.follow_up.note} (${s.follow_up.by})` : clinician && e.active ? followUpForm(c, s, env) : h('span', { class: 'overdue' }, 'to follow up')));
			if (String(s.id) === query.get('session')) target(row.querySelector('form') || row);
			return row;
		})))) : none('no sessions planned'));
	if (clinician && e.active) add(card, planForm(c, env));
	if ((clinician || officer) && e.active) add(card, consentForm(c, e, env));
	return card;
}

function planForm(c, env) {
	const at = h('input', { type: 'datetime-local', name: 'planned_at' });
	return onSubmit(h('form', { class: 'inline-form', 'aria-label': 'Plan a session' },
		field('Next session', at, { name: 'planned_at', required: 'Enter when the session is.' }), formError(),
		h('button', { type: 'submit', class: 'secondary' }, 'Plan session')), async () => {
		await api.post(`/api/v1/cases/${enc(c.ref)}/programme/sessions`, { planned_at: localToIso(at.value) });
		saved(env, 'Session planned');
	});
}

function sessionForm(c, s, env) {
	const when = isoToLocal(s.planned_at).replace('T', ' ');
	const status = select('status', [['attended', 'Attended'], ['missed', 'Missed'], ['cancelled', 'Cancelled']], { blank: 'Choose…' });
	const runBy = input('run_by', { autocomplete: 'off', value: env.me.user.username });
	const runField = field('Ran it (clinician’s username)', runBy, { name: 'run_by', check: (v) => (status.value === 'attended' && !v.trim() ? 'Name the clinician who ran it.' : null), checkEmpty: true });
	const sync = () => (runField.hidden = status.value !== 'attended');
	status.addEventListener('change', sync);
	sync();
	need(status, { required: 'Choose what became of the session.' });
	return onSubmit(h('form', { class: 'inline-form', 'aria-label': `Session of ${when}` },
		field(`What became of the session of ${when}`, status, { name: 'status', required: 'Choose what became of the session.' }), runField, formError(),
		h('button', { type: 'submit', class: 'secondary', 'aria-label': `Record the session of ${when}` }, 'Record')), async () => {
		const body = { status: status.value, version: s.version };
		if (status.value === 'attended') body.run_by = runBy.value.trim();
		await api.patch(`/api/v1/cases/${enc(c.ref)}/programme/sessions/${s.id}`, body);
		saved(env, `Session recorded: ${status.value}`);
	});
}

function followUpForm(c, s, env) {
	const when = isoToLocal(s.planned_at).replace('T', ' ');
	const note = input('follow_up', { autocomplete: 'off' });
	return onSubmit(h('form', { class: 'inline-form', 'aria-label': `Follow up the missed session of ${when}` },
		field(`What was done about the missed session of ${when}`, note, { name: 'follow_up', required: 'Say what was done about it.' }), formError(),
		h('button', { type: 'submit', class: 'secondary', 'aria-label': `Record follow-up of the session of ${when}` }, 'Record follow-up')), async () => {
		await api.patch(`/api/v1/cases/${enc(c.ref)}/programme/sessions/${s.id}`, { follow_up: note.value.trim(), version: s.version });
		saved(env, 'Follow-up recorded');
	});
}

function consentForm(c, e, env) {
	const pairs = [['programme', 'To the programme: he leaves it']];
	if (e.tag_consent.given && !e.tag_consent.withdrawn_at) pairs.unshift(['tag', 'To the tag']);
	const what = choice('He withdraws his consent', 'withdraw', pairs, { required: true });
	const reason = input('reason', { autocomplete: 'off' });
	return h('details', { class: 'inner' }, h('summary', {}, 'He withdraws his consent'), onSubmit(h('form', { 'aria-label': 'Withdraw his consent' },
		h('p', { class: 'hint' }, 'Leaving the programme does not end what an order requires: a tag an order requires stays, and his officer decides about a voluntary one.'),
		what, field('Why', reason, { name: 'reason', required: 'Say why.' }), formError(),
		h('button', { type: 'submit', class: 'secondary' }, 'Record withdrawal')), async () => {
		const res = await api.post(`/api/v1/cases/${enc(c.ref)}/programme/consent`, { withdraw: what.value(), reason: reason.value.trim(), version: e.version });
		saved(env, `Consent withdrawn. His tag: ${res.protections.tag}`);
	}));
}

function notesSection(c, notes, env) {
	const body = textarea('body', { rows: 4 });
	return h('section', { 'aria-label': 'Clinical notes' }, h('h3', {}, 'Clinical notes'),
		h('p', { class: 'hint' }, 'Read by the clinicians of the treating trust only. What the police must know goes in a disclosure, not here.'),
		notes.length ? h('ul', { class: 'notes' }, notes.map((n) => h('li', { 'data-note': n.id }, h('p', {}, n.body), h('p', { class: 'hint' }, timeEl(n.at), ` — ${n.by}`)))) : none('no notes yet'),
		onSubmit(h('form', { class: 'card', 'aria-label': 'Write a clinical note' },
			field('Clinical note', body, { name: 'body', required: 'Write the note.' }), formError(),
			h('button', { type: 'submit', class: 'primary' }, 'Save note')), async () => {
			await api.post(`/api/v1/cases/${enc(c.ref)}/programme/notes`, { body: body.value.trim() });
			saved(env, 'Note saved');
		}));
}

function disclosureForm(c, risks, env) {
	const risk = select('risk', risks.map((r) => [r, words(r)]), { blank: 'Choose…' });
	const detail = textarea('detail', { rows: 3 });
	return h('details', { class: 'card' }, h('summary', {}, 'Disclose a risk to police'), onSubmit(h('form', { 'aria-label': 'Disclose a risk to police' },
		h('p', { class: 'hint' }, 'The officer in charge reads it, and the case’s risk is due for review at once. It is recorded apart from the clinical notes and audited.'),
		field('The risk', risk, { name: 'risk', required: 'Choose the risk.' }),
		field('What the police must know', detail, { name: 'detail', required: 'Say what the police must know.' }), formError(),
		h('button', { type: 'submit', class: 'primary' }, 'Disclose to police')), async () => {
		await api.post(`/api/v1/cases/${enc(c.ref)}/programme/disclosures`, { risk: risk.value, detail: detail.value.trim() });
		saved(env, 'Disclosed to police');
	}));
}
