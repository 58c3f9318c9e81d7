import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
	aheadBy,
	compareHlc,
	createClock,
	encodeHlc,
	hlcParts,
	isSkewed,
	isValidNodeId,
	MAX_ADOPT_AHEAD_MS,
	MAX_DRIFT_MS,
	parseHlc,
	wallTimeOf
} from './hlc';
import type { HlcTimestamp } from './model';

const DAY = 24 * 60 * 60 * 1000;
const T0 = Date.UTC(2026, 10, 29, 10, 0, 0);

/** A device clock the test moves by hand. */
function manualTime(start: number) {
	let t = start;
	return {
		read: () => t,
		set: (value: number) => {
			t = value;
		}
	};
}

describe('encoding', () => {
	it('round-trips parts and sorts like compareHlc', () => {
		const ts = encodeHlc({ wall: T0, counter: 7, node: 'phone-A' });
		expect(ts).toBe(`00${T0}.000007.phone-A`);
		expect(hlcParts(ts)).toEqual({ wall: T0, counter: 7, node: 'phone-A' });
		expect(wallTimeOf(ts)).toBe(T0);
	});

	it('string order equals (wall, counter, node) order', () => {
		const part = fc.record({
			wall: fc.integer({ min: 0, max: 10 ** 15 - 1 }),
			counter: fc.integer({ min: 0, max: 999_999 }),
			node: fc.stringMatching(/^[A-Za-z0-9_-]{1,12}$/)
		});
		fc.assert(
			fc.property(part, part, (a, b) => {
				const byParts =
					a.wall !== b.wall
						? Math.sign(a.wall - b.wall)
						: a.counter !== b.counter
							? Math.sign(a.counter - b.counter)
							: a.node < b.node
								? -1
								: a.node > b.node
									? 1
									: 0;
				expect(compareHlc(encodeHlc(a), encodeHlc(b))).toBe(byParts);
			})
		);
	});

	it('parseHlc rejects garbage and accepts well-formed timestamps', () => {
		const good = encodeHlc({ wall: T0, counter: 0, node: 'n' });
		expect(parseHlc(good)).toBe(good);
		for (const bad of [
			undefined,
			null,
			42,
			{},
			'',
			'garbage',
			`${T0}.000000.n`, // wall not padded
			`00${T0}.0.n`, // counter not padded
			`00${T0}.000000.`, // empty node
			`00${T0}.000000.a.b`, // dot inside node
			`00${T0}.000000.n `, // trailing space
			`-0${T0}.000000.n`,
			`00${T0}.000000.${'x'.repeat(65)}`
		]) {
			expect(parseHlc(bad)).toBeNull();
			expect(hlcParts(bad)).toBeNull();
		}
	});

	it('parseHlc, hlcParts and isValidNodeId agree with the format as a regular expression', () => {
		// The parser scans character codes for speed; the format's plain statement is the oracle.
		const encoded = /^(\d{15})\.(\d{6})\.([A-Za-z0-9_-]{1,64})$/;
		const nodeId = /^[A-Za-z0-9_-]{1,64}$/;
		// Characters at and around every class boundary the parser tests, plus look-alike digits.
		const near = [...'09AZaz_-./:@[`{\n ', '\u0660', '\uff10', '\u00e9', '\u{1F600}'];
		const char = fc.oneof(fc.constantFrom(...near), fc.string({ maxLength: 1, unit: 'binary' }));
		const valid = fc
			.record({
				wall: fc.integer({ min: 0, max: 10 ** 15 - 1 }),
				counter: fc.integer({ min: 0, max: 999_999 }),
				node: fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/)
			})
			.map((parts) => encodeHlc(parts) as string);
		const edited = fc
			.tuple(valid, fc.nat(), char, fc.constantFrom('replace', 'insert', 'delete', 'cut'))
			.map(([text, at, c, edit]) => {
				const i = at % (text.length + 1);
				if (edit === 'replace') return text.slice(0, i) + c + text.slice(i + 1);
				if (edit === 'insert') return text.slice(0, i) + c + text.slice(i);
				if (edit === 'delete') return text.slice(0, i) + text.slice(i + 1);
				return text.slice(0, i);
			});
		const candidate = fc.oneof(valid, edited, fc.string({ unit: char, maxLength: 90 }));
		fc.assert(
			fc.property(candidate, (text) => {
				const match = encoded.exec(text);
				expect(parseHlc(text)).toBe(match ? text : null);
				expect(hlcParts(text)).toEqual(
					match ? { wall: Number(match[1]), counter: Number(match[2]), node: match[3] } : null
				);
				expect(isValidNodeId(text)).toBe(nodeId.test(text));
			}),
			{ numRuns: 2000 }
		);
	});

	it('refuses to encode out-of-range parts', () => {
		expect(() => encodeHlc({ wall: -1, counter: 0, node: 'n' })).toThrow(RangeError);
		expect(() => encodeHlc({ wall: 1.5, counter: 0, node: 'n' })).toThrow(RangeError);
		expect(() => encodeHlc({ wall: 0, counter: 1_000_000, node: 'n' })).toThrow(RangeError);
		expect(() => encodeHlc({ wall: 0, counter: 0, node: 'a.b' })).toThrow(RangeError);
		expect(() => createClock('', () => 0)).toThrow(RangeError);
	});
});

