import { afterEach, describe, expect, test, vi } from 'vitest';

const PAGE = 'https://triad.example/t/abc';

/** A fresh copy of the module (it remembers being asked) on a page opened as `type`. */
async function coldStartOn(options: { type: NavigationTimingType | null; openedAt?: string }) {
	vi.resetModules();
	vi.stubGlobal('location', { href: PAGE });
	const entries =
		options.type === null ? [] : [{ type: options.type, name: options.openedAt ?? PAGE }];
	vi.spyOn(performance, 'getEntriesByType').mockReturnValue(
		entries as unknown as PerformanceEntryList
	);
	return (await import('./cold-start')).isColdStartScreen;
}

afterEach(() => {
	vi.unstubAllGlobals();
	vi.restoreAllMocks();
});

describe('isColdStartScreen', () => {
	test('is true for the screen the page was loaded on, and only once', async () => {
		const isColdStartScreen = await coldStartOn({ type: 'navigate' });
		expect(isColdStartScreen()).toBe(true);
		expect(isColdStartScreen()).toBe(false);
		expect((await coldStartOn({ type: 'reload' }))()).toBe(true);
	});

	test('is false on a screen reached inside the app after starting elsewhere', async () => {
		const isColdStartScreen = await coldStartOn({
			type: 'navigate',
			openedAt: 'https://triad.example/'
		});
		expect(isColdStartScreen()).toBe(false);
	});

	test('is false when the browser reports no navigation entry', async () => {
		expect((await coldStartOn({ type: null }))()).toBe(false);
	});
});
