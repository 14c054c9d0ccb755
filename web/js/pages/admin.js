// Administration of the administrator's own agency: users and service
// accounts (add, change role, disable, unlock), roles (what each may do),
// agencies and the monitoring contractors this agency grants its cases to,
// API tokens (for herself or a service account, optionally bound to devices).
import { api } from '../api.js';
import { actionButton, add, announce, badge, clear, field, formError, h, input, onSubmit, select, timeEl } from '../dom.js';
import { label, options, values } from '../vocab.js';
import { target } from './case/common.js';

export async function render(main, ctx) {
	const can = (p) => ctx.session.can(p);
	const me = ctx.session.me.user;
	const [users, agencies, tokens, grants] = await Promise.all([
		can('users:manage') ? api.get('/api/v1/users').then((r) => r.users) : null,
		api.get('/api/v1/agencies').then((r) => r.agencies),
		can('tokens:manage') ? api.get('/api/v1/tokens').then((r) => r.tokens) : null,
		api.get('/api/v1/service-grants').then((r) => r.grants, () => []),
	]);
	const again = () => ctx.navigate(location.hash);
	add(main, h('h1', {}, 'Administration'), h('p', { class: 'hint' }, `You administer ${me.agency.name} (${me.agency.code}): its accounts and tokens. Another agency’s accounts are made by its own administrator.`));
	if (users) add(main, usersSection(users, me, again));
	add(main, rolesSection(), agenciesSection(agencies, can('agencies:manage'), again), grantsSection(grants, agencies, me, can('agencies:manage'), again));
	if (tokens) add(main, tokensSection(tokens, users || [], me, again));
	/* opened from My work: the locked account, the offer to accept */
	if (ctx.query.get('user')) target(main.querySelector(`tr[data-user="${CSS.escape(ctx.query.get('user'))}"]`));
	if (ctx.query.get('grant')) target(main.querySelector(`[data-grant="${CSS.escape(ctx.query.get('grant'))}"]`));
}

function usersSection(users, me, again) {
	const el = { username: input('username', { autocomplete: 'off' }), display_name: input('display_name'), role: select('role', options('roles'), { blank: 'Choose…' }),
		password: input('password', { type: 'password', autocomplete: 'new-password' }), service: h('input', { type: 'checkbox', name: 'service' }) };
	const pwField = field('Initial password', el.password, { name: 'password', hint: 'At least 12 characters; give it to them by a safe route', required: 'Give an initial password (or make it a service account).', check: (v) => (v.length >= 12 ? null : 'A password has at least 12 characters.') });
	el.service.addEventListener('change', () => (pwField.hidden = el.service.checked));
	const add = onSubmit(h('form', { class: 'card', 'aria-label': 'Add a user' }, h('h3', {}, `Add a user to ${me.agency.name}`),
		h('div', { class: 'row' }, field('Username', el.username, { name: 'username', required: 'Enter the username.', check: (v) => (/^[a-z0-9][a-z0-9._-]{0,63}$/.test(v) ? null : 'A username is lower-case letters, digits and . _ -') }),
			field('Full name (optional)', el.display_name, { name: 'display_name' })),
		h('div', { class: 'row' }, field('Role', el.role, { name: 'role', required: 'Choose the role.' }), pwField),
		h('p', {}, h('label', { class: 'inline' }, el.service, 'A service account (an integration): no password, it never signs in and acts only through the API tokens you make for it')),
		formError(), h('button', { type: 'submit', class: 'primary' }, 'Add user')), async () => {
		const service = el.service.checked;
		await api.post('/api/v1/users', { username: el.username.value.trim() || undefined, display_name: el.display_name.value.trim() || undefined, role: el.role.value || undefined, service: service || undefined, password: service ? undefined : el.password.value || undefined });
		announce(service ? 'Service account added' : 'User added');
		again();
	});
	const row = (u) => {
		const role = select('role', options('roles'), { value: u.role });
		const err = h('p', { class: 'form-error', role: 'alert' });
		const change = async (body, done) => {
			err.textContent = '';
			try {
				await api.patch(`/api/v1/users/${encodeURIComponent(u.username)}`, { version: u.version, ...body });
				announce(done);
				again();
			} catch (e) {
				err.textContent = e.message;
			}
		};
		role.id = `role-${u.username}`;
		return h('tr', { 'data-user': u.username },
			h('td', {}, u.username, u.service ? [' ', badge('service account')] : null), h('td', {}, u.display_name),
			h('td', {}, h('label', { class: 'sr-only', for: role.id }, `Role of ${u.username}`), role),
			h('td', {}, u.disabled ? badge('disabled', 'state-open') : u.locked ? badge('locked', 'state-open') : badge('active', 'sev-low')),
			h('td', {}, h('button', { type: 'button', class: 'secondary', onclick: () => change({ role: role.value }, 'User changed') }, `Save ${u.username}`), ' ',
				h('button', { type: 'button', class: 'secondary', 'aria-label': `${u.disabled ? 'Enable' : 'Disable'} ${u.username}`, onclick: () => change({ disabled: !u.disabled }, u.disabled ? 'User enabled' : 'User disabled') }, u.disabled ? 'Enable' : 'Disable'), ' ',
				u.locked ? h('button', { type: 'button', class: 'secondary', 'aria-label': `Unlock ${u.username}`, onclick: () => change({ unlock: true }, 'User unlocked') }, 'Unlock') : null, err,
				u.service ? null : resetForm(u, again)));
	};
	return h('section', {}, h('h2', {}, 'Users'),
		h('div', { class: 'table-wrap' }, h('table', {}, h('thead', {}, h('tr', {}, ['Username', 'Name', 'Role', 'State', 'Actions'].map((t) => h('th', { scope: 'col' }, t)))), h('tbody', {}, users.map(row)))),
		add);
}

