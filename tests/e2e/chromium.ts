/**
 * Debian's Chromium driven by playwright-core, with flags that let it run in a container (no
 * sandbox, no GPU) and keep its traffic on 127.0.0.1 (no background networking, component
 * updates, sync or QUIC), so that runs need no network and are not disturbed by the browser's own
 * requests. Free of test-runner imports so benches can use it too.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext } from 'playwright-core';

/** Where Debian installs Chromium; Playwright cannot download its own here. */
export const CHROMIUM = '/usr/bin/chromium';

/** The project's one list of Chromium flags: no sandbox, no traffic off 127.0.0.1. */
export const CHROMIUM_ARGS = [
	'--no-sandbox',
	'--disable-gpu',
	'--disable-background-networking',
	'--disable-component-update',
	'--disable-sync',
	'--no-first-run',
	'--disable-quic'
];

/*
 * Headless Chromium builds its omnibox popup, a WebUI page in a renderer of its own, as a tab
 * navigates. A phone has no such page, and on this two-core machine it took about 280 ms of CPU
 * in the middle of a measured triad opening. Puppeteer turns these features off by default too.
 */
const EXTRA_DISABLED_FEATURES = ['WebUIOmniboxPopup', 'WebUIOmniboxAimPopup'];

interface LaunchSwitches {
	args: string[];
	ignoreDefaultArgs: string[];
}

let switchesOnce: Promise<LaunchSwitches> | undefined;

/**
 * Chromium reads only the last `--disable-features`, and Playwright passes its own list, so ours
 * is merged into Playwright's rather than appended after it (which would drop Playwright's).
 * The list is read once per process from a browser server's command line.
 */
function launchSwitches(): Promise<LaunchSwitches> {
	switchesOnce ??= (async () => {
		const server = await chromium.launchServer({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
		const spawned = server.process().spawnargs;
		await server.close();
		const playwrights = spawned.find((arg) => arg.startsWith('--disable-features='));
		const extra = EXTRA_DISABLED_FEATURES.join(',');
		return playwrights
			? { args: [...CHROMIUM_ARGS, `${playwrights},${extra}`], ignoreDefaultArgs: [playwrights] }
			: { args: [...CHROMIUM_ARGS, `--disable-features=${extra}`], ignoreDefaultArgs: [] };
	})();
	return switchesOnce;
}

/** Launches headless Chromium, or fails with instructions when it is not installed. */
export async function launchBrowser(): Promise<Browser> {
	requireChromium();
	return chromium.launch({ executablePath: CHROMIUM, ...(await launchSwitches()) });
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
export const PHONE = {
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
		...(await launchSwitches()),
		baseURL,
		...PHONE
	});
}
