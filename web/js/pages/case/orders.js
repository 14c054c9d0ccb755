// Orders and breaches: each order with its conditions, its duty to notify
// and its breaches; the decision on an application, serving it on him,
// recording that he notified his name and address, varying or extending
// its term, discharging it; a breach and its crime record.
import { api } from '../../api.js';
import { add, badge, choice, field, fmtDay, formError, h, input, isoToLocal, localToIso, onSubmit, select, textarea, timeEl } from '../../dom.js';
import { label, options } from '../../vocab.js';
import { dayAt, enc, facts, none, notFuture, saved, target } from './common.js';

export async function render(panel, env) {
	const { c, can, query } = env;
	const list = (await api.get(`/api/v1/cases/${enc(c.ref)}/orders`)).orders;
	const writable = can('orders:write') && c.status !== 'closed';
	add(panel, h('h2', {}, 'Orders and breaches'));
	if (!list.length) add(panel, h('p', { class: 'muted' }, 'No orders on this case.'));
	for (const o of list) {
		const card = h('div', { class: 'card', 'data-order': o.id }, h('h3', {}, o.title || label('order_kinds', o.kind), ' ', badge(label('order_statuses', o.status)), ' ', o.in_force ? badge('in force', 'sev-low') : ''),
			facts([o.reference && ['Reference', o.reference], o.court && ['Court', o.court], ['Applied', timeEl(o.applied_at)], ['Granted', timeEl(o.granted_at)], ['Served on him', o.served_at ? timeEl(o.served_at) : none('not yet')],
				['Ends', o.ends_at ? timeEl(o.ends_at) : o.until_further_order ? 'until further order' : none('no end set')],
				o.duty_to_notify && ['Duty to notify', o.duty_to_notify.notified_at ? ['he notified ', timeEl(o.duty_to_notify.notified_at)] : o.duty_to_notify.missed ? h('span', { class: 'overdue' }, 'deadline missed: ', timeEl(o.duty_to_notify.deadline)) : ['by ', timeEl(o.duty_to_notify.deadline)]]]),
			h('h4', {}, 'Conditions'), o.conditions.length ? h('ul', {}, o.conditions.map((k) => h('li', {}, label('condition_kinds', k.kind), k.detail ? `: ${k.detail}` : '', k.radius_m ? ` (${k.radius_m} m)` : '', k.distance_m ? ` (${k.distance_m} m)` : ''))) : none('none recorded'),
			h('h4', {}, 'Breaches'), o.breaches.length ? h('ul', {}, o.breaches.map((b) => {
				const li = h('li', { 'data-breach': b.id }, timeEl(b.occurred_at), ` ${b.description || ''}`,
					b.crime_reference ? ` — crime reference ${b.crime_reference}` : h('span', { class: 'overdue' }, ' — no crime recorded yet'), b.outcome ? ` — ${label('breach_outcomes', b.outcome)}` : '',
					writable ? breachUpdateForm(c, b, env) : null);
				if (String(b.id) === query.get('breach')) target(li.querySelector('form') || li);
				return li;
			})) : none('no breaches recorded'));
		add(panel, card);
		if (!writable || o.kind === 'pin_historic') continue;
		const forms = {};
		if ((o.allowed_next || []).length && !(o.status === 'granted' && !o.in_force && o.ends_at)) forms.decision = decisionForm(c, o, env);
		if (o.status === 'granted' && !o.served_at && o.kind !== 'bail_conditions') forms.serve = serveForm(c, o, env);
		if (o.duty_to_notify && o.served_at && !o.duty_to_notify.notified_at) forms.notified = notifiedForm(c, o, env);
		if (o.status === 'granted') forms.vary = varyForm(c, o, env);
		if (o.in_force) forms.breach = breachFormFor(c, o, env);
		add(card, Object.values(forms));
		if (String(o.id) === query.get('order')) target(forms[query.get('do')] || card);
	}
	if (writable) add(panel, newOrderForm(c, env));
}

/* Granted, refused or withdrawn (an application); discharged (a granted order). */
function decisionForm(c, o, env) {
	/* the statuses the API says it may move to */
	const next = o.allowed_next;
	const to = choice(o.status === 'applied' ? 'The court’s decision' : 'Discharge', 'status', next.map((s) => [s, label('order_statuses', s)]), { required: 'Choose the decision.' });
	const when = h('input', { type: 'date', name: 'granted_at' });
	const whenField = field('Granted on', when, { name: 'granted_at', required: 'Enter the day it was granted.', check: notFuture('The day it was granted') });
	whenField.hidden = true;
	to.addEventListener('change', () => (whenField.hidden = to.value() !== 'granted'));
	return onSubmit(h('form', { class: 'subform', 'aria-label': `Decision on the ${o.title || label('order_kinds', o.kind)}` }, h('h4', {}, o.status === 'applied' ? 'Record the decision' : 'Discharge the order'),
		to, whenField, formError(), h('button', { type: 'submit', class: 'secondary', 'aria-label': `Record decision on the ${o.title}` }, 'Record decision')), async () => {
		if (to.value() === 'discharged' && !confirm(`Discharge the ${o.title}? It stops protecting her from now, and she must be told.`)) return;
		await api.patch(`/api/v1/cases/${enc(c.ref)}/orders/${o.id}`, { version: o.version, status: to.value(), granted_at: to.value() === 'granted' ? dayAt(when.value) : undefined });
		saved(env, `Order ${label('order_statuses', to.value()).toLowerCase()}`);
	});
}

