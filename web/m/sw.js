// Her app's service worker: the app's own files, so it opens without a
// connection and can be installed.  Nothing from the API is ever cached.
const CACHE = 'm-2';
const SHELL = ['/m/', '/m/app.js', '/m/m.css', '/style.css', '/help/help.css', '/js/dom.js', '/m/icon-notes.svg', '/m/icon-recipes.svg', '/m/icon-weather.svg'];

self.addEventListener('install', (e) => {
	e.waitUntil(caches.open(CACHE).then((c) => c.addAll(SHELL)).then(() => self.skipWaiting()));
});
self.addEventListener('activate', (e) => {
	e.waitUntil(caches.keys().then((ks) => Promise.all(ks.filter((k) => k !== CACHE).map((k) => caches.delete(k)))).then(() => self.clients.claim()));
});
self.addEventListener('fetch', (e) => {
	const url = new URL(e.request.url);
	if (e.request.method !== 'GET' || url.origin !== location.origin || url.pathname.startsWith('/api/')) return;
	/* the network first (a new version), the cache when there is none */
	e.respondWith(fetch(e.request).then((res) => {
		const copy = res.clone();
		if (res.ok && SHELL.includes(url.pathname)) caches.open(CACHE).then((c) => c.put(e.request, copy));
		return res;
	}).catch(() => caches.match(e.request)));
});

/* A warning while the app is closed: the push carries nothing (so nothing of
 * it crosses the push service), and the words say nothing to anyone who sees
 * her screen. */
self.addEventListener('push', (e) => {
	e.waitUntil(self.registration.showNotification('Reminder', { body: 'Open the app.', tag: 'm', renotify: true, requireInteraction: true, icon: '/m/icon-notes.svg' }));
});
self.addEventListener('notificationclick', (e) => {
	e.notification.close();
	e.waitUntil(self.clients.matchAll({ type: 'window' }).then((ws) => (ws.length ? ws[0].focus() : self.clients.openWindow('/m/'))));
});
