/**
 * Where the time of opening a large triad goes: seeds the bench triad into a fresh phone profile
 * as bench/app does, then records the full-page opening of `/t/<id>` either as a V8 CPU profile
 * (`/tmp/triad-open.cpuprofile`, open it in Chrome DevTools) or, with `--trace`, as a Chromium
 * trace (`/tmp/triad-open.trace.json`). Build without minification first to read the names:
 *
 *   npx vite build --minify false && npx tsx bench/app/profile-open.ts [--trace] [--build <dir>]
 *
 * `--build` serves another build directory than `build/` (a copy, so that a build running
 * meanwhile does not change what is measured).
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { startServer } from '../../tests/e2e/app-server';
import { launchBrowser } from '../../tests/e2e/chromium';
import { profileWithSeededTriad, proposalList } from './open-triad';
import { buildSeed } from './seed-triad';
import { navigateUntilUsable, watchUsable } from './usable';

const seed = buildSeed(1000, 10_000);
const buildAt = process.argv.indexOf('--build');
const server = await startServer(buildAt > 0 ? resolve(process.argv[buildAt + 1]!) : undefined);
const browser = await launchBrowser();
try {
	const context = await profileWithSeededTriad(browser, server.url, seed);
	const page = await context.newPage();
	await watchUsable(page, proposalList(seed));
	await page.goto('/');
	if (process.argv.includes('--trace')) {
		await browser.startTracing(page, { path: '/tmp/triad-open.trace.json', screenshots: false });
		const usable = await navigateUntilUsable(page, `/t/${seed.docId}`);
		await browser.stopTracing();
		console.log('usable (ms since navigation)', usable);
	} else {
		const cdp = await context.newCDPSession(page);
		await cdp.send('Profiler.enable');
		await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
		await cdp.send('Profiler.start');
		const usable = await navigateUntilUsable(page, `/t/${seed.docId}`);
		const { profile } = await cdp.send('Profiler.stop');
		console.log('usable (ms since navigation)', usable);
		writeFileSync('/tmp/triad-open.cpuprofile', JSON.stringify(profile));
	}
	await context.close();
} finally {
	await browser.close();
	await server.stop();
}
