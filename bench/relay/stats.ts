/** Nearest-rank percentile (0 < p <= 100) of an ascending-sorted sample; NaN when empty. */
export function percentileOfSorted(sorted: ArrayLike<number>, p: number): number {
	if (sorted.length === 0) return Number.NaN;
	const rank = Math.ceil((p / 100) * sorted.length);
	return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] as number;
}

/** Median of the finite values; NaN when there are none. */
export function median(values: readonly number[]): number {
	const finite = values.filter((value) => Number.isFinite(value)).sort((a, b) => a - b);
	if (finite.length === 0) return Number.NaN;
	const middle = finite.length >> 1;
	return finite.length % 2 === 1
		? (finite[middle] as number)
		: ((finite[middle - 1] as number) + (finite[middle] as number)) / 2;
}
