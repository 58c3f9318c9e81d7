import { afterEach, describe, expect, test, vi } from 'vitest';
import { afterNextPaint, afterPaintWhenIdle } from './after-next-paint';

/** A page whose frames and idle periods the test runs by hand. */
function fakePage(visibility: 'visible' | 'hidden', options: { idleCallbacks: boolean }) {
	const frames: Array<() => void> = [];
	const idle: Array<() => void> = [];
	const listeners = new Set<() => void>();
	const document = {
		visibilityState: visibility,
		addEventListener: (_: string, listener: () => void) => listeners.add(listener),
		removeEventListener: (_: string, listener: () => void) => listeners.delete(listener)
	};
	vi.stubGlobal('document', document);
	vi.stubGlobal('requestAnimationFrame', (callback: () => void) => frames.push(callback));
	vi.stubGlobal(
		'requestIdleCallback',
		options.idleCallbacks ? (callback: () => void) => idle.push(callback) : undefined
	);
	return {
		paint: () => frames.splice(0).forEach((frame) => frame()),
		idle: () => idle.splice(0).forEach((callback) => callback()),
		hide: () => {
			document.visibilityState = 'hidden';
			listeners.forEach((listener) => listener());
		},
		pendingIdle: () => idle.length
	};
}

/** Whether `promise` has settled once every queued task and microtask has run. */
async function settled(promise: Promise<void>): Promise<boolean> {
	let done = false;
	void promise.then(() => (done = true));
	await new Promise((resolve) => setTimeout(resolve, 0));
	await new Promise((resolve) => setTimeout(resolve, 0));
	return done;
}

afterEach(() => vi.unstubAllGlobals());

describe('afterNextPaint', () => {
	test('waits for the next frame, then for the task after it', async () => {
		const page = fakePage('visible', { idleCallbacks: true });
		const painted = afterNextPaint();
		expect(await settled(painted)).toBe(false);
		page.paint();
		expect(await settled(painted)).toBe(true);
	});

	test('settles at once in a hidden tab, and when the tab is hidden before it paints', async () => {
		fakePage('hidden', { idleCallbacks: true });
		expect(await settled(afterNextPaint())).toBe(true);

		const page = fakePage('visible', { idleCallbacks: true });
		const painted = afterNextPaint();
		page.hide();
		expect(await settled(painted)).toBe(true);
	});
});

describe('afterPaintWhenIdle', () => {
	test('waits for the paint and then for an idle period', async () => {
		const page = fakePage('visible', { idleCallbacks: true });
		const ready = afterPaintWhenIdle();
		page.paint();
		expect(await settled(ready)).toBe(false);
		expect(page.pendingIdle()).toBe(1);
		page.idle();
		expect(await settled(ready)).toBe(true);
	});

	test('needs only the paint where the browser has no idle callbacks (Safari)', async () => {
		const page = fakePage('visible', { idleCallbacks: false });
		const ready = afterPaintWhenIdle();
		expect(await settled(ready)).toBe(false);
		page.paint();
		expect(await settled(ready)).toBe(true);
	});
});
