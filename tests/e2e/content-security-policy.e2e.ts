/**
 * The app under its Content-Security-Policy: SvelteKit's hashed bootstrap script is the only
 * inline script allowed, and every screen of a short walk (home, create, invite, triad, a
 * proposal in the TipTap editor, join, a reload from the service worker) works without one
 * violation. An injected inline script is blocked and reported, which shows the watch works.
 */
import type { BrowserContext, Page } from 'playwright-core';
import { describe, expect, test } from 'vitest';
import { useHarness } from './harness';
import { Member } from './member';

const harness = useHarness();
const TRIAD = 'Policy triad';
const PROPOSAL = 'Under the policy';
const TEXT = 'Typed under a strict policy.';

/**
 * Collects every CSP violation of the context's pages, as `securitypolicyviolation` events (from
 * before any script of the page runs) and as the console errors Chromium writes for them.
 */
async function watchViolations(context: BrowserContext): Promise<string[]> {
	const violations: string[] = [];
	await context.exposeBinding('reportCspViolation', (_source, text: string) => {
		violations.push(text);
	});
	await context.addInitScript(() => {
		document.addEventListener('securitypolicyviolation', (event) => {
			const report = (window as unknown as { reportCspViolation(text: string): void })
				.reportCspViolation;
			report(`${event.effectiveDirective} blocked ${event.blockedURI} on ${location.pathname}`);
		});
	});
	context.on('console', (message) => {
		if (/Content.Security.Policy/i.test(message.text())) violations.push(message.text());
	});
	return violations;
}

/** Resolves once a service worker controls the page. */
async function waitForServiceWorker(page: Page): Promise<void> {
	await page.evaluate(async () => {
		await navigator.serviceWorker.ready;
		if (navigator.serviceWorker.controller) return;
		await new Promise((resolve) =>
			navigator.serviceWorker.addEventListener('controllerchange', resolve, { once: true })
		);
	});
}

describe('the Content-Security-Policy', () => {
	let kim: Member;
	let kimViolations: string[];

	test('is sent with the app, hashes its bootstrap script and forbids framing', async () => {
		const context = await harness.newMember();
		const response = await context.request.get('/');
		const policy = response.headers()['content-security-policy'] ?? '';
		expect(policy).toMatch(/script-src 'self' 'sha256-[A-Za-z0-9+/]+=*'(;|$)/);
		expect(policy).toContain("frame-ancestors 'none'");
		expect(policy).not.toMatch(/script-src[^;]*'unsafe-inline'/);
		expect(response.headers()['referrer-policy']).toBe('no-referrer');
		expect(response.headers()['x-frame-options']).toBe('DENY');
		await context.close();
	});

	test('lets every screen of a short walk work without a violation', async () => {
		const kimContext = await harness.newMember();
		kimViolations = await watchViolations(kimContext);
		kim = await Member.open(kimContext, 'Kim');
		const invite = await kim.createTriad({
			name: TRIAD,
			purpose: 'Work under a strict policy.',
			level: 'Strategic',
			unit: 'Security'
		});
		await kim.page.locator('.qr svg').waitFor();
		await kim.page.getByRole('link', { name: 'Go to the triad' }).click();
		await kim.heading(TRIAD).waitFor();
		// The sync WebSocket is allowed: the relay confirms the triad.
		await kim.expectPill('Synced');
		await kim.draftProposal(PROPOSAL);
		await kim.typeInEditor(TEXT);
		await kim.seesBlocks([TEXT]);

		const benContext = await harness.newMember();
		const benViolations = await watchViolations(benContext);
		const ben = await Member.open(benContext, 'Ben');
		await ben.joinWith(invite, TRIAD);
		await ben.acceptInvite(TRIAD);
		await ben.openProposal(PROPOSAL);
		await ben.seesBlocks([TEXT]);

		// A reload is answered by the service worker from its cache, policy and all.
		await waitForServiceWorker(kim.page);
		await kim.page.reload();
		await kim.heading(PROPOSAL).waitFor();
		await kim.seesBlocks([TEXT]);

		expect(kimViolations).toEqual([]);
		expect(benViolations).toEqual([]);
	});

	test('blocks an injected inline script, and the watch sees it', async () => {
		await kim.page.evaluate(() => {
			const script = document.createElement('script');
			script.textContent = 'window.injected = true;';
			document.body.append(script);
		});
		await expect.poll(() => kimViolations.length).toBeGreaterThan(0);
		expect(kimViolations.join('\n')).toMatch(/script-src/);
		expect(await kim.page.evaluate(() => 'injected' in window)).toBe(false);
	});
});
