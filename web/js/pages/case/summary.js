// Summary: the case's risk and facts, its people as the viewer's role may see
// them, the FOUR screening, a supervisor's sign-off of a classification other
// than stalking, moving the case, and who works it: its owner, the officers
// assigned, the agencies it is shared with, the programme.
import { api } from '../../api.js';
import { add, badge, choice, field, formError, h, input, onSubmit, select, textarea, timeEl } from '../../dom.js';
import { FOUR, label, options } from '../../vocab.js';
import { riskBadge } from '../cases.js';
import { enc, facts, none, saved, target } from './common.js';

export async function render(panel, env) {
	const { c, can, query } = env;
	const risk = c.risk || {};
	const people = c.people || [];
	const withheld = (p) => p.withheld ? p.withheld : p.address_withheld ? ['address'] : [];
	const person = (p) => h('li', {}, h('strong', {}, p.name || 'unnamed'), ` (${p.role === 'suspect' ? 'suspect' : 'victim'})`, p.description ? ` — ${p.description}` : '',
		withheld(p).length ? h('span', { class: 'muted' }, ` (withheld from your role: ${withheld(p).join(', ')})`) : null,
		p.identifiers && p.identifiers.length ? h('ul', {}, p.identifiers.map((i) => h('li', {}, `${label('identifier_kinds', i.kind)}: ${i.value ?? i.display ?? ''}`))) : null);
	const flagList = c.flags.length ? h('ul', {}, c.flags.map((f) => h('li', {}, badge(label('flags', f.flag), 'flag'), ' ', flagNote(f.note), ' ', timeEl(f.raised_at)))) : none();
	if (c.view && !c.view.parts.includes('file')) {
		// the response view: what the response to an alert needs, no file
		add(panel,
			viewNote(c),
			h('div', { class: 'side-by-side' },
				h('div', { class: 'card' }, h('h2', {}, 'Risk'), facts([['Level in force', riskBadge(c.risk_level)]])),
				h('div', { class: 'card' }, h('h2', {}, 'Case'),
					facts([
						['Status', label('statuses', c.status)],
						['Typology', c.typology ? label('typologies', c.typology) : none('not decided')],
						['Relationship', label('relationships', c.relationship)],
						['Flags', flagList],
						['Owner', c.owner],
						['Agency', c.agency],
					]))),
			h('div', { class: 'card' }, h('h2', {}, 'People'), h('ul', {}, people.map(person))));
		return;
	}
	add(panel,
		viewNote(c),
		h('div', { class: 'side-by-side' },
			h('div', { class: 'card' }, h('h2', {}, 'Risk'),
				h('div', { class: 'side-by-side risk-levels' },
					h('div', {}, h('h3', {}, 'Computed'), risk.computed_level ? riskBadge(risk.computed_level.level) : none('not assessed'),
						risk.computed_level ? h('p', { class: 'hint' }, risk.computed_level.definition) : null),
					h('div', {}, h('h3', {}, 'Judged'), risk.judged_level ? riskBadge(risk.judged_level.level) : none('no judgement recorded'),
						risk.latest_assessment && risk.latest_assessment.judgement_reason ? h('p', { class: 'hint' }, risk.latest_assessment.judgement_reason) : null)),
				facts([['Level in force', riskBadge(c.risk_level)], risk.review_due_at && ['Review due', timeEl(risk.review_due_at)], risk.set_by && ['Set by', risk.set_by]])),
			h('div', { class: 'card' }, h('h2', {}, 'Case'),
				facts([
					['Status', label('statuses', c.status)],
					['Typology', c.typology ? label('typologies', c.typology) : none('not decided')],
					['Relationship', label('relationships', c.relationship)],
					['Reported by', label('channels', c.channel)],
					['Classifications', c.classifications.map((x) => label('classifications', x)).join(', ') || none()],
					c.classification_reason && ['Why not stalking', c.classification_reason],
					c.signoff && ['Signed off', [`by ${c.signoff.by} `, timeEl(c.signoff.at), c.signoff.note ? `: ${c.signoff.note}` : '']],
					['Flags', flagList],
					['Owner', c.owner],
					['Also assigned', c.assigned && c.assigned.length ? c.assigned.join(', ') : none()],
					['Shared with', c.referred_to && c.referred_to.length ? c.referred_to.join(', ') : none('its own agency only')],
					['Reported', timeEl(c.created_at)],
					['Linked cases', linked(c.links)],
				])),
		),
		h('div', { class: 'card' }, h('h2', {}, 'Summary'), h('p', {}, c.summary), h('h3', {}, 'People'), h('ul', {}, people.map(person))));
	const signoffForm = signoff(c, can, env);
	const screenForm = screening(c, can, env);
	add(panel, signoffForm, screenForm, can('cases:write') ? statusForm(c, env) : null);
	if (can('cases:write') && c.status !== 'closed') add(panel, detailsForm(c, env), personForm(c, env), await whoWorksIt(c, env));
	if (query.get('do') === 'signoff') target(signoffForm);
	if (query.get('do') === 'screening') target(screenForm && screenForm.querySelector('form'));
}

