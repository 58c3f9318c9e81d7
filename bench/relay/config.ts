import { parseArgs } from 'node:util';

/** One shape of traffic: rooms of clients that each send at a fixed rate. */
export interface LoadShape {
	readonly name: string;
	readonly rooms: number;
	readonly clientsPerRoom: number;
	readonly updatesPerSecond: number;
}

/** The two loads of the issue: many quiet rooms, and a few busy ones. */
export const LOADS: readonly LoadShape[] = [
	{ name: 'A', rooms: 333, clientsPerRoom: 3, updatesPerSecond: 1 },
	{ name: 'B', rooms: 10, clientsPerRoom: 3, updatesPerSecond: 50 }
];

/** Run-wide settings; the defaults keep the whole bench under about four minutes. */
export interface BenchOptions {
	readonly loads: readonly LoadShape[];
	readonly rounds: number;
	readonly warmupMs: number;
	readonly windowMs: number;
	readonly graceMs: number;
	/** Wait after every socket closed before reading "RSS after close". */
	readonly settleMs: number;
	readonly payloadBytes: number;
	readonly connectConcurrency: number;
	/** Where each relay writes a V8 CPU profile of its run; undefined when not profiling. */
	readonly cpuProfileDir: string | undefined;
	/** The git revision whose relay is the "previous" column. */
	readonly previous: string;
}

/** The relay before protocol v2 (receipts), against which the current one is held. */
export const DEFAULT_PREVIOUS = '22ad340';

/**
 * Reads `--rounds N --window S --warmup S --grace S --settle S --load A|B --cpu-prof
 * --previous REV` from argv (durations in seconds).
 */
export function readOptions(argv: readonly string[]): BenchOptions {
	const { values } = parseArgs({
		args: [...argv],
		options: {
			rounds: { type: 'string', default: '3' },
			window: { type: 'string', default: '6' },
			warmup: { type: 'string', default: '2' },
			grace: { type: 'string', default: '1.5' },
			settle: { type: 'string', default: '3' },
			load: { type: 'string', multiple: true },
			'cpu-prof': { type: 'boolean', default: false },
			previous: { type: 'string', default: DEFAULT_PREVIOUS }
		}
	});
	const seconds = (text: string | undefined): number => {
		const value = Number(text);
		if (!Number.isFinite(value) || value < 0) throw new Error(`not a duration: ${text}`);
		return value * 1000;
	};
	const wanted = values.load?.map((name) => name.toUpperCase());
	const loads = wanted ? LOADS.filter((load) => wanted.includes(load.name)) : LOADS;
	if (loads.length === 0) throw new Error(`no such load: ${values.load?.join(', ')}`);
	const rounds = Number(values.rounds);
	if (!Number.isInteger(rounds) || rounds < 1) {
		throw new Error(`not a round count: ${values.rounds}`);
	}
	return {
		loads,
		rounds,
		warmupMs: seconds(values.warmup),
		windowMs: seconds(values.window),
		graceMs: seconds(values.grace),
		settleMs: seconds(values.settle),
		payloadBytes: 24,
		connectConcurrency: 64,
		cpuProfileDir: values['cpu-prof'] ? 'bench/results/cpu-profiles' : undefined,
		previous: values.previous
	};
}
