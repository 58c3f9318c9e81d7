import type { BenchOptions, LoadShape } from './config';
import type { RunMeasurement } from './measure-run';
import { RELAY_KINDS, type RelayKind } from './relay-process';
import { median } from './stats';

interface Metric {
	readonly label: string;
	readonly value: (run: RunMeasurement, options: BenchOptions) => number;
	readonly digits: number;
	/** Whether current/previous and current/baseline mean something for this row. */
	readonly ratio: boolean;
}

/** Receipt rows exist for protocol-2 clients only; stock clients' runs give "—". */
const ifReceipts =
	(value: (run: RunMeasurement) => number) =>
	(run: RunMeasurement): number =>
		run.params === 'protocol-2' ? value(run) : Number.NaN;

const METRICS: readonly Metric[] = [
	{
		label: 'sockets synced',
		value: (r) => r.generator.sockets - r.generator.connectFailures,
		digits: 0,
		ratio: true
	},
	{
		label: 'connect, all sockets (ms)',
		value: (r) => r.generator.connectAllMs,
		digits: 0,
		ratio: true
	},
	{
		label: 'connect per socket p50 (ms)',
		value: (r) => r.generator.connectP50Ms,
		digits: 1,
		ratio: true
	},
	{
		label: 'connect per socket p99 (ms)',
		value: (r) => r.generator.connectP99Ms,
		digits: 1,
		ratio: true
	},
	{
		label: 'fan-out latency p50 (ms)',
		value: (r) => r.generator.latencyP50Ms,
		digits: 2,
		ratio: true
	},
	{
		label: 'fan-out latency p99 (ms)',
		value: (r) => r.generator.latencyP99Ms,
		digits: 2,
		ratio: true
	},
	{
		label: 'fan-out latency max (ms)',
		value: (r) => r.generator.latencyMaxMs,
		digits: 1,
		ratio: true
	},
	{ label: 'delivered updates/s', value: deliveredPerSecond, digits: 1, ratio: true },
	{ label: 'lost deliveries (window)', value: lostInWindow, digits: 0, ratio: true },
	{
		label: 'receipts received',
		value: (r) => r.generator.receipts,
		digits: 0,
		ratio: false
	},
	{
		label: 'receipt latency p50 (ms)',
		value: ifReceipts((r) => r.generator.receiptLatencyP50Ms),
		digits: 2,
		ratio: false
	},
	{
		label: 'receipt latency p99 (ms)',
		value: ifReceipts((r) => r.generator.receiptLatencyP99Ms),
		digits: 2,
		ratio: false
	},
	{
		label: 'updates without receipt (window)',
		value: ifReceipts((r) => r.generator.windowUpdatesSent - r.generator.windowUpdatesReceipted),
		digits: 0,
		ratio: false
	},
	{
		label: 'relay CPU (% of one core)',
		value: (r) => r.relayCpuPercent,
		digits: 1,
		ratio: true
	},
	{ label: 'relay RSS idle (MiB)', value: (r) => r.rssIdleMiB, digits: 1, ratio: true },
	{ label: 'relay RSS peak (MiB)', value: (r) => r.rssPeakMiB, digits: 1, ratio: true },
	{
		label: 'relay RSS after close (MiB)',
		value: (r) => r.rssAfterCloseMiB,
		digits: 1,
		ratio: true
	},
	{
		label: 'documents loaded after close',
		value: (r) => r.relayMetricsAfterClose?.['triad_relay_loaded_documents'] ?? Number.NaN,
		digits: 0,
		ratio: false
	},
	{
		label: 'generator CPU (% of one core)',
		value: (r) => r.generatorCpuPercent,
		digits: 1,
		ratio: false
	},
	{
		label: 'generator send lag p99 (ms)',
		value: (r) => r.generator.sendLagP99Ms,
		digits: 2,
		ratio: false
	}
];

function deliveredPerSecond(run: RunMeasurement, options: BenchOptions): number {
	return run.generator.windowDeliveriesReceived / (options.windowMs / 1000);
}

function lostInWindow(run: RunMeasurement): number {
	return run.generator.windowDeliveriesExpected - run.generator.windowDeliveriesReceived;
}

/** One metric's medians across rounds for each relay, and the current relay's ratios. */
export interface SummaryRow {
	readonly metric: string;
	readonly baseline: number;
	readonly previous: number;
	readonly current: number;
	/** current / previous; NaN where a ratio means nothing. */
	readonly currentOverPrevious: number;
	/** current / baseline; NaN where a ratio means nothing. */
	readonly currentOverBaseline: number;
}

/** A target on a ratio of medians, and whether it was met (false when it could not be evaluated). */
export interface Target {
	readonly ratio: number;
	readonly met: boolean;
}

