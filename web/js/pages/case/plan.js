// Plan: the risk management plan, its actions (overdue ones marked), the
// suggested actions, and its reviews.  The police make and change the plan
// and record its reviews; a clinician or an advocate moves only the actions
// she owns (their status), and is offered no control over the others.
import { api } from '../../api.js';
import { add, field, fmtDay, formError, h, input, onSubmit, select, textarea, timeEl } from '../../dom.js';
import { label, options } from '../../vocab.js';
import { dayAt, dayValue, enc, facts, none, saved, target } from './common.js';

export async function render(panel, env) {
	const { c, can, query, me } = env;
	const [p, rv] = await Promise.all([api.get(`/api/v1/cases/${enc(c.ref)}/plan`), api.get(`/api/v1/cases/${enc(c.ref)}/reviews`)]);
	const open = c.status !== 'closed';
	/* the police make the plan (the roles that write the case) */
	const makes = can('plans:write') && can('cases:write') && open;
	const mine = (a) => a.owner === me.user.username;
	const gate = p.assessed_gate;
	add(panel, h('h2', {}, 'Risk management plan'),
		gate && c.status === 'screened' ? h('p', { class: gate.ready ? 'notice' : 'form-error' }, gate.ready ? 'The plan meets the gate for moving to assessed.' : gate.missing) : null,
		rv.review_due_at ? h('p', { class: rv.review_overdue ? 'overdue' : '' }, rv.review_overdue ? 'The review is overdue since ' : 'Next review due ', timeEl(rv.review_due_at)) : null);
	if (p.version === 0) {
		if (!makes) {
			add(panel, h('p', { class: 'muted' }, 'There is no plan yet.'));
			return;
		}
		const s = textarea('summary');
		const make = onSubmit(h('form', { class: 'card', 'aria-label': 'Make the plan' }, h('h3', {}, 'Make the plan'),
			field('What the plan sets out to do', s, { name: 'summary', required: 'Say what the plan sets out to do.' }), formError(),
			h('button', { type: 'submit', class: 'primary' }, 'Make plan')), async () => {
			await api.put(`/api/v1/cases/${enc(c.ref)}/plan`, { version: 0, summary: s.value.trim() });
			saved(env, 'Plan made');
		});
		add(panel, make);
		if (query.get('do') === 'plan') target(make);
		return;
	}
	add(panel, h('div', { class: 'card' }, facts([['Summary', p.summary || none()], ['Version', String(p.version)], ['Updated', [timeEl(p.updated_at), ` by ${p.updated_by || ''}`]]])));

	let focusRow = null;
	const rows = p.actions.map((a) => {
		const may = open && can('plans:write') && (makes || mine(a));
		const row = h('tr', { class: a.overdue ? 'overdue' : '', 'data-action': a.id },
			h('td', {}, label('plan_categories', a.category)), h('td', {}, a.description), h('td', {}, a.owner || none('no owner'), a.agency ? ` (${a.agency})` : ''),
			h('td', {}, a.due_at ? fmtDay(a.due_at) : none('no date'), a.overdue ? ' — overdue' : ''),
			h('td', {}, may ? actionForm(c, p, a, makes, env) : [label('action_statuses', a.status), a.reason ? h('div', { class: 'hint' }, a.reason) : null]));
		if (String(a.id) === query.get('action')) focusRow = row;
		return row;
	});
	add(panel, h('h3', {}, 'Actions'), rows.length ? h('div', { class: 'table-wrap' }, h('table', {}, h('caption', { class: 'sr-only' }, 'Plan actions'),
		h('thead', {}, h('tr', {}, ['Category', 'Action', 'Owner', 'Due', 'Status'].map((t) => h('th', { scope: 'col' }, t)))), h('tbody', {}, rows))) : h('p', { class: 'muted' }, 'No actions yet.'));
	if (focusRow) target(focusRow.querySelector('form') || focusRow);

	if (makes) {
		const el = {
			category: select('category', options('plan_categories'), { blank: 'Choose…' }),
			description: textarea('description', { rows: 2 }),
			owner: input('owner', { value: '', autocomplete: 'off' }),
			due_at: h('input', { type: 'date', name: 'due_at', min: dayValue(0) }),
		};
		let suggestion = null;
		const suggestions = (p.suggestions || []).filter((s) => s.current && !s.decision);
		const addForm = onSubmit(h('form', { class: 'card', 'aria-label': 'Add an action' }, h('h3', {}, 'Add an action'),
			h('div', { class: 'row' }, field('Category', el.category, { name: 'category', required: 'Choose the action’s category.' }),
				field('Owner (username)', el.owner, { name: 'owner', required: 'Enter who owns the action: the gate needs an owner.' }),
				field('Due', el.due_at, { name: 'due_at', required: 'Choose when it is due: the gate needs a date.' })),
			field('Action', el.description, { name: 'description', required: 'Describe the action.' }), formError(), h('button', { type: 'submit', class: 'primary' }, 'Add action')), async () => {
			await api.post(`/api/v1/cases/${enc(c.ref)}/plan/actions`, { version: p.version, category: el.category.value, description: el.description.value.trim(), owner: el.owner.value.trim(), due_at: dayAt(el.due_at.value, 17), ...(suggestion ? { suggestion } : {}) });
			saved(env, 'Action added');
		});
		if (suggestions.length)
			add(panel, h('div', { class: 'card' }, h('h3', {}, 'Suggested actions'), h('ul', {}, suggestions.map((s) => h('li', {}, h('strong', {}, label('plan_categories', s.category)), `: ${s.description} `,
				h('span', { class: 'hint' }, `(${s.because.map((b) => b.why).join('; ')}) `),
				h('button', { type: 'button', class: 'secondary', 'aria-label': `Use this suggestion: ${s.description}`, onclick: () => {
					suggestion = s.id;
					el.category.value = s.category;
					el.description.value = s.description;
					el.owner.focus();
				} }, 'Use this'))))));
		add(panel, addForm);
		if (query.get('do') === 'plan') target(addForm);
	}

	/* reviews: the police record them */
	add(panel, h('h3', {}, 'Reviews'), rv.reviews.length ? h('ul', {}, rv.reviews.map((r) => h('li', { 'data-review': r.id }, timeEl(r.reviewed_at), ` ${label('review_kinds', r.kind)} by ${r.reviewed_by}: ${r.summary}`,
		r.outcome ? ` — ${label('closing_outcomes', r.outcome)}` : '', r.next_review_at ? [' (next review ', timeEl(r.next_review_at), ')'] : '', r.superseded_at ? ' (superseded)' : ''))) : none('no reviews yet'));
	if (makes) {
		const kind = select('kind', options('review_kinds'), { value: 'review' });
		const summary = textarea('summary', { rows: 2 });
		const outcome = select('outcome', options('closing_outcomes'), { blank: 'Choose…' });
		const next = h('input', { type: 'date', name: 'next_review_at', min: dayValue(1) });
		const outcomeField = field('Outcome', outcome, { name: 'outcome', required: 'Choose how the case ends.' });
		const nextField = field('Next review (optional)', next, { name: 'next_review_at', hint: 'Left empty, the risk level sets it' });
		outcomeField.hidden = true;
		kind.addEventListener('change', () => {
			outcomeField.hidden = kind.value !== 'closing';
			nextField.hidden = kind.value === 'closing';
		});
		const reviewForm = onSubmit(h('form', { class: 'card', 'aria-label': 'Record a review', id: 'review' }, h('h3', {}, 'Record a review of the plan'),
			h('div', { class: 'row' }, field('Kind', kind, { name: 'kind' }), outcomeField, nextField),
			field('What the review found', summary, { name: 'summary', required: 'Say what the review found.' }), formError(),
			h('button', { type: 'submit', class: 'primary' }, 'Record review')), async () => {
			const closing = kind.value === 'closing';
			await api.post(`/api/v1/cases/${enc(c.ref)}/reviews`, { kind: kind.value, summary: summary.value.trim(), outcome: closing ? outcome.value : undefined, next_review_at: !closing && next.value ? dayAt(next.value, 9) : undefined });
			saved(env, closing ? 'Closing review recorded' : 'Review recorded');
		});
		add(panel, reviewForm);
		if (query.get('do') === 'review') target(reviewForm);
	}
}

