/**
 * The bounds of what the doc layer stores, shared by its writers, which refuse anything outside
 * them, and its readers, which never hand anything outside them to the screens. Any member's app
 * can write any value into the shared document, so the readers hold the same line the writers do:
 * a reader never cuts or drops what a writer of this version accepts.
 */

/** No instant a triad records (a vote, a deadline, a due day) is earlier than this. */
export const INSTANT_MIN = Date.UTC(2000, 0, 1);
/** No instant a triad records is this late. */
export const INSTANT_MAX = Date.UTC(2200, 0, 1);
/**
 * The longest duration (a reflection delay): the whole span of instants, so an instant plus a
 * duration stays far inside the range `Date` and `Intl.DateTimeFormat` can show.
 */
export const DURATION_MAX = INSTANT_MAX - INSTANT_MIN;

/** The longest id (member, proposal, ballot…): ids the app mints have 22 characters. */
export const ID_MAX = 128;
/** A member's display name, as the device's identity allows it. */
export const NAME_MAX = 60;
/** Titles: a triad's name and unit, proposal and action titles. */
export const TITLE_MAX = 200;
/** Free text: a purpose, log entries, notes, reasons, outcomes. */
export const NOTE_MAX = 20_000;

/** Whether `value` is an instant the doc layer stores: a whole number of ms in the range above. */
export function isInstant(value: unknown): value is number {
	return (
		typeof value === 'number' &&
		Number.isSafeInteger(value) &&
		value >= INSTANT_MIN &&
		value <= INSTANT_MAX
	);
}

/** Whether `value` is a duration the doc layer stores: whole ms from 0 to `DURATION_MAX`. */
export function isDuration(value: unknown): value is number {
	return (
		typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 && value <= DURATION_MAX
	);
}
