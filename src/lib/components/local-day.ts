/*
 * Whole days as the device's time zone counts them, for date inputs: they take and give local days
 * (YYYY-MM-DD). `toISOString` would give the UTC day, a day off in the evening west of UTC and in
 * the morning east of it; and a day is not always 24 hours long, so the day after is found on the
 * calendar, not by adding hours.
 */

function two(n: number): string {
	return String(n).padStart(2, '0');
}

/** The day `epochMs` falls on in the device's time zone, as a date input's value. */
export function localDateValue(epochMs: number): string {
	const date = new Date(epochMs);
	return `${String(date.getFullYear()).padStart(4, '0')}-${two(date.getMonth() + 1)}-${two(date.getDate())}`;
}

function parts(value: string): [number, number, number] | null {
	const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
	return match ? [Number(match[1]), Number(match[2]) - 1, Number(match[3])] : null;
}

/** The first instant of the local day `value` (YYYY-MM-DD); NaN for anything else. */
export function startOfLocalDay(value: string): number {
	const day = parts(value);
	return day ? new Date(day[0], day[1], day[2]).getTime() : NaN;
}

/** The first instant of the local day after `value`: the end (exclusive) of a span ending that day. */
export function startOfNextLocalDay(value: string): number {
	const day = parts(value);
	return day ? new Date(day[0], day[1], day[2] + 1).getTime() : NaN;
}
