/** The summary table of the app bench: metric | value | target | met?, as aligned text. */

/** One row; `met` is null where the issue sets no target. */
export interface Row {
	metric: string;
	value: string;
	target: string;
	met: boolean | null;
}

/** The middle value (upper middle for an even count); NaN for none. */
export function median(values: number[]): number {
	const sorted = [...values].sort((a, b) => a - b);
	return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

/** Bytes as kB of 1,000 bytes, one decimal. */
export const kB = (bytes: number) => `${(bytes / 1000).toFixed(1)} kB`;

/** Milliseconds, rounded. */
export const ms = (value: number) => `${Math.round(value)} ms`;

/** Renders rows as a Markdown table with padded columns, so it reads in a terminal too. */
export function renderTable(rows: Row[]): string {
	const cells = [
		['metric', 'value', 'target', 'met?'],
		...rows.map((row) => [
			row.metric,
			row.value,
			row.target,
			row.met === null ? '—' : row.met ? 'yes' : 'NO'
		])
	];
	const widths = [0, 1, 2, 3].map((column) =>
		Math.max(...cells.map((line) => line[column]!.length))
	);
	const line = (values: string[]) =>
		`| ${values.map((value, column) => value.padEnd(widths[column]!)).join(' | ')} |`;
	const rule = `| ${widths.map((width) => '-'.repeat(width)).join(' | ')} |`;
	return [line(cells[0]!), rule, ...cells.slice(1).map(line)].join('\n');
}