/* One action's status (and, for the police, its owner and due date); a
 * reason when it is not done or reopened. */
function actionForm(c, p, a, makes, env) {
	const status = select('status', options('action_statuses'), { value: a.status });
	const reason = input('reason', { value: a.reason || '' });
	const reasonField = field('Reason', reason, { name: 'reason', required: 'Say why (not done, or reopened).' });
	const finished = (s) => s === 'done' || s === 'not_done';
	const needsReason = () => status.value === 'not_done' || (finished(a.status) && !finished(status.value));
	reasonField.hidden = !needsReason();
	status.addEventListener('change', () => (reasonField.hidden = !needsReason()));
	const owner = makes ? input('owner', { value: a.owner || '', autocomplete: 'off' }) : null;
	const due = makes ? h('input', { type: 'date', name: 'due_at', value: a.due_at ? new Date(a.due_at).toLocaleDateString('en-CA') : '' }) : null;
	return onSubmit(h('form', { class: 'inline-form', 'aria-label': `Action: ${a.description}` },
		field('Status', status, { name: 'status' }), reasonField,
		makes ? [field('Owner', owner, { name: 'owner' }), field('Due', due, { name: 'due_at' })] : null,
		formError(),
		h('button', { type: 'submit', class: 'secondary', 'aria-label': `Save the action “${a.description}”` }, 'Save')), async () => {
		const body = { version: p.version, status: status.value };
		if (!reasonField.hidden) body.reason = reason.value.trim();
		if (makes) {
			if (owner.value.trim() && owner.value.trim() !== a.owner) body.owner = owner.value.trim();
			if (due.value && dayAt(due.value, 17) !== a.due_at && due.value !== new Date(a.due_at || 0).toLocaleDateString('en-CA')) body.due_at = dayAt(due.value, 17);
		}
		await api.patch(`/api/v1/cases/${enc(c.ref)}/plan/actions/${a.id}`, body);
		saved(env, `Action ${label('action_statuses', status.value).toLowerCase()}`);
	});
}
