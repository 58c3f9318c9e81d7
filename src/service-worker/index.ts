/// <reference types="@sveltejs/kit" />

// The app shell is precached at install so the app starts with no network at all. Data never
// passes through here: documents live in IndexedDB and sync over a WebSocket, which a service
// worker cannot intercept anyway; the relay's HTTP endpoints are left alone on purpose.
import { build, files, version } from '$service-worker';
import { ACCESS_PATH, SYNC_PATH } from '../lib/protocol/connection-params';
import { handlePush, openNotified } from './push';

const sw = self as unknown as ServiceWorkerGlobalScope;

const CACHE = `triad-shell-${version}`;
const SHELL = '/';
const PRECACHED = new Set([...build, ...files, SHELL]);
// The relay's own endpoints, as paths without their trailing slash.
const RELAY_PATHS = [SYNC_PATH, ACCESS_PATH, '/push/', '/healthz/', '/metrics/'].map((path) =>
	path.slice(0, -1)
);

// Opened once per worker start rather than per request: a triad screen's first load asks for
// about twenty files at once, and each open is a round trip to the browser's cache storage.
let shellCache: Promise<Cache> | undefined;
const openShellCache = () => (shellCache ??= caches.open(CACHE));

/** The static routing API (Chromium 123+), not yet in TypeScript's worker types. */
interface RoutingInstallEvent extends ExtendableEvent {
	addRoutes?(rules: {
		condition: { urlPattern: string; requestMethod?: string };
		source: { cacheName: string };
	}): Promise<void>;
}

sw.addEventListener('install', (event: RoutingInstallEvent) => {
	event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll([...PRECACHED])));
	/*
	 * Where the browser can, it answers the app's versioned files from this worker's cache by
	 * itself, without starting or asking the worker: the ~20 files of a triad screen's first
	 * load each took a round trip through the fetch handler. A file missing from the cache then
	 * goes to the network, not to the handler below, which serves browsers without static
	 * routing. A browser whose routing refuses this rule keeps the handler, and still installs.
	 */
	if (event.addRoutes) {
		event.waitUntil(
			event
				.addRoutes({
					condition: { urlPattern: '/_app/immutable/*', requestMethod: 'GET' },
					source: { cacheName: CACHE }
				})
				.catch(() => undefined)
		);
	}
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

/**
 * Every screen is the precached shell of this worker's version, online or not. Asking the
 * network first cost a round trip on every start (50 ms against a local relay, up to a timeout
 * on a poor connection), and its fresher page would have run a newer app under this older
 * worker. A new version arrives as a new worker instead, which the page offers to reload into.
 */
async function navigate(request: Request): Promise<Response> {
	const shell = await (await openShellCache()).match(SHELL);
	return shell ?? fetch(request);
}

/** Precached files are versioned by this worker's cache, so the cache answers first. */
async function cacheFirst(request: Request): Promise<Response> {
	const cache = await openShellCache();
	const cached = await cache.match(request);
	if (cached) return cached;
	const response = await fetch(request);
	if (response.ok) await cache.put(request, response.clone());
	return response;
}

sw.addEventListener('push', (event) => {
	let data: unknown = null;
	try {
		data = event.data?.json() ?? null;
	} catch {
		// Not JSON: not a push of this relay's.
	}
	event.waitUntil(handlePush(sw, data));
});

sw.addEventListener('notificationclick', (event) => {
	event.notification.close();
	event.waitUntil(openNotified(sw, event.notification.data));
});