/** Median figures of one load for each relay, ready to print and to store as JSON. */
export interface LoadSummary {
	readonly load: LoadShape;
	readonly rows: readonly SummaryRow[];
	/** The targets: current p99 ≤ 1.1 × previous, current throughput ≥ previous. */
	readonly targets: { p99: Target; throughput: Target };
	/** The same targets against the baseline, which the relay has been held to since it began. */
	readonly baselineTargets: { p99: Target; throughput: Target };
	readonly selfCheck: Record<RelayKind, SelfCheck>;
	readonly receiptCheck: Record<RelayKind, ReceiptCheck>;
	/** Each relay's p99 per round, in run order, with whether the generator was starved then. */
	readonly p99ByRound: Record<RelayKind, Array<{ p99Ms: number; generatorStarved: boolean }>>;
	/** The Triad relays' error and refusal counters summed over their runs, by sample name. */
	readonly triadProblems: Record<'previous' | 'current', Record<string, number>>;
}

/** Whether every client got every room-mate's update over the whole run, warm-up included. */
export interface SelfCheck {
	readonly runs: number;
	readonly expected: number;
	readonly missing: number;
	readonly misrouted: number;
	readonly socketsDropped: number;
}

/**
 * Receipts over the whole run: a protocol-2 client must have every update-carrying message it
 * sent covered by the end of the grace period, a stock client must get none, and no receipt may
 * cover more than was sent or go backwards.
 */
export interface ReceiptCheck {
	readonly runs: number;
	readonly expectsReceipts: boolean;
	readonly receipts: number;
	readonly updateMessagesSent: number;
	readonly updateMessagesReceipted: number;
	readonly invalidReceipts: number;
}

/** Medians across rounds, per metric, of each relay's runs of `load`. */
export function summarizeLoad(
	load: LoadShape,
	runs: readonly RunMeasurement[],
	options: BenchOptions
): LoadSummary {
	const of = (relay: RelayKind) =>
		runs.filter((run) => run.load === load.name && run.relay === relay);
	const rows = METRICS.map((metric): SummaryRow => {
		const [baseline, previous, current] = RELAY_KINDS.map((relay) =>
			median(of(relay).map((run) => metric.value(run, options)))
		) as [number, number, number];
		return {
			metric: metric.label,
			baseline,
			previous,
			current,
			currentOverPrevious: metric.ratio ? current / previous : Number.NaN,
			currentOverBaseline: metric.ratio ? current / baseline : Number.NaN
		};
	});
	const row = (label: string): SummaryRow | undefined => rows.find((r) => r.metric === label);
	const p99 = row('fan-out latency p99 (ms)');
	const throughput = row('delivered updates/s');
	const targetsAgainst = (reference: 'currentOverPrevious' | 'currentOverBaseline') => ({
		p99: atMost(p99?.[reference] ?? Number.NaN, 1.1),
		throughput: atLeast(throughput?.[reference] ?? Number.NaN, 1)
	});
	const byRelay = <T>(f: (runs: readonly RunMeasurement[]) => T): Record<RelayKind, T> => ({
		baseline: f(of('baseline')),
		previous: f(of('previous')),
		current: f(of('current'))
	});
	return {
		load,
		rows,
		targets: targetsAgainst('currentOverPrevious'),
		baselineTargets: targetsAgainst('currentOverBaseline'),
		selfCheck: byRelay(selfCheck),
		receiptCheck: byRelay(receiptCheck),
		p99ByRound: byRelay(p99ByRound),
		triadProblems: {
			previous: problemCounters(of('previous')),
			current: problemCounters(of('current'))
		}
	};
}

function atMost(ratio: number, limit: number): Target {
	return { ratio, met: ratio <= limit };
}

function atLeast(ratio: number, limit: number): Target {
	return { ratio, met: ratio >= limit };
}