describe('clock', () => {
	it('is strictly monotonic even when the device clock stands still or goes back', () => {
		const time = manualTime(T0);
		const clock = createClock('laptop', time.read);
		const stamps: HlcTimestamp[] = [];
		for (const t of [T0, T0, T0 + 5, T0 - 1000, T0 - 1000, T0 + 6, 0]) {
			time.set(t);
			stamps.push(clock.now());
		}
		for (let i = 1; i < stamps.length; i++) {
			expect(compareHlc(stamps[i - 1]!, stamps[i]!)).toBeLessThan(0);
		}
		expect(wallTimeOf(stamps[3]!)).toBe(T0 + 5);
		expect(clock.latest()).toBe(stamps.at(-1));
	});

	it('follows the device clock when it moves forward', () => {
		const time = manualTime(T0);
		const clock = createClock('laptop', time.read);
		clock.now();
		time.set(T0 + 60_000);
		expect(hlcParts(clock.now())).toEqual({ wall: T0 + 60_000, counter: 0, node: 'laptop' });
	});

	it('borrows the next millisecond when the counter runs out', () => {
		const clock = createClock('busy', () => T0);
		clock.receive(encodeHlc({ wall: T0, counter: 999_999, node: 'other' }));
		expect(hlcParts(clock.now())).toEqual({ wall: T0 + 1, counter: 0, node: 'busy' });
	});

	it('orders local events after every received timestamp', () => {
		fc.assert(
			fc.property(
				fc.array(
					fc.record({
						wall: fc.integer({ min: 0, max: 2 * T0 }),
						counter: fc.integer({ min: 0, max: 999_998 }),
						node: fc.constantFrom('a', 'b', 'zzz')
					}),
					{ minLength: 1, maxLength: 20 }
				),
				fc.integer({ min: 0, max: 2 * T0 }),
				(drawn, deviceTime) => {
					// Within the adoption bound: farther ones are refused (see the skew tests).
					const remotes = drawn.filter((r) => r.wall <= deviceTime + MAX_ADOPT_AHEAD_MS);
					const clock = createClock('m', () => deviceTime);
					const received = remotes.map(encodeHlc);
					for (const r of received) expect(clock.receive(r).accepted).toBe(true);
					const next = clock.now();
					for (const r of received) expect(compareHlc(next, r)).toBeGreaterThan(0);
				}
			)
		);
	});

	it('ignores malformed remote timestamps', () => {
		const clock = createClock('m', () => T0);
		const before = clock.now();
		expect(clock.receive('99999999999999999999' as HlcTimestamp)).toEqual({
			accepted: false,
			aheadMs: 0,
			skewed: false
		});
		expect(clock.latest()).toBe(before);
		expect(hlcParts(clock.now())).toEqual({ wall: T0, counter: 1, node: 'm' });
	});
});