function serveForm(c, o, env) {
	const at = h('input', { type: 'datetime-local', name: 'served_at', value: isoToLocal(new Date().toISOString()) });
	return onSubmit(h('form', { class: 'subform', 'aria-label': `Serve the ${o.title}` }, h('h4', {}, 'Served on him'),
		h('p', { class: 'hint' }, o.duty_to_notify !== undefined || /spo/.test(o.kind) ? 'His three days to notify his name and address run from service.' : 'When he was given the order.'),
		field('Served at', at, { name: 'served_at', required: 'Enter when it was served on him.', check: notFuture('The time of service') }),
		formError(), h('button', { type: 'submit', class: 'primary', 'aria-label': `Record service of the ${o.title}` }, 'Record service')), async () => {
		await api.patch(`/api/v1/cases/${enc(c.ref)}/orders/${o.id}`, { version: o.version, served_at: localToIso(at.value) });
		saved(env, 'Service recorded');
	});
}

function notifiedForm(c, o, env) {
	const at = h('input', { type: 'datetime-local', name: 'notified_at' });
	return onSubmit(h('form', { class: 'subform', 'aria-label': `He notified his name and address (${o.title})` }, h('h4', {}, 'He notified his name and address'),
		h('p', { class: 'hint' }, 'Deadline ', timeEl(o.duty_to_notify.deadline), o.duty_to_notify.missed ? ': missed. Record when he did notify; consider the offence of failing to notify.' : '.'),
		field('He notified the police at', at, { name: 'notified_at', required: 'Enter when he notified the police.', check: notFuture('When he notified') }),
		formError(), h('button', { type: 'submit', class: 'primary', 'aria-label': `Record notification under the ${o.title}` }, 'Record notification')), async () => {
		await api.patch(`/api/v1/cases/${enc(c.ref)}/orders/${o.id}`, { version: o.version, notified_at: localToIso(at.value) });
		saved(env, 'His notification recorded');
	});
}

/* Vary or extend: its end (or until further order), its reference and court. */
function varyForm(c, o, env) {
	const ends = h('input', { type: 'date', name: 'ends_at', value: o.ends_at ? new Date(o.ends_at).toLocaleDateString('en-CA') : '' });
	const ufo = h('input', { type: 'checkbox', name: 'until_further_order', checked: !!o.until_further_order });
	const notes = textarea('notes', { rows: 2 });
	const endsField = field('Ends on', ends, { name: 'ends_at', check: (v) => (v && Date.parse(`${v}T12:00`) < Date.now() ? 'The new end is in the past: to end it now, discharge it.' : null) });
	ufo.addEventListener('change', () => (endsField.hidden = ufo.checked));
	endsField.hidden = ufo.checked;
	return h('details', { class: 'subform' }, h('summary', {}, `Vary or extend the ${o.title}`), onSubmit(h('form', { 'aria-label': `Vary or extend the ${o.title}` },
		endsField, h('p', {}, h('label', { class: 'inline' }, ufo, 'Until further order')),
		field('What the court varied (kept with the order)', notes, { name: 'notes', required: 'Say what the court varied, and when.' }),
		formError(), h('button', { type: 'submit', class: 'secondary', 'aria-label': `Save variation of the ${o.title}` }, 'Save variation')), async () => {
		await api.patch(`/api/v1/cases/${enc(c.ref)}/orders/${o.id}`, { version: o.version, ends_at: ufo.checked ? null : dayAt(ends.value, 23) ?? null, until_further_order: ufo.checked, notes: notes.value.trim() });
		saved(env, 'Order varied');
	}));
}

