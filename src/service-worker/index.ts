/// <reference types="@sveltejs/kit" />

// The app shell is precached at install so the app starts with no network at all. Data never
// passes through here: documents live in IndexedDB and sync over a WebSocket, which a service
// worker cannot intercept anyway; the relay's HTTP endpoints are left alone on purpose.
import { build, files, version } from '$service-worker';

const sw = self as unknown as ServiceWorkerGlobalScope;

const CACHE = `triad-shell-${version}`;
const SHELL = '/';
const PRECACHED = new Set([...build, ...files, SHELL]);
const RELAY_PATHS = ['/sync', '/healthz', '/metrics'];
// On a connection that hangs rather than fails, the cached shell is better than a blank page.
const NAVIGATION_TIMEOUT_MS = 4000;

sw.addEventListener('install', (event) => {
	event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll([...PRECACHED])));
});

sw.addEventListener('activate', (event) => {
	event.waitUntil(
		(async () => {
			for (const key of await caches.keys()) {
				if (key !== CACHE) await caches.delete(key);
			}
			await sw.clients.claim();
		})()
	);
});

// A new version waits until the page asks for it, so an open editor is never swapped out
// underneath the user; the page shows a "new version is ready" prompt instead.
sw.addEventListener('message', (event) => {
	if ((event.data as { type?: unknown } | null)?.type === 'SKIP_WAITING') void sw.skipWaiting();
});

sw.addEventListener('fetch', (event) => {
	const request = event.request;
	if (request.method !== 'GET') return;
	const url = new URL(request.url);
	if (url.origin !== sw.location.origin) return;
	if (RELAY_PATHS.some((path) => url.pathname === path || url.pathname.startsWith(path + '/'))) {
		return;
	}
	if (request.mode === 'navigate') {
		event.respondWith(navigate(request));
	} else if (PRECACHED.has(url.pathname)) {
		event.respondWith(cacheFirst(request));
	}
});

/** Fresh index.html when the network answers; the precached shell when it does not. */
async function navigate(request: Request): Promise<Response> {
	try {
		const response = await fetchWithin(request, NAVIGATION_TIMEOUT_MS);
		if (response.ok) return response;
	} catch {
		// Offline or too slow: fall through to the shell.
	}
	const cache = await caches.open(CACHE);
	return (await cache.match(SHELL)) ?? Response.error();
}

/** Precached files are versioned by this worker's cache, so the cache answers first. */
async function cacheFirst(request: Request): Promise<Response> {
	const cache = await caches.open(CACHE);
	const cached = await cache.match(request);
	if (cached) return cached;
	const response = await fetch(request);
	if (response.ok) await cache.put(request, response.clone());
	return response;
}

function fetchWithin(request: Request, ms: number): Promise<Response> {
	const controller = new AbortController();
	const timer = setTimeout(() => controller.abort(), ms);
	return fetch(request, { signal: controller.signal }).finally(() => clearTimeout(timer));
}