/* What the viewer's role sees of the case, when it is not all of it. */
function viewNote(c) {
	if (!c.view || c.view.name === 'full') return null;
	return h('p', { class: 'hint', 'data-view': c.view.name }, `Your role sees ${c.view.summary}.`);
}

/* A flag's note: text, or a JSON list of reasons. */
function flagNote(note) {
	if (!note) return '';
	try {
		const v = JSON.parse(note);
		return Array.isArray(v) ? v.join('; ') : String(v);
	} catch {
		return note;
	}
}

function linked(l) {
	if (!l || !l.count) return none();
	return h('div', {}, h('p', {}, `${l.count} linked case${l.count === 1 ? '' : 's'} (${l.distinct_victims} distinct victims)`, l.hidden_count ? `, ${l.hidden_count} you may not see` : '',
		l.possible_serial ? [' ', badge('possible serial stalker', 'flag')] : ''),
	h('ul', {}, l.cases.map((x) => h('li', {}, h('a', { href: `#/cases/${enc(x.ref)}` }, x.ref), ` ${label('statuses', x.status)}, `, riskBadge(x.risk_level)))));
}

/* A supervisor signs off (or overturns) a classification other than
 * stalking that FOUR says is stalking. */
function signoff(c, can, env) {
	if (!can('cases:signoff') || !c.flags.some((f) => f.flag === 'possible_misrecording')) return null;
	const decision = choice('Your decision', 'decision', options('signoff_decisions'), { required: 'Choose whether the classification stands.' });
	const note = textarea('note', { rows: 2 });
	return onSubmit(h('form', { class: 'card', 'aria-label': 'Sign off the classification', id: 'signoff' },
		h('h2', {}, 'Sign off the classification'),
		h('p', {}, `FOUR says stalking, but the case is recorded as ${c.classifications.map((x) => label('classifications', x)).join(', ')}`, c.classification_reason ? `, because: “${c.classification_reason}”` : '', '.'),
		decision,
		field('Why', note, { name: 'note', required: 'Say why: it is kept with the decision.' }),
		formError(), h('button', { type: 'submit', class: 'primary' }, 'Record the sign-off')), async () => {
		await api.post(`/api/v1/cases/${enc(c.ref)}/signoff`, { decision: decision.value(), note: note.value.trim() });
		saved(env, 'Sign-off recorded');
	});
}

function screening(c, can, env) {
	const s = c.screening;
	const box = h('div', { class: 'card' }, h('h2', {}, 'FOUR screening'));
	if (s && s.complete) {
		add(box, h('ul', {}, FOUR.map(([k, text]) => h('li', {}, h('strong', {}, `${text}: `), s[k].answer ? 'yes' : 'no', s[k].note ? ` — ${s[k].note}` : ''))),
			h('p', {}, s.implies_stalking ? 'FOUR points to stalking.' : 'FOUR does not point to stalking.', ' Screened by ', s.screened_by, ' ', timeEl(s.screened_at)));
	}
	if (!can('cases:write') || c.status === 'closed') return s && s.complete ? box : null;
	const rows = FOUR.map(([k, text, q]) => {
		const prior = s && s[k] && typeof s[k].answer === 'boolean' ? (s[k].answer ? 'yes' : 'no') : undefined;
		const yesNo = choice(`${text}: ${q}`, `s-${k}`, [['yes', 'Yes'], ['no', 'No']], { value: prior, required: `Answer “${text.toLowerCase()}”: yes or no.`, errorFor: `${k}.answer` });
		const note = input(`${k}.note`, { value: (s && s[k] && s[k].note) || '' });
		add(yesNo, field(`What she said (${text.toLowerCase()})`, note, { name: `${k}.note`, errorFor: k, required: `Write what she said about it being ${text.toLowerCase()}.` }));
		return { k, yesNo, note };
	});
	const form = onSubmit(h('form', { 'aria-label': 'FOUR screening' }, h('h3', {}, s && s.complete ? 'Screen again' : 'Screen the case'), rows.map((r) => r.yesNo), formError(),
		h('button', { type: 'submit', class: 'primary' }, 'Save screening')), async () => {
		const body = { version: c.version };
		for (const r of rows) body[r.k] = { answer: r.yesNo.value() === 'yes', note: r.note.value.trim() };
		await api.put(`/api/v1/cases/${enc(c.ref)}/screening`, body);
		saved(env, 'Screening saved');
	});
	add(box, s && s.complete ? h('details', {}, h('summary', {}, 'Screen again'), form) : form);
	return box;
}

