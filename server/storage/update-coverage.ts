import * as Y from 'yjs';

/** A sorted, merged list of deleted clock ranges of one client, as [start, end) pairs. */
type Ranges = [number, number][];

/**
 * A test of whether `state` contains an update: every struct of the update is within the
 * state's contiguous clocks, and every deletion of the update is among the state's deletions.
 * Conservative: an update that does not decode, or whose deletions the state does not show
 * (e.g. they delete items the state lacks), counts as not contained.
 *
 * Compaction across relay nodes relies on it (see `RelayStorage.compact`): a node deletes only
 * the stored updates its merged state provably holds, whatever their seqs.
 */
export function coveredBy(state: Uint8Array): (update: Uint8Array) => boolean {
	// Counts each client's clocks from 0 up to its first gap: structs after a gap are pending.
	const stateVector = Y.decodeStateVector(Y.encodeStateVectorFromUpdate(state));
	const deleted = new Map<number, Ranges>();
	for (const [client, items] of Y.decodeUpdate(state).ds.clients) {
		deleted.set(client, merged(items.map((item) => [item.clock, item.clock + item.len])));
	}
	return (update) => {
		let decoded: ReturnType<typeof Y.decodeUpdate>;
		try {
			decoded = Y.decodeUpdate(update);
		} catch {
			return false;
		}
		for (const struct of decoded.structs) {
			if (struct instanceof Y.Skip) continue;
			const known = stateVector.get(struct.id.client) ?? 0;
			if (struct.id.clock + struct.length > known) return false;
		}
		for (const [client, items] of decoded.ds.clients) {
			const ranges = deleted.get(client) ?? [];
			for (const item of items) {
				if (!within(ranges, item.clock, item.clock + item.len)) return false;
			}
		}
		return true;
	};
}

function merged(ranges: Ranges): Ranges {
	const sorted = [...ranges].sort((a, b) => a[0] - b[0]);
	const result: Ranges = [];
	for (const [start, end] of sorted) {
		const last = result.at(-1);
		if (last !== undefined && start <= last[1]) last[1] = Math.max(last[1], end);
		else result.push([start, end]);
	}
	return result;
}

/** Whether [start, end) lies inside one of the merged `ranges` (binary search). */
function within(ranges: Ranges, start: number, end: number): boolean {
	if (end <= start) return true;
	let low = 0;
	let high = ranges.length - 1;
	while (low <= high) {
		const middle = (low + high) >> 1;
		const range = ranges[middle] as [number, number];
		if (range[1] <= start) low = middle + 1;
		else if (range[0] > start) high = middle - 1;
		else return end <= range[1];
	}
	return false;
}
