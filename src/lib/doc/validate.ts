import { InvalidInputError } from './errors';
import { DURATION_MAX, ID_MAX, INSTANT_MAX, INSTANT_MIN, isDuration, isInstant } from './limits';

export { NAME_MAX, NOTE_MAX, TITLE_MAX } from './limits';

/**
 * Input checks shared by the writers. Each throws `InvalidInputError` naming the field, or a
 * RangeError naming it when a number lies outside what the doc layer stores (`limits.ts`), so the
 * UI can show the message as it is.
 */

export function requireText(field: string, value: unknown, maxLength: number): string {
	if (typeof value !== 'string') throw new InvalidInputError(`${field} must be text`);
	const trimmed = value.trim();
	if (trimmed.length === 0) throw new InvalidInputError(`${field} must not be empty`);
	if (trimmed.length > maxLength) {
		throw new InvalidInputError(`${field} is longer than ${maxLength} characters`);
	}
	return trimmed;
}

export function optionalText(field: string, value: unknown, maxLength: number): string {
	if (value === undefined) return '';
	if (typeof value !== 'string') throw new InvalidInputError(`${field} must be text`);
	if (value.length > maxLength) {
		throw new InvalidInputError(`${field} is longer than ${maxLength} characters`);
	}
	return value;
}

export function requireOneOf<T extends string>(
	field: string,
	allowed: readonly T[],
	value: unknown
): T {
	if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) {
		return value as T;
	}
	throw new InvalidInputError(
		`${field} must be one of ${allowed.join(', ')}, got ${String(value)}`
	);
}

export function requireId<Id extends string>(field: string, value: unknown): Id {
	if (typeof value !== 'string' || value.length === 0 || value.length > ID_MAX) {
		throw new InvalidInputError(`${field} must be an id`);
	}
	return value as Id;
}

/**
 * An instant in epoch milliseconds: a whole number from 2000 to 2200 (`INSTANT_MIN`, `INSTANT_MAX`).
 * A number outside that range is refused with a RangeError, not stored: readers ignore such
 * instants, so storing one would write something no member sees.
 */
export function requireInstant(field: string, value: unknown): number {
	if (typeof value !== 'number') {
		throw new InvalidInputError(`${field} must be a time in milliseconds since 1970`);
	}
	if (!isInstant(value)) {
		throw new RangeError(
			`${field} must be a time from ${iso(INSTANT_MIN)} to ${iso(INSTANT_MAX)} in whole ` +
				`milliseconds, got ${value}`
		);
	}
	return value;
}

/**
 * A number that only orders records and is never shown as a date (a member's join time): any
 * non-negative whole number.
 */
export function requireSortKey(field: string, value: unknown): number {
	if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
		throw new InvalidInputError(`${field} must be a non-negative whole number`);
	}
	return value;
}

/** A duration in milliseconds: a whole number from 0 to `DURATION_MAX` (200 years). */
export function requireDuration(field: string, value: unknown): number {
	if (typeof value !== 'number') {
		throw new InvalidInputError(`${field} must be a non-negative whole number of milliseconds`);
	}
	if (!isDuration(value)) {
		throw new RangeError(
			`${field} must be a whole number of milliseconds from 0 to ${DURATION_MAX} (200 years), ` +
				`got ${value}`
		);
	}
	return value;
}

function iso(instant: number): string {
	return new Date(instant).toISOString().slice(0, 10);
}
