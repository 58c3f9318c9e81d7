/**
 * Browser test harness: the real relay serving the real build, and Debian's Chromium driven by
 * playwright-core. One server and one browser per test file; each simulated member gets a fresh
 * browser context (its own profile: IndexedDB, service worker, caches).
 */
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, expect } from 'vitest';
import { startServer, type AppServer } from './app-server';
import { launchBrowser, launchPersistentPhone, newPhoneContext } from './chromium';

const ROOT = resolve(import.meta.dirname, '../..');
const SCREENSHOT_DIR = join(ROOT, 'screenshots');
const AXE_SCRIPT = join(ROOT, 'node_modules/axe-core/axe.min.js');

/** Violations axe reports at these impacts fail the test. */
const BLOCKING_IMPACTS = new Set(['serious', 'critical']);

interface AxeResult {
	violations: { id: string; impact: string | null; help: string; nodes: { target: unknown }[] }[];
}

/** Runs axe-core on the page as it is now and fails on any serious or critical violation. */
export async function expectAccessible(page: Page, screen: string): Promise<void> {
	const hasAxe = await page.evaluate(() => 'axe' in window);
	// Evaluated over the DevTools protocol, which the page's Content-Security-Policy does not
	// govern: a <script> tag with axe inline would be refused like any injected script.
	if (!hasAxe) await page.evaluate(await readFile(AXE_SCRIPT, 'utf8'));
	const result = await page.evaluate(async () => {
		const axe = (window as unknown as { axe: { run(): Promise<AxeResult> } }).axe;
		const { violations } = await axe.run();
		return violations.map((violation) => ({
			id: violation.id,
			impact: violation.impact,
			help: violation.help,
			targets: violation.nodes.map((node) => JSON.stringify(node.target)).slice(0, 5)
		}));
	});
	const blocking = result.filter((violation) => BLOCKING_IMPACTS.has(violation.impact ?? ''));
	expect(blocking, `axe on screen "${screen}"`).toEqual([]);
}

/** Saves a full-page screenshot as `screenshots/<name>.png` (git-ignored) for people to look at. */
export async function saveScreenshot(page: Page, name: string): Promise<void> {
	await mkdir(SCREENSHOT_DIR, { recursive: true });
	// From the top: a full-page shot of a scrolled page draws the sticky header mid-page.
	await page.evaluate(() => window.scrollTo(0, 0));
	await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });
}

/**
 * Every screen gets both: a screenshot for review and an axe check, once the parts a screen
 * renders after its first paint (marked `aria-busy` until then) are there.
 */
export async function checkScreen(page: Page, name: string): Promise<void> {
	await page.locator('[aria-busy="true"]').first().waitFor({ state: 'detached', timeout: 10_000 });
	await saveScreenshot(page, name);
	await expectAccessible(page, name);
}

/** The server and browser of one test file. */
export interface Harness {
	readonly server: AppServer;
	readonly browser: Browser;
	/** A new member's device: a fresh phone-sized context pointed at the server. */
	newMember(): Promise<BrowserContext>;
	/** A new member's device with a real profile directory (closed with the harness). */
	newPersistentMember(): Promise<BrowserContext>;
}

/**
 * Registers beforeAll/afterAll hooks that start a server and a browser for this test file and
 * tear both down (with every context opened through `newMember`). Read the fields inside tests.
 */
export function useHarness(): Harness {
	let server: AppServer | undefined;
	let browser: Browser | undefined;
	let workDir: string | undefined;
	const persistent: BrowserContext[] = [];
	beforeAll(async () => {
		server = await startServer();
		workDir = resolve(server.staticDir, '..');
		browser = await launchBrowser();
	});
	afterAll(async () => {
		for (const context of persistent) await context.close();
		await browser?.close();
		await server?.stop();
		if (workDir) await rm(workDir, { recursive: true, force: true });
	});
	return {
		get server() {
			if (!server) throw new Error('the harness server is not started (use inside tests)');
			return server;
		},
		get browser() {
			if (!browser) throw new Error('the harness browser is not started (use inside tests)');
			return browser;
		},
		newMember() {
			return newPhoneContext(this.browser, this.server.url);
		},
		async newPersistentMember() {
			const profile = await mkdtemp(join(workDir ?? tmpdir(), 'profile-'));
			const context = await launchPersistentPhone(this.server.url, profile);
			persistent.push(context);
			return context;
		}
	};
}
