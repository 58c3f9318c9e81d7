/**
 * Browser test harness: the real relay serving the real build, and Debian's Chromium driven by
 * playwright-core. One server and one browser per test file; each simulated member gets a fresh
 * browser context (its own profile: IndexedDB, service worker, caches).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const BUILD_DIR = join(ROOT, 'build');
const SCREENSHOT_DIR = join(ROOT, 'screenshots');
const AXE_SCRIPT = join(ROOT, 'node_modules/axe-core/axe.min.js');
const CHROMIUM = '/usr/bin/chromium';
const STARTUP_TIMEOUT_MS = 30_000;

/** The flags DESIGN §5 asks for: no sandbox in containers, no traffic beyond 127.0.0.1. */
const CHROMIUM_ARGS = [
	'--no-sandbox',
	'--disable-gpu',
	'--disable-background-networking',
	'--disable-component-update',
	'--disable-sync',
	'--no-first-run',
	'--disable-quic'
];

/** A running relay + static server on a free port, with its own data and static directories. */
export interface AppServer {
	/** e.g. `http://127.0.0.1:41234`, without a trailing slash. */
	readonly url: string;
	/** The copy of the build this server serves; tests may change files in it. */
	readonly staticDir: string;
	readonly dataDir: string;
	/** Stops the process (SIGTERM, then SIGKILL) and leaves the directories in place. */
	stop(): Promise<void>;
}

/**
 * Starts `node --import tsx server/main.ts` on a free port with a fresh DATA_DIR and a fresh copy
 * of `build/` as STATIC_DIR, and resolves once it prints its `listening` line.
 */
export async function startServer(): Promise<AppServer> {
	if (!existsSync(join(BUILD_DIR, 'index.html'))) {
		throw new Error(`no app build at ${BUILD_DIR}: run \`npm run test:e2e\` (it builds first)`);
	}
	const workDir = await mkdtemp(join(tmpdir(), 'triad-e2e-'));
	const staticDir = join(workDir, 'static');
	const dataDir = join(workDir, 'data');
	await cp(BUILD_DIR, staticDir, { recursive: true });
	await mkdir(dataDir);

	const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
		cwd: ROOT,
		env: { ...process.env, PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, STATIC_DIR: staticDir },
		stdio: ['ignore', 'pipe', 'pipe']
	});
	const port = await waitForListening(child);
	return {
		url: `http://127.0.0.1:${port}`,
		staticDir,
		dataDir,
		stop: () => stopProcess(child)
	};
}

function waitForListening(child: ChildProcess): Promise<number> {
	return new Promise((resolvePort, reject) => {
		const output: string[] = [];
		const fail = (why: string) => {
			clearTimeout(timer);
			child.kill('SIGKILL');
			reject(new Error(`server did not start: ${why}\n${output.join('\n')}`));
		};
		const timer = setTimeout(
			() => fail(`no listening line in ${STARTUP_TIMEOUT_MS} ms`),
			STARTUP_TIMEOUT_MS
		);
		child.once('exit', (code, signal) => fail(`exited early (code ${code}, signal ${signal})`));
		child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
		createInterface({ input: child.stdout! }).on('line', (line) => {
			output.push(line);
			const port = listeningPort(line);
			if (port !== null) {
				clearTimeout(timer);
				child.removeAllListeners('exit');
				resolvePort(port);
			}
		});
	});
}

function listeningPort(line: string): number | null {
	try {
		const record = JSON.parse(line) as { event?: unknown; port?: unknown };
		return record.event === 'listening' && typeof record.port === 'number' ? record.port : null;
	} catch {
		return null;
	}
}

function stopProcess(child: ChildProcess): Promise<void> {
	if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
	return new Promise((resolveStop) => {
		const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
		child.once('exit', () => {
			clearTimeout(killer);
			resolveStop();
		});
		child.kill('SIGTERM');
	});
}

/** Launches headless Chromium, or fails with instructions when it is not installed. */
export async function launchBrowser(): Promise<Browser> {
	requireChromium();
	return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

function requireChromium(): void {
	if (!existsSync(CHROMIUM)) {
		throw new Error(
			`Chromium is missing at ${CHROMIUM}. The browser tests drive Debian's Chromium ` +
				'(Playwright cannot download its own here). Install it: apt-get install -y chromium fonts-dejavu-core'
		);
	}
}

/** A small phone: 360×740 CSS px at 2×, touch. */
const PHONE = {
	viewport: { width: 360, height: 740 },
	deviceScaleFactor: 2,
	isMobile: true,
	hasTouch: true,
	locale: 'en-GB',
	timezoneId: 'Europe/Paris'
} as const;

/** A fresh (incognito) profile sized like a small phone. */
export function newPhoneContext(browser: Browser, baseURL: string): Promise<BrowserContext> {
	return browser.newContext({ baseURL, ...PHONE });
}

/**
 * A phone-sized browser with a real, fresh profile directory. Chromium never considers an
 * incognito context installable, so the installability check needs this one.
 */
export async function launchPersistentPhone(
	baseURL: string,
	userDataDir: string
): Promise<BrowserContext> {
	requireChromium();
	return chromium.launchPersistentContext(userDataDir, {
		executablePath: CHROMIUM,
		args: CHROMIUM_ARGS,
		baseURL,
		...PHONE
	});
}

/** Violations axe reports at these impacts fail the test. */
const BLOCKING_IMPACTS = new Set(['serious', 'critical']);

interface AxeResult {
	violations: { id: string; impact: string | null; help: string; nodes: { target: unknown }[] }[];
}

/** Runs axe-core on the page as it is now and fails on any serious or critical violation. */
export async function expectAccessible(page: Page, screen: string): Promise<void> {
	const hasAxe = await page.evaluate(() => 'axe' in window);
	if (!hasAxe) await page.addScriptTag({ path: AXE_SCRIPT });
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
	await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });
}

/** Every screen gets both: a screenshot for review and an axe check. */
export async function checkScreen(page: Page, name: string): Promise<void> {
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