/* A new password for an account (its sessions end); given to her by a safe route. */
function resetForm(u, again) {
	const pw = input('password', { type: 'password', autocomplete: 'new-password' });
	return h('details', {}, h('summary', {}, `Reset the password of ${u.username}`), onSubmit(h('form', { 'aria-label': `Reset the password of ${u.username}` },
		field(`New password for ${u.username}`, pw, { name: 'password', hint: 'At least 12 characters; her sessions end', required: 'Enter the new password.', check: (v) => (v.length >= 12 ? null : 'A password has at least 12 characters.') }),
		formError(), h('button', { type: 'submit', class: 'primary', 'aria-label': `Set password of ${u.username}` }, 'Set password')), async () => {
		await api.patch(`/api/v1/users/${encodeURIComponent(u.username)}`, { version: u.version, password: pw.value });
		announce(`Password of ${u.username} reset; her sessions have ended`);
		again();
	}));
}

function rolesSection() {
	const box = h('section', {}, h('h2', {}, 'Roles'), h('p', { class: 'hint' }, 'What each role may do (the full permission table is docs/ACCESS.md, or `vigil permissions`).'));
	const purpose = {
		officer: 'owns cases: intake, screening, incidents, assessments, plans, orders, monitoring set-up, victim care',
		supervisor: 'everything an officer does, plus sign-off, compliance, the register, devices and the alert desk',
		operator: 'the monitoring centre: the alert desk, devices, fixes; sees the monitored cases',
		clinician: 'NHS: typology and plan actions on cases referred to the trust',
		advocate: 'victims’ charity: victim care and plan actions on cases referred to it',
		analyst: 'compliance, statistics and the register of suspects',
		admin: 'users, agencies, tokens, the audit trail and metrics; no case data',
	};
	add(box, h('dl', { class: 'facts' }, values('roles').map((r) => [h('dt', {}, label('roles', r)), h('dd', {}, purpose[r] || '')])));
	return box;
}