/* A breach's crime record and outcome, as they become known. */
function breachUpdateForm(c, b, env) {
	const crime = input('crime_reference', { value: b.crime_reference || '' });
	const outcome = select('outcome', options('breach_outcomes'), { value: b.outcome || '', blank: 'Not yet known' });
	return onSubmit(h('form', { class: 'inline-form', 'aria-label': `Crime record of the breach of ${fmtDay(b.occurred_at)}` },
		h('div', { class: 'row' }, field('Crime reference', crime, { name: 'crime_reference', required: 'Enter the crime reference.' }), field('Outcome', outcome, { name: 'outcome' })), formError(),
		h('button', { type: 'submit', class: 'secondary', 'aria-label': `Save crime record of the breach of ${fmtDay(b.occurred_at)}` }, 'Save crime record')), async () => {
		await api.patch(`/api/v1/cases/${enc(c.ref)}/breaches/${b.id}`, { version: b.version, crime_reference: crime.value.trim(), outcome: outcome.value || undefined });
		saved(env, 'Breach updated');
	});
}

function breachFormFor(c, o, env) {
	const at = h('input', { type: 'datetime-local', name: 'occurred_at' });
	const d = textarea('description', { rows: 2 });
	return h('details', { class: 'subform' }, h('summary', {}, `Record a breach of the ${o.title}`), onSubmit(h('form', { 'aria-label': `Record a breach of the ${o.title}` },
		field('When', at, { name: 'occurred_at', required: 'Enter when he breached it.', check: notFuture('The breach') }),
		field('What he did', d, { name: 'description', required: 'Describe what he did.' }), formError(),
		h('button', { type: 'submit', class: 'danger', 'aria-label': `Record breach of the ${o.title}` }, 'Record breach')), async () => {
		await api.post(`/api/v1/cases/${enc(c.ref)}/orders/${o.id}/breaches`, { occurred_at: localToIso(at.value), description: d.value.trim() });
		saved(env, 'Breach recorded');
	}));
}

function newOrderForm(c, env) {
	const el = {
		kind: select('kind', options('order_kinds'), { blank: 'Choose…' }),
		status: select('status', options('order_statuses', { except: ['discharged'] }), { value: 'applied' }),
		reference: input('reference'),
		court: input('court'),
		applied_at: h('input', { type: 'date', name: 'applied_at' }),
		granted_at: h('input', { type: 'date', name: 'granted_at' }),
		served_at: h('input', { type: 'date', name: 'served_at' }),
		ends_at: h('input', { type: 'date', name: 'ends_at' }),
		ufo: h('input', { type: 'checkbox', name: 'until_further_order' }),
		conditions: textarea('conditions', { rows: 2 }),
	};
	const grantedField = field('Granted on', el.granted_at, { name: 'granted_at', required: 'Enter the day it was granted.', check: notFuture('The day it was granted') });
	const servedField = field('Served on him (optional)', el.served_at, { name: 'served_at', hint: 'his duty to notify runs from service', check: notFuture('Service') });
	const endsField = field('Ends on (optional)', el.ends_at, { name: 'ends_at', hint: 'a full SPO lasts at least two years, or until further order' });
	const sync = () => {
		const g = el.status.value === 'granted';
		grantedField.hidden = !g;
		servedField.hidden = !g;
		endsField.hidden = !g || el.ufo.checked;
	};
	el.status.addEventListener('change', sync);
	el.ufo.addEventListener('change', sync);
	sync();
	return onSubmit(h('form', { class: 'card', 'aria-label': 'Record an order' }, h('h3', {}, 'Record an order'),
		h('div', { class: 'row' }, field('Kind', el.kind, { name: 'kind', required: 'Choose the kind of order.' }), field('Status', el.status, { name: 'status' })),
		h('div', { class: 'row' }, field('Reference (optional)', el.reference, { name: 'reference' }), field('Court (optional)', el.court, { name: 'court' })),
		h('div', { class: 'row' }, field('Applied on (optional)', el.applied_at, { name: 'applied_at', check: notFuture('The application') }), grantedField, servedField, endsField),
		h('p', {}, h('label', { class: 'inline' }, el.ufo, 'Until further order')),
		field('No-contact condition (optional)', el.conditions, { name: 'conditions', hint: 'Written as the order words it' }),
		formError(), h('button', { type: 'submit', class: 'primary' }, 'Record order')), async () => {
		const g = el.status.value === 'granted';
		const body = { kind: el.kind.value, status: el.status.value, reference: el.reference.value.trim() || undefined, court: el.court.value.trim() || undefined,
			applied_at: dayAt(el.applied_at.value), granted_at: g ? dayAt(el.granted_at.value) : undefined, served_at: g ? dayAt(el.served_at.value) : undefined,
			ends_at: g && !el.ufo.checked ? dayAt(el.ends_at.value, 23) : undefined, until_further_order: g && el.ufo.checked ? true : undefined };
		if (el.conditions.value.trim()) body.conditions = [{ kind: 'no_contact', detail: el.conditions.value.trim() }];
		await api.post(`/api/v1/cases/${enc(c.ref)}/orders`, body);
		saved(env, 'Order recorded');
	});
}
