/**
 * The installable, offline-first shell: first run, the manifest's installability, starting with
 * no network from the service worker, and the "new version is ready" prompt.
 */
import { appendFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { describe, expect, test } from 'vitest';
import { checkScreen, useHarness } from './harness';

const harness = useHarness();

/** Resolves once a service worker controls the page (installed, activated and claimed). */
async function waitForServiceWorker(page: Page): Promise<void> {
	await page.evaluate(async () => {
		await navigator.serviceWorker.ready;
		if (navigator.serviceWorker.controller) return;
		await new Promise((resolve) =>
			navigator.serviceWorker.addEventListener('controllerchange', resolve, { once: true })
		);
	});
}

async function introduce(page: Page, name: string): Promise<void> {
	await page.getByLabel('Your name').fill(name);
	await page.getByRole('button', { name: 'Continue' }).click();
	await page.getByRole('heading', { name: `Hello, ${name}` }).waitFor();
}

describe('app shell', () => {
	let context: BrowserContext;
	let page: Page;

	test('first run asks for a name, saves it and shows home', async () => {
		// Incognito contexts are never installable, so this member gets a real profile directory.
		context = await harness.newPersistentMember();
		page = await context.newPage();
		await page.goto('/');
		await page.getByRole('heading', { name: 'Welcome to Triad' }).waitFor();
		await checkScreen(page, 'shell-first-run');

		await page.getByRole('button', { name: 'Continue' }).click();
		await expect.poll(() => page.getByRole('alert').textContent()).toContain('Please enter');
		await checkScreen(page, 'shell-first-run-error');

		await introduce(page, 'Ada');
		await checkScreen(page, 'shell-home-empty');

		await page.reload();
		await page.getByRole('heading', { name: 'Hello, Ada' }).waitFor();
		expect(await page.getByRole('link', { name: 'Create a triad' }).isVisible()).toBe(true);
	});

	test('the manifest has no installability errors', async () => {
		await waitForServiceWorker(page);
		const cdp = await context.newCDPSession(page);
		const { installabilityErrors } = (await cdp.send('Page.getInstallabilityErrors')) as {
			installabilityErrors: { errorId: string }[];
		};
		expect(installabilityErrors).toEqual([]);
		const manifest = await page.evaluate(async () => {
			const response = await fetch('/manifest.webmanifest');
			return (await response.json()) as { icons: { src: string; purpose: string }[] };
		});
		for (const icon of manifest.icons) {
			const status = await page.evaluate(async (src) => (await fetch(src)).status, icon.src);
			expect(status, icon.src).toBe(200);
		}
		expect(manifest.icons.map((icon) => icon.purpose).sort()).toEqual([
			'any',
			'any',
			'maskable',
			'maskable'
		]);
	});

	test('offline, a reload starts the app from the service worker', async () => {
		await waitForServiceWorker(page);
		await context.setOffline(true);
		try {
			await reloadOffline();
		} finally {
			await context.setOffline(false);
		}
	});

	test("the app's versioned files come from the worker's cache without the worker", async () => {
		await waitForServiceWorker(page);
		const cdp = await context.newCDPSession(page);
		const sources = new Map<string, string>();
		cdp.on('Network.responseReceived', ({ response }) => {
			const path = new URL(response.url).pathname;
			if (path.startsWith('/_app/immutable/')) {
				const route = response.serviceWorkerRouterInfo;
				// Matched the cache route, and found there (a miss would have gone to the network).
				sources.set(path, `${route?.matchedSourceType ?? 'handler'}/${route?.actualSourceType}`);
			}
		});
		await cdp.send('Network.enable');
		try {
			await page.goto('/');
			await page.getByRole('heading', { name: 'Hello, Ada' }).waitFor();
		} finally {
			await cdp.detach();
		}
		// Chromium's static routing (the worker's install adds the route) answers them directly.
		expect(sources.size).toBeGreaterThan(0);
		expect(new Set(sources.values())).toEqual(new Set(['cache/cache']));
	});

	async function reloadOffline() {
		const relayReachable = await page.evaluate(() =>
			fetch('/healthz').then(
				() => true,
				() => false
			)
		);
		expect(relayReachable).toBe(false);

		const response = await page.reload();
		expect(response?.fromServiceWorker()).toBe(true);
		await page.getByRole('heading', { name: 'Hello, Ada' }).waitFor();
		await checkScreen(page, 'shell-home-offline');

		// A deep link works offline too: navigations fall back to the cached app shell.
		await page.goto('/new');
		await page.getByRole('heading', { name: 'Create a triad' }).waitFor();
	}

	test('a new version waits and is offered as "A new version is ready — Reload"', async () => {
		await page.goto('/');
		await waitForServiceWorker(page);
		const firstWorker = await page.evaluate(
			() => navigator.serviceWorker.controller?.scriptURL ?? null
		);
		expect(firstWorker).not.toBeNull();

		// A byte-different worker script is what a new deployment looks like to the browser.
		await appendFile(join(harness.server.staticDir, 'service-worker.js'), '\n// next version\n');
		await page.evaluate(async () => {
			const registration = await navigator.serviceWorker.getRegistration();
			await registration?.update();
		});
		const banner = page.getByText('A new version is ready');
		await banner.waitFor();
		await checkScreen(page, 'shell-update-ready');

		await Promise.all([
			page.waitForEvent('load'),
			page.getByRole('button', { name: 'Reload' }).click()
		]);
		await page.getByRole('heading', { name: 'Hello, Ada' }).waitFor();
		expect(await banner.count()).toBe(0);
	});

	test('with two tabs open, the Reload of each takes it to the new version', async () => {
		const tabs = [page, await context.newPage()];
		for (const tab of tabs) {
			await tab.goto('/');
			await tab.getByRole('heading', { name: 'Hello, Ada' }).waitFor();
		}
		await appendFile(join(harness.server.staticDir, 'service-worker.js'), '\n// another version\n');
		for (const tab of tabs) {
			await tab.evaluate(async () => (await navigator.serviceWorker.getRegistration())?.update());
			await tab.getByText('A new version is ready').waitFor();
		}
		// The first Reload activates the new worker for both tabs; the second tab's must still work.
		for (const tab of tabs) {
			await Promise.all([
				tab.waitForEvent('load', { timeout: 10_000 }),
				tab.getByRole('button', { name: 'Reload' }).click()
			]);
			await tab.getByRole('heading', { name: 'Hello, Ada' }).waitFor();
			expect(await tab.getByText('A new version is ready').count()).toBe(0);
		}
	});
});
