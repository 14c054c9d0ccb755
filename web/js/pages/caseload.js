// My caseload (a partner's advocates and clinicians): the cases shared with
// her agency now, with what each is shared for, and a way straight to the
// victim's plan and her contacts (an advocate) or the case (anyone).
import { api } from '../api.js';
import { add, clear, h, timeEl } from '../dom.js';
import { label } from '../vocab.js';
import { riskBadge } from './cases.js';

const enc = encodeURIComponent;

export async function render(main, ctx) {
	const { cases } = await api.get('/api/v1/caseload');
	const advocate = ctx.session.me.user.role === 'advocate';
	add(main, h('h1', {}, 'My caseload'),
		h('p', { role: 'status' }, cases.length ? `${cases.length} case${cases.length === 1 ? '' : 's'} shared with your agency.` : 'No case is shared with your agency now.'));
	if (cases.length)
		add(main, h('div', { class: 'table-wrap' }, h('table', {}, h('caption', { class: 'sr-only' }, 'Cases shared with your agency'),
			h('thead', {}, h('tr', {}, ['Case', 'Status', 'Risk', 'Shared for', 'Since', advocate ? 'Her plan and contacts' : 'Open'].map((x) => h('th', { scope: 'col' }, x)))),
			h('tbody', {}, cases.map((c) => h('tr', { 'data-ref': c.ref },
				h('td', {}, h('a', { href: `#/cases/${enc(c.ref)}` }, c.ref)), h('td', {}, label('statuses', c.status)), h('td', {}, riskBadge(c.risk_level)),
				h('td', {}, c.purposes.map((p) => p.replace(/_/g, ' ')).join(', ')), h('td', {}, timeEl(c.since)),
				h('td', {}, advocate ? [h('a', { href: `#/cases/${enc(c.ref)}/plan`, 'aria-label': `Safety plan of ${c.ref}` }, 'Plan'), ' · ',
					h('a', { href: `#/cases/${enc(c.ref)}/contact`, 'aria-label': `Contacts and referrals of ${c.ref}` }, 'Contacts')]
					: h('a', { href: `#/cases/${enc(c.ref)}/programme`, 'aria-label': `Programme of ${c.ref}` }, 'Programme'))))))));
	return () => clear(main);
}
