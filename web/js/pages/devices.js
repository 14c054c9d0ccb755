// Devices: the tags, phones and alarms the viewer may see, with their live
// state and the case each watches; registering a new one (device managers:
// supervisors and operators).
import { api } from '../api.js';
import { add, badge, field, formError, h, input, onSubmit, select, timeEl } from '../dom.js';
import { label, options } from '../vocab.js';

export async function render(main, ctx) {
	const { devices } = await api.get('/api/v1/devices');
	add(main, h('h1', {}, 'Devices'),
		devices.length ? h('div', { class: 'table-wrap' }, h('table', {}, h('caption', { class: 'sr-only' }, 'Devices'),
			h('thead', {}, h('tr', {}, ['Device', 'Kind', 'Protocol', 'Owner', 'Watching', 'State', 'Last fix'].map((t) => h('th', { scope: 'col' }, t)))),
			h('tbody', {}, devices.map((d) => h('tr', { 'data-device': d.uid }, h('td', {}, d.uid), h('td', {}, label('device_kinds', d.kind)), h('td', {}, label('device_protocols', d.protocol)),
				h('td', {}, d.agency || ''), h('td', {}, d.case ? h('a', { href: `#/cases/${encodeURIComponent(d.case)}/monitoring` }, d.case) : h('span', { class: 'muted' }, 'free')),
				h('td', {}, d.state ? (d.state.signal_lost ? badge('signal lost', 'sev-high') : badge('reporting', 'sev-low')) : h('span', { class: 'muted' }, 'no fix yet')),
				h('td', {}, d.state ? timeEl(d.state.last_fix_at) : '')))))) : h('p', { class: 'muted' }, 'No devices you may see.'));
	if (!ctx.session.can('devices:manage')) return;
	const el = {
		uid: input('uid', { autocomplete: 'off' }),
		kind: select('kind', options('device_kinds'), { blank: 'Choose…' }),
		protocol: select('protocol', options('device_protocols'), { blank: 'Choose…' }),
		interval: h('input', { type: 'number', name: 'expected_interval_s', min: 1, max: 86400, value: 60 }),
	};
	add(main, onSubmit(h('form', { class: 'card', 'aria-label': 'Register a device' }, h('h2', {}, 'Register a device'),
		h('div', { class: 'row' },
			field('Device identifier', el.uid, { name: 'uid', hint: 'As the device reports it: a Teltonika tag’s IMEI, the id set in the Traccar Client app', required: 'Enter the device’s identifier.',
				check: (v) => (/^[A-Za-z0-9._:-]{1,64}$/.test(v) ? null : 'An identifier is 1 to 64 letters, digits and . _ : -') }),
			field('Kind', el.kind, { name: 'kind', required: 'Choose what the device is.' }),
			field('Protocol', el.protocol, { name: 'protocol', required: 'Choose how it reports.' }),
			field('Reports every (seconds)', el.interval, { name: 'expected_interval_s', required: 'Enter how often it reports.', check: (v) => (Number(v) >= 1 && Number(v) <= 86400 ? null : 'From 1 second to a day (86,400).') })),
		formError(), h('button', { type: 'submit', class: 'primary' }, 'Register device')), async () => {
		await api.post('/api/v1/devices', { uid: el.uid.value.trim(), kind: el.kind.value, protocol: el.protocol.value, expected_interval_s: Number(el.interval.value) });
		ctx.navigate(location.hash);
	}));
}