/**
 * Sends later than this behind schedule mean the generator did not get the CPU: its reading of
 * deliveries was late too, so that round's latency measures the machine rather than the relay.
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

const sum = (runs: readonly RunMeasurement[], value: (run: RunMeasurement) => number): number =>
	runs.reduce((total, run) => total + value(run), 0);

function selfCheck(runs: readonly RunMeasurement[]): SelfCheck {
	return {
		runs: runs.length,
		expected: sum(runs, (run) => run.generator.allDeliveriesExpected),
		missing: sum(
			runs,
			(run) => run.generator.allDeliveriesExpected - run.generator.allDeliveriesReceived
		),
		misrouted: sum(runs, (run) => run.generator.misroutedDeliveries),
		socketsDropped: sum(runs, (run) => run.generator.socketsDroppedDuringRun)
	};
}

function receiptCheck(runs: readonly RunMeasurement[]): ReceiptCheck {
	return {
		runs: runs.length,
		expectsReceipts: runs.some((run) => run.params === 'protocol-2'),
		receipts: sum(runs, (run) => run.generator.receipts),
		updateMessagesSent: sum(runs, (run) => run.generator.updateMessagesSent),
		updateMessagesReceipted: sum(runs, (run) => run.generator.updateMessagesReceipted),
		invalidReceipts: sum(runs, (run) => run.generator.invalidReceipts)
	};
}

/** The human-readable table of one load, with its targets and self-checks. */
export function formatLoad(
	summary: LoadSummary,
	options: BenchOptions,
	previousSource: string
): string {
	const { load, rows, targets, baselineTargets } = summary;
	const sockets = load.rooms * load.clientsPerRoom;
	const title =
		`Load ${load.name}: ${load.rooms} rooms × ${load.clientsPerRoom} clients (${sockets} sockets), ` +
		`${load.updatesPerSecond} update/s each; median of ${options.rounds} round(s), ` +
		`${options.windowMs / 1000} s window after ${options.warmupMs / 1000} s warm-up`;
	const digitsOf = (label: string): number => METRICS.find((m) => m.label === label)?.digits ?? 1;
	const table = [
		[
			'metric',
			'baseline',
			`previous (${previousSource})`,
			'current (protocol 2)',
			'cur/prev',
			'cur/base'
		],
		...rows.map((row) => [
			row.metric,
			format(row.baseline, digitsOf(row.metric)),
			format(row.previous, digitsOf(row.metric)),
			format(row.current, digitsOf(row.metric)),
			format(row.currentOverPrevious, 2),
			format(row.currentOverBaseline, 2)
		])
	];
	const widths = table[0]!.map((_, column) =>
		Math.max(...table.map((cells) => cells[column]!.length))
	);
	const line = (cells: string[]): string =>
		cells
			.map((cell, column) =>
				column === 0 ? cell.padEnd(widths[0]!) : cell.padStart(widths[column]!)
			)
			.join(' | ');
	const ruler = widths.map((width) => '-'.repeat(width)).join('-|-');
	const verdict = (target: Target): string =>
		Number.isNaN(target.ratio) ? 'not evaluated' : target.met ? 'met' : 'MISSED';
	const starved = Object.values(summary.p99ByRound)
		.flat()
		.some((round) => round.generatorStarved);
	return [
		title,
		line(table[0]!),
		ruler,
		...table.slice(1).map(line),
		`target: current p99 ≤ 1.1 × previous — ratio ${format(targets.p99.ratio, 2)}: ${verdict(targets.p99)}`,
		`target: current throughput ≥ previous — ratio ${format(targets.throughput.ratio, 3)}: ${verdict(targets.throughput)}`,
		`against the baseline: p99 ≤ 1.1 × — ratio ${format(baselineTargets.p99.ratio, 2)}: ` +
			`${verdict(baselineTargets.p99)}; throughput ≥ — ratio ${format(baselineTargets.throughput.ratio, 3)}: ` +
			verdict(baselineTargets.throughput),
		`self-check (every client got every room-mate's update, warm-up included): ` +
			RELAY_KINDS.map((relay) => `${relay} ${formatCheck(summary.selfCheck[relay])}`).join('; '),
		`receipts (protocol 2: every update-carrying message covered; stock clients: none): ` +
			RELAY_KINDS.map((relay) => `${relay} ${formatReceipts(summary.receiptCheck[relay])}`).join(
				'; '
			),
		`fan-out p99 by round (ms): ` +
			RELAY_KINDS.map((relay) => `${relay} ${formatRounds(summary.p99ByRound[relay])}`).join('; ') +
			(starved
				? `\n  * generator send lag p99 > ${STARVED_SEND_LAG_MS} ms: the machine, not the relay, set that figure`
				: ''),
		`triad relay errors and refusals (/metrics): previous ${formatProblems(summary.triadProblems.previous)}; ` +
			`current ${formatProblems(summary.triadProblems.current)}`
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

function formatReceipts(check: ReceiptCheck): string {
	if (check.runs === 0) return 'not run';
	if (!check.expectsReceipts) {
		return `${check.receipts === 0 ? 'OK' : 'FAILED'}, ${check.receipts} received`;
	}
	const ok =
		check.invalidReceipts === 0 && check.updateMessagesReceipted === check.updateMessagesSent;
	return (
		`${ok ? 'OK' : 'FAILED'}, ${check.updateMessagesReceipted}/${check.updateMessagesSent} ` +
		`covered by ${check.receipts} receipts, ${check.invalidReceipts} invalid`
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
