import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchOptions, LoadShape } from './config';
import type { GeneratorResult } from './generator-protocol';
import { GeneratorProcess } from './generator-process';
import { cpuPercent, readCpu, readMemory } from './proc-stats';
import type { CpuReading } from './proc-stats';
import { PROFILE_WINDOW_FILE } from './profile-window';
import type { RelayBundle } from './relay-builds';
import { readRelayMetrics } from './relay-metrics';
import { startRelay } from './relay-process';
import type { RelayKind, RunningRelay } from './relay-process';
import { createRoomAccess } from './room-access';
import type { ClientParams } from './room-access';

/** One load against one relay: what the generator saw and what /proc said about both processes. */
export interface RunMeasurement {
	readonly relay: RelayKind;
	readonly load: string;
	readonly round: number;
	/** What its clients put in their URLs; only `protocol-2` clients get receipts. */
	readonly params: ClientParams;
	readonly generator: GeneratorResult;
	readonly relayCpuPercent: number;
	readonly generatorCpuPercent: number;
	readonly rssIdleMiB: number;
	readonly rssPeakMiB: number;
	readonly rssAfterCloseMiB: number;
	/** The relay's own counters after every socket closed (Triad's /metrics; null for the baseline). */
	readonly relayMetricsAfterClose: Record<string, number> | null;
}

/** What /proc and /metrics said about one relay process of a run. */
export interface ProcessFigures {
	readonly cpuPercent: number;
	readonly rssIdleMiB: number;
	readonly rssPeakMiB: number;
	readonly rssAfterCloseMiB: number;
	readonly metricsAfterClose: Record<string, number> | null;
}

/** One load spread over one or more relay processes (the nodes of a cluster). */
export interface SpreadMeasurement {
	readonly generator: GeneratorResult;
	readonly generatorCpuPercent: number;
	/** In the order the relays were started, which is the order their clients are spread in. */
	readonly processes: readonly ProcessFigures[];
}

/** Lets a freshly started relay finish lazy start-up work before "idle" memory is read. */
const IDLE_SETTLE_MS = 1000;

/**
 * Starts `relay` fresh (a Triad relay from `bundle`), drives `load` through it from a separate
 * generator process and returns the figures. CPU is sampled exactly at the generator's window
 * edges, so warm-up, connecting and closing stay out of it.
 */
export async function measureRun(
	relay: RelayKind,
	bundle: RelayBundle | undefined,
	load: LoadShape,
	options: BenchOptions,
	round: number
): Promise<RunMeasurement> {
	const profile =
		options.cpuProfileDir === undefined
			? undefined
			: { dir: options.cpuProfileDir, name: `${relay}-load${load.name}-round${round}` };
	const spread = await measureSpread(
		async () => [await startRelay(relay, bundle, profile)],
		load,
		options
	);
	const [figures] = spread.processes;
	if (figures === undefined) throw new Error('no relay process measured');
	return {
		relay,
		load: load.name,
		round,
		params: spread.params,
		generator: spread.generator,
		relayCpuPercent: figures.cpuPercent,
		generatorCpuPercent: spread.generatorCpuPercent,
		rssIdleMiB: figures.rssIdleMiB,
		rssPeakMiB: figures.rssPeakMiB,
		rssAfterCloseMiB: figures.rssAfterCloseMiB,
		relayMetricsAfterClose: figures.metricsAfterClose
	};
}

/**
 * Drives `load` through the relays `start` resolves (seat s of every room on the (s mod n)-th),
 * from a separate generator process, and measures every relay process. The relays are stopped
 * before it resolves.
 */
export async function measureSpread(
	start: () => Promise<RunningRelay[]>,
	load: LoadShape,
	options: BenchOptions
): Promise<SpreadMeasurement & { params: ClientParams }> {
	const rooms = await Promise.all(Array.from({ length: load.rooms }, createRoomAccess));
	const generator = new GeneratorProcess();
	// Pre-encoding ~20,000 updates overlaps the relay's start instead of adding to the run.
	const prepared = generator.request(
		{
			type: 'plan',
			plan: {
				rooms,
				clientsPerRoom: load.clientsPerRoom,
				updatesPerSecond: load.updatesPerSecond,
				payloadBytes: options.payloadBytes,
				connectConcurrency: options.connectConcurrency,
				warmupMs: options.warmupMs,
				windowMs: options.windowMs,
				graceMs: options.graceMs
			}
		},
		'prepared'
	);
	// Awaited below; until then a failure must not count as an unhandled rejection.
	prepared.catch(() => undefined);
	const servers = await start().catch((error: unknown) => {
		generator.kill();
		throw error;
	});
	try {
		const [first] = servers;
		if (first === undefined) throw new Error('no relay started');
		await Promise.all([prepared, sleep(IDLE_SETTLE_MS)]);
		const rssIdleMiB = servers.map((server) => readMemory(server.pid).rssMiB);
		for (const server of servers) resetPeakMemory(server.pid);
		await generator.request(
			{
				type: 'connect',
				target: { urlPrefixes: servers.map((server) => server.urlPrefix), params: first.params }
			},
			'connected'
		);
		type WindowEdge = { relays: CpuReading[]; generator: CpuReading; monotonicUs: number };
		let windowStart: WindowEdge | undefined;
		let windowEnd: WindowEdge | undefined;
		const readAll = (): WindowEdge => ({
			relays: servers.map((server) => readCpu(server.pid)),
			generator: readCpu(generator.pid),
			// The clock V8 stamps profile samples with, so a profile can be cut to the window.
			monotonicUs: Number(process.hrtime.bigint() / 1000n)
		});
		generator.on('window-start', () => (windowStart = readAll()));
		generator.on('window-end', () => (windowEnd = readAll()));
		const { result } = await generator.request({ type: 'run' }, 'result');
		await generator.request({ type: 'close' }, 'closed');
		await sleep(options.settleMs);
		if (windowStart === undefined || windowEnd === undefined) {
			throw new Error('load generator never reported its measurement window');
		}
		const edges = { start: windowStart, end: windowEnd };
		const processes = await Promise.all(
			servers.map(async (server, i): Promise<ProcessFigures> => {
				const memory = readMemory(server.pid);
				if (server.cpuProfileDir !== undefined) {
					writeFileSync(
						join(server.cpuProfileDir, PROFILE_WINDOW_FILE),
						JSON.stringify({ startUs: edges.start.monotonicUs, endUs: edges.end.monotonicUs })
					);
				}
				return {
					cpuPercent: cpuPercent(
						edges.start.relays[i] as CpuReading,
						edges.end.relays[i] as CpuReading
					),
					rssIdleMiB: rssIdleMiB[i] as number,
					rssPeakMiB: memory.peakRssMiB,
					rssAfterCloseMiB: memory.rssMiB,
					metricsAfterClose: await readRelayMetrics(server.httpUrl)
				};
			})
		);
		return {
			params: first.params,
			generator: result,
			generatorCpuPercent: cpuPercent(windowStart.generator, windowEnd.generator),
			processes
		};
	} finally {
		generator.kill();
		await Promise.all(servers.map((server) => server.stop()));
	}
}

/** Restarts VmHWM at the current RSS so "peak" means peak under load, not during start-up. */
function resetPeakMemory(pid: number): void {
	try {
		writeFileSync(`/proc/${pid}/clear_refs`, '5');
	} catch {
		// Without the reset VmHWM is the lifetime peak, still an upper bound of the load's peak.
	}
}

function sleep(ms: number): Promise<void> {
	return new Promise((resolve) => setTimeout(resolve, ms));
}
