import { afterEach, describe, expect, it } from 'vitest';
import { localDateValue, startOfLocalDay, startOfNextLocalDay } from './local-day';

const originalZone = process.env.TZ;

/** Node reads TZ again whenever it is assigned, so each case runs in its own zone. */
function inZone(zone: string) {
	process.env.TZ = zone;
}

afterEach(() => {
	process.env.TZ = originalZone;
});

const HOUR = 3_600_000;

describe('local days for date inputs', () => {
	it('is the device’s day, not the UTC day, in the evening west of UTC and the morning east', () => {
		// 03:30 UTC on 8 December: still the 7th in Los Angeles, already the 8th in Auckland.
		const instant = Date.UTC(2026, 11, 8, 3, 30);
		inZone('America/Los_Angeles');
		expect(localDateValue(instant)).toBe('2026-12-07');
		inZone('Pacific/Auckland');
		expect(localDateValue(instant)).toBe('2026-12-08');
		// 11:30 UTC on 7 December is the early morning of the 8th in Auckland (UTC+13).
		expect(localDateValue(Date.UTC(2026, 11, 7, 11, 30))).toBe('2026-12-08');
		inZone('UTC');
		expect(localDateValue(instant)).toBe('2026-12-08');
	});

	it('a day starts at local midnight and the next day starts on the calendar, across DST', () => {
		inZone('Europe/Paris');
		expect(startOfLocalDay('2026-03-29')).toBe(Date.UTC(2026, 2, 28, 23));
		// The spring-forward day has 23 hours: its end is midnight of the 30th, not 01:00.
		expect(startOfNextLocalDay('2026-03-29')).toBe(Date.UTC(2026, 2, 29, 22));
		expect(startOfNextLocalDay('2026-03-29') - startOfLocalDay('2026-03-29')).toBe(23 * HOUR);
		expect(localDateValue(startOfNextLocalDay('2026-03-29') - 1)).toBe('2026-03-29');
		// The fall-back day has 25.
		expect(startOfNextLocalDay('2026-10-25') - startOfLocalDay('2026-10-25')).toBe(25 * HOUR);
		inZone('America/Los_Angeles');
		expect(localDateValue(startOfLocalDay('2026-12-31'))).toBe('2026-12-31');
		expect(localDateValue(startOfNextLocalDay('2026-12-31'))).toBe('2027-01-01');
	});

	it('refuses what a date input never gives', () => {
		for (const value of ['', '2026-1-1', '2026-12-07T00:00', 'tomorrow', '20261207']) {
			expect(startOfLocalDay(value)).toBeNaN();
			expect(startOfNextLocalDay(value)).toBeNaN();
		}
	});
});
