import type { EpochMs, HlcTimestamp } from './model';

/**
 * Hybrid logical clock (Kulkarni et al.): a wall-clock time in milliseconds, a counter that
 * orders events within one millisecond (or while the wall clock lags a timestamp already seen),
 * and the id of the clock that issued it as the final tie-breaker.
 *
 * Encoded as `WWWWWWWWWWWWWWW.CCCCCC.node`: 15 wall digits (good until the year 33658), 6 counter
 * digits, then the node id. The fixed widths make plain string comparison agree with
 * `compareHlc`, so the encoded form can be sorted and stored as-is.
 *
 * Why this settles "a device whose clock is a day fast must not win a later vote forever": once
 * a device has seen a timestamp (`receive`), everything it stamps afterwards is greater than that
 * timestamp, however far behind its own wall clock is. So a vote changed on the slow device after
 * it synced the fast device's ballot carries a larger timestamp and wins. Only votes that were
 * concurrent (neither device had seen the other's) are ordered by wall time, and there the fast
 * device wins, as any wall-clock rule would.
 *
 * What skew does to deadlines. A ballot's deadline is judged by `castTimeOf` (decision rule):
 * the device time the voter cast it at (`Ballot.deviceTime`), falling back to this clock's wall
 * part for ballots written without one.
 * - A device whose clock is behind can cast "before the deadline" after it has passed; nothing
 *   on the device can know better while it is offline. That is the price of accepting offline
 *   votes at all, and the audit trail shows both times.
 * - A device whose clock is fast makes its own ballots look late.
 * - `receive` moves the local HLC up to the largest timestamp seen: after syncing with a device a
 *   day fast, a correct device stamps its next events with that fast wall time (frozen, counter
 *   increasing) until real time catches up. Were deadlines judged by the HLC wall part, one fast
 *   phone would make every member's ballot look late. That is why ballots carry the untouched
 *   device time for the deadline and use the HLC only for ordering.
 * - The app shows a remote timestamp more than `MAX_DRIFT_MS` ahead of this device's clock as
 *   skewed (`isSkewed`, `ReceiveReport.skewed`), naming the device's clock as the likely cause
 *   next to the ballot, so members understand why a vote looks late or wins.
 */

/**
 * How far ahead of the local wall clock a remote timestamp may be before it is flagged as
 * skewed: one minute. Phones and laptops that sync their clock over the network agree to well
 * under a second, so a minute never flags an honest device, while it is far below the granularity
 * of any deadline a triad would set (hours or days): a flagged clock is misconfigured, not merely
 * imprecise. Skewed timestamps are still accepted, up to `MAX_ADOPT_AHEAD_MS`; refusing them
 * would break causal order.
 */
export const MAX_DRIFT_MS = 60_000;

/**
 * How far ahead of the local wall clock a remote timestamp may be and still be adopted by
 * `receive`: 400 days. Far beyond any honest drift (see `MAX_DRIFT_MS`), and beyond a device set
 * to the wrong year, which the clock still follows so a vote changed later elsewhere orders after
 * it. A timestamp farther ahead is corrupt or crafted: adopting it would freeze every member's
 * clock at that wall time (the state layer feeds each device the document's latest timestamp),
 * and one near the encodable limit would leave no room to stamp anything.
 *
 * Refused rather than clamped: a clamped clock would still stamp below the remote timestamp, so
 * clamping keeps no causal order that refusing loses, and it would drag every device's wall part
 * ahead by the whole bound. The price of refusing is that events made after seeing such a
 * timestamp order before it; they order after every timestamp within the bound as usual.
 */
export const MAX_ADOPT_AHEAD_MS = 400 * 24 * 60 * 60 * 1000;

const WALL_DIGITS = 15;
const COUNTER_DIGITS = 6;
const MAX_WALL = 10 ** WALL_DIGITS - 1;
const MAX_COUNTER = 10 ** COUNTER_DIGITS - 1;
const NODE_MAX = 64;
/** Where the node id starts in an encoded timestamp: after the wall, the counter and two dots. */
const NODE_START = WALL_DIGITS + 1 + COUNTER_DIGITS + 1;
const DOT = 0x2e;