function statusForm(c, env) {
	if (!c.allowed_next || !c.allowed_next.length) return null;
	const to = select('status', c.allowed_next.map((v) => [v, label('statuses', v)]), { blank: 'Choose…' });
	const reason = textarea('reason', { rows: 2 });
	const reasonField = field('Why it is reopened', reason, { name: 'reason', required: 'Say why the case is reopened.' });
	reasonField.hidden = true;
	to.addEventListener('change', () => (reasonField.hidden = !(c.status === 'closed' && to.value === 'managed')));
	return onSubmit(h('form', { class: 'card', 'aria-label': 'Move the case' }, h('h2', {}, 'Move the case'),
		field('Move to', to, { name: 'status', required: 'Choose where the case moves to.' }),
		reasonField,
		formError(),
		h('button', { type: 'submit', class: 'primary' }, 'Move case')), async () => {
		await api.patch(`/api/v1/cases/${enc(c.ref)}`, { version: c.version, status: to.value, reason: reason.value.trim() || undefined });
		saved(env, `Case moved to ${label('statuses', to.value)}`);
	});
}

/* The report's details: summary, relationship, how it came in, its
 * classifications (other than stalking, with the reason). */
function detailsForm(c, env) {
	const summary = textarea('summary', { rows: 2 });
	summary.value = c.summary || '';
	const relationship = select('relationship', options('relationships'), { value: c.relationship });
	const channel = select('channel', options('channels'), { value: c.channel });
	const boxes = options('classifications').map(([v, l]) => ({ v, box: h('input', { type: 'checkbox', name: 'classifications', value: v, checked: c.classifications.includes(v) }), l }));
	const reason = textarea('classification_reason', { rows: 2 });
	reason.value = c.classification_reason || '';
	const reasonField = field('Why it is not recorded as stalking', reason, { name: 'classification_reason', required: 'Say why it is not stalking: a supervisor will sign it off.' });
	const sync = () => (reasonField.hidden = boxes.find((b) => b.v === 'stalking').box.checked || !boxes.some((b) => b.box.checked));
	boxes.forEach((b) => b.box.addEventListener('change', sync));
	sync();
	return h('details', { class: 'card' }, h('summary', {}, 'Change the report’s details'), onSubmit(h('form', { 'aria-label': 'The report’s details' },
		field('Summary', summary, { name: 'summary', required: 'Keep a summary of what is happening.' }),
		h('div', { class: 'row' }, field('Relationship', relationship, { name: 'relationship' }), field('How the report came in', channel, { name: 'channel' })),
		h('fieldset', {}, h('legend', {}, 'Classifications'), boxes.map((b) => h('label', { class: 'inline' }, b.box, b.l, ' ')), h('p', { class: 'field-error', 'data-error-for': 'classifications' })),
		reasonField, formError(), h('button', { type: 'submit', class: 'primary' }, 'Save details')), async () => {
		const cls = boxes.filter((b) => b.box.checked).map((b) => b.v);
		await api.patch(`/api/v1/cases/${enc(c.ref)}`, { version: c.version, summary: summary.value.trim(), relationship: relationship.value, channel: channel.value,
			classifications: cls.length ? cls : undefined, classification_reason: reasonField.hidden ? undefined : reason.value.trim() });
		saved(env, 'Details saved');
	}));
}

/* Add a victim, or the suspect when there is none (linking him to other cases). */
function personForm(c, env) {
	const hasSuspect = (c.people || []).some((p) => p.role === 'suspect');
	const role = select('role', hasSuspect ? [['victim', 'Another victim']] : [['suspect', 'The suspect'], ['victim', 'Another victim']]);
	const name = input('name', { autocomplete: 'off' });
	const phone = input('phone', { autocomplete: 'off', inputmode: 'tel' });
	return h('details', { class: 'card' }, h('summary', {}, hasSuspect ? 'Add a victim' : 'Add the suspect or a victim'), onSubmit(h('form', { 'aria-label': 'Add a person' },
		h('div', { class: 'row' }, field('Who', role, { name: 'role' }), field('Name', name, { name: 'name', required: 'Enter the name.' }),
			field('Phone (optional)', phone, { name: 'identifiers', check: (v) => (/^[+0-9 ()-]{6,20}$/.test(v) ? null : 'A phone number is digits, spaces and + ( ) -.') })),
		formError(), h('button', { type: 'submit', class: 'primary' }, 'Add person')), async () => {
		await api.post(`/api/v1/cases/${enc(c.ref)}/people`, { role: role.value, name: name.value.trim(), identifiers: phone.value.trim() ? [{ kind: 'phone', value: phone.value.trim() }] : undefined });
		saved(env, 'Person added');
	}));
}

