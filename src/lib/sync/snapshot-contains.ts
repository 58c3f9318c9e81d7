import type * as Y from 'yjs';

type DeleteRanges = Y.Snapshot['ds']['clients'] extends Map<number, infer R> ? R : never;

/** Sorts and joins touching ranges, so that coverage can be checked by one binary search. */
function merged(ranges: DeleteRanges): { clock: number; end: number }[] {
	const sorted = [...ranges].sort((a, b) => a.clock - b.clock);
	const result: { clock: number; end: number }[] = [];
	for (const { clock, len } of sorted) {
		const last = result.at(-1);
		if (last !== undefined && clock <= last.end) last.end = Math.max(last.end, clock + len);
		else result.push({ clock, end: clock + len });
	}
	return result;
}

function covers(ranges: { clock: number; end: number }[], clock: number, end: number): boolean {
	let low = 0;
	let high = ranges.length - 1;
	while (low <= high) {
		const middle = (low + high) >> 1;
		const range = ranges[middle]!;
		if (range.end <= clock) low = middle + 1;
		else if (range.clock > clock) high = middle - 1;
		else return range.end >= end;
	}
	return false;
}

/**
 * Whether the state `inner` is part of the state `outer`: every struct of `inner` is within
 * `outer`'s state vector and every deletion of `inner` is in `outer`'s delete set.
 *
 * `Y.snapshotContainsUpdate` answers the same question but needs `inner` as an encoded update;
 * encoding a large document for it took 400 ms of a triad's opening, while two snapshots
 * compare in time linear in the number of clients and delete ranges.
 */
export function snapshotContains(outer: Y.Snapshot, inner: Y.Snapshot): boolean {
	for (const [client, clock] of inner.sv) {
		if (clock > (outer.sv.get(client) ?? 0)) return false;
	}
	for (const [client, ranges] of inner.ds.clients) {
		const outerRanges = merged(outer.ds.clients.get(client) ?? []);
		for (const { clock, len } of ranges) {
			if (len > 0 && !covers(outerRanges, clock, clock + len)) return false;
		}
	}
	return true;
}
