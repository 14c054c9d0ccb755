// The register (supervisors, analysts): the people who have been suspects,
// searched by identifier or name with a stated purpose (audited); a hit in a
// case the searcher may not see says only that there is one.
import { api, qs } from '../api.js';
import { add, clear, field, formError, h, input, onSubmit } from '../dom.js';
import { label } from '../vocab.js';

export async function render(main) {
	const q = input('q', { autocomplete: 'off', placeholder: 'a name, phone, e-mail, handle or vehicle' });
	const purpose = input('purpose', { autocomplete: 'off', placeholder: 'e.g. checking a new report for a serial stalker' });
	const results = h('div', { role: 'status' });
	add(main, h('h1', {}, 'Register of suspects'),
		h('p', { class: 'hint' }, 'Every search is audited with its purpose.'),
		onSubmit(h('form', { class: 'card', role: 'search', 'aria-label': 'Search the register' },
			h('div', { class: 'row' }, field('Name or identifier', q, { name: 'q', required: 'Enter what to search for.' }),
				field('Purpose of the search', purpose, { name: 'purpose', required: 'State why you search: it is audited.', check: (v) => (v.length >= 5 ? null : 'Say a little more: at least 5 characters.') })),
			formError(), h('button', { type: 'submit', class: 'primary' }, 'Search')), async () => {
			const r = await api.get('/api/v1/people/search' + qs({ q: q.value.trim(), purpose: purpose.value.trim() }));
			clear(results, r.results.length ? h('ul', {}, r.results.map((x) => h('li', {}, x.case.visible ? [h('strong', {}, x.name || 'unnamed'), ` (${x.role}, matched on ${label('identifier_kinds', x.matched)}) in `, h('a', { href: `#/cases/${encodeURIComponent(x.case.ref)}` }, x.case.ref), `, ${label('statuses', x.case.status)}`]
				: `A ${x.role} matched on ${label('identifier_kinds', x.matched)} in a case of another caseload, which you may not see.`))) : h('p', { class: 'muted' }, 'No one in the register matches.'));
		}),
		results);
}
