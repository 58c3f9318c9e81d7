import { ID_MAX, isDuration, isInstant } from './limits';

/**
 * Tolerant readers for stored values. Any replica can write anything into a shared document, so
 * readers never trust a field's type: a malformed field falls back to a default, and a record
 * without its identity is set aside by the caller (`set-aside.ts`). Fields added by later schema
 * versions are read through the same fallbacks, which is how older documents stay readable.
 * Values are held to the bounds the writers keep (`limits.ts`): instants outside 2000–2200 read
 * as absent, and text longer than a writer stores is cut, so no screen is handed a date it cannot
 * format or a megabyte to lay out.
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

/** An id: a non-empty string of at most `ID_MAX` characters, as the writers store them. */
export function idOr(value: unknown): string | null {
	return typeof value === 'string' && value.length > 0 && value.length <= ID_MAX ? value : null;
}

/**
 * Stored text cut to `max` characters, with an ellipsis to show the cut; `fallback` for anything
 * but a string. Only text no writer stores is cut: `max` is the writer's own limit.
 */
export function textOr(value: unknown, max: number, fallback = ''): string {
	return typeof value === 'string' ? clip(value, max) : fallback;
}

/** `text` cut to at most `max` UTF-16 units (never inside a surrogate pair), plus an ellipsis. */
export function clip(text: string, max: number): string {
	if (text.length <= max) return text;
	const high = text.charCodeAt(max - 1);
	const end = high >= 0xd800 && high <= 0xdbff ? max - 1 : max;
	return `${text.slice(0, end)}…`;
}

/** An instant within the stored range (`limits.ts`), or `fallback`: others read as absent. */
export function instantOr<T>(value: unknown, fallback: T): number | T {
	return isInstant(value) ? value : fallback;
}

/** A number that only orders records (never shown): a non-negative whole number, or `fallback`. */
export function sortKeyOr<T>(value: unknown, fallback: T): number | T {
	return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : fallback;
}

/** A duration within the stored range, or `fallback`. */
export function durationOr<T>(value: unknown, fallback: T): number | T {
	return isDuration(value) ? value : fallback;
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
