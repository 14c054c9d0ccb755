// The case workspace: one case in tabs — summary, timeline, incidents,
// assessment, typology, plan, orders, monitoring, victim contact.  Each tab
// reads its own API and offers only what the role may do.
import { api, qs } from '../api.js';
import { add, announce, badge, clear, field, fmtDay, formError, h, input, isoToLocal, localToIso, onSubmit, select, textarea, timeEl, words } from '../dom.js';
import { drawPosition, drawZones, legend, makeMap, zoneEditor } from '../map.js';
import { ACTION_STATUSES, BEHAVIOURS, FOUR, PLAN_CATEGORIES, RISK_LEVELS, TYPOLOGIES } from '../vocab.js';
import { riskBadge } from './cases.js';

// Each tab is on a part of the case (docs/ACCESS.md, "Need to know within a
// case"): the case says which parts the viewer's role may read, and only
// those tabs are offered.
const TABS = [
	['summary', 'Summary', 'response'],
	['timeline', 'Timeline', 'file'],
	['incidents', 'Incidents', 'file'],
	['assessment', 'Assessment', 'file'],
	['typology', 'Typology', 'file'],
	['plan', 'Plan', 'file'],
	['orders', 'Orders and breaches', 'response'],
	['monitoring', 'Monitoring', 'response', 'devices:read'],
	['contact', 'Victim contact', 'victim_care'],
];

const ORDER_KINDS = [
	['spo_interim', 'Stalking Protection Order (interim)'],
	['spo_full', 'Stalking Protection Order (full)'],
	['restraining_conviction', 'Restraining order on conviction'],
	['restraining_acquittal', 'Restraining order on acquittal'],
	['non_molestation', 'Non-molestation order'],
	['bail_conditions', 'Bail conditions'],
	['pin_historic', 'Police information notice (historic)'],
];
const ORDER_STATUSES = ['applied', 'granted', 'refused', 'withdrawn', 'discharged'];
const CONTACT_METHODS = ['phone', 'in_person', 'video', 'email', 'letter', 'text_message'];
const SERVICES = ['advocacy', 'helpline', 'health', 'housing', 'childrens_services'];
const REFERRAL_STATUSES = ['offered', 'accepted', 'declined', 'completed'];
const MOTIVES = [
	['reconciliation_or_revenge', 'Seeks reconciliation or revenge after the relationship ended'],
	['believes_relationship', 'Believes in a relationship that does not exist'],
	['seeks_date_ignores_refusal', 'Seeks a date or relationship and does not accept no'],
	['grievance', 'Nurses a grievance or sense of injustice'],
	['sexual_covert_preparation', 'Sexual motive, covert watching or preparation'],
];

