/**
 * Debian's Chromium driven by playwright-core, with the flags DESIGN §5 asks for: no sandbox in
 * containers, no traffic beyond 127.0.0.1. Free of test-runner imports so benches can use it too.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext } from 'playwright-core';

/** Where Debian installs Chromium; Playwright cannot download its own here. */
export const CHROMIUM = '/usr/bin/chromium';

/** The project's one list of Chromium flags (DESIGN §5): no sandbox, no traffic off 127.0.0.1. */
export const CHROMIUM_ARGS = [
	'--no-sandbox',
	'--disable-gpu',
	'--disable-background-networking',
	'--disable-component-update',
	'--disable-sync',
	'--no-first-run',
	'--disable-quic'
];

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
		args: CHROMIUM_ARGS,
		baseURL,
		...PHONE
	});
}
