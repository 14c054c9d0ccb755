// Administration: users (add, change role or agency, disable, unlock, reset a
// password), roles (what each may do), agencies, API tokens.
import { api } from '../api.js';
import { add, announce, badge, clear, field, formError, h, input, onSubmit, select, timeEl, words } from '../dom.js';

const ROLES = ['officer', 'supervisor', 'operator', 'clinician', 'advocate', 'analyst', 'admin'];
const AGENCY_KINDS = ['police', 'nhs', 'charity', 'contractor', 'other'];

export async function render(main, ctx) {
	const can = (p) => ctx.session.can(p);
	const [users, agencies, tokens] = await Promise.all([
		can('users:manage') ? api.get('/api/v1/users').then((r) => r.users) : null,
		api.get('/api/v1/agencies').then((r) => r.agencies),
		can('tokens:manage') ? api.get('/api/v1/tokens').then((r) => r.tokens) : null,
	]);
	const again = () => ctx.navigate('#/admin');
	add(main, h('h1', {}, 'Administration'));
	if (users) add(main, usersSection(users, agencies, again));
	add(main, rolesSection(), agenciesSection(agencies, can('agencies:manage'), again));
	if (tokens) add(main, tokensSection(tokens, users || [], again));
}

function usersSection(users, agencies, again) {
	const agencyOpts = agencies.map((a) => [a.code, `${a.name} (${a.code})`]);
	const el = { username: input('username', { autocomplete: 'off' }), display_name: input('display_name'), role: select('role', ROLES, { blank: 'Choose…' }),
		agency: select('agency', agencyOpts, { blank: 'Choose…' }), password: input('password', { type: 'password', autocomplete: 'new-password' }) };
	const add = onSubmit(h('form', { class: 'card', 'aria-label': 'Add a user' }, h('h3', {}, 'Add a user'),
		h('div', { class: 'row' }, field('Username', el.username, { name: 'username' }), field('Full name', el.display_name, { name: 'display_name' })),
		h('div', { class: 'row' }, field('Role', el.role, { name: 'role' }), field('Agency', el.agency, { name: 'agency' }), field('Initial password', el.password, { name: 'password', hint: 'At least 12 characters; give it to them by a safe route' })),
		formError(), h('button', { type: 'submit', class: 'primary' }, 'Add user')), async () => {
		await api.post('/api/v1/users', { username: el.username.value.trim() || undefined, display_name: el.display_name.value.trim() || undefined, role: el.role.value || undefined, agency: el.agency.value || undefined, password: el.password.value || undefined });
		announce('User added');
		again();
	});
	const row = (u) => {
		const role = select('role', ROLES, { value: u.role });
		const agency = select('agency', agencyOpts, { value: u.agency && u.agency.code });
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
		agency.id = `agency-${u.username}`;
		return h('tr', { 'data-user': u.username },
			h('td', {}, u.username), h('td', {}, u.display_name),
			h('td', {}, h('label', { class: 'sr-only', for: role.id }, `Role of ${u.username}`), role),
			h('td', {}, h('label', { class: 'sr-only', for: agency.id }, `Agency of ${u.username}`), agency),
			h('td', {}, u.disabled ? badge('disabled', 'state-open') : u.locked ? badge('locked', 'state-open') : badge('active', 'sev-low')),
			h('td', {}, h('button', { type: 'button', class: 'secondary', onclick: () => change({ role: role.value, agency: agency.value }, 'User changed') }, 'Save'), ' ',
				h('button', { type: 'button', class: 'secondary', onclick: () => change({ disabled: !u.disabled }, u.disabled ? 'User enabled' : 'User disabled') }, u.disabled ? 'Enable' : 'Disable'), ' ',
				u.locked ? h('button', { type: 'button', class: 'secondary', onclick: () => change({ unlock: true }, 'User unlocked') }, 'Unlock') : null, err));
	};
	return h('section', {}, h('h2', {}, 'Users'),
		h('div', { class: 'table-wrap' }, h('table', {}, h('thead', {}, h('tr', {}, ['Username', 'Name', 'Role', 'Agency', 'State', 'Actions'].map((t) => h('th', { scope: 'col' }, t)))), h('tbody', {}, users.map(row)))),
		add);
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
	add(box, h('dl', { class: 'facts' }, ROLES.map((r) => [h('dt', {}, r), h('dd', {}, purpose[r])])));
	return box;
}

