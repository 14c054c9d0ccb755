// Victim contact: her single point of contact, the contact log, the events
// she must be told of (each completed here, or by the contact that told
// her), her referrals to services — a partner agency in Vigil or an outside
// provider named — with her consent.
import { api } from '../../api.js';
import { add, checkControl, choice, field, formError, h, input, isoToLocal, localToIso, need, onSubmit, select, textarea, timeEl } from '../../dom.js';
import { label, lower, options } from '../../vocab.js';
import { enc, facts, none, notFuture, saved, target } from './common.js';

export async function render(panel, env) {
	const { c, can, query } = env;
	const [v, t, agencies] = await Promise.all([
		api.get(`/api/v1/cases/${enc(c.ref)}/victim-care`),
		api.get(`/api/v1/cases/${enc(c.ref)}/tasks`),
		api.get('/api/v1/agencies').then((r) => r.agencies),
	]);
	const writable = can('victims:write') && c.status !== 'closed';
	const notify = t.tasks.filter((x) => x.kind === 'notify_victim');
	const openTasks = notify.filter((x) => !x.done);
	add(panel, h('h2', {}, 'Victim contact'),
		h('div', { class: 'card' }, facts([['Single point of contact', v.spoc ? v.spoc : none('not named')],
			['Last contact', v.last_contact_at ? timeEl(v.last_contact_at) : none('never')],
			['Contact due every', `${v.contact_days} days`],
			['Overdue', v.contact_overdue ? h('span', { class: 'overdue' }, 'yes: contact her now') : 'no']])));

	/* what she must be told */
	add(panel, h('h3', {}, 'What she must be told'), notify.length ? h('ul', {}, notify.map((x) => {
		const li = h('li', { 'data-task': x.id, class: x.overdue ? 'overdue' : '' }, h('strong', {}, label('notify_events', x.event)), x.detail ? `: ${x.detail}` : '', ' — happened ', timeEl(x.event_at),
			x.done ? [', told ', timeEl(x.done_at), ` by ${x.done_by}`, x.done_note ? ` (${x.done_note})` : ''] : [x.overdue ? ', overdue since ' : ', to tell her by ', timeEl(x.due_at)],
			!x.done && writable ? taskForm(c, x, env) : null);
		if (String(x.id) === query.get('task')) target(li.querySelector('form') || li);
		return li;
	})) : none('nothing to tell her'));

	add(panel, h('h3', {}, 'Contact log'),
		v.contacts.length ? h('div', { class: 'table-wrap' }, h('table', {}, h('caption', { class: 'sr-only' }, 'Contacts with her'),
			h('thead', {}, h('tr', {}, ['When', 'How', 'By', 'What she was told', 'Notes'].map((x) => h('th', { scope: 'col' }, x)))),
			h('tbody', {}, v.contacts.map((x) => h('tr', {}, h('td', {}, timeEl(x.at)), h('td', {}, label('contact_methods', x.method)), h('td', {}, x.by), h('td', {}, x.told || ''), h('td', {}, x.notes || '')))))) : h('p', { class: 'muted' }, 'No contact recorded.'),
		h('h3', {}, 'Referrals'),
		v.referrals.length ? h('ul', {}, v.referrals.map((r) => h('li', { 'data-referral': r.id }, `${label('services', r.service)} — ${r.agency ? (agencies.find((a) => a.code === r.agency) || { name: r.agency }).name : r.provider || ''}: ${lower('referral_statuses', r.status)}`,
			r.consent && r.consent.given !== undefined ? ` (consent ${r.consent.given ? 'given' : 'refused'})` : '', ' ',
			writable ? referralStatusForm(c, r, env) : null))) : none('no referrals'));
	if (!writable) return;

	const spoc = input('username', { value: v.spoc || '', autocomplete: 'off' });
	add(panel, onSubmit(h('form', { class: 'card', 'aria-label': 'Single point of contact' }, h('h3', {}, 'Her single point of contact'),
		field('Username of the officer or advocate she deals with', spoc, { name: 'username', required: 'Enter the username of her point of contact.' }), formError(),
		h('button', { type: 'submit', class: 'primary' }, 'Name contact')), async () => {
		await api.put(`/api/v1/cases/${enc(c.ref)}/victim-care/spoc`, { username: spoc.value.trim() });
		saved(env, 'Single point of contact named');
	}));

	const el = { at: h('input', { type: 'datetime-local', name: 'at', value: isoToLocal(new Date().toISOString()) }), method: select('method', options('contact_methods'), { value: 'phone' }), told: textarea('told', { rows: 2 }), notes: textarea('notes', { rows: 2 }) };
	const ticks = openTasks.map((x) => ({ id: x.id, box: h('input', { type: 'checkbox', name: 'tasks', value: String(x.id) }), text: `${label('notify_events', x.event)}${x.detail ? `: ${x.detail}` : ''}` }));
	const contactForm = onSubmit(h('form', { class: 'card', 'aria-label': 'Record contact' }, h('h3', {}, 'Record contact with her'),
		h('div', { class: 'row' }, field('When', el.at, { name: 'at', required: 'Enter when you contacted her.', check: notFuture('The contact') }), field('How', el.method, { name: 'method' })),
		field('What she was told', el.told, { name: 'told', required: 'Write what she was told.' }), field('Notes (optional)', el.notes, { name: 'notes' }),
		ticks.length ? h('fieldset', {}, h('legend', {}, 'This contact told her of'), ticks.map((x) => h('p', {}, h('label', { class: 'inline' }, x.box, x.text))), h('p', { class: 'field-error', 'data-error-for': 'tasks' })) : null,
		formError(), h('button', { type: 'submit', class: 'primary' }, 'Record contact')), async () => {
		const tasks = ticks.filter((x) => x.box.checked).map((x) => x.id);
		await api.post(`/api/v1/cases/${enc(c.ref)}/victim-care/contacts`, { at: localToIso(el.at.value), method: el.method.value, told: el.told.value.trim(), notes: el.notes.value.trim() || undefined, tasks: tasks.length ? tasks : undefined });
		saved(env, 'Contact recorded');
	});
	add(panel, contactForm);
	if (query.get('do') === 'contact') target(contactForm);

	const referral = referralForm(c, agencies, env);
	add(panel, referral, openTaskForm(c, env));
	if (query.get('do') === 'referral') target(referral);
}

