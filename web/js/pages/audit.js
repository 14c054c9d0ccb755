// The audit trail (supervisors and administrators: their agency's part):
// who did what, when, to what, with filters and paging, and the check of the
// whole hash chain.
import { api, qs } from '../api.js';
import { actionButton, add, clear, field, formError, h, input, onSubmit, select, timeEl } from '../dom.js';

export async function render(main, ctx) {
	const q = ctx.query;
	const f = {
		user: input('user', { value: q.get('user') || '', autocomplete: 'off' }),
		action: input('action', { value: q.get('action') || '', placeholder: 'e.g. case.read' }),
		object: input('object', { value: q.get('object') || '', placeholder: 'e.g. case:STAC-2026-000001' }),
		outcome: select('outcome', [['ok', 'Done'], ['denied', 'Refused'], ['error', 'Failed']], { value: q.get('outcome') || '', blank: 'Any' }),
		from: h('input', { type: 'date', name: 'from', value: q.get('from') || '' }),
	};
	const params = () => ({ user: f.user.value.trim(), action: f.action.value.trim(), object: f.object.value.trim(), outcome: f.outcome.value, from: f.from.value ? new Date(`${f.from.value}T00:00`).toISOString() : '' });
	const verifyOut = h('p', { role: 'status' });
	const verifyErr = h('p', { class: 'form-error', role: 'alert' });
	const verify = async () => {
		const v = await api.get('/api/v1/audit/verify');
		verifyOut.className = v.intact ? 'notice' : 'form-error';
		verifyOut.textContent = v.intact ? `The audit trail is intact: ${v.entries} entries, each linked to the one before.${v.checkpoints !== undefined ? ` Signed checkpoints checked: ${v.checkpoints}.` : ''}`
			: `The audit trail is BROKEN: ${v.first_bad ? `entry ${v.first_bad}` : ''} ${v.reason || ''}`.trim();
	};
	const results = h('div', { class: 'table-wrap' });
	const more = h('p');
	const form = onSubmit(h('form', { class: 'card filters', role: 'search', 'aria-label': 'Filter the audit trail' },
		h('div', { class: 'row' }, field('User', f.user, { name: 'user' }), field('Action', f.action, { name: 'action' }), field('Object', f.object, { name: 'object' }),
			field('Outcome', f.outcome, { name: 'outcome' }), field('From', f.from, { name: 'from' })),
		formError(), h('button', { type: 'submit', class: 'primary' }, 'Show entries')), async () => {
		history.replaceState(null, '', '#/audit' + qs({ ...params(), from: f.from.value }));
		await load();
	});
	add(main, h('h1', {}, 'Audit trail'),
		h('p', { class: 'hint' }, 'Every read of a case and every change, with who, when, what and through which token. The entries are hash-chained: a change to one, or one cut out, breaks the chain.'),
		h('div', { class: 'card' }, h('h2', {}, 'Check the chain'), actionButton('Verify the audit trail', verify, { cls: 'primary', errorSlot: verifyErr }), verifyOut, verifyErr),
		form, results, more);
	let rows = [];
	async function load(before) {
		const res = await api.get('/api/v1/audit' + qs({ ...params(), limit: 100, before }));
		rows = before ? rows.concat(res.entries) : res.entries;
		clear(results, rows.length ? h('table', {}, h('caption', { class: 'sr-only' }, 'Audit entries, newest first'),
			h('thead', {}, h('tr', {}, ['#', 'When', 'Who', 'Action', 'Object', 'Outcome', 'Detail', 'Hash'].map((t) => h('th', { scope: 'col' }, t)))),
			h('tbody', {}, rows.map((e) => h('tr', { 'data-entry': e.id }, h('td', {}, String(e.id)), h('td', {}, timeEl(e.at)), h('td', {}, e.username || h('span', { class: 'muted' }, 'anonymous'), e.token_id ? ` (token ${e.token_id})` : ''),
				h('td', {}, e.action), h('td', {}, e.object || ''), h('td', {}, e.outcome === 'ok' ? 'done' : e.outcome, e.status ? ` (${e.status})` : ''), h('td', {}, e.detail || ''),
				h('td', {}, h('span', { class: 'hash' }, (e.hash || '').slice(0, 16) + '…')))))) : h('p', { class: 'muted' }, 'No entries match.'));
		const err = h('span', { class: 'form-error', role: 'alert' });
		clear(more, res.next_before ? [actionButton('Show older entries', () => load(res.next_before), { errorSlot: err }), ' ', err] : null);
	}
	await load();
}
