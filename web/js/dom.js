// dom.js — small helpers for building pages: elements, labelled fields with a
// place for the API's error next to them, times in the user's time zone.

let seq = 0;

/** An element: h('p', {class: 'x', onclick: fn}, 'text', child, [more]). */
export function h(tag, attrs = {}, ...children) {
	const el = document.createElement(tag);
	for (const [k, v] of Object.entries(attrs || {})) {
		if (v === undefined || v === null || v === false) continue;
		if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
		else if (k === 'class') el.className = v;
		else if (k === 'text') el.textContent = v;
		else if (k in el && typeof v !== 'string') el[k] = v;
		else el.setAttribute(k, v === true ? '' : String(v));
	}
	append(el, children);
	return el;
}

export function append(el, children) {
	for (const c of children.flat(Infinity)) {
		if (c === undefined || c === null || c === false) continue;
		el.append(c instanceof Node ? c : document.createTextNode(String(c)));
	}
	return el;
}

export function clear(el, ...children) {
	el.replaceChildren();
	return append(el, children);
}

export function uid(prefix = 'f') {
	seq += 1;
	return `${prefix}-${seq}`;
}

/** 'victim_safety' -> 'victim safety' */
export function words(s) {
	return s === null || s === undefined ? '' : String(s).replace(/_/g, ' ');
}

// ---- times -------------------------------------------------------------------

export const TIME_ZONE = Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
const full = new Intl.DateTimeFormat(undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit', timeZoneName: 'short' });
const day = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });

/** A time as the user reads it, with the zone shown ("28 Nov 2026, 11:30:22 GMT"). */
export function fmtTime(iso) {
	if (!iso) return '';
	const d = new Date(iso);
	return Number.isNaN(d.getTime()) ? String(iso) : full.format(d);
}

export function fmtDay(iso) {
	if (!iso) return '';
	const d = new Date(iso);
	return Number.isNaN(d.getTime()) ? String(iso) : day.format(d);
}

/** A <time> element showing fmtTime, with the machine value in datetime. */
export function timeEl(iso) {
	return iso ? h('time', { datetime: iso }, fmtTime(iso)) : h('span', { class: 'muted' }, '—');
}

/** Seconds as "4 min 05 s" / "12 s" / "2 h 03 min". */
export function fmtDuration(s) {
	s = Math.max(0, Math.floor(s));
	if (s < 60) return `${s} s`;
	if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
	return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
}

/** The value of a datetime-local input as RFC 3339 (it is the user's local time). */
export function localToIso(value) {
	if (!value) return null;
	const d = new Date(value);
	return Number.isNaN(d.getTime()) ? value : d.toISOString();
}

/** An RFC 3339 time as a datetime-local input's value, in the user's zone. */
export function isoToLocal(iso) {
	if (!iso) return '';
	const d = new Date(iso);
	const p = (n) => String(n).padStart(2, '0');
	return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

// ---- forms -------------------------------------------------------------------

/**
 * A labelled field: the label, the control (given an id and name), an
 * optional hint, and the place where the API's error for that field appears.
 * name is the API's field name (as the API names it in error.field).
 */
export function field(label, control, { name, hint, errorFor } = {}) {
	const id = control.id || uid('f');
	control.id = id;
	if (name && !control.name) control.name = name;
	const err = h('p', { class: 'field-error', id: id + '-error', role: 'alert' });
	err.dataset.errorFor = errorFor || name || '';
	const hintEl = hint ? h('p', { class: 'hint', id: id + '-hint' }, hint) : null;
	control.setAttribute('aria-describedby', [hintEl && hintEl.id, err.id].filter(Boolean).join(' '));
	return h('div', { class: 'field' }, h('label', { for: id }, label), control, hintEl, err);
}

export function input(name, attrs = {}) {
	return h('input', { name, type: 'text', ...attrs });
}

export function textarea(name, attrs = {}) {
	return h('textarea', { name, rows: 3, ...attrs });
}

/** A <select> from [value, label] pairs or plain values; blank adds an empty first option. */
export function select(name, options, { value, blank } = {}) {
	const el = h('select', { name });
	if (blank !== undefined) el.append(h('option', { value: '' }, blank));
	for (const o of options) {
		const [v, l] = Array.isArray(o) ? o : [o, words(o)];
		el.append(h('option', { value: v, selected: v === value }, l));
	}
	return el;
}

/** The form-level error box (for an error that names no field we show). */
export function formError() {
	return h('p', { class: 'form-error', role: 'alert', 'data-error-for': '' });
}

/** Remove every shown error from a form. */
export function clearErrors(form) {
	for (const el of form.querySelectorAll('.field-error, .form-error')) el.textContent = '';
	for (const el of form.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
}

/**
 * Show an API error next to the field it names: the exact field, else the
 * nearest enclosing one ("victims[0].name" -> "victims[0]" -> "victims"),
 * else the form's error box.  Moves focus to the field at fault.
 */
export function showError(form, err) {
	clearErrors(form);
	let f = err.field || '';
	let slot = null;
	while (f) {
		slot = form.querySelector(`[data-error-for="${CSS.escape(f)}"]`);
		if (slot) break;
		const cut = Math.max(f.lastIndexOf('.'), f.lastIndexOf('['));
		f = cut > 0 ? f.slice(0, cut) : '';
	}
	if (!slot) slot = form.querySelector('.form-error');
	const msg = err.message || String(err);
	if (!slot) {
		alert(msg);
		return;
	}
	slot.textContent = msg;
	const control = slot.closest('.field')?.querySelector('input, select, textarea');
	if (control) {
		control.setAttribute('aria-invalid', 'true');
		control.focus();
	}
}

/**
 * Wire a form: on submit, clear errors, disable the submit button, run
 * action(form) and show any ApiError it throws where it belongs.
 */
export function onSubmit(form, action) {
	form.addEventListener('submit', async (ev) => {
		ev.preventDefault();
		clearErrors(form);
		const buttons = form.querySelectorAll('button[type=submit]');
		buttons.forEach((b) => (b.disabled = true));
		try {
			await action(form, ev.submitter);
		} catch (err) {
			showError(form, err);
		} finally {
			buttons.forEach((b) => (b.disabled = false));
		}
	});
	return form;
}

/** Say something to screen-reader users (and show it briefly). */
export function announce(text) {
	const live = document.getElementById('live');
	if (live) live.textContent = text;
	const toast = document.getElementById('toast');
	if (toast) {
		toast.textContent = text;
		toast.hidden = false;
		clearTimeout(announce.t);
		announce.t = setTimeout(() => (toast.hidden = true), 4000);
	}
}

export function badge(text, kind = '') {
	return h('span', { class: `badge ${kind}` }, words(text));
}

/** el.append that also takes arrays (flattened) and skips null/false. */
export function add(el, ...children) {
	return append(el, children);
}