/* Complete a notification task: how she was told. */
function taskForm(c, x, env) {
	const note = input('note', { autocomplete: 'off' });
	return onSubmit(h('form', { class: 'inline-form', 'aria-label': `Told her: ${label('notify_events', x.event)}` },
		field(`How she was told of the ${lower('notify_events', x.event)}`, note, { name: 'note', required: 'Say how and when she was told.' }), formError(),
		h('button', { type: 'submit', class: 'primary', 'aria-label': `She has been told of the ${lower('notify_events', x.event)}` }, 'She has been told')), async () => {
		await api.patch(`/api/v1/cases/${enc(c.ref)}/tasks/${x.id}`, { version: x.version, done: true, note: note.value.trim() });
		saved(env, 'Marked as told');
	});
}

/* Open a task to tell her of an event outside Vigil (an arrest, a charge, a release). */
function openTaskForm(c, env) {
	const event = select('event', options('notify_events'), { blank: 'Choose…' });
	const at = h('input', { type: 'datetime-local', name: 'occurred_at' });
	const detail = input('detail');
	return h('details', { class: 'card' }, h('summary', {}, 'Something happened that she must be told of'), onSubmit(h('form', { 'aria-label': 'Open a task to tell her' },
		h('div', { class: 'row' }, field('What happened', event, { name: 'event', required: 'Choose what happened.' }), field('When', at, { name: 'occurred_at', required: 'Enter when it happened.', check: notFuture('It') })),
		field('Detail', detail, { name: 'detail' }), formError(),
		h('button', { type: 'submit', class: 'primary' }, 'Open task')), async () => {
		await api.post(`/api/v1/cases/${enc(c.ref)}/tasks`, { event: event.value, occurred_at: localToIso(at.value), detail: detail.value.trim() || undefined });
		saved(env, 'Task opened');
	}));
}