/** The decoded parts of a timestamp. */
export interface HlcParts {
	wall: EpochMs;
	counter: number;
	node: string;
}

/** True for a node id a clock can be created with: 1–64 characters of base64url. */
export function isValidNodeId(value: unknown): value is string {
	return (
		typeof value === 'string' &&
		value.length >= 1 &&
		value.length <= NODE_MAX &&
		isNodeRun(value, 0)
	);
}

/**
 * Whether `value` is `WWWWWWWWWWWWWWW.CCCCCC.node` exactly: 15 ASCII digits, a dot, 6 ASCII
 * digits, a dot, 1–64 base64url characters. Scanned by character code rather than matched with a
 * RegExp: every timestamp read from a document passes through here, tens of thousands per read of
 * a large triad, and the scan allocates nothing.
 */
function isEncoded(value: string): boolean {
	const { length } = value;
	if (length <= NODE_START || length > NODE_START + NODE_MAX) return false;
	for (let i = 0; i < NODE_START; i++) {
		const code = value.charCodeAt(i);
		if (i === WALL_DIGITS || i === NODE_START - 1) {
			if (code !== DOT) return false;
		} else if (!isDigit(code)) {
			return false;
		}
	}
	return isNodeRun(value, NODE_START);
}

/** Whether every character of `value` from `start` on is base64url (`A-Z a-z 0-9 _ -`). */
function isNodeRun(value: string, start: number): boolean {
	for (let i = start; i < value.length; i++) {
		const code = value.charCodeAt(i);
		const upper = code >= 0x41 && code <= 0x5a;
		const lower = code >= 0x61 && code <= 0x7a;
		if (!upper && !lower && !isDigit(code) && code !== 0x5f && code !== 0x2d) return false;
	}
	return true;
}

function isDigit(code: number): boolean {
	return code >= 0x30 && code <= 0x39;
}

/** Encodes parts into a timestamp. Throws RangeError on parts that cannot be encoded. */
export function encodeHlc(parts: HlcParts): HlcTimestamp {
	const { wall, counter, node } = parts;
	if (!Number.isInteger(wall) || wall < 0 || wall > MAX_WALL) {
		throw new RangeError(`HLC wall time out of range: ${wall}`);
	}
	if (!Number.isInteger(counter) || counter < 0 || counter > MAX_COUNTER) {
		throw new RangeError(`HLC counter out of range: ${counter}`);
	}
	if (!isValidNodeId(node)) throw new RangeError(`invalid HLC node id: ${JSON.stringify(node)}`);
	const w = String(wall).padStart(WALL_DIGITS, '0');
	const c = String(counter).padStart(COUNTER_DIGITS, '0');
	return `${w}.${c}.${node}` as HlcTimestamp;
}

/** Narrows untrusted input (e.g. a value read from a synced document) to a timestamp, or null. */
export function parseHlc(value: unknown): HlcTimestamp | null {
	return typeof value === 'string' && isEncoded(value) ? (value as HlcTimestamp) : null;
}

/** Decodes a timestamp, or returns null when it is not a well-formed one. */
export function hlcParts(value: unknown): HlcParts | null {
	if (typeof value !== 'string' || !isEncoded(value)) return null;
	return {
		wall: Number(value.slice(0, WALL_DIGITS)),
		counter: Number(value.slice(WALL_DIGITS + 1, NODE_START - 1)),
		node: value.slice(NODE_START)
	};
}

/** The wall-clock part of a well-formed timestamp, in epoch milliseconds. */
export function wallTimeOf(ts: HlcTimestamp): EpochMs {
	return Number(ts.slice(0, WALL_DIGITS));
}

/** Total order on timestamps: negative if a is earlier, positive if later, 0 if equal. */
export function compareHlc(a: HlcTimestamp, b: HlcTimestamp): number {
	return a < b ? -1 : a > b ? 1 : 0;
}

