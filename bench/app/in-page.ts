/**
 * Source text that calls `fn(arg)` in the page. Functions handed to Playwright as functions
 * lose a helper on the way: tsx compiles with esbuild's keepNames, which wraps named inner
 * functions in `__name(…)`, defined in the bench's module but not in the page. The expression
 * defines a pass-through `__name` in its own scope first.
 */
export function inPage<T>(fn: (arg: T) => unknown, arg: T): string {
	return `(() => { const __name = (target) => target; return (${fn.toString()})(${JSON.stringify(arg)}); })()`;
}