describe('skew', () => {
	it('a device a day fast does not win a vote changed later on a synced slow device', () => {
		const fastTime = manualTime(T0 + DAY);
		const slowTime = manualTime(T0);
		const fast = createClock('fastphone', fastTime.read);
		const slow = createClock('slowlaptop', slowTime.read);

		const slowFirstVote = slow.now();
		const fastVote = fast.now(); // "tomorrow", from the slow device's point of view
		expect(compareHlc(fastVote, slowFirstVote)).toBeGreaterThan(0); // concurrent: wall time decides

		slowTime.set(T0 + 60 * 60 * 1000); // an hour later the slow device syncs...
		const report = slow.receive(fastVote);
		expect(report.accepted).toBe(true);
		expect(report.skewed).toBe(true);
		expect(report.aheadMs).toBe(DAY - 60 * 60 * 1000);

		const slowChangedVote = slow.now(); // ...and the member changes their vote there
		expect(compareHlc(slowChangedVote, fastVote)).toBeGreaterThan(0);
		// The slow device's HLC now carries the fast wall time until its own clock catches up:
		// why deadlines are judged by the ballot's device time, not by this wall part.
		expect(wallTimeOf(slowChangedVote)).toBe(T0 + DAY);
		slowTime.set(T0 + DAY + 1);
		expect(wallTimeOf(slow.now())).toBe(T0 + DAY + 1);
	});

	it('does not adopt a crafted or corrupt timestamp far in the future, and keeps stamping', () => {
		const clock = createClock('m', () => T0);
		const before = clock.now();
		const report = clock.receive('999999999999999.999999.x' as HlcTimestamp);
		expect(report).toMatchObject({ accepted: false, skewed: true });
		expect(report.aheadMs).toBeGreaterThan(MAX_ADOPT_AHEAD_MS);
		expect(clock.latest()).toBe(before);
		const after = clock.now();
		expect(compareHlc(after, before)).toBeGreaterThan(0);
		expect(wallTimeOf(after)).toBe(T0);
	});

	it('adopts a timestamp up to the adoption bound ahead, and refuses one beyond it', () => {
		const clock = createClock('m', () => T0);
		const atBound = encodeHlc({ wall: T0 + MAX_ADOPT_AHEAD_MS, counter: 0, node: 'n' });
		const beyond = encodeHlc({ wall: T0 + MAX_ADOPT_AHEAD_MS + 1, counter: 0, node: 'n' });
		expect(clock.receive(beyond).accepted).toBe(false);
		expect(clock.receive(atBound)).toMatchObject({ accepted: true, skewed: true });
		expect(compareHlc(clock.now(), atBound)).toBeGreaterThan(0);
	});

	it('never throws, even with the device clock at the end of the encodable range', () => {
		const clock = createClock('m', () => 10 ** 15 + 5);
		const first = clock.now();
		clock.receive(encodeHlc({ wall: 10 ** 15 - 1, counter: 999_999, node: 'n' }));
		expect(() => clock.now()).not.toThrow();
		expect(compareHlc(clock.now(), first)).toBeGreaterThanOrEqual(0);
	});

	it('flags only timestamps more than the maximum drift ahead', () => {
		const ts = encodeHlc({ wall: T0, counter: 0, node: 'n' });
		expect(aheadBy(ts, T0 - 10)).toBe(10);
		expect(isSkewed(ts, T0 - MAX_DRIFT_MS)).toBe(false);
		expect(isSkewed(ts, T0 - MAX_DRIFT_MS - 1)).toBe(true);
		expect(isSkewed(ts, T0 + DAY)).toBe(false); // behind is never "skewed ahead"
		expect(isSkewed(ts, T0 - 2000, 1000)).toBe(true);
		const clock = createClock('m', () => T0 - 2000, { maxDriftMs: 1000 });
		expect(clock.receive(ts).skewed).toBe(true);
	});
});
