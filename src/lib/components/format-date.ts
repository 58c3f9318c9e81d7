/*
 * Made on first use, not when this module loads: the first formatter of a page loads the
 * locale's data, a noticeable part of a triad screen's opening, and the screen's first paint
 * shows no date.
 */
let dateTime: Intl.DateTimeFormat | undefined;
let dateOnly: Intl.DateTimeFormat | undefined;

/** A moment as the user's locale writes it, e.g. "3 Mar 2026, 14:05". */
export function formatDateTime(epochMs: number): string {
	dateTime ??= new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
	return dateTime.format(epochMs);
}

/** A day as the user's locale writes it. */
export function formatDate(epochMs: number): string {
	dateOnly ??= new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });
	return dateOnly.format(epochMs);
}
