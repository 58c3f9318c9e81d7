/**
 * App bench: how much JavaScript the first screen needs, whether the collaborative editor stays
 * out of it, and how fast the app starts cold (network), warm (service worker) and offline.
 * Drives the real build through the real server in Chromium at phone size. Prints figures only.
 *
 *   npm run bench -- app [--rounds N]       (build first: npx vite build)
 */
import { rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { BrowserContext, Page, Response } from 'playwright-core';
import { startServer } from '../../tests/e2e/app-server';
import { launchBrowser, newPhoneContext } from '../../tests/e2e/chromium';

const roundsFlag = process.argv.indexOf('--rounds');
const ROUNDS = roundsFlag > 0 ? Number(process.argv[roundsFlag + 1]) : 3;

interface Loaded {
	url: string;
	bytes: number;
	gzip: number;
}

/** Collects every JavaScript file the page receives while `during` runs. */
async function scriptsLoaded(page: Page, during: () => Promise<void>): Promise<Loaded[]> {
	const pending: Promise<Loaded | null>[] = [];
	const onResponse = (response: Response) => {
		if (!response.url().endsWith('.js')) return;
		pending.push(
			response.body().then(
				(body) => ({
					url: new URL(response.url()).pathname,
					bytes: body.length,
					gzip: gzipSync(body).length
				}),
				() => null
			)
		);
	};
	page.on('response', onResponse);
	await during();
	page.off('response', onResponse);
	return (await Promise.all(pending)).filter((entry): entry is Loaded => entry !== null);
}

/** Milliseconds from navigation start until the given heading is on screen. */
async function timeToHeading(page: Page, url: string, heading: string): Promise<number> {
	await page.goto(url);
	await page.getByRole('heading', { name: heading }).waitFor();
	return page.evaluate(() => performance.now());
}

const sum = (items: Loaded[], key: 'bytes' | 'gzip') => items.reduce((n, item) => n + item[key], 0);
const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} kB`;
const median = (values: number[]) =>
	[...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;

async function editorDevice(
	context: BrowserContext
): Promise<{ first: Loaded[]; editor: Loaded[] }> {
	const page = await context.newPage();
	const first = await scriptsLoaded(page, async () => {
		await page.goto('/');
		await page.getByRole('heading', { name: 'Welcome to Triad' }).waitFor();
	});
	await page.getByLabel('Your name').fill('Bench');
	await page.getByRole('button', { name: 'Continue' }).click();
	await page.getByRole('link', { name: 'Create a triad' }).click();
	await page.getByLabel('Name', { exact: true }).fill('Bench triad');
	await page.getByRole('button', { name: 'Create triad' }).click();
	await page.getByRole('link', { name: 'Go to the triad' }).click();
	await page.getByLabel('New proposal').fill('Bench proposal');
	const editor = await scriptsLoaded(page, async () => {
		await page.getByRole('button', { name: 'Draft' }).click();
		await page.locator('.proposal-body').waitFor();
	});
	await page.close();
	return { first, editor };
}

const server = await startServer();
const browser = await launchBrowser();
try {
	const cold: number[] = [];
	const warm: number[] = [];
	const offline: number[] = [];
	let sizes: { first: Loaded[]; editor: Loaded[] } | null = null;
	for (let round = 1; round <= ROUNDS; round++) {
		if (!sizes) {
			const context = await newPhoneContext(browser, server.url);
			sizes = await editorDevice(context);
			await context.close();
		}
		// A fresh profile per round: the first visit is cold; later ones come from the worker.
		const fresh = await newPhoneContext(browser, server.url);
		const freshPage = await fresh.newPage();
		cold.push(await timeToHeading(freshPage, '/', 'Welcome to Triad'));
		await freshPage.evaluate(async () => {
			await navigator.serviceWorker.ready;
		});
		warm.push(await timeToHeading(freshPage, '/', 'Welcome to Triad'));
		await fresh.setOffline(true);
		offline.push(await timeToHeading(freshPage, '/', 'Welcome to Triad'));
		await fresh.close();
	}
	if (!sizes) throw new Error('no round ran');
	const editorOnly = sizes.editor.filter((entry) => !sizes!.first.some((f) => f.url === entry.url));
	console.log(`rounds: ${ROUNDS}, Chromium at 360×740, server on 127.0.0.1 (no network latency)`);
	console.log('');
	console.log('JavaScript                         files      raw     gzip');
	console.log(
		`first screen (/)                   ${String(sizes.first.length).padStart(5)} ${kb(sum(sizes.first, 'bytes')).padStart(8)} ${kb(sum(sizes.first, 'gzip')).padStart(8)}`
	);
	console.log(
		`added when the editor opens        ${String(editorOnly.length).padStart(5)} ${kb(sum(editorOnly, 'bytes')).padStart(8)} ${kb(sum(editorOnly, 'gzip')).padStart(8)}`
	);
	const tiptapInFirst = sizes.first.some(
		(entry) => entry.bytes > 0 && entry.url.includes('proposal-editor')
	);
	console.log(`editor chunk in first-load JS: ${tiptapInFirst ? 'YES' : 'no'}`);
	console.log('');
	console.log('start until the first screen is drawn (median ms)');
	console.log(`cold, from the network:        ${median(cold).toFixed(0)}`);
	console.log(`warm, from the service worker: ${median(warm).toFixed(0)}`);
	console.log(`offline, from the worker:      ${median(offline).toFixed(0)}`);
} finally {
	await browser.close();
	await server.stop();
	await rm(resolve(server.staticDir, '..'), { recursive: true, force: true });
}
