// Sharing: the partners the case is shared with — for what purpose, on whose
// consent or what lawful basis, since when, and until it was withdrawn — and,
// for the officers and supervisors of the agency that owns the case, the form
// that shares it and the button that withdraws a share.  A partner sees its
// own shares and may withdraw them.  What each purpose opens is the API's
// purpose table (docs/ACCESS.md), sent with the list.
import { api } from '../../api.js';
import { add, choice, field, formError, h, input, onSubmit, select, textarea, timeEl } from '../../dom.js';
import { label } from '../../vocab.js';
import { dayAt, enc, facts, none, notFuture, saved } from './common.js';

const words = (s) => s.replace(/_/g, ' ');

export async function render(panel, env) {
	const { c, me } = env;
	const [s, agencies] = await Promise.all([
		api.get(`/api/v1/cases/${enc(c.ref)}/shares`),
		api.get('/api/v1/agencies').then((r) => r.agencies),
	]);
	const own = me.user.agency && me.user.agency.code === c.agency;
	const sharer = own && ['officer', 'supervisor'].includes(me.user.role) && c.status !== 'closed';
	const nameOf = (code) => (agencies.find((a) => a.code === code) || { name: code }).name;
	const active = s.shares.filter((x) => x.active);
	const past = s.shares.filter((x) => !x.active);
	add(panel, h('h2', {}, 'Sharing with partners'),
		h('p', { class: 'hint' }, own ? 'Each partner sees the part of the case its purpose needs, while the share lasts.'
			: 'Your agency sees this case while it is shared with it, for the purposes below.'));
	add(panel, h('h3', {}, 'Shared now'), active.length ? h('ul', { class: 'share-list' }, active.map((x) => shareItem(c, x, nameOf, env))) : none('not shared with any partner'));
	if (past.length)
		add(panel, h('h3', {}, 'Withdrawn'), h('ul', {}, past.map((x) => h('li', { 'data-share': x.id },
			`${nameOf(x.agency)} — ${words(x.purpose)}, from `, timeEl(x.from), ', withdrawn ', timeEl(x.withdrawn.at),
			x.withdrawn.by ? ` by ${x.withdrawn.by}` : '', x.withdrawn.reason ? `: ${x.withdrawn.reason}` : ''))));
	if (sharer) add(panel, shareForm(c, s.purposes, agencies, env));
}

function basisText(x) {
	return x.basis === 'consent' ? `with the ${x.consent_of}'s consent${x.note ? ` (${x.note})` : ''}` : `lawful basis: ${x.lawful_basis}`;
}

function shareItem(c, x, nameOf, env) {
	const reason = input('reason', { autocomplete: 'off' });
	const who = `${nameOf(x.agency)} for ${words(x.purpose)}`;
	const form = onSubmit(h('form', { class: 'inline-form', 'aria-label': `Withdraw the share with ${who}` },
		field(`Why the share with ${who} ends`, reason, { name: 'reason', required: 'Say why the share is withdrawn.' }), formError(),
		h('button', { type: 'submit', class: 'secondary', 'aria-label': `Withdraw the share with ${who}` }, 'Withdraw')), async () => {
		await api.post(`/api/v1/cases/${enc(c.ref)}/shares/${x.id}/withdraw`, { version: x.version, reason: reason.value.trim() });
		saved(env, `Share with ${nameOf(x.agency)} withdrawn`);
	});
	return h('li', { 'data-share': x.id, class: 'card' },
		facts([['Partner', nameOf(x.agency)], ['Purpose', `${words(x.purpose)}: ${x.purpose_summary}`], ['Basis', basisText(x)],
			['Since', timeEl(x.from)], x.shared_by ? ['Shared by', x.shared_by] : null]),
		h('details', {}, h('summary', {}, `Withdraw the share with ${who}`), form));
}

/* Share the case: the partner, the purpose (only those its kind may be
 * given), and her (or his) consent or the lawful basis for sharing without. */
function shareForm(c, purposes, agencies, env) {
	const partners = agencies.filter((a) => a.code !== c.agency && purposes.some((p) => p.agency_kinds.includes(a.kind)));
	const agency = select('agency', partners.map((a) => [a.code, `${a.name} (${label('agency_kinds', a.kind)})`]), { blank: 'Choose…' });
	const purpose = select('purpose', [], { blank: 'Choose the partner first' });
	const purposeHint = h('p', { class: 'hint', 'aria-live': 'polite' });
	const basis = choice('On what basis', 'basis', [['consent', 'Consent'], ['lawful_basis', 'A lawful basis, without consent']], { value: 'consent' });
	const consentNote = input('consent.note', { autocomplete: 'off' });
	const lawful = textarea('lawful_basis', { rows: 2 });
	const from = h('input', { type: 'date', name: 'from' });
	const consentField = field('How and when consent was given', consentNote, { name: 'consent.note', errorFor: 'consent',
		check: (v) => (basis.value() === 'consent' && !v.trim() ? 'Say how and when consent was given.' : null), checkEmpty: true });
	const lawfulField = field('The lawful basis for sharing without consent', lawful, { name: 'lawful_basis',
		check: (v) => (basis.value() === 'lawful_basis' && !v.trim() ? 'Write the lawful basis for sharing without consent.' : null), checkEmpty: true });
	const chosen = () => purposes.find((p) => p.purpose === purpose.value);
	const sync = () => {
		const a = partners.find((x) => x.code === agency.value);
		const keep = purpose.value;
		purpose.replaceChildren(h('option', { value: '' }, a ? 'Choose…' : 'Choose the partner first'),
			...purposes.filter((p) => a && p.agency_kinds.includes(a.kind)).map((p) => h('option', { value: p.purpose, selected: p.purpose === keep }, words(p.purpose))));
		const p = chosen();
		purposeHint.textContent = p ? `${p.summary}. Consent is the ${p.consent_of}'s.` : '';
		consentField.hidden = basis.value() !== 'consent';
		lawfulField.hidden = basis.value() !== 'lawful_basis';
	};
	agency.addEventListener('change', sync);
	purpose.addEventListener('change', sync);
	basis.addEventListener('change', sync);
	sync();
	return onSubmit(h('form', { class: 'card', 'aria-label': 'Share the case' }, h('h3', {}, 'Share with a partner'),
		h('div', { class: 'row' }, field('Partner agency', agency, { name: 'agency', required: 'Choose the partner.' }),
			h('div', {}, field('Purpose', purpose, { name: 'purpose', required: 'Choose what the case is shared for.' }), purposeHint)),
		basis, consentField, lawfulField,
		field('Shared from (optional: today if empty)', from, { name: 'from', check: notFuture('The share') }),
		formError(), h('button', { type: 'submit', class: 'primary' }, 'Share the case')), async () => {
		const p = chosen();
		const body = { agency: agency.value, purpose: purpose.value, basis: basis.value() };
		if (body.basis === 'consent') body.consent = { of: p ? p.consent_of : 'victim', note: consentNote.value.trim() };
		else body.lawful_basis = lawful.value.trim();
		if (from.value) body.from = dayAt(from.value, 0);
		await api.post(`/api/v1/cases/${enc(c.ref)}/shares`, body);
		saved(env, `Case shared with ${agency.selectedOptions[0].textContent}`);
	});
}
