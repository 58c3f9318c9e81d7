import type { BenchOptions, LoadShape } from './config';
import type { RunMeasurement } from './measure-run';
import type { RelayKind } from './relay-process';
import { median } from './stats';

interface Metric {
	readonly label: string;
	readonly value: (run: RunMeasurement, options: BenchOptions) => number;
	readonly digits: number;
}

const METRICS: readonly Metric[] = [
	{
		label: 'sockets synced',
		value: (r) => r.generator.sockets - r.generator.connectFailures,
		digits: 0
	},
	{ label: 'connect, all sockets (ms)', value: (r) => r.generator.connectAllMs, digits: 0 },
	{ label: 'connect per socket p50 (ms)', value: (r) => r.generator.connectP50Ms, digits: 1 },
	{ label: 'connect per socket p99 (ms)', value: (r) => r.generator.connectP99Ms, digits: 1 },
	{ label: 'fan-out latency p50 (ms)', value: (r) => r.generator.latencyP50Ms, digits: 2 },
	{ label: 'fan-out latency p99 (ms)', value: (r) => r.generator.latencyP99Ms, digits: 2 },
	{ label: 'fan-out latency max (ms)', value: (r) => r.generator.latencyMaxMs, digits: 1 },
	{ label: 'delivered updates/s', value: deliveredPerSecond, digits: 1 },
	{ label: 'lost deliveries (window)', value: lostInWindow, digits: 0 },
	{ label: 'relay CPU (% of one core)', value: (r) => r.relayCpuPercent, digits: 1 },
	{ label: 'relay RSS idle (MiB)', value: (r) => r.rssIdleMiB, digits: 1 },
	{ label: 'relay RSS peak (MiB)', value: (r) => r.rssPeakMiB, digits: 1 },
	{ label: 'relay RSS after close (MiB)', value: (r) => r.rssAfterCloseMiB, digits: 1 },
	{
		label: 'documents loaded after close',
		value: (r) => r.relayMetricsAfterClose?.['triad_relay_loaded_documents'] ?? Number.NaN,
		digits: 0
	},
	{ label: 'generator CPU (% of one core)', value: (r) => r.generatorCpuPercent, digits: 1 },
	{ label: 'generator send lag p99 (ms)', value: (r) => r.generator.sendLagP99Ms, digits: 2 }
];

function deliveredPerSecond(run: RunMeasurement, options: BenchOptions): number {
	return run.generator.windowDeliveriesReceived / (options.windowMs / 1000);
}

function lostInWindow(run: RunMeasurement): number {
	return run.generator.windowDeliveriesExpected - run.generator.windowDeliveriesReceived;
}

/** Median figures of one load for each relay, ready to print and to store as JSON. */
export interface LoadSummary {
	readonly load: LoadShape;
	readonly rows: ReadonlyArray<{ metric: string; baseline: number; triad: number; ratio: number }>;
	readonly targets: {
		p99Ratio: number;
		p99Met: boolean;
		throughputRatio: number;
		throughputMet: boolean;
	};
	readonly selfCheck: Record<RelayKind, SelfCheck>;
	/** Each relay's p99 per round, in run order, with whether the generator was starved then. */
	readonly p99ByRound: Record<RelayKind, Array<{ p99Ms: number; generatorStarved: boolean }>>;
	/** Triad's error and refusal counters summed over its runs, by sample name. */
	readonly triadProblems: Record<string, number>;
}

/** Whether every client got every room-mate's update over the whole run, warm-up included. */
export interface SelfCheck {
	readonly runs: number;
	readonly expected: number;
	readonly missing: number;
	readonly misrouted: number;
	readonly socketsDropped: number;
}

/** Medians across rounds, per metric, of each relay's runs of `load`. */
export function summarizeLoad(
	load: LoadShape,
	runs: readonly RunMeasurement[],
	options: BenchOptions
): LoadSummary {
	const of = (relay: RelayKind) =>
		runs.filter((run) => run.load === load.name && run.relay === relay);
	const rows = METRICS.map((metric) => {
		const baseline = median(of('baseline').map((run) => metric.value(run, options)));
		const triad = median(of('triad').map((run) => metric.value(run, options)));
		return { metric: metric.label, baseline, triad, ratio: triad / baseline };
	});
	const ratioOf = (label: string): number => rows.find((row) => row.metric === label)?.ratio ?? NaN;
	const p99Ratio = ratioOf('fan-out latency p99 (ms)');
	const throughputRatio = ratioOf('delivered updates/s');
	return {
		load,
		rows,
		targets: {
			p99Ratio,
			p99Met: p99Ratio <= 1.1,
			throughputRatio,
			throughputMet: throughputRatio >= 1
		},
		selfCheck: { baseline: selfCheck(of('baseline')), triad: selfCheck(of('triad')) },
		p99ByRound: { baseline: p99ByRound(of('baseline')), triad: p99ByRound(of('triad')) },
		triadProblems: problemCounters(of('triad'))
	};
}

/**
 * Sends later than this behind schedule mean the generator did not get the CPU: its receipts
 * were late too, so that round's latency measures the machine rather than the relay.
 */
const STARVED_SEND_LAG_MS = 50;

