// Helpers shared by the case tabs.
import { announce, h } from '../../dom.js';

export const enc = encodeURIComponent;
export const facts = (pairs) => h('dl', { class: 'facts' }, pairs.filter(Boolean).map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
export const none = (text = 'none') => h('span', { class: 'muted' }, text);

/** An <input type=date> value at a local hour, as RFC 3339 (or undefined). */
export function dayAt(value, hour = 12) {
	return value ? new Date(`${value}T${String(hour).padStart(2, '0')}:00`).toISOString() : undefined;
}

/** Today (or n days from today) as an <input type=date> value, in her zone. */
export function dayValue(n = 0) {
	const d = new Date(Date.now() + n * 86400000);
	const p = (x) => String(x).padStart(2, '0');
	return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}

/** A check for a date or time field: not in the future. */
export const notFuture = (what) => (v) => (v && Date.parse(v.length === 10 ? `${v}T00:00` : v) > Date.now() + 60000 ? `${what} cannot be in the future.` : null);

/** Saved: say so and draw the tab again from the API, so the page shows it at once. */
export function saved(env, message) {
	announce(message);
	env.reload();
}

/**
 * The form an inbox item opened (?do=..., ?action=ID...): scroll it into
 * view, mark it and put the cursor in its first field.
 */
export function target(el) {
	if (!el) return;
	el.classList.add('target');
	el.setAttribute('data-target', '');
	requestAnimationFrame(() => {
		el.scrollIntoView({ block: 'center' });
		const first = el.matches('input, select, textarea, button') ? el : el.querySelector('input:not([type=hidden]), select, textarea, button');
		if (first) first.focus({ preventScroll: true });
	});
}
