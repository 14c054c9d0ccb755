// Incidents and evidence: the append-only incident log with amendments and
// its chain check, and the evidence files (screenshots, letters) uploaded
// with an incident, each stored by its BLAKE2b-256 hash and cited by that
// hash in the incident's entry of the chain.
import { api } from '../../api.js';
import { add, actionButton, field, formError, h, input, isoToLocal, localToIso, onSubmit, select, textarea, timeEl } from '../../dom.js';
import { label, options } from '../../vocab.js';
import { enc, none, notFuture, saved } from './common.js';

const MB = 1024 * 1024;

function size(n) {
	return n >= MB ? `${(n / MB).toFixed(1)} MB` : n >= 1024 ? `${Math.round(n / 1024)} kB` : `${n} bytes`;
}

export async function render(panel, env) {
	const { c, can } = env;
	const [list, files] = await Promise.all([
		api.get(`/api/v1/cases/${enc(c.ref)}/incidents`).then((r) => r.incidents),
		api.get(`/api/v1/cases/${enc(c.ref)}/attachments`).then((r) => r.attachments),
	]);
	const byHash = new Map(files.map((f) => [f.hash, f]));
	const verifyOut = h('p', { role: 'status' });
	const verify = async () => {
		const v = await api.get(`/api/v1/cases/${enc(c.ref)}/incidents/verify`);
		verifyOut.textContent = v.intact ? `The incident chain is intact (${v.entries} entries).` : `The chain is BROKEN: ${v.first_bad || v.reason || 'see the audit trail'}.`;
		verifyOut.className = v.intact ? 'notice' : 'form-error';
	};
	const download = (hash) => `/api/v1/cases/${enc(c.ref)}/attachments/${hash}`;
	const cited = (i) => (i.attachments || []).length ? h('ul', { class: 'evidence' }, i.attachments.map((hash) => {
		const f = byHash.get(hash);
		return h('li', {}, h('a', { href: download(hash), download: f ? f.filename : hash }, f ? f.filename : 'evidence file'), ' ', h('span', { class: 'hash', title: 'BLAKE2b-256' }, hash));
	})) : null;

	const writable = can('cases:write') && c.status !== 'closed';
	const el = {
		occurred_at: h('input', { type: 'datetime-local', name: 'occurred_at' }),
		behaviour: select('behaviour', options('behaviours'), { blank: 'Choose…' }),
		place: input('place'),
		description: textarea('description'),
		amend_reason: input('amend_reason'),
		files: h('input', { type: 'file', name: 'attachments', multiple: true }),
	};
	let amends = null;
	const amendNote = h('p', { class: 'notice', hidden: true });
	const formTitle = h('h3', {}, 'Record an incident');
	const reasonField = field('Reason for the amendment', el.amend_reason, { name: 'amend_reason', required: 'Say why the entry is amended: the original stays in the log.' });
	reasonField.hidden = true;
	const startAmend = (i) => {
		amends = i.seq;
		formTitle.textContent = `Amend incident ${i.seq}`;
		amendNote.hidden = false;
		amendNote.textContent = 'The original stays in the log; the amendment is added after it with your reason.';
		el.occurred_at.value = isoToLocal(i.occurred_at);
		el.behaviour.value = i.behaviour;
		el.place.value = i.place || '';
		el.description.value = i.description || '';
		reasonField.hidden = false;
		el.description.focus();
	};
	const progress = h('p', { role: 'status', class: 'hint' });
	const form = writable ? onSubmit(h('form', { class: 'card', 'aria-label': 'Incident' }, formTitle, amendNote,
		h('div', { class: 'row' }, field('When it happened', el.occurred_at, { name: 'occurred_at', hint: `Your time zone: ${Intl.DateTimeFormat().resolvedOptions().timeZone}`, required: 'Enter when it happened.', check: notFuture('When it happened') }),
			field('What he did', el.behaviour, { name: 'behaviour', required: 'Choose what he did.' })),
		field('Where (optional)', el.place, { name: 'place' }),
		field('Description', el.description, { name: 'description', required: 'Describe what happened, in her words where you can.' }),
		reasonField,
		field('Evidence files (optional)', el.files, { name: 'attachments', hint: 'Screenshots, letters, photos: each is stored by its hash and cited in this entry of the log.',
			check: (v, f) => [...f.files].map((x) => (/["/\\]/.test(x.name) ? `Rename “${x.name}”: a file name may not hold quotes or slashes.` : x.size === 0 ? `“${x.name}” is empty.` : null)).find(Boolean) || null }),
		progress,
		formError(),
		h('button', { type: 'submit', class: 'primary' }, 'Save incident')), async () => {
		const hashes = [];
		for (const f of el.files.files) {
			progress.textContent = `Uploading ${f.name}…`;
			const up = await api.upload(`/api/v1/cases/${enc(c.ref)}/attachments?filename=${enc(f.name)}`, f);
			hashes.push(up.hash);
		}
		progress.textContent = '';
		await api.post(`/api/v1/cases/${enc(c.ref)}/incidents`, {
			occurred_at: localToIso(el.occurred_at.value),
			behaviour: el.behaviour.value,
			place: el.place.value.trim() || undefined,
			description: el.description.value.trim(),
			...(hashes.length ? { attachments: hashes } : {}),
			...(amends ? { amends, amend_reason: el.amend_reason.value.trim() } : {}),
		});
		saved(env, hashes.length ? `Incident saved with ${hashes.length} evidence file${hashes.length === 1 ? '' : 's'}` : 'Incident saved');
	}) : null;
	const verifyErr = h('span', { class: 'form-error', role: 'alert' });
	add(panel, h('h2', {}, 'Incidents'),
		h('p', {}, actionButton('Verify the chain', verify, { errorSlot: verifyErr }), ' ', verifyOut, verifyErr,
			can('cases:write') ? [' ', h('a', { href: `/api/v1/cases/${enc(c.ref)}/incidents/export`, download: `${c.ref}-incidents.json` }, 'Download the log with its hashes (for a court)')] : null),
		list.length ? h('div', { class: 'table-wrap' }, h('table', {}, h('caption', { class: 'sr-only' }, 'The incident log'),
			h('thead', {}, h('tr', {}, ['#', 'When', 'What', 'Where', 'Description and evidence', 'Recorded', h('span', { class: 'sr-only' }, 'Actions')].map((t) => h('th', { scope: 'col' }, t)))),
			h('tbody', {}, list.map((i) => h('tr', { 'data-incident': i.seq }, h('td', {}, i.seq ?? i.id), h('td', {}, timeEl(i.occurred_at)), h('td', {}, label('behaviours', i.behaviour)),
				h('td', {}, i.place || (i.place_withheld ? none('withheld from your role') : '')),
				h('td', {}, i.description, i.amends ? h('div', { class: 'hint' }, `amends incident ${i.amends}: ${i.amend_reason || ''}`) : null, cited(i)),
				h('td', {}, i.recorded_by || '', ' ', timeEl(i.recorded_at)),
				h('td', {}, form ? h('button', { type: 'button', class: 'secondary', onclick: () => startAmend(i), 'aria-label': `Amend incident ${i.seq}` }, 'Amend') : null)))))) : h('p', { class: 'muted' }, 'No incidents recorded yet.'),
		form,
		h('h2', {}, 'Evidence files'),
		files.length ? h('div', { class: 'table-wrap' }, h('table', {}, h('caption', { class: 'sr-only' }, 'Evidence files'),
			h('thead', {}, h('tr', {}, ['File', 'Type', 'Size', 'BLAKE2b-256 hash', 'Uploaded'].map((t) => h('th', { scope: 'col' }, t)))),
			h('tbody', {}, files.map((f) => h('tr', { 'data-hash': f.hash },
				h('td', {}, h('a', { href: download(f.hash), download: f.filename }, f.filename)), h('td', {}, f.content_type), h('td', {}, size(f.size)),
				h('td', {}, h('span', { class: 'hash' }, f.hash)), h('td', {}, f.uploaded_by || '', ' ', timeEl(f.uploaded_at))))))) : h('p', { class: 'muted' }, 'No evidence files yet.'));
}