/* Refer her to a service: a partner agency in Vigil (its staff then see the
 * case once she consents), or an outside provider named. */
function referralForm(c, agencies, env) {
	const service = select('service', options('services'), { blank: 'Choose…' });
	const to = choice('Who provides it', 'to', [['agency', 'A partner agency in Vigil'], ['provider', 'An outside provider']], { value: 'agency' });
	const agency = select('agency', agencies.filter((a) => a.code !== c.agency).map((a) => [a.code, `${a.name} (${label('agency_kinds', a.kind)})`]), { blank: 'Choose…' });
	const provider = input('provider', { placeholder: 'e.g. Paladin, the local housing office' });
	const status = select('status', options('referral_statuses'), { value: 'offered' });
	const consent = h('input', { type: 'checkbox', name: 'consent.given' });
	const how = input('consent.note');
	const agencyField = field('Partner agency', agency, { name: 'agency', required: 'Choose the agency.' });
	const providerField = field('Provider’s name', provider, { name: 'provider', required: 'Write the provider’s name.' });
	const consentBox = h('fieldset', {}, h('legend', {}, 'Her consent'),
		h('div', { class: 'field' }, h('label', { class: 'inline' }, consent, 'She consents to her details being shared'), h('p', { class: 'field-error', role: 'alert', 'data-error-for': 'consent.given' })),
		field('How she gave it', how, { name: 'consent.note', errorFor: 'consent' }));
	need(consent, { check: (checked) => (['accepted', 'completed'].includes(status.value) && !checked ? 'An accepted referral needs her consent: ask her first.' : null) });
	const sync = () => {
		agencyField.hidden = to.value() !== 'agency';
		providerField.hidden = to.value() !== 'provider';
		if (to.dataset.touched) checkControl(consent);
	};
	to.addEventListener('change', sync);
	status.addEventListener('change', sync);
	sync();
	return onSubmit(h('form', { class: 'card', 'aria-label': 'Refer her' }, h('h3', {}, 'Refer her to a service'),
		h('div', { class: 'row' }, field('Service', service, { name: 'service', required: 'Choose the service.' }), field('Status', status, { name: 'status' })),
		to, agencyField, providerField, consentBox, formError(),
		h('button', { type: 'submit', class: 'primary' }, 'Record referral')), async () => {
		const body = { service: service.value, status: status.value };
		if (to.value() === 'agency') body.agency = agency.value;
		else body.provider = provider.value.trim();
		if (consent.checked) body.consent = { given: true, note: how.value.trim() || undefined };
		await api.post(`/api/v1/cases/${enc(c.ref)}/victim-care/referrals`, body);
		saved(env, 'Referral recorded');
	});
}

/* A referral's next status as she answers; accepting shares her details, so
 * it records her consent and how she gave it. */
function referralStatusForm(c, r, env) {
	const status = select('status', options('referral_statuses'), { value: r.status });
	const consent = h('input', { type: 'checkbox', name: 'consent.given' });
	const how = input('consent.note');
	const consentBox = h('span', { hidden: true }, h('label', { class: 'inline' }, consent, 'She consents to sharing her details'), ' ', field('How she gave her consent', how, { name: 'consent.note', errorFor: 'consent' }));
	status.addEventListener('change', () => (consentBox.hidden = status.value !== 'accepted'));
	const name = label('services', r.service);
	return onSubmit(h('form', { class: 'inline-form', 'aria-label': `${name} referral` },
		field(`Status of the ${name} referral`, status, { name: 'status' }), consentBox, formError(),
		h('button', { type: 'submit', class: 'secondary', 'aria-label': `Save status of the ${name} referral` }, 'Save status')), async () => {
		const body = { version: r.version, status: status.value };
		if (status.value === 'accepted' && consent.checked) body.consent = { given: true, note: how.value.trim() || undefined };
		await api.patch(`/api/v1/cases/${enc(c.ref)}/victim-care/referrals/${r.id}`, body);
		saved(env, 'Referral updated');
	});
}