const enc = encodeURIComponent;
const facts = (pairs) => h('dl', { class: 'facts' }, pairs.filter(Boolean).map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
const none = (text = 'none') => h('span', { class: 'muted' }, text);

export async function render(main, ctx) {
	const ref = ctx.params[0];
	const can = (p) => ctx.session.can(p);
	let c;
	try {
		c = await api.get(`/api/v1/cases/${enc(ref)}`);
	} catch (err) {
		add(main, h('p', {}, h('a', { href: '#/cases' }, '← All cases')), h('h1', {}, ref), h('p', { class: 'form-error', role: 'alert' }, err.message));
		return;
	}
	const parts = (c.view && c.view.parts) || ['response', 'file', 'victim_care'];
	const tabs = TABS.filter(([, , part, perm]) => parts.includes(part) && (!perm || can(perm)));
	const tab = tabs.some(([t]) => t === ctx.params[1]) ? ctx.params[1] : 'summary';
	const panel = h('section', { id: 'tab-panel', 'aria-labelledby': `tab-${tab}` });
	add(main, 
		h('p', {}, h('a', { href: '#/cases' }, '← All cases')),
		h('div', { class: 'page-head' }, h('h1', {}, `Case ${c.ref}`), h('span', {}, badge(c.status), ' ', riskBadge(c.risk_level))),
		h('nav', { 'aria-label': 'Case sections' }, h('ul', { class: 'tabs' }, tabs.map(([t, label]) =>
			h('li', {}, h('a', { id: `tab-${t}`, href: `#/cases/${enc(c.ref)}/${t}`, 'aria-current': t === tab ? 'page' : null }, label))))),
		panel,
	);
	const reload = () => ctx.navigate(`#/cases/${enc(c.ref)}/${tab}`);
	const env = { c, can, reload, ctx };
	const fn = { summary, timeline, incidents, assessment, typology, plan, orders, monitoring, contact }[tab];
	try {
		return await fn(panel, env);
	} catch (err) {
		/* a tab the role may not read (403) or a failed load: say so inside the tab */
		clear(panel, h('p', { class: 'form-error', role: 'alert' }, err.status === 403 ? `This part of the case is not open to your role: ${err.message}` : err.message));
		return null;
	}
}

// ---- summary -------------------------------------------------------------------

function summary(panel, { c, can, reload }) {
	const risk = c.risk || {};
	const people = c.people || [];
	const withheld = (p) => p.withheld ? p.withheld : p.address_withheld ? ['address'] : [];
	const person = (p) => h('li', {}, h('strong', {}, p.name || 'unnamed'), ` (${p.role})`, p.description ? ` — ${p.description}` : '',
		withheld(p).length ? h('span', { class: 'muted' }, ` (withheld from your role: ${withheld(p).join(', ')})`) : null,
		p.identifiers && p.identifiers.length ? h('ul', {}, p.identifiers.map((i) => h('li', {}, `${words(i.kind)}: ${i.value ?? i.display ?? ''}`))) : null);
	if (c.view && !c.view.parts.includes('file')) {
		// the response view: what the response to an alert needs, no file
		add(panel,
			viewNote(c),
			h('div', { class: 'side-by-side' },
				h('div', { class: 'card' }, h('h2', {}, 'Risk'), facts([['Level in force', riskBadge(c.risk_level)]])),
				h('div', { class: 'card' }, h('h2', {}, 'Case'),
					facts([
						['Status', words(c.status)],
						['Typology', words(c.typology) || none('not decided')],
						['Relationship', words(c.relationship)],
						['Flags', c.flags.length ? h('ul', {}, c.flags.map((f) => h('li', {}, badge(f.flag, 'flag'), ' ', timeEl(f.raised_at)))) : none()],
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
					['Status', words(c.status)],
					['Typology', words(c.typology) || none('not decided')],
					['Relationship', words(c.relationship)],
					['Reported by', words(c.channel)],
					['Classifications', c.classifications.map(words).join(', ')],
					['Flags', c.flags.length ? h('ul', {}, c.flags.map((f) => h('li', {}, badge(f.flag, 'flag'), ' ', flagNote(f.note), ' ', timeEl(f.raised_at)))) : none()],
					['Owner', c.owner],
					['Opened', timeEl(c.created_at)],
					['Linked cases', linked(c.links)],
				])),
		),
		h('div', { class: 'card' }, h('h2', {}, 'Summary'), h('p', {}, c.summary), h('h3', {}, 'People'), h('ul', {}, people.map(person))),
		screening(c, can, reload),
		can('cases:write') ? statusForm(c, reload) : null,
	);
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
	h('ul', {}, l.cases.map((x) => h('li', {}, h('a', { href: `#/cases/${enc(x.ref)}` }, x.ref), ` ${words(x.status)}, `, riskBadge(x.risk_level)))));
}

function screening(c, can, reload) {
	const s = c.screening;
	const box = h('div', { class: 'card' }, h('h2', {}, 'FOUR screening'));
	if (s && s.complete) {
		add(box, h('ul', {}, FOUR.map(([k, label]) => h('li', {}, h('strong', {}, `${label}: `), s[k].answer ? 'yes' : 'no', s[k].note ? ` — ${s[k].note}` : ''))),
			h('p', {}, s.implies_stalking ? 'FOUR points to stalking.' : 'FOUR does not point to stalking.', ' Screened by ', s.screened_by, ' ', timeEl(s.screened_at)));
	}
	if (!can('cases:write') || c.status === 'closed') return s && s.complete ? box : null;
	const rows = FOUR.map(([k, label, q]) => {
		const yes = h('input', { type: 'radio', name: `s-${k}`, value: 'yes', checked: s && s[k] && s[k].answer === true });
		const no = h('input', { type: 'radio', name: `s-${k}`, value: 'no', checked: s && s[k] && s[k].answer === false });
		const note = input(`${k}.note`, { value: (s && s[k] && s[k].note) || '' });
		return { k, yes, no, note, el: h('fieldset', {}, h('legend', {}, `${label}: ${q}`), h('label', { class: 'inline' }, yes, 'Yes'), ' ', h('label', { class: 'inline' }, no, 'No'),
			h('p', { class: 'field-error', 'data-error-for': `${k}.answer` }), field('Note', note, { name: `${k}.note`, errorFor: k })) };
	});
	const form = onSubmit(h('form', { 'aria-label': 'FOUR screening' }, h('h3', {}, s && s.complete ? 'Screen again' : 'Screen the case'), rows.map((r) => r.el), formError(),
		h('button', { type: 'submit', class: 'primary' }, 'Save screening')), async () => {
		const body = { version: c.version };
		for (const r of rows) body[r.k] = { answer: r.yes.checked ? true : r.no.checked ? false : undefined, note: r.note.value.trim() || undefined };
		await api.put(`/api/v1/cases/${enc(c.ref)}/screening`, body);
		announce('Screening saved');
		reload();
	});
	add(box, s && s.complete ? h('details', {}, h('summary', {}, 'Screen again'), form) : form);
	return box;
}

function statusForm(c, reload) {
	if (!c.allowed_next || !c.allowed_next.length) return null;
	const to = select('status', c.allowed_next, { blank: 'Choose…' });
	const reason = textarea('reason', { rows: 2 });
	return onSubmit(h('form', { class: 'card', 'aria-label': 'Move the case' }, h('h2', {}, 'Move the case'),
		field('Move to', to, { name: 'status' }),
		field('Reason (when the move needs one)', reason, { name: 'reason' }),
		formError(),
		h('button', { type: 'submit', class: 'primary' }, 'Move case')), async () => {
		await api.patch(`/api/v1/cases/${enc(c.ref)}`, { version: c.version, status: to.value || undefined, reason: reason.value.trim() || undefined });
		announce(`Case moved to ${to.value}`);
		reload();
	});
}

// ---- timeline ------------------------------------------------------------------

async function timeline(panel, { c }) {
	const t = await api.get(`/api/v1/cases/${enc(c.ref)}/timeline`);
	add(panel, h('h2', {}, 'Timeline'), h('p', {}, `${t.incident_count} incidents`, t.first_incident_at ? [', the first ', timeEl(t.first_incident_at)] : ''),
		h('ol', { class: 'timeline' }, t.items.map((i) => h('li', {}, timeEl(i.at), ' ', h('strong', {}, words(i.kind)), i.by ? ` by ${i.by}` : '', i.summary ? h('div', {}, i.summary) : null))));
}

// ---- incidents -----------------------------------------------------------------

async function incidents(panel, { c, can, reload }) {
	const list = (await api.get(`/api/v1/cases/${enc(c.ref)}/incidents`)).incidents;
	const verifyOut = h('p', { role: 'status' });
	const verify = async () => {
		try {
			const v = await api.get(`/api/v1/cases/${enc(c.ref)}/incidents/verify`);
			verifyOut.textContent = v.intact ? `The incident chain is intact (${v.entries} entries).` : `The chain is BROKEN: ${v.first_bad || v.reason || 'see the audit trail'}.`;
			verifyOut.className = v.intact ? 'notice' : 'form-error';
		} catch (err) {
			verifyOut.textContent = err.message;
			verifyOut.className = 'form-error';
		}
	};
	const el = {
		occurred_at: h('input', { type: 'datetime-local', name: 'occurred_at' }),
		behaviour: select('behaviour', BEHAVIOURS, { blank: 'Choose…' }),
		place: input('place'),
		description: textarea('description'),
		amend_reason: input('amend_reason'),
	};
	let amends = null;
	const amendNote = h('p', { class: 'notice', hidden: true });
	const formTitle = h('h3', {}, 'Record an incident');
	const startAmend = (i) => {
		amends = i.seq;
		formTitle.textContent = `Amend incident ${i.seq}`;
		amendNote.hidden = false;
		amendNote.textContent = 'The original stays in the log; the amendment is added after it with your reason.';
		el.occurred_at.value = isoToLocal(i.occurred_at);
		el.behaviour.value = i.behaviour;
		el.place.value = i.place || '';
		el.description.value = i.description || '';
		el.amend_reason.closest('.field').hidden = false;
		el.description.focus();
	};
	const form = can('cases:write') && c.status !== 'closed' ? onSubmit(h('form', { class: 'card', 'aria-label': 'Incident' }, formTitle, amendNote,
		h('div', { class: 'row' }, field('When it happened', el.occurred_at, { name: 'occurred_at', hint: `Your time zone: ${Intl.DateTimeFormat().resolvedOptions().timeZone}` }),
			field('What he did', el.behaviour, { name: 'behaviour' })),
		field('Where (optional)', el.place, { name: 'place' }),
		field('Description', el.description, { name: 'description' }),
		field('Reason for the amendment', el.amend_reason, { name: 'amend_reason' }),
		formError(),
		h('button', { type: 'submit', class: 'primary' }, 'Save incident')), async () => {
		await api.post(`/api/v1/cases/${enc(c.ref)}/incidents`, {
			occurred_at: localToIso(el.occurred_at.value) || undefined,
			behaviour: el.behaviour.value || undefined,
			place: el.place.value.trim() || undefined,
			description: el.description.value.trim() || undefined,
			...(amends ? { amends, amend_reason: el.amend_reason.value.trim() || undefined } : {}),
		});
		announce('Incident saved');
		reload();
	}) : null;
	if (form) el.amend_reason.closest('.field').hidden = true;
	add(panel, h('h2', {}, 'Incidents'),
		h('p', {}, h('button', { type: 'button', class: 'secondary', onclick: verify }, 'Verify the chain'), ' ', verifyOut),
		list.length ? h('div', { class: 'table-wrap' }, h('table', {}, h('thead', {}, h('tr', {}, ['#', 'When', 'What', 'Where', 'Description', 'Recorded', ''].map((t) => h('th', { scope: 'col' }, t)))),
			h('tbody', {}, list.map((i) => h('tr', {}, h('td', {}, i.seq ?? i.id), h('td', {}, timeEl(i.occurred_at)), h('td', {}, words(i.behaviour)), h('td', {}, i.place || ''),
				h('td', {}, i.description, i.amends ? h('div', { class: 'hint' }, `amends #${i.amends}: ${i.amend_reason || ''}`) : null),
				h('td', {}, i.recorded_by || '', ' ', timeEl(i.recorded_at)),
				h('td', {}, form ? h('button', { type: 'button', class: 'secondary', onclick: () => startAmend(i) }, 'Amend') : null)))))) : h('p', { class: 'muted' }, 'No incidents recorded yet.'),
		form);
}

// ---- assessment ----------------------------------------------------------------

/** The suggested level from a count_yes scoring, as the server computes it. */
export function suggestLevel(inst, answers) {
	if (!inst.scoring || inst.scoring.type !== 'count_yes') return null;
	const yes = Object.values(answers).filter((a) => a === 'yes').length;
	const band = inst.scoring.bands.find((b) => yes >= b.min && (b.max === undefined || yes <= b.max));
	return band ? { level: band.level, yes, visible_high: !!band.visible_high } : null;
}

async function assessment(panel, { c, can, reload }) {
	const [{ instruments }, past] = await Promise.all([api.get('/api/v1/instruments'), api.get(`/api/v1/cases/${enc(c.ref)}/assessments`)]);
	const history = h('div', { class: 'card' }, h('h2', {}, 'Assessments'), (past.assessments || []).length
		? h('ul', {}, past.assessments.map((a) => h('li', {}, timeEl(a.assessed_at), ` ${a.instrument}: computed `, a.computed_level ? riskBadge(a.computed_level.level) : none('—'),
			a.judged_level ? [' judged ', riskBadge(a.judged_level.level)] : '', a.final_level ? [' → ', riskBadge(a.final_level.level)] : '', ` by ${a.assessed_by}`)))
		: h('p', { class: 'muted' }, 'No assessment yet.'));
	if (!can('assessments:write') || c.status === 'closed') {
		add(panel, history);
		return;
	}
	const chooser = select('instrument', instruments.map((i) => [i.id, i.title]), { value: 'ric' });
	const formBox = h('div');
	add(panel, h('div', { class: 'card' }, h('h2', {}, 'New assessment'), field('Instrument', chooser, { name: 'instrument' }), formBox), history);
	const build = async () => {
		const inst = await api.get(`/api/v1/instruments/${enc(chooser.value)}`);
		clear(formBox, instrumentForm(c, inst, reload));
	};
	chooser.addEventListener('change', build);
	await build();
}

function instrumentForm(c, inst, reload) {
	const answers = {};
	const level = h('p', { class: 'suggested-level', role: 'status', 'aria-live': 'polite' });
	const updateLevel = () => {
		const s = suggestLevel(inst, answers);
		const answered = Object.keys(answers).length;
		if (s) clear(level, 'Suggested level: ', riskBadge(s.level), ` (${s.yes} yes of ${answered} answered, ${inst.items.length} items)`, s.visible_high ? ' — visible high risk' : '');
		else clear(level, inst.ratings ? 'Rate each item; the level is your judgement below.' : `${answered} of ${inst.items.length} answered. This instrument informs judgement; it does not compute a level.`);
	};
	const items = inst.items.map((it) => {
		const label = it.text || it.theme || it.id;
		if (inst.ratings) {
			const rating = select(`answers.${it.id}.rating`, inst.ratings, { blank: 'Choose…' });
			const reason = input(`answers.${it.id}.reason`);
			rating.addEventListener('change', () => {
				answers[it.id] = rating.value;
				updateLevel();
			});
			return { id: it.id, value: () => ({ rating: rating.value || undefined, reason: reason.value.trim() || undefined }),
				el: h('fieldset', {}, h('legend', {}, label), h('div', { class: 'row' }, field('Rating', rating, { name: `answers.${it.id}.rating`, errorFor: `answers.${it.id}` }), field('Reason', reason, { name: `answers.${it.id}.reason` }))) };
		}
		const radios = (inst.answers || ['yes', 'no', 'unknown']).map((a) => {
			const r = h('input', { type: 'radio', name: `q-${it.id}`, value: a });
			r.addEventListener('change', () => {
				answers[it.id] = a;
				updateLevel();
			});
			return h('label', { class: 'inline' }, r, words(a));
		});
		return { id: it.id, value: () => answers[it.id], el: h('fieldset', { class: 'answer-row' }, h('legend', {}, label), radios, h('p', { class: 'field-error', 'data-error-for': `answers.${it.id}` })) };
	});
	const notes = textarea('notes');
	const jLevel = select('judgement.level', RISK_LEVELS, { blank: 'No judgement: keep the computed level' });
	const jReason = textarea('judgement.reason', { rows: 2 });
	const marac = h('input', { type: 'checkbox', name: 'judgement.marac' });
	const result = h('div', { role: 'status' });
	const form = onSubmit(h('form', { 'aria-label': inst.title }, level, h('p', { class: 'field-error', 'data-error-for': 'answers' }), items.map((i) => i.el),
		field('Notes', notes, { name: 'notes' }),
		h('fieldset', {}, h('legend', {}, 'Professional judgement (raises the level, never lowers it)'),
			field('Judged level', jLevel, { name: 'judgement.level', errorFor: 'judgement.level' }),
			field('Reason for the judgement', jReason, { name: 'judgement.reason', errorFor: 'judgement.reason' }),
			h('label', { class: 'inline' }, marac, 'Refer to MARAC on judgement'), h('p', { class: 'field-error', 'data-error-for': 'judgement.marac' })),
		h('p', { class: 'field-error', 'data-error-for': 'judgement' }),
		formError(), h('button', { type: 'submit', class: 'primary' }, 'Save assessment'), result), async () => {
		const body = { instrument: inst.id, answers: {} };
		for (const i of items) {
			const v = i.value();
			if (v !== undefined) body.answers[i.id] = v;
		}
		if (notes.value.trim()) body.notes = notes.value.trim();
		if (jLevel.value || jReason.value.trim() || marac.checked)
			body.judgement = { level: jLevel.value || undefined, reason: jReason.value.trim() || undefined, ...(marac.checked ? { marac: true } : {}) };
		const a = await api.post(`/api/v1/cases/${enc(c.ref)}/assessments`, body);
		announce(`Assessment saved: ${a.final_level ? a.final_level.level : 'recorded'}`);
		clear(result, h('p', { class: 'notice' }, 'Saved. Computed ', a.computed_level ? riskBadge(a.computed_level.level) : none('—'),
			a.judged_level ? [', judged ', riskBadge(a.judged_level.level)] : '', a.final_level ? [', in force ', riskBadge(a.final_level.level)] : '',
			a.marac && a.marac.due ? `. MARAC referral due: ${a.marac.reasons.join('; ')}` : '', a.offer_screen ? '. Now offer the stalking screen.' : ''),
		h('button', { type: 'button', class: 'secondary', onclick: reload }, 'Refresh the case'));
	});
	updateLevel();
	return form;
}

// ---- typology ------------------------------------------------------------------

async function typology(panel, { c, can, reload }) {
	const t = await api.get(`/api/v1/cases/${enc(c.ref)}/typology`);
	add(panel, h('div', { class: 'card' }, h('h2', {}, 'Typology'),
		facts([['Decided', t.typology ? words(t.typology.typology || t.typology) : none('not decided')]]),
		t.prompts && t.prompts.length ? h('ul', {}, t.prompts.map((p) => h('li', {}, p))) : null,
		t.history && t.history.length ? [h('h3', {}, 'History'), h('ul', {}, t.history.map((x) => h('li', {}, timeEl(x.decided_at || x.at), ` ${words(x.typology)} by ${x.decided_by || x.by || ''}: ${x.rationale || ''}`)))] : null));
	if (!can('typology:write') || c.status === 'closed') return;
	const motiveEls = MOTIVES.map(([k, label]) => {
		const s = select(`motives.${k}`, [['yes', 'Yes'], ['no', 'No']], { blank: 'Not known' });
		return { k, s, el: field(label, s, { name: `motives.${k}` }) };
	});
	const proposalBox = h('div', { role: 'status' });
	let proposal = null;
	const decideType = select('typology', TYPOLOGIES, { blank: 'Choose…' });
	const rationale = textarea('rationale');
	const aid = onSubmit(h('form', { class: 'card', 'aria-label': 'Typology aid' }, h('h2', {}, 'The typology aid'),
		h('p', { class: 'hint' }, 'Answer what is known of his motive; the aid proposes a type with its evidence. The decision is yours.'),
		motiveEls.map((m) => m.el), formError(), h('button', { type: 'submit', class: 'secondary' }, 'Ask the aid'), proposalBox), async () => {
		const motives = {};
		for (const m of motiveEls) motives[m.k] = m.s.value === 'yes' ? true : m.s.value === 'no' ? false : null;
		proposal = await api.post(`/api/v1/cases/${enc(c.ref)}/typology/suggest`, { motives });
		if (proposal.proposed) decideType.value = proposal.proposed;
		clear(proposalBox, h('h3', {}, 'Proposal: ', proposal.proposed ? words(proposal.proposed) : 'none (undetermined)'),
			h('p', { class: 'hint' }, proposal.rule),
			h('ul', {}, Object.entries(proposal.scores).map(([k, v]) => h('li', {}, `${words(k)}: ${v}`))),
			h('h3', {}, 'Evidence'),
			h('ul', {}, proposal.evidence.map((e) => h('li', {}, `${e.supports ? 'for' : 'against'} ${words(e.type)} (${e.weight}): ${e.fact}`))),
			proposal.prompts && proposal.prompts.length ? h('ul', {}, proposal.prompts.map((p) => h('li', {}, p))) : null);
	});
	const decide = onSubmit(h('form', { class: 'card', 'aria-label': 'Typology decision' }, h('h2', {}, 'Decision'),
		field('Typology', decideType, { name: 'typology' }), field('Rationale', rationale, { name: 'rationale' }), formError(),
		h('button', { type: 'submit', class: 'primary' }, 'Record typology')), async () => {
		await api.post(`/api/v1/cases/${enc(c.ref)}/typology`, { typology: decideType.value || undefined, rationale: rationale.value.trim() || undefined, ...(proposal ? { proposal } : {}) });
		announce('Typology recorded');
		reload();
	});
	add(panel, aid, decide);
}

// ---- plan ----------------------------------------------------------------------

async function plan(panel, { c, can, reload }) {
	const p = await api.get(`/api/v1/cases/${enc(c.ref)}/plan`);
	const writable = can('plans:write') && c.status !== 'closed';
	const gate = p.assessed_gate;
	add(panel, h('h2', {}, 'Risk management plan'),
		gate ? h('p', { class: gate.ready ? 'notice' : 'form-error' }, gate.ready ? 'The plan meets the gate for moving to assessed.' : gate.missing) : null,
		p.review_due_at ? h('p', {}, 'Review due ', timeEl(p.review_due_at)) : null);
	if (p.version === 0) {
		if (!writable) {
			add(panel, h('p', { class: 'muted' }, 'There is no plan yet.'));
			return;
		}
		const s = textarea('summary');
		add(panel, onSubmit(h('form', { class: 'card', 'aria-label': 'Make the plan' }, h('h3', {}, 'Make the plan'), field('What the plan sets out to do', s, { name: 'summary' }), formError(),
			h('button', { type: 'submit', class: 'primary' }, 'Make plan')), async () => {
			await api.put(`/api/v1/cases/${enc(c.ref)}/plan`, { version: 0, summary: s.value.trim() || undefined });
			announce('Plan made');
			reload();
		}));
	} else {
		add(panel, h('div', { class: 'card' }, facts([['Summary', p.summary || none()], ['Version', String(p.version)], ['Updated', [timeEl(p.updated_at), ` by ${p.updated_by || ''}`]]])));
	}
	const rows = p.actions.map((a) => {
		const status = select('status', ACTION_STATUSES, { value: a.status });
		const save = async () => {
			try {
				await api.patch(`/api/v1/cases/${enc(c.ref)}/plan/actions/${a.id}`, { version: p.version, status: status.value });
				announce('Action updated');
				reload();
			} catch (err) {
				alert(err.message);
			}
		};
		return h('tr', { class: a.overdue ? 'overdue' : '', 'data-action': a.id },
			h('td', {}, a.category_title || words(a.category)), h('td', {}, a.description), h('td', {}, a.owner, a.agency ? ` (${a.agency})` : ''),
			h('td', {}, fmtDay(a.due_at), a.overdue ? ' — overdue' : ''),
			h('td', {}, writable ? [h('label', { class: 'sr-only', for: `st-${a.id}` }, `Status of ${a.description}`), Object.assign(status, { id: `st-${a.id}` }), ' ', h('button', { type: 'button', class: 'secondary', onclick: save }, 'Save')] : words(a.status)));
	});
	add(panel, h('h3', {}, 'Actions'), rows.length ? h('div', { class: 'table-wrap' }, h('table', {}, h('thead', {}, h('tr', {}, ['Category', 'Action', 'Owner', 'Due', 'Status'].map((t) => h('th', { scope: 'col' }, t)))), h('tbody', {}, rows))) : h('p', { class: 'muted' }, 'No actions yet.'));
	if (!writable || p.version === 0) return;
	const el = {
		category: select('category', PLAN_CATEGORIES, { blank: 'Choose…' }),
		description: textarea('description', { rows: 2 }),
		owner: input('owner', { value: '' }),
		due_at: h('input', { type: 'date', name: 'due_at' }),
	};
	let suggestion = null;
	const suggestions = (p.suggestions || []).filter((s) => s.current && !s.decision);
	const addForm = onSubmit(h('form', { class: 'card', 'aria-label': 'Add an action' }, h('h3', {}, 'Add an action'),
		h('div', { class: 'row' }, field('Category', el.category, { name: 'category' }), field('Owner (username)', el.owner, { name: 'owner' }), field('Due', el.due_at, { name: 'due_at' })),
		field('Action', el.description, { name: 'description' }), formError(), h('button', { type: 'submit', class: 'primary' }, 'Add action')), async () => {
		const due = el.due_at.value ? new Date(el.due_at.value + 'T17:00').toISOString() : undefined;
		await api.post(`/api/v1/cases/${enc(c.ref)}/plan/actions`, { version: p.version, category: el.category.value || undefined, description: el.description.value.trim() || undefined, owner: el.owner.value.trim() || undefined, due_at: due, ...(suggestion ? { suggestion } : {}) });
		announce('Action added');
		reload();
	});
	if (suggestions.length)
		add(panel, h('div', { class: 'card' }, h('h3', {}, 'Suggested actions'), h('ul', {}, suggestions.map((s) => h('li', {}, h('strong', {}, words(s.category)), `: ${s.description} `,
			h('span', { class: 'hint' }, `(${s.because.map((b) => b.why).join('; ')}) `),
			h('button', { type: 'button', class: 'secondary', onclick: () => {
				suggestion = s.id;
				el.category.value = s.category;
				el.description.value = s.description;
				el.owner.focus();
			} }, 'Use this'))))));
	add(panel, addForm);
}

// ---- orders --------------------------------------------------------------------

async function orders(panel, { c, can, reload }) {
	const list = (await api.get(`/api/v1/cases/${enc(c.ref)}/orders`)).orders;
	const writable = can('orders:write') && c.status !== 'closed';
	add(panel, h('h2', {}, 'Orders and breaches'), list.length ? list.map((o) => {
		const breachForm = writable && o.in_force ? breachFormFor(c, o, reload) : null;
		return h('div', { class: 'card', 'data-order': o.id }, h('h3', {}, o.title, ' ', badge(o.status), o.in_force ? badge('in force', 'sev-low') : ''),
			facts([o.reference && ['Reference', o.reference], o.court && ['Court', o.court], ['Granted', timeEl(o.granted_at)], ['Served', timeEl(o.served_at)], ['Ends', o.ends_at ? timeEl(o.ends_at) : o.until_further_order ? 'until further order' : none('—')],
				o.duty_to_notify && ['Duty to notify', o.duty_to_notify.missed ? h('span', { class: 'overdue' }, 'deadline missed ', timeEl(o.duty_to_notify.deadline)) : o.duty_to_notify.notified_at ? ['notified ', timeEl(o.duty_to_notify.notified_at)] : ['by ', timeEl(o.duty_to_notify.deadline)]]]),
			h('h4', {}, 'Conditions'), h('ul', {}, o.conditions.map((k) => h('li', {}, words(k.kind), k.detail ? `: ${k.detail}` : '', k.radius_m ? ` (${k.radius_m} m)` : ''))),
			h('h4', {}, 'Breaches'), o.breaches.length ? h('ul', {}, o.breaches.map((b) => h('li', { 'data-breach': b.id }, timeEl(b.occurred_at), ` ${b.description || ''}`,
				b.crime_reference ? ` — crime ${b.crime_reference}` : h('span', { class: 'overdue' }, ' — no crime recorded yet'), b.outcome ? ` — ${words(b.outcome)}` : '',
				writable ? breachUpdateForm(c, b, reload) : null))) : none('no breaches recorded'),
			breachForm);
	}) : h('p', { class: 'muted' }, 'No orders on this case.'));
	if (!writable) return;
	const el = {
		kind: select('kind', ORDER_KINDS, { blank: 'Choose…' }),
		status: select('status', ORDER_STATUSES, { value: 'applied' }),
		reference: input('reference'),
		court: input('court'),
		applied_at: h('input', { type: 'date', name: 'applied_at' }),
		granted_at: h('input', { type: 'date', name: 'granted_at' }),
		served_at: h('input', { type: 'date', name: 'served_at' }),
		conditions: textarea('conditions', { rows: 2 }),
	};
	const day = (v) => (v ? new Date(v + 'T12:00').toISOString() : undefined);
	add(panel, onSubmit(h('form', { class: 'card', 'aria-label': 'Record an order' }, h('h3', {}, 'Record an order'),
		h('div', { class: 'row' }, field('Kind', el.kind, { name: 'kind' }), field('Status', el.status, { name: 'status' })),
		h('div', { class: 'row' }, field('Reference', el.reference, { name: 'reference' }), field('Court', el.court, { name: 'court' })),
		h('div', { class: 'row' }, field('Applied', el.applied_at, { name: 'applied_at' }), field('Granted', el.granted_at, { name: 'granted_at' }),
			field('Served on him', el.served_at, { name: 'served_at', hint: 'his duty to notify runs from service' })),
		field('No-contact condition (optional)', el.conditions, { name: 'conditions', hint: 'Written as the order words it' }),
		formError(), h('button', { type: 'submit', class: 'primary' }, 'Record order')), async () => {
		const body = { kind: el.kind.value || undefined, status: el.status.value, reference: el.reference.value.trim() || undefined, court: el.court.value.trim() || undefined,
			applied_at: day(el.applied_at.value), granted_at: day(el.granted_at.value), served_at: day(el.served_at.value) };
		if (el.conditions.value.trim()) body.conditions = [{ kind: 'no_contact', detail: el.conditions.value.trim() }];
		await api.post(`/api/v1/cases/${enc(c.ref)}/orders`, body);
		announce('Order recorded');
		reload();
	}));
}

const BREACH_OUTCOMES = ['under_investigation', 'charged', 'convicted', 'acquitted', 'no_further_action'];

/* A breach's crime record and outcome, as they become known. */
function breachUpdateForm(c, b, reload) {
	const crime = input('crime_reference', { value: b.crime_reference || '' });
	const outcome = select('outcome', BREACH_OUTCOMES, { value: b.outcome || '', blank: 'Not yet known' });
	return onSubmit(h('form', { class: 'inline-form', 'aria-label': `Crime record of the breach of ${fmtDay(b.occurred_at)}` },
		h('div', { class: 'row' }, field('Crime reference', crime, { name: 'crime_reference' }), field('Outcome', outcome, { name: 'outcome' })), formError(),
		h('button', { type: 'submit', class: 'secondary' }, 'Save crime record')), async () => {
		await api.patch(`/api/v1/cases/${enc(c.ref)}/breaches/${b.id}`, { version: b.version, crime_reference: crime.value.trim() || undefined, outcome: outcome.value || undefined });
		announce('Breach updated');
		reload();
	});
}

function breachFormFor(c, o, reload) {
	const at = h('input', { type: 'datetime-local', name: 'occurred_at' });
	const d = textarea('description', { rows: 2 });
	return onSubmit(h('form', { 'aria-label': `Record a breach of ${o.title}` }, h('h4', {}, 'Record a breach'),
		field('When', at, { name: 'occurred_at' }), field('What he did', d, { name: 'description' }), formError(),
		h('button', { type: 'submit', class: 'danger' }, 'Record breach')), async () => {
		await api.post(`/api/v1/cases/${enc(c.ref)}/orders/${o.id}/breaches`, { occurred_at: localToIso(at.value) || undefined, description: d.value.trim() || undefined });
		announce('Breach recorded');
		reload();
	});
}

// ---- monitoring ----------------------------------------------------------------

async function monitoring(panel, { c, can, reload }) {
	const { zones } = await api.get(`/api/v1/cases/${enc(c.ref)}/zones`);
	const writable = can('monitoring:write') && c.status !== 'closed';
	const mapEl = h('div', { class: 'map' });
	const zoneList = h('ul', {}, zones.length ? zones.map((z) => h('li', { 'data-zone': z.id }, h('strong', {}, z.name), ` — ${z.kind}`, z.radius_m ? `, ${Math.round(z.radius_m)} m` : '', z.geometry && z.geometry.type === 'Polygon' ? ', polygon' : '', `, warning ring ${Math.round(z.warning_m)} m `,
		writable && z.geometry ? h('button', { type: 'button', class: 'secondary', onclick: () => editZone(z) }, `Edit ${z.name}`) : null, ' ',
		writable ? h('button', { type: 'button', class: 'secondary', onclick: () => removeZone(z) }, `Remove ${z.name}`) : null)) : h('li', { class: 'muted' }, 'No zones yet.'));
	add(panel, h('h2', {}, 'Monitoring'), h('h3', {}, 'Zones'), zoneList, mapEl,
		legend([['sw-zone', 'exclusion zone'], ['sw-warning', 'warning ring'], ['sw-proximity', 'proximity zone (around her phone)']]));
	const m = makeMap(mapEl, { label: `Map of the zones of ${c.ref}` });
	let devices = [];
	let watching = [];
	if (can('devices:read')) {
		/* only free devices are offered: a device watches one person at a time */
		[devices, watching] = await Promise.all([
			api.get('/api/v1/devices?free=1').then((r) => r.devices, () => []),
			api.get(`/api/v1/cases/${enc(c.ref)}/monitoring`).then((r) => r.devices, () => []),
		]);
		panel.insertBefore(h('div', {}, h('h3', {}, 'Devices watching the case'), watching.length ? h('ul', {}, watching.map((d) => h('li', { 'data-device': d.uid },
			h('strong', {}, d.uid), ` (${words(d.kind)}, ${d.assignment.role}${d.agency && d.agency !== c.agency ? `, of ${d.agency}` : ''}) `,
			d.state ? [d.state.signal_lost ? badge('signal lost', 'sev-high') : badge('reporting', 'sev-low'), ' last fix ', timeEl(d.state.last_fix_at),
				d.state.battery !== null && d.state.battery !== undefined ? ` · battery ${Math.round(d.state.battery)}%` : ''] : none('no fix yet'),
			writable ? [' ', endAssignmentForm(c, d, reload)] : null))) : none('no device assigned')), mapEl);
	}
	const victimDev = watching.find((d) => d.assignment.role === 'victim' && d.state && d.state.last_position);
	const victimPos = victimDev ? victimDev.state.last_position : null;
	const tag = watching.find((d) => d.assignment.role === 'suspect' && d.state && d.state.last_position);
	if (tag) drawPosition(m, tag.state.last_position, { label: `${tag.uid} (last fix)`, kind: 'offender' });
	if (victimPos) drawPosition(m, victimPos, { label: 'Victim (last known)', kind: 'victim' });
	drawZones(m, zones, victimPos);
	m.fit();

	async function removeZone(z) {
		if (!confirm(`Remove the zone "${z.name}"? Alerts for it stop at once.`)) return;
		try {
			await api.del(`/api/v1/cases/${enc(c.ref)}/zones/${z.id}`);
			announce('Zone removed');
			reload();
		} catch (err) {
			alert(err.message);
		}
	}

	let editor = null;
	let editing = null;
	const el = {
		name: input('name'),
		kind: select('kind', [['exclusion', 'Exclusion (a place he must not enter)'], ['proximity', 'Proximity (around her, wherever she is)']], { value: 'exclusion' }),
		shape: select('shape', [['circle', 'Circle'], ['polygon', 'Polygon']], { value: 'circle' }),
		radius: h('input', { type: 'number', name: 'radius_m', min: 10, max: 50000, step: 10, value: 200 }),
		warning: h('input', { type: 'number', name: 'warning_m', min: 0, max: 50000, step: 10, value: 300 }),
	};
	const drawn = h('p', { role: 'status', class: 'hint' }, 'Click the map to place the centre.');
	let geometry = null;
	function editZone(z) {
		editing = z;
		el.name.value = z.name;
		el.kind.value = z.kind;
		el.warning.value = z.warning_m;
		if (z.radius_m) el.radius.value = z.radius_m;
		el.shape.value = editor.load(z);
		formTitle.textContent = `Edit zone "${z.name}"`;
		el.name.focus();
	}
	const formTitle = h('h3', {}, 'Draw a zone');
	if (!writable) return () => m.destroy();
	editor = zoneEditor(m, {
		onChange(g) {
			geometry = g;
			if (el.kind.value === 'proximity') drawn.textContent = 'A proximity zone follows her phone: no drawing needed, only its radius.';
			else if (!g) drawn.textContent = el.shape.value === 'circle' ? 'Click the map to place the centre.' : 'Click the map to place each corner (three or more).';
			else drawn.textContent = el.shape.value === 'circle' ? `Circle drawn: ${el.radius.value} m around ${g.geometry.coordinates[1].toFixed(5)}, ${g.geometry.coordinates[0].toFixed(5)}.` : `Polygon drawn with ${g.geometry.coordinates[0].length - 1} corners.`;
		},
	});
	el.shape.addEventListener('change', () => editor.setMode(el.shape.value));
	el.radius.addEventListener('input', () => editor.setRadius(Number(el.radius.value)));
	const form = onSubmit(h('form', { class: 'card', 'aria-label': 'Zone' }, formTitle,
		h('div', { class: 'row' }, field('Name', el.name, { name: 'name' }), field('Kind', el.kind, { name: 'kind' })),
		h('div', { class: 'row' }, field('Shape', el.shape, { name: 'shape', errorFor: 'geometry' }), field('Radius (metres)', el.radius, { name: 'radius_m' }), field('Warning ring (metres beyond the edge)', el.warning, { name: 'warning_m' })),
		drawn,
		h('p', {}, h('button', { type: 'button', class: 'secondary', onclick: () => editor.addAtCentre() }, 'Place at the map centre'), ' ',
			h('button', { type: 'button', class: 'secondary', onclick: () => editor.undo() }, 'Undo last corner'), ' ',
			h('button', { type: 'button', class: 'secondary', onclick: () => { editing = null; formTitle.textContent = 'Draw a zone'; editor.reset(); } }, 'Start again')),
		formError(), h('button', { type: 'submit', class: 'primary' }, 'Save zone')), async () => {
		const body = { name: el.name.value.trim() || undefined, kind: el.kind.value, warning_m: Number(el.warning.value) };
		if (el.kind.value === 'proximity') body.radius_m = Number(el.radius.value);
		else {
			if (!geometry) throw Object.assign(new Error(el.shape.value === 'circle' ? 'Click the map to place the zone’s centre first.' : 'Click the map to place at least three corners first.'), { field: 'geometry' });
			body.geometry = geometry.geometry;
			if (geometry.radius_m !== undefined) body.radius_m = Number(el.radius.value);
		}
		await api.post(`/api/v1/cases/${enc(c.ref)}/zones`, body);
		/* an edit replaces the zone: the new one first, so that she is never unprotected */
		if (editing) await api.del(`/api/v1/cases/${enc(c.ref)}/zones/${editing.id}`);
		announce(editing ? 'Zone changed' : 'Zone saved');
		reload();
	});
	add(panel, form);
	if (can('monitoring:write')) add(panel, assignForm(c, devices, reload));
	if (can('alerts')) {
		const { alerts } = await api.get('/api/v1/alerts' + qs({ case: c.ref, limit: 50 }));
		add(panel, h('h3', {}, 'Alerts'), alerts.length ? h('ul', {}, alerts.map((a) => h('li', {}, h('a', { href: `#/desk/${a.id}` }, `${words(a.kind)} (${a.severity})`), ' ', badge(a.state), ' ', timeEl(a.opened_at)))) : none('no alerts'));
	}
	return () => {
		editor.destroy();
		m.destroy();
	};
}

/* Assign a free device: the list holds only devices free now, of the case's
 * agency or its monitoring contractor; who wears it follows from its kind. */
function assignForm(c, devices, reload) {
	const device = select('device', devices.map((d) => [d.uid, `${d.uid} (${words(d.kind)}${d.agency && d.agency !== c.agency ? `, ${d.agency}` : ''})`]), { blank: devices.length ? 'Choose…' : 'No free device' });
	const role = select('role', [['suspect', 'Suspect (offender tag)'], ['victim', 'Victim (her phone or alarm)']]);
	device.addEventListener('change', () => {
		const d = devices.find((x) => x.uid === device.value);
		if (d) role.value = d.kind === 'offender_tag' ? 'suspect' : 'victim';
	});
	return onSubmit(h('form', { class: 'card', 'aria-label': 'Assign a device' }, h('h3', {}, 'Assign a device'),
		devices.length ? null : h('p', { class: 'hint' }, 'Every device is in use: a device watches one person at a time. End an assignment first, or ask a supervisor or operator to register another.'),
		h('div', { class: 'row' }, field('Device', device, { name: 'device', hint: 'free devices only' }), field('Worn or carried by', role, { name: 'role' })), formError(),
		h('button', { type: 'submit', class: 'primary' }, 'Assign device')), async () => {
		await api.post(`/api/v1/cases/${enc(c.ref)}/monitoring`, { device: device.value || undefined, role: role.value });
		announce('Device assigned');
		reload();
	});
}

/* Stop a device watching the case (it may then watch someone else); its
 * history stays with this case. */
function endAssignmentForm(c, d, reload) {
	const reason = input('reason', { placeholder: 'why (e.g. order discharged)' });
	reason.id = `end-${d.uid}-reason`;
	return onSubmit(h('form', { class: 'inline', 'aria-label': `Stop ${d.uid} watching` },
		h('label', { class: 'sr-only', for: reason.id }, `Why ${d.uid} stops watching`), reason, ' ',
		h('button', { type: 'submit', class: 'secondary' }, `Stop ${d.uid} watching`), formError()), async () => {
		if (!reason.value.trim()) throw new Error(`Say why ${d.uid} stops watching (it is kept with the case).`);
		if (!confirm(`Stop ${d.uid} watching the ${d.assignment.role}? Alerts from it for this case stop at once.`)) return;
		await api.patch(`/api/v1/cases/${enc(c.ref)}/monitoring/${d.assignment.id}`, { reason: reason.value.trim() || undefined });
		announce('Assignment ended');
		reload();
	});
}

// ---- victim contact ------------------------------------------------------------

/* A referral's next status (accepted, declined, completed) as she answers;
 * accepting shares her details, so it records her consent and how she gave it. */
function referralStatusForm(c, r, reload) {
	const status = select('status', REFERRAL_STATUSES, { value: r.status });
	const consent = h('input', { type: 'checkbox', name: 'consent.given' });
	const how = input('consent.note', { placeholder: 'how she gave it' });
	const consentBox = h('span', { hidden: r.status !== 'accepted' },
		h('label', { class: 'inline' }, consent, 'She consents to sharing her details'), ' ',
		h('label', { class: 'sr-only', for: `referral-${r.id}-how` }, 'How she gave her consent'), Object.assign(how, { id: `referral-${r.id}-how` }));
	status.id = `referral-${r.id}-status`;
	status.addEventListener('change', () => (consentBox.hidden = status.value !== 'accepted'));
	const err = h('span', { class: 'form-error', role: 'alert' });
	return h('span', {}, h('label', { class: 'sr-only', for: status.id }, `Status of the ${words(r.service)} referral`), status, ' ', consentBox, ' ',
		h('button', { type: 'button', class: 'secondary', onclick: async () => {
			err.textContent = '';
			const body = { version: r.version, status: status.value };
			if (status.value === 'accepted' && consent.checked) body.consent = { given: true, note: how.value.trim() || undefined };
			try {
				await api.patch(`/api/v1/cases/${enc(c.ref)}/victim-care/referrals/${r.id}`, body);
				announce('Referral updated');
				reload();
			} catch (e) {
				err.textContent = e.message;
			}
		} }, 'Save status'), ' ', err);
}

async function contact(panel, { c, can, reload }) {
	const v = await api.get(`/api/v1/cases/${enc(c.ref)}/victim-care`);
	const writable = can('victims:write') && c.status !== 'closed';
	add(panel, h('h2', {}, 'Victim contact'),
		h('div', { class: 'card' }, facts([['Single point of contact', v.spoc ? (v.spoc.display_name || v.spoc.username || v.spoc) : none('not named')],
			['Last contact', v.last_contact_at ? timeEl(v.last_contact_at) : none('never')],
			['Contact due every', `${v.contact_days} days`],
			['Overdue', v.contact_overdue ? h('span', { class: 'overdue' }, 'yes: contact her now') : 'no']])),
		h('h3', {}, 'Contact log'),
		v.contacts.length ? h('div', { class: 'table-wrap' }, h('table', {}, h('thead', {}, h('tr', {}, ['When', 'How', 'By', 'What she was told', 'Notes'].map((t) => h('th', { scope: 'col' }, t)))),
			h('tbody', {}, v.contacts.map((x) => h('tr', {}, h('td', {}, timeEl(x.at)), h('td', {}, words(x.method)), h('td', {}, x.by), h('td', {}, x.told || ''), h('td', {}, x.notes || '')))))) : h('p', { class: 'muted' }, 'No contact recorded.'),
		h('h3', {}, 'Referrals'),
		v.referrals.length ? h('ul', {}, v.referrals.map((r) => h('li', { 'data-referral': r.id }, `${words(r.service)} (${r.agency || r.provider || ''}): ${words(r.status)} `,
			writable ? referralStatusForm(c, r, reload) : null))) : none('no referrals'));
	if (!writable) return;
	const spoc = input('username', { value: v.spoc || '', placeholder: 'username' });
	add(panel, onSubmit(h('form', { class: 'card', 'aria-label': 'Single point of contact' }, h('h3', {}, 'Her single point of contact'),
		field('Username of the officer or advocate she deals with', spoc, { name: 'username' }), formError(),
		h('button', { type: 'submit', class: 'primary' }, 'Name contact')), async () => {
		await api.put(`/api/v1/cases/${enc(c.ref)}/victim-care/spoc`, { username: spoc.value.trim() || undefined });
		announce('Single point of contact named');
		reload();
	}));
	const el = { at: h('input', { type: 'datetime-local', name: 'at', value: isoToLocal(new Date().toISOString()) }), method: select('method', CONTACT_METHODS, { value: 'phone' }), told: textarea('told', { rows: 2 }), notes: textarea('notes', { rows: 2 }) };
	add(panel, onSubmit(h('form', { class: 'card', 'aria-label': 'Record contact' }, h('h3', {}, 'Record contact with her'),
		h('div', { class: 'row' }, field('When', el.at, { name: 'at' }), field('How', el.method, { name: 'method' })),
		field('What she was told', el.told, { name: 'told' }), field('Notes', el.notes, { name: 'notes' }), formError(),
		h('button', { type: 'submit', class: 'primary' }, 'Record contact')), async () => {
		await api.post(`/api/v1/cases/${enc(c.ref)}/victim-care/contacts`, { at: localToIso(el.at.value) || undefined, method: el.method.value, told: el.told.value.trim() || undefined, notes: el.notes.value.trim() || undefined });
		announce('Contact recorded');
		reload();
	}));
	const rf = { service: select('service', SERVICES, { blank: 'Choose…' }), agency: input('agency', { placeholder: 'agency code, e.g. sas' }), status: select('status', REFERRAL_STATUSES, { value: 'offered' }) };
	add(panel, onSubmit(h('form', { class: 'card', 'aria-label': 'Refer her' }, h('h3', {}, 'Refer her to a service'),
		h('div', { class: 'row' }, field('Service', rf.service, { name: 'service' }), field('Agency', rf.agency, { name: 'agency' }), field('Status', rf.status, { name: 'status' })), formError(),
		h('button', { type: 'submit', class: 'primary' }, 'Record referral')), async () => {
		await api.post(`/api/v1/cases/${enc(c.ref)}/victim-care/referrals`, { service: rf.service.value || undefined, agency: rf.agency.value.trim() || undefined, status: rf.status.value });
		announce('Referral recorded');
		reload();
	}));
}
