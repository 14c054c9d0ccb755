// help.js — the public page: ask the centre for advice or report being
// stalked without an account.  The questions, the helplines and what happens
// next come from the server (GET /api/v1/help); the quick exit leaves for a
// neutral site and replaces this page in the history, so Back does not
// return to it.
import { api } from '../js/api.js';
import { choice, clear, field, formError, h, onSubmit, textarea } from '../js/dom.js';

const EXIT = 'https://www.bbc.co.uk/weather';

function quickExit() {
	try {
		sessionStorage.clear();
	} catch {
		/* nothing kept */
	}
	location.replace(EXIT);
}

function helplines(page) {
	return h('section', { 'aria-labelledby': 'lines' }, h('h2', { id: 'lines' }, 'Talk to someone now'),
		h('ul', { class: 'helplines' }, page.helplines.map((l) => h('li', {},
			h('a', { href: `tel:${l.number.replace(/[^0-9+]/g, '')}` }, `${l.name}: ${l.number}`),
			h('br'), h('span', {}, `${l.what} (${l.when})`)))));
}

function form(page, main) {
	const ANSWERS = [['yes', 'Yes'], ['no', 'No'], ['not_sure', 'Not sure']];
	const box = formError();
	const f = h('form', { class: 'four', 'aria-labelledby': 'ask' },
		h('h2', { id: 'ask' }, 'Ask us'),
		box,
		choice('What would you like?', 'wants', [['advice', 'Advice about what is happening'], ['report', 'To report it to the centre']], { required: 'Say whether you would like advice or to report it.' }),
		page.questions.map((q) => h('div', {}, choice(q.text, q.name, ANSWERS, { required: 'Answer yes, no or not sure.' }), h('p', { class: 'hint' }, q.hint))),
		field('What is happening?', textarea('story', { rows: 6, maxlength: 4000 }), { name: 'story', required: 'Tell us a little of what is happening.', hint: 'As much or as little as you like.' }),
		field('How can we reach you safely? (optional)', textarea('contact', { rows: 2, maxlength: 300 }), { name: 'contact', hint: 'A phone number or e-mail address only you see, and anything we should say or not say.' }),
		field('When is it safe to contact you? (optional)', h('input', { type: 'text', name: 'safe_times', maxlength: 200 }), { name: 'safe_times' }),
		h('button', { type: 'submit' }, 'Send'));
	onSubmit(f, async () => {
		const body = { wants: f.querySelector('[name=wants]:checked').value };
		for (const q of page.questions) body[q.name] = f.querySelector(`[name=${q.name}]:checked`).value;
		for (const k of ['story', 'contact', 'safe_times']) body[k] = f.elements[k].value.trim();
		const res = await api.post('/api/v1/help', body);
		sent(res, main);
	});
	return f;
}

function sent(res, main) {
	clear(main,
		h('h1', { tabindex: '-1', id: 'done' }, 'Thank you: we have your message'),
		h('p', {}, res.next_steps),
		res.contact_given ? null : h('p', {}, 'You did not leave a way to reach you, so we cannot answer you directly: the helplines below can talk to you now.'),
		helplines(res));
	main.querySelector('#done').focus();
}

async function start() {
	document.getElementById('quick-exit').addEventListener('click', quickExit);
	document.addEventListener('keydown', (e) => {
		if (e.key === 'Escape') quickExit();
	});
	const main = document.getElementById('main');
	let page;
	try {
		page = await api.get('/api/v1/help');
	} catch {
		clear(main, h('h1', {}, 'Ask for help'), h('p', {}, 'This page cannot reach the centre just now. If you are in danger now, call 999. The National Stalking Helpline is 0808 802 0300.'));
		return;
	}
	clear(main,
		h('h1', {}, 'Ask for help'),
		h('p', { class: 'banner banner-danger' }, h('strong', {}, 'If you are in danger now, call 999. '), 'If you cannot speak, call 999 from a mobile, then press 55.'),
		h('p', {}, 'If someone keeps contacting, following or watching you and you want it to stop, you can ask us for advice or report it here. You do not need to give your name. The button at the top, or the Escape key, leaves this page at once.'),
		helplines(page),
		form(page, main),
		h('section', { 'aria-labelledby': 'next' }, h('h2', { id: 'next' }, 'What happens next'), h('p', {}, page.next_steps)));
}

start();
