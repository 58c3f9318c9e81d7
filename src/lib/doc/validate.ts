import { InvalidInputError } from './errors';

/**
 * Input checks shared by the writers. Each throws `InvalidInputError` naming the field, so the
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
	if (typeof value !== 'string' || value.length === 0 || value.length > 128) {
		throw new InvalidInputError(`${field} must be an id`);
	}
	return value as Id;
}

/** An instant in epoch milliseconds: a finite, non-negative integer. */
export function requireInstant(field: string, value: unknown): number {
	if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
		throw new InvalidInputError(`${field} must be a time in milliseconds since 1970`);
	}
	return value;
}

export function requireDuration(field: string, value: unknown): number {
	if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
		throw new InvalidInputError(`${field} must be a non-negative whole number of milliseconds`);
	}
	return value;
}

export const TITLE_MAX = 200;
export const NOTE_MAX = 20_000;
