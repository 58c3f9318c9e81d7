/**
 * Settles after the browser has painted the next frame. A hidden tab paints nothing (and runs no
 * animation frames), so there it settles at once, or as soon as the tab is hidden.
 */
export function afterNextPaint(): Promise<void> {
	if (typeof requestAnimationFrame === 'undefined' || document.visibilityState === 'hidden') {
		return Promise.resolve();
	}
	return new Promise((resolve) => {
		const onHidden = () => {
			if (document.visibilityState === 'hidden') done();
		};
		const done = () => {
			document.removeEventListener('visibilitychange', onHidden);
			resolve();
		};
		document.addEventListener('visibilitychange', onHidden);
		// rAF runs just before the paint; a task queued from it runs after that frame.
		requestAnimationFrame(() => setTimeout(done, 0));
	});
}

// Long enough for a tap that came in during the first paint to be handled first; short enough
// that nobody scrolls down to an empty page.
const IDLE_TIMEOUT_MS = 300;

/**
 * Settles after the next paint, once the main thread is idle (or after a short timeout), so
 * that work which can wait gives way to input. Safari has no requestIdleCallback; there the
 * paint is enough.
 */
export async function afterPaintWhenIdle(): Promise<void> {
	await afterNextPaint();
	if (typeof requestIdleCallback === 'undefined') return;
	await new Promise<void>((resolve) =>
		requestIdleCallback(() => resolve(), { timeout: IDLE_TIMEOUT_MS })
	);
}
