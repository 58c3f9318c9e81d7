/**
 * Tolerant readers for stored values. Any replica can write anything into a shared document, so
 * readers never trust a field's type: a malformed field falls back to a default, and a record
 * without its identity is skipped by the caller. Fields added by later schema versions are read
 * through the same fallbacks, which is how older documents stay readable.
 */

export type Fields = { get(key: string): unknown };

export function asRecord(value: unknown): Fields | null {
	if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
	const record = value as Record<string, unknown>;
	return { get: (key) => (Object.hasOwn(record, key) ? record[key] : undefined) };
}

export function stringOr(value: unknown, fallback: string): string {
	return typeof value === 'string' ? value : fallback;
}

export function nonEmptyString(value: unknown): string | null {
	return typeof value === 'string' && value.length > 0 ? value : null;
}

export function finiteOr<T>(value: unknown, fallback: T): number | T {
	return typeof value === 'number' && Number.isFinite(value) ? value : fallback;
}

export function oneOf<T extends string>(allowed: readonly T[], value: unknown): T | null {
	return typeof value === 'string' && (allowed as readonly string[]).includes(value)
		? (value as T)
		: null;
}

export function booleanOr(value: unknown, fallback: boolean): boolean {
	return typeof value === 'boolean' ? value : fallback;
}

/** Code-unit order, the same on every device (unlike `localeCompare`). */
export function compareStrings(a: string, b: string): number {
	return a < b ? -1 : a > b ? 1 : 0;
}