function agenciesSection(agencies, manage, again) {
	const box = h('section', {}, h('h2', {}, 'Agencies'), h('ul', {}, agencies.map((a) => h('li', {}, `${a.name} (${a.code}, ${words(a.kind)})`))));
	if (!manage) return box;
	const el = { code: input('code'), name: input('name'), kind: select('kind', AGENCY_KINDS, { blank: 'Choose…' }) };
	add(box, onSubmit(h('form', { class: 'card', 'aria-label': 'Add an agency' }, h('h3', {}, 'Add an agency'),
		h('div', { class: 'row' }, field('Code', el.code, { name: 'code', hint: 'short, lowercase: e.g. met' }), field('Name', el.name, { name: 'name' }), field('Kind', el.kind, { name: 'kind' })),
		formError(), h('button', { type: 'submit', class: 'primary' }, 'Add agency')), async () => {
		await api.post('/api/v1/agencies', { code: el.code.value.trim() || undefined, name: el.name.value.trim() || undefined, kind: el.kind.value || undefined });
		announce('Agency added');
		again();
	}));
	return box;
}

function tokensSection(tokens, users, again) {
	const shown = h('div', { role: 'status' });
	const el = { name: input('name'), username: users.length ? select('username', users.map((u) => u.username), { blank: 'Choose…' }) : input('username'),
		scope: select('scope', [['api', 'API'], ['metrics', 'Metrics only']], { value: 'api' }), days: h('input', { type: 'number', name: 'expires_in_days', min: 1, max: 365, value: 90 }) };
	const form = onSubmit(h('form', { class: 'card', 'aria-label': 'Issue a token' }, h('h3', {}, 'Issue a token'),
		h('div', { class: 'row' }, field('Name', el.name, { name: 'name', hint: 'what it is for' }), field('Acts as user', el.username, { name: 'username' }), field('Scope', el.scope, { name: 'scope' }), field('Expires in (days)', el.days, { name: 'expires_in_days' })),
		formError(), h('button', { type: 'submit', class: 'primary' }, 'Issue token'), shown), async () => {
		const t = await api.post('/api/v1/tokens', { name: el.name.value.trim() || undefined, username: el.username.value || undefined, scope: el.scope.value, expires_in_days: Number(el.days.value) || undefined });
		clear(shown, h('p', { class: 'notice' }, 'Copy the token now: it is not shown again. ', h('code', { class: 'token' }, t.token)));
	});
	const revoke = async (t) => {
		if (!confirm(`Revoke the token "${t.name}"? Anything using it stops working at once.`)) return;
		try {
			await api.del(`/api/v1/tokens/${t.id}`);
			announce('Token revoked');
			again();
		} catch (e) {
			alert(e.message);
		}
	};
	return h('section', {}, h('h2', {}, 'API tokens'),
		tokens.length ? h('div', { class: 'table-wrap' }, h('table', {}, h('thead', {}, h('tr', {}, ['Name', 'Prefix', 'User', 'Scope', 'Expires', 'Last used', ''].map((t) => h('th', { scope: 'col' }, t)))),
			h('tbody', {}, tokens.map((t) => h('tr', {}, h('td', {}, t.name), h('td', {}, h('code', {}, t.prefix)), h('td', {}, t.username), h('td', {}, t.scope), h('td', {}, timeEl(t.expires_at)), h('td', {}, timeEl(t.last_used_at)),
				h('td', {}, t.revoked_at ? ['revoked ', timeEl(t.revoked_at)] : h('button', { type: 'button', class: 'secondary', onclick: () => revoke(t) }, `Revoke ${t.name}`))))))) : h('p', { class: 'muted' }, 'No tokens.'),
		form);
}
