let asked = false;

/**
 * True once per page, for the screen the page was loaded on (the app's start), and false for
 * screens reached inside the app afterwards, whose code and data are already warm. Such a first
 * screen may render its off-screen parts after its first paint.
 */
export function isColdStartScreen(): boolean {
	if (asked) return false;
	asked = true;
	const [entry] = performance.getEntriesByType('navigation') as PerformanceNavigationTiming[];
	return entry !== undefined && entry.name === location.href;
}
