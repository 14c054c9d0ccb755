// Recognition: what the case's suspect was recognised as at intake (or when
// identifiers were added) — a register entry or another case's suspect —
// with what matched; a match the viewer may not see says only that it exists
// and whom to ask.  A supervisor marks each one seen; an officer adds the
// suspect's identifiers (they are recognised again).
import { api } from '../../api.js';
import { actionButton, add, field, formError, h, input, onSubmit, select, timeEl } from '../../dom.js';
import { options } from '../../vocab.js';
import { enc, saved } from './common.js';

function ask(m) {
	return m.ask && m.ask.name ? `ask ${m.ask.name} (${m.ask.agency})` : 'ask the register’s officer';
}

function line(m, c, env) {
	let what;
	if (!m.shown)
		what = [h('strong', {}, m.kind === 'register' ? 'A match on the register exists' : 'A match with another case exists'), ` that your role may not see: ${ask(m)}.`];
	else if (m.kind === 'register')
		what = [h('strong', {}, 'On the stalkers register: '), h('a', { href: `#/register/${m.entry.id}` }, m.entry.name || `entry ${m.entry.id}`), ` — matched by ${m.matched}; responsible officer ${m.ask.name} (${m.ask.agency}).`];
	else
		what = [h('strong', {}, 'Suspect in another case: '), h('a', { href: `#/cases/${enc(m.case.ref)}` }, m.case.ref), ` — matched by ${m.matched}.`];
	const seen = m.seen_at ? h('span', { class: 'muted' }, ' Seen by a supervisor ', timeEl(m.seen_at), '.') : null;
	const btn = !m.seen_at && env.can('cases:signoff')
		? actionButton('Mark seen', async () => {
			await api.post(`/api/v1/cases/${enc(c.ref)}/recognition/${m.id}/seen`, {});
			saved(env, 'Marked seen.');
		}, { label: `Mark recognition ${m.id} seen` })
		: null;
	return h('li', { 'data-recognition': m.kind, 'data-shown': String(m.shown) }, what, seen, btn ? [' ', btn] : null);
}

/** The recognition card for the summary tab (null when there is nothing to say or do). */
export async function recognitionCard(c, env) {
	let r;
	try {
		r = await api.get(`/api/v1/cases/${enc(c.ref)}/recognition`);
	} catch {
		return null;
	}
	const hasSuspect = (c.people || []).some((p) => p.role === 'suspect');
	const card = h('div', { class: 'card', id: 'recognition', role: r.count ? 'alert' : null },
		h('h2', {}, r.count ? 'The suspect is known' : 'Recognition'),
		r.count ? h('ul', {}, r.matches.map((m) => line(m, c, env))) : h('p', { class: 'muted' }, 'The suspect matches no register entry and no other case.'));
	if (hasSuspect && env.can('cases:write') && c.status !== 'closed') {
		const kind = select('kind', options('identifier_kinds'), { blank: 'Choose…' });
		const value = input('value', { autocomplete: 'off' });
		const alias = input('alias', { autocomplete: 'off' });
		const dob = input('dob', { type: 'date' });
		add(card, onSubmit(h('form', { 'aria-label': 'Add what identifies the suspect' },
			h('h3', {}, 'Add what identifies him'),
			h('p', { class: 'hint' }, 'An identifier, another name he uses, or his date of birth: he is checked again against the register and other cases.'),
			h('div', { class: 'row' }, field('Kind of identifier', kind, { name: 'identifiers[0].kind', check: (v) => (!v && value.value.trim() ? 'Choose the kind of identifier.' : null), checkEmpty: true }),
				field('Identifier', value, { name: 'identifiers[0].value', errorFor: 'identifiers' })),
			h('div', { class: 'row' }, field('Another name he uses', alias, { name: 'aliases', errorFor: 'aliases' }),
				field('His date of birth', dob, { name: 'dob' })),
			formError(), h('button', { type: 'submit', class: 'secondary' }, 'Add and check again')), async () => {
			const body = {};
			if (value.value.trim()) body.identifiers = [{ kind: kind.value, value: value.value.trim() }];
			if (alias.value.trim()) body.aliases = [alias.value.trim()];
			if (dob.value) body.dob = dob.value;
			await api.post(`/api/v1/cases/${enc(c.ref)}/suspect/identifiers`, body);
			saved(env, 'Added; the suspect was checked again.');
		}));
	}
	return r.count || card.querySelector('form') ? card : null;
}