function agenciesSection(agencies, manage, again) {
	const box = h('section', {}, h('h2', {}, 'Agencies'), h('ul', {}, agencies.map((a) => h('li', {}, `${a.name} (${a.code}, ${label('agency_kinds', a.kind)})`))));
	if (!manage) return box;
	const el = { code: input('code'), name: input('name'), kind: select('kind', options('agency_kinds'), { blank: 'Choose…' }) };
	add(box, onSubmit(h('form', { class: 'card', 'aria-label': 'Add an agency' }, h('h3', {}, 'Add an agency'),
		h('div', { class: 'row' }, field('Code', el.code, { name: 'code', hint: 'short, lowercase: e.g. met', required: 'Enter the agency’s code.' }), field('Name', el.name, { name: 'name', required: 'Enter the agency’s name.' }), field('Kind', el.kind, { name: 'kind', required: 'Choose the kind of agency.' })),
		formError(), h('button', { type: 'submit', class: 'primary' }, 'Add agency')), async () => {
		await api.post('/api/v1/agencies', { code: el.code.value.trim() || undefined, name: el.name.value.trim() || undefined, kind: el.kind.value || undefined });
		announce('Agency added');
		again();
	}));
	return box;
}

/* The monitoring centres (contractors, or a force's centre) this agency
 * lets work its monitored cases once they accept (their operators see the
 * alerts; their devices may be assigned to them), and the offers and grants
 * made to this agency by others.  Either side may end a grant. */
function grantsSection(grants, agencies, me, manage, again) {
	const given = grants.filter((g) => g.client === me.agency.code);
	const received = grants.filter((g) => g.provider === me.agency.code);
	const name = (code) => (agencies.find((a) => a.code === code) || { name: code }).name;
	const grantErr = h('p', { class: 'form-error', role: 'alert' });
	const act = async (g, how) => {
		const other = g.client === me.agency.code ? g.provider : g.client;
		if (how === 'end' && !confirm(`End the monitoring grant between ${me.agency.name} and ${name(other)}? Its operators lose the cases at once.`)) return;
		if (how === 'accept') await api.post(`/api/v1/service-grants/${g.id}/accept`, {});
		else await api.del(`/api/v1/service-grants/${g.id}`);
		announce(how === 'accept' ? 'Monitoring accepted' : 'Monitoring grant ended');
		again();
	};
	const btn = (text, g, how, cls = 'secondary') => actionButton(text, () => act(g, how), { cls, errorSlot: grantErr });
	const state = (g) => (g.state === 'offered' ? badge('offered, not yet accepted', 'state-open') : badge('in force', 'sev-low'));
	const box = h('section', {}, h('h2', {}, 'Monitoring centres'),
		h('p', { class: 'hint' }, 'A centre granted monitoring works the alerts of this agency’s monitored cases, and its devices may be assigned to them, from when it accepts until either side ends it.'),
		h('h3', {}, `Offered or granted by ${me.agency.name}`),
		given.length ? h('ul', {}, given.map((g) => h('li', { 'data-grant': g.id }, `${name(g.provider)} (${g.provider}) since `, timeEl(g.granted_at), g.note ? ` — ${g.note}` : '', ' ', state(g), ' ',
			manage ? btn(g.state === 'offered' ? `Withdraw the offer to ${g.provider}` : `End ${g.provider}`, g, 'end') : null))) : h('p', { class: 'muted' }, 'None.'),
		h('h3', {}, `Offered or granted to ${me.agency.name}`),
		received.length ? h('ul', {}, received.map((g) => h('li', { 'data-grant': g.id }, `${name(g.client)} (${g.client}) since `, timeEl(g.granted_at), g.note ? ` — ${g.note}` : '', ' ', state(g), ' ',
			manage && g.state === 'offered' ? btn(`Accept ${g.client}`, g, 'accept', 'primary') : null, ' ',
			manage ? btn(g.state === 'offered' ? `Decline ${g.client}` : `End ${g.client}`, g, 'end') : null))) : h('p', { class: 'muted' }, 'None.'), grantErr);
	if (!manage) return box;
	const others = agencies.filter((a) => a.code !== me.agency.code && ['contractor', 'police'].includes(a.kind) && !given.some((g) => g.provider === a.code));
	const el = { provider: select('provider', others.map((a) => [a.code, `${a.name} — ${a.code}, ${label('agency_kinds', a.kind)}`]), { blank: 'Choose…' }), note: input('note') };
	add(box, onSubmit(h('form', { class: 'card', 'aria-label': 'Offer monitoring' }, h('h3', {}, 'Offer a monitoring centre the monitoring of this agency’s cases'),
		h('div', { class: 'row' }, field('Centre', el.provider, { name: 'provider', hint: 'a contractor, or a force’s monitoring centre; it counts once its administrator accepts', required: 'Choose the centre.' }), field('Note (the agreement)', el.note, { name: 'note' })),
		formError(), h('button', { type: 'submit', class: 'primary' }, 'Offer monitoring')), async () => {
		await api.post('/api/v1/service-grants', { provider: el.provider.value || undefined, note: el.note.value.trim() || undefined });
		announce('Monitoring offered');
		again();
	}));
	return box;
}