function p99ByRound(runs: readonly RunMeasurement[]) {
	return runs.map((run) => ({
		p99Ms: run.generator.latencyP99Ms,
		generatorStarved: run.generator.sendLagP99Ms > STARVED_SEND_LAG_MS
	}));
}

function problemCounters(runs: readonly RunMeasurement[]): Record<string, number> {
	const problems: Record<string, number> = {};
	for (const run of runs) {
		for (const [sample, count] of Object.entries(run.relayMetricsAfterClose ?? {})) {
			const isProblem = /^triad_relay_(errors|refusals)_total\{/.test(sample);
			if (isProblem && count > 0) problems[sample] = (problems[sample] ?? 0) + count;
		}
	}
	return problems;
}

function selfCheck(runs: readonly RunMeasurement[]): SelfCheck {
	const sum = (value: (run: RunMeasurement) => number): number =>
		runs.reduce((total, run) => total + value(run), 0);
	return {
		runs: runs.length,
		expected: sum((run) => run.generator.allDeliveriesExpected),
		missing: sum(
			(run) => run.generator.allDeliveriesExpected - run.generator.allDeliveriesReceived
		),
		misrouted: sum((run) => run.generator.misroutedDeliveries),
		socketsDropped: sum((run) => run.generator.socketsDroppedDuringRun)
	};
}

/** The human-readable table of one load, with its targets and self-check. */
export function formatLoad(summary: LoadSummary, options: BenchOptions): string {
	const { load, rows, targets } = summary;
	const sockets = load.rooms * load.clientsPerRoom;
	const title =
		`Load ${load.name}: ${load.rooms} rooms × ${load.clientsPerRoom} clients (${sockets} sockets), ` +
		`${load.updatesPerSecond} update/s each; median of ${options.rounds} round(s), ` +
		`${options.windowMs / 1000} s window after ${options.warmupMs / 1000} s warm-up`;
	const digitsOf = (label: string): number => METRICS.find((m) => m.label === label)?.digits ?? 1;
	const table = [
		['metric', 'baseline', 'triad', 'ratio'],
		...rows.map((row) => [
			row.metric,
			format(row.baseline, digitsOf(row.metric)),
			format(row.triad, digitsOf(row.metric)),
			format(row.ratio, 2)
		])
	];
	const widths = [0, 1, 2, 3].map((column) =>
		Math.max(...table.map((cells) => cells[column]!.length))
	);
	const line = (cells: string[]): string =>
		cells
			.map((cell, column) =>
				column === 0 ? cell.padEnd(widths[0]!) : cell.padStart(widths[column]!)
			)
			.join(' | ');
	const ruler = widths.map((width) => '-'.repeat(width)).join('-|-');
	const verdict = (met: boolean, ratio: number): string =>
		Number.isNaN(ratio) ? 'not evaluated' : met ? 'met' : 'MISSED';
	return [
		title,
		line(table[0]!),
		ruler,
		...table.slice(1).map(line),
		`target: triad p99 ≤ 1.1 × baseline — ratio ${format(targets.p99Ratio, 2)}: ${verdict(targets.p99Met, targets.p99Ratio)}`,
		`target: triad throughput ≥ baseline — ratio ${format(targets.throughputRatio, 3)}: ${verdict(targets.throughputMet, targets.throughputRatio)}`,
		`self-check (every client got every room-mate's update, warm-up included): ` +
			`baseline ${formatCheck(summary.selfCheck.baseline)}; triad ${formatCheck(summary.selfCheck.triad)}`,
		`fan-out p99 by round (ms): baseline ${formatRounds(summary.p99ByRound.baseline)}; ` +
			`triad ${formatRounds(summary.p99ByRound.triad)}` +
			(Object.values(summary.p99ByRound)
				.flat()
				.some((round) => round.generatorStarved)
				? `\n  * generator send lag p99 > ${STARVED_SEND_LAG_MS} ms: the machine, not the relay, set that figure`
				: ''),
		`triad relay errors and refusals (/metrics): ${formatProblems(summary.triadProblems)}`
	].join('\n');
}

function formatCheck(check: SelfCheck): string {
	if (check.runs === 0) return 'not run';
	const verdict = check.missing === 0 && check.misrouted === 0 ? 'OK' : 'FAILED';
	return (
		`${verdict}, ${check.expected - check.missing}/${check.expected} received, ` +
		`${check.misrouted} misrouted, ${check.socketsDropped} sockets dropped`
	);
}

function formatRounds(rounds: ReadonlyArray<{ p99Ms: number; generatorStarved: boolean }>): string {
	if (rounds.length === 0) return 'not run';
	return rounds
		.map((round) => format(round.p99Ms, 1) + (round.generatorStarved ? '*' : ''))
		.join(', ');
}

function formatProblems(problems: Record<string, number>): string {
	const entries = Object.entries(problems);
	if (entries.length === 0) return 'none';
	return entries
		.map(([sample, count]) => `${sample.replace('triad_relay_', '')} ${count}`)
		.join(', ');
}

function format(value: number, digits: number): string {
	return Number.isFinite(value) ? value.toFixed(digits) : '—';
}