/** How many milliseconds the timestamp's wall part lies ahead of `localNow` (negative if behind). */
export function aheadBy(ts: HlcTimestamp, localNow: EpochMs): number {
	return wallTimeOf(ts) - localNow;
}

/** True when the timestamp lies more than `maxDriftMs` ahead of `localNow`. */
export function isSkewed(ts: HlcTimestamp, localNow: EpochMs, maxDriftMs = MAX_DRIFT_MS): boolean {
	return aheadBy(ts, localNow) > maxDriftMs;
}

/** What a clock learned from a remote timestamp. */
export interface ReceiveReport {
	/**
	 * False when the input was not a well-formed timestamp, or lies more than `MAX_ADOPT_AHEAD_MS`
	 * ahead of this device's clock; the clock is unchanged then.
	 */
	accepted: boolean;
	/** How far the remote wall time lies ahead of this device's clock (negative if behind). */
	aheadMs: number;
	/** The remote clock is more than the maximum drift ahead of this device. */
	skewed: boolean;
}

/** A hybrid logical clock owned by one node (one device session). */
export interface HybridClock {
	readonly nodeId: string;
	/**
	 * Stamps a local event: strictly greater than every timestamp issued or accepted before. Never
	 * throws; at the very end of the encodable range (the year 33658) it repeats the last stamp.
	 */
	now(): HlcTimestamp;
	/** Merges a timestamp seen from another node, so later local events order after it. */
	receive(remote: HlcTimestamp): ReceiveReport;
	/** The largest timestamp issued or received so far, or null before the first one. */
	latest(): HlcTimestamp | null;
}

/**
 * Creates a clock for one node. `nodeId` must be unique per running clock (a random id per
 * device session, not the member id: two tabs of one member would otherwise issue equal
 * timestamps). `now` reads the device clock. On opening a document, `receive` every timestamp
 * already in it, so a device whose clock was set back after a restart still stamps later events
 * after its earlier ones.
 */
export function createClock(
	nodeId: string,
	now: () => EpochMs,
	options: { maxDriftMs?: number } = {}
): HybridClock {
	if (!isValidNodeId(nodeId)) {
		throw new RangeError(`invalid HLC node id: ${JSON.stringify(nodeId)}`);
	}
	const maxDriftMs = options.maxDriftMs ?? MAX_DRIFT_MS;
	let wall = 0;
	let counter = 0;
	let latest: HlcTimestamp | null = null;

	const physical = (): EpochMs => Math.min(MAX_WALL, Math.max(0, Math.floor(now())));

	return {
		nodeId,
		now() {
			const pt = physical();
			if (pt > wall) {
				wall = pt;
				counter = 0;
			} else if (counter < MAX_COUNTER) {
				counter += 1;
			} else if (wall < MAX_WALL) {
				// A million events within one millisecond: borrow the next millisecond rather than
				// break monotonicity. The wall part runs ahead by at most that much.
				wall += 1;
				counter = 0;
			}
			// Nothing is left to stamp with past the last encodable instant: repeat the last stamp
			// rather than throw, so writing never stops.
			const stamp = encodeHlc({ wall, counter, node: nodeId });
			if (latest === null || stamp > latest) latest = stamp;
			return latest;
		},
		receive(remote) {
			const parts = hlcParts(remote);
			if (!parts) return { accepted: false, aheadMs: 0, skewed: false };
			const aheadMs = parts.wall - physical();
			if (aheadMs > MAX_ADOPT_AHEAD_MS) return { accepted: false, aheadMs, skewed: true };
			if (parts.wall > wall || (parts.wall === wall && parts.counter > counter)) {
				wall = parts.wall;
				counter = parts.counter;
			}
			if (latest === null || remote > latest) latest = remote;
			return { accepted: true, aheadMs, skewed: aheadMs > maxDriftMs };
		},
		latest: () => latest
	};
}