function tokensSection(tokens, users, me, again) {
	const shown = h('div', { role: 'status' });
	/* a token acts as its account: for yourself, or a service account of yours */
	const accounts = [[me.username, `${me.username} (you)`], ...users.filter((u) => u.service && !u.disabled).map((u) => [u.username, `${u.username} (service account, ${u.role})`])];
	const el = { name: input('name'), username: select('username', accounts, { value: me.username }),
		scope: select('scope', [['api', 'API'], ['metrics', 'Metrics only']], { value: 'api' }), days: h('input', { type: 'number', name: 'expires_in_days', min: 1, max: 365, value: 90 }),
		devices: input('devices', { placeholder: 'e.g. TAG-0042 TAG-0043' }) };
	const table = h('div', {});
	const tokenErr = h('p', { class: 'form-error', role: 'alert' });
	const revoke = async (t) => {
		if (!confirm(`Revoke the token "${t.name}"? Anything using it stops working at once.`)) return;
		await api.del(`/api/v1/tokens/${t.id}`);
		announce('Token revoked');
		draw((await api.get('/api/v1/tokens')).tokens);
	};
	const draw = (list) => clear(table, list.length ? h('div', { class: 'table-wrap' }, h('table', {}, h('thead', {}, h('tr', {}, ['Name', 'Prefix', 'Acts as', 'Scope', 'Devices', 'Expires', 'Last used', ''].map((t) => h('th', { scope: 'col' }, t)))),
		h('tbody', {}, list.map((t) => h('tr', {}, h('td', {}, t.name), h('td', {}, h('code', {}, t.prefix)), h('td', {}, t.username), h('td', {}, t.scope), h('td', {}, t.devices ? t.devices.join(', ') : 'any of its account’s'),
			h('td', {}, timeEl(t.expires_at)), h('td', {}, timeEl(t.last_used_at)),
			h('td', {}, t.revoked_at ? ['revoked ', timeEl(t.revoked_at)] : actionButton(`Revoke ${t.name}`, () => revoke(t), { errorSlot: tokenErr })))))), tokenErr)
		: h('p', { class: 'muted' }, 'No tokens.'));
	draw(tokens);
	const form = onSubmit(h('form', { class: 'card', 'aria-label': 'Issue a token' }, h('h3', {}, 'Issue a token'),
		h('div', { class: 'row' }, field('Name', el.name, { name: 'name', hint: 'what it is for', required: 'Name the token: what it is for.' }), field('Acts as', el.username, { name: 'username', hint: 'yourself, or a service account of your agency' }), field('Scope', el.scope, { name: 'scope' }), field('Expires in (days)', el.days, { name: 'expires_in_days' })),
		h('div', { class: 'row' }, field('Only for these devices', el.devices, { name: 'devices', hint: 'optional: device ids, separated by spaces; the token then only posts and reads their positions' })),
		formError(), h('button', { type: 'submit', class: 'primary' }, 'Issue token'), shown), async () => {
		const devices = el.devices.value.split(/[\s,]+/).filter(Boolean);
		const t = await api.post('/api/v1/tokens', { name: el.name.value.trim() || undefined, username: el.username.value || undefined, scope: el.scope.value, expires_in_days: Number(el.days.value) || undefined, devices: devices.length ? devices : undefined });
		clear(shown, h('p', { class: 'notice' }, 'Copy the token now: it is not shown again. ', h('code', { class: 'token' }, t.token)));
		draw((await api.get('/api/v1/tokens')).tokens);
		announce('Token issued');
	});
	return h('section', {}, h('h2', {}, 'API tokens'), table, form);
}