/* Who works the case: its owner, officers assigned, agencies it is shared
 * with (their advocates then see it), the behaviour-change programme. */
async function whoWorksIt(c, env) {
	const agencies = (await api.get('/api/v1/agencies')).agencies;
	const username = (v) => (/^[a-z0-9][a-z0-9._-]{0,63}$/.test(v) ? null : 'A username is lower-case letters, digits and . _ - (as it is shown beside her name).');
	const owner = input('owner', { autocomplete: 'off', value: c.owner });
	const ownerForm = onSubmit(h('form', { class: 'card', 'aria-label': 'Reassign the case' }, h('h3', {}, 'Reassign the case'),
		field('New owner (username of an officer or supervisor)', owner, { name: 'owner', required: 'Enter the username of the new owner.', check: (v) => username(v) || (v === c.owner ? `${v} already owns the case.` : null) }),
		formError(), h('button', { type: 'submit', class: 'primary' }, 'Reassign')), async () => {
		await api.patch(`/api/v1/cases/${enc(c.ref)}`, { version: c.version, owner: owner.value.trim() });
		saved(env, `Case reassigned to ${owner.value.trim()}`);
	});
	const assignee = input('username', { autocomplete: 'off' });
	const assignForm = onSubmit(h('form', { class: 'card', 'aria-label': 'Assign an officer' }, h('h3', {}, 'Assign another officer'),
		field('Officer’s username', assignee, { name: 'username', required: 'Enter the officer’s username.', check: username }),
		formError(), h('button', { type: 'submit', class: 'primary' }, 'Assign officer')), async () => {
		await api.post(`/api/v1/cases/${enc(c.ref)}/assignments`, { username: assignee.value.trim() });
		saved(env, `${assignee.value.trim()} assigned`);
	});
	const others = agencies.filter((a) => a.code !== c.agency && !(c.referred_to || []).includes(a.code));
	const agency = select('agency', others.map((a) => [a.code, `${a.name} (${label('agency_kinds', a.kind)})`]), { blank: others.length ? 'Choose…' : 'Shared with every agency already' });
	const why = input('note');
	const referForm = onSubmit(h('form', { class: 'card', 'aria-label': 'Share the case' }, h('h3', {}, 'Share the case with a partner agency'),
		h('p', { class: 'hint' }, 'Its advocates (a charity) or staff then see the case as their role allows. Her own referral to a service is on the Victim contact tab.'),
		h('div', { class: 'row' }, field('Agency', agency, { name: 'agency', required: 'Choose the agency to share it with.' }), field('Why (the purpose)', why, { name: 'note', required: 'Say why it is shared: the purpose is recorded.' })),
		formError(), h('button', { type: 'submit', class: 'primary' }, 'Share case')), async () => {
		await api.post(`/api/v1/cases/${enc(c.ref)}/referrals`, { agency: agency.value, note: why.value.trim() });
		saved(env, 'Case shared');
	});
	const trusts = agencies.filter((a) => a.kind === 'nhs');
	const trust = select('trust', trusts.map((a) => [a.code, a.name]), { blank: 'Choose…', value: trusts.length === 1 ? trusts[0].code : undefined });
	const consent = textarea('consent_note', { rows: 2 });
	const suspect = (c.people || []).find((p) => p.role === 'suspect');
	const programmeForm = suspect ? onSubmit(h('form', { class: 'card', 'aria-label': 'Enrol him in the programme' }, h('h3', {}, `Enrol ${suspect.name || 'the suspect'} in the behaviour-change programme`),
		h('div', { class: 'row' }, field('NHS trust that treats him', trust, { name: 'trust', required: 'Choose the trust that treats him.' }),
			field('His consent (how and when he gave it)', consent, { name: 'consent_note', required: 'Record his consent: how and when he gave it.' })),
		formError(), h('button', { type: 'submit', class: 'primary' }, 'Enrol him')), async () => {
		await api.post(`/api/v1/cases/${enc(c.ref)}/programme`, { trust: trust.value, consent_note: consent.value.trim() });
		saved(env, 'Enrolled in the programme');
	}) : null;
	return h('section', { 'aria-label': 'Who works the case' }, h('h2', {}, 'Who works the case'), h('div', { class: 'side-by-side' }, ownerForm, assignForm), h('div', { class: 'side-by-side' }, referForm, programmeForm));
}
