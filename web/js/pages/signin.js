// The sign-in page: errors a person understands (wrong password, locked,
// disabled, session expired).
import { api } from '../api.js';
import { add, field, formError, h, input, onSubmit } from '../dom.js';
import { signedIn } from '../app.js';

function explain(err) {
	const wait = err.retryAfter ? Math.ceil(Number(err.retryAfter) / 60) : null;
	switch (err.code) {
		case 'invalid_credentials':
			return 'Wrong username or password. Check both and try again.';
		case 'account_locked':
			return `This account is locked after too many wrong passwords.${wait ? ` Try again in ${wait} minute${wait === 1 ? '' : 's'},` : ' Try again later,'} or ask an administrator to unlock it.`;
		case 'login_throttled':
		case 'too_many_attempts':
			return `Too many sign-in attempts.${wait ? ` Wait ${wait} minute${wait === 1 ? '' : 's'} and` : ' Wait a little and'} try again.`;
		case 'account_disabled':
			return 'This account is disabled. Ask an administrator if you should still have access.';
		default:
			return err.message;
	}
}

export function render(main, ctx) {
	const user = input('username', { autocomplete: 'username', required: true, autocapitalize: 'none', spellcheck: 'false' });
	const pass = input('password', { type: 'password', autocomplete: 'current-password', required: true });
	const form = h(
		'form',
		{ class: 'card narrow', novalidate: true },
		h('h1', {}, 'Sign in to Vigil'),
		ctx.notice ? h('p', { class: 'notice', role: 'status' }, ctx.notice) : null,
		field('Username', user, { name: 'username' }),
		field('Password', pass, { name: 'password' }),
		formError(),
		h('button', { type: 'submit', class: 'primary' }, 'Sign in'),
	);
	onSubmit(form, async () => {
		if (!user.value.trim()) throw Object.assign(new Error('Enter your username.'), { field: 'username' });
		if (!pass.value) throw Object.assign(new Error('Enter your password.'), { field: 'password' });
		try {
			await api.post('/api/v1/login', { username: user.value.trim(), password: pass.value });
		} catch (err) {
			pass.value = '';
			const e = new Error(explain(err));
			e.field = err.code === 'bad_request' ? err.field : null;
			throw e;
		}
		signedIn(await api.get('/api/v1/me'));
	});
	add(main, form);
	user.focus();
}
