/**
 * Cluster bench: the relay bench's loads on one node with SQLite beside three nodes with
 * PostgreSQL and Redis (each room's three clients on three different nodes, so every delivery
 * crosses nodes), alternating between rounds; then, with `--capacity`, how far one SQLite node
 * goes before the fan-out p99 passes 50 ms. Prints tables with ratios and stores the figures
 * under bench/results/.
 * Usage: `npm run bench:relay-cluster -- [--rounds 3] [--window 6] [--load A --load B]
 * [--capacity] [--capacity-only] [--cpu-prof]` (profiles under
 * bench/results/cpu-profiles/<setup>-load<X>-round<N>[-node<n>]/). Needs PostgreSQL (`BENCH_DATABASE_URL`, default the `test`
 * database on 127.0.0.1) and Redis (`BENCH_REDIS_URL`, default 127.0.0.1:6379).
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import pg from 'pg';
import { readOptions, type BenchOptions, type LoadShape } from './config';
import { measureSpread, type SpreadMeasurement } from './measure-run';
import { buildCurrentRelay, type RelayBundle } from './relay-builds';
import { startRelay, type RunningRelay } from './relay-process';
import { median } from './stats';

const DATABASE_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const NODES = 3;
const RESULTS_DIR = 'bench/results';
/** The fan-out p99 one node must stay under for a step of the capacity search to count. */
const CAPACITY_P99_MS = 50;

type Setup = 'single' | 'cluster';

interface ClusterRun extends SpreadMeasurement {
	readonly setup: Setup;
	readonly load: string;
	readonly round: number;
}

async function onDatabase(sql: string): Promise<void> {
	const client = new pg.Client({ connectionString: DATABASE_URL });
	await client.connect();
	try {
		await client.query(sql);
	} finally {
		await client.end();
	}
}

/** Three nodes of the bundled relay on one fresh schema and one Redis, each ready (fan-out up). */
async function startCluster(
	bundle: RelayBundle,
	/** Where each node writes its V8 profile (one folder per node), when profiling. */
	profile?: { dir: string; name: string }
): Promise<RunningRelay[]> {
	const name = randomBytes(4).toString('hex');
	const schema = `triad_bench_${name}`;
	await onDatabase(`CREATE SCHEMA ${schema}`);
	const nodes: RunningRelay[] = [];
	try {
		for (let i = 0; i < NODES; i++) {
			nodes.push(
				await startRelay(
					'current',
					bundle,
					profile && { ...profile, name: `${profile.name}-node${i + 1}` },
					{
						STORAGE: 'postgres',
						DATABASE_URL,
						DATABASE_SCHEMA: schema,
						REDIS_URL,
						NODE_ID: `bench-${name}-${i}`
					}
				)
			);
		}
		for (const node of nodes) await untilFanoutReady(node);
	} catch (error) {
		await Promise.all(nodes.map((node) => node.stop()));
		await onDatabase(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
		throw error;
	}
	// The schema goes with the last node.
	return nodes.map((node, i) =>
		i < nodes.length - 1
			? node
			: {
					...node,
					stop: async () => {
						await node.stop();
						await onDatabase(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
					}
				}
	);
}

async function untilFanoutReady(node: RunningRelay): Promise<void> {
	const deadline = performance.now() + 30_000;
	while (performance.now() < deadline) {
		const body = await fetch(`${node.httpUrl}/healthz`).then(
			(response) => response.text(),
			() => ''
		);
		if (body === 'ok') return;
		await new Promise((tick) => setTimeout(tick, 100));
	}
	throw new Error(`node ${node.httpUrl} never reached Redis`);
}

function lost(run: SpreadMeasurement): number {
	return run.generator.windowDeliveriesExpected - run.generator.windowDeliveriesReceived;
}

function metricSum(run: SpreadMeasurement, name: string): number {
	return run.processes.reduce((sum, process) => sum + (process.metricsAfterClose?.[name] ?? 0), 0);
}

function fixed(value: number, digits: number): string {
	return Number.isFinite(value) ? value.toFixed(digits) : '—';
}

/** The comparison table of one load: medians over rounds, and cluster / single. */
function formatLoad(load: LoadShape, runs: readonly ClusterRun[], options: BenchOptions): string {
	const of = (setup: Setup) => runs.filter((run) => run.load === load.name && run.setup === setup);
	const single = of('single');
	const cluster = of('cluster');
	const rows: [string, (run: ClusterRun) => number, number][] = [
		['fan-out p50 (ms)', (run) => run.generator.latencyP50Ms, 2],
		['fan-out p99 (ms)', (run) => run.generator.latencyP99Ms, 2],
		[
			'delivered updates/s',
			(run) => run.generator.windowDeliveriesReceived / (options.windowMs / 1000),
			0
		],
		['lost deliveries', lost, 0],
		['receipt p99 (ms)', (run) => run.generator.receiptLatencyP99Ms, 1],
		['relay CPU, all nodes (% of core)', (run) => sum(run, 'cpuPercent'), 1],
		['RSS idle, all nodes (MiB)', (run) => sum(run, 'rssIdleMiB'), 0],
		['RSS peak, all nodes (MiB)', (run) => sum(run, 'rssPeakMiB'), 0],
		['RSS after close, all nodes (MiB)', (run) => sum(run, 'rssAfterCloseMiB'), 0],
		['documents loaded after close', (run) => metricSum(run, 'triad_relay_loaded_documents'), 0],
		['generator CPU (%)', (run) => run.generatorCpuPercent, 1],
		['generator send lag p99 (ms)', (run) => run.generator.sendLagP99Ms, 1]
	];
	const lines = [
		`load ${load.name}: ${load.rooms} rooms × ${load.clientsPerRoom} clients, ${load.updatesPerSecond} updates/s each ` +
			`(${single.length} + ${cluster.length} rounds; cluster: seat s of each room on node s)`,
		`  ${'metric'.padEnd(34)} ${'1 node'.padStart(9)} ${'3 nodes'.padStart(9)} ${'ratio'.padStart(7)}`
	];
	for (const [label, pick, digits] of rows) {
		const a = median(single.map(pick));
		const b = median(cluster.map(pick));
		lines.push(
			`  ${label.padEnd(34)} ${fixed(a, digits).padStart(9)} ${fixed(b, digits).padStart(9)} ${fixed(b / a, 2).padStart(7)}`
		);
	}
	for (let i = 0; i < NODES; i++) {
		const pick = (key: 'cpuPercent' | 'rssIdleMiB' | 'rssPeakMiB' | 'rssAfterCloseMiB') =>
			fixed(median(cluster.map((run) => run.processes[i]?.[key] ?? Number.NaN)), 1);
		lines.push(
			`  node ${i + 1}: CPU ${pick('cpuPercent')} %, RSS idle ${pick('rssIdleMiB')} → peak ${pick('rssPeakMiB')} → after close ${pick('rssAfterCloseMiB')} MiB`
		);
	}
	const crossNode = cluster.map((run) => ({
		published: metricSum(run, 'triad_relay_cluster_published_total'),
		received: metricSum(run, 'triad_relay_cluster_received_total'),
		repairs: metricSum(run, 'triad_relay_cluster_repairs_total'),
		lagMaxMs:
			Math.max(
				...run.processes.map((p) => p.metricsAfterClose?.triad_relay_cluster_lag_max_seconds ?? 0)
			) * 1000
	}));
	for (const [round, figures] of crossNode.entries()) {
		lines.push(
			`  cluster round ${round + 1}: published ${figures.published}, received ${figures.received}, ` +
				`repairs ${figures.repairs}, publish-to-receive lag max ${fixed(figures.lagMaxMs, 0)} ms`
		);
	}
	const ratio =
		median(cluster.map((run) => run.generator.latencyP99Ms)) /
		median(single.map((run) => run.generator.latencyP99Ms));
	lines.push(
		`  target: cross-node p99 within 2× of one node's — ratio ${fixed(ratio, 2)}: ${ratio <= 2 ? 'met' : 'MISSED'}`
	);
	return lines.join('\n');
}

function sum(
	run: SpreadMeasurement,
	key: 'cpuPercent' | 'rssIdleMiB' | 'rssPeakMiB' | 'rssAfterCloseMiB'
): number {
	return run.processes.reduce((total, process) => total + process[key], 0);
}

/**
 * Steps one node up in sockets (rooms of three at one update per second each) and then in
 * update rate (ten rooms of three, more updates per client), each until the fan-out p99 passes
 * 50 ms, a delivery is lost or a client fails to connect.
 */
async function capacity(bundle: RelayBundle, options: BenchOptions): Promise<string[]> {
	const lines: string[] = [];
	const step = async (shape: LoadShape) => {
		const run = await measureSpread(async () => [await startRelay('current', bundle)], shape, {
			...options,
			settleMs: 500
		});
		const sockets = shape.rooms * shape.clientsPerRoom;
		const updatesPerSecond = sockets * shape.updatesPerSecond;
		const line =
			`  ${String(sockets).padStart(6)} sockets, ${String(updatesPerSecond).padStart(6)} updates/s in, ` +
			`${fixed(run.generator.windowDeliveriesReceived / (options.windowMs / 1000), 0).padStart(6)} delivered/s: ` +
			`p99 ${fixed(run.generator.latencyP99Ms, 1)} ms, lost ${lost(run)}, connect failures ${run.generator.connectFailures}, ` +
			`relay CPU ${fixed(run.processes[0]?.cpuPercent ?? Number.NaN, 0)} %, generator CPU ${fixed(run.generatorCpuPercent, 0)} %, ` +
			`send lag p99 ${fixed(run.generator.sendLagP99Ms, 1)} ms, load average ${loadavg()[0]?.toFixed(2)}`;
		console.log(line);
		lines.push(line);
		return (
			run.generator.latencyP99Ms <= CAPACITY_P99_MS &&
			lost(run) === 0 &&
			run.generator.connectFailures === 0
		);
	};
	lines.push('capacity of one node (SQLite), sockets at 1 update/s each:');
	console.log(lines.at(-1));
	for (const rooms of [333, 1000, 2000, 3000, 4000]) {
		if (
			!(await step({ name: `sockets-${rooms}`, rooms, clientsPerRoom: 3, updatesPerSecond: 1 }))
		) {
			break;
		}
	}
	lines.push('capacity of one node (SQLite), 10 rooms × 3 clients, updates per client per second:');
	console.log(lines.at(-1));
	// Under the default 200 messages per second a connection may send.
	for (const rate of [50, 100, 150, 190]) {
		if (
			!(await step({ name: `rate-${rate}`, rooms: 10, clientsPerRoom: 3, updatesPerSecond: rate }))
		) {
			break;
		}
	}
	lines.push('capacity of one node (SQLite), 3 clients per room at 50 updates/s, more rooms:');
	console.log(lines.at(-1));
	for (const rooms of [20, 40, 60, 80]) {
		if (!(await step({ name: `busy-${rooms}`, rooms, clientsPerRoom: 3, updatesPerSecond: 50 }))) {
			break;
		}
	}
	return lines;
}

async function main(): Promise<void> {
	const argv = process.argv.slice(2);
	const withCapacity = argv.includes('--capacity') || argv.includes('--capacity-only');
	const onlyCapacity = argv.includes('--capacity-only');
	const options = readOptions(argv.filter((arg) => !arg.startsWith('--capacity')));
	const bundle = buildCurrentRelay();
	const startLoad = loadavg();
	console.log(
		`machine: ${availableParallelism()} cores, load average ${startLoad.map((l) => l.toFixed(2)).join(' ')}; ` +
			`PostgreSQL ${DATABASE_URL.replace(/\/\/[^@]*@/, '//')}, Redis ${REDIS_URL}`
	);
	const runs: ClusterRun[] = [];
	if (!onlyCapacity) {
		for (const load of options.loads) {
			for (let round = 1; round <= options.rounds; round++) {
				const order: Setup[] = round % 2 === 1 ? ['single', 'cluster'] : ['cluster', 'single'];
				for (const setup of order) {
					const profile =
						options.cpuProfileDir === undefined
							? undefined
							: { dir: options.cpuProfileDir, name: `${setup}-load${load.name}-round${round}` };
					const run = await measureSpread(
						setup === 'single'
							? async () => [await startRelay('current', bundle, profile)]
							: () => startCluster(bundle, profile),
						load,
						options
					);
					runs.push({ ...run, setup, load: load.name, round });
					console.log(
						`load ${load.name} round ${round} ${setup}: p99 ${fixed(run.generator.latencyP99Ms, 2)} ms, ` +
							`lost ${lost(run)}, CPU ${run.processes.map((p) => fixed(p.cpuPercent, 1)).join(' + ')} %, ` +
							`load average ${loadavg()[0]?.toFixed(2)}`
					);
				}
			}
		}
		console.log();
		for (const load of options.loads) console.log(formatLoad(load, runs, options) + '\n');
	}
	const capacityLines = withCapacity ? await capacity(bundle, options) : [];
	if (withCapacity) console.log('\n' + capacityLines.join('\n'));
	const endLoad = loadavg();
	console.log(
		`load average at start ${startLoad.map((l) => l.toFixed(2)).join(' ')}, at end ${endLoad.map((l) => l.toFixed(2)).join(' ')}`
	);
	mkdirSync(RESULTS_DIR, { recursive: true });
	const file = `${RESULTS_DIR}/relay-cluster-${new Date().toISOString().replace(/[:.]/g, '-')}.json`;
	writeFileSync(
		file,
		JSON.stringify({ startLoad, endLoad, options, runs, capacity: capacityLines }, null, '\t') +
			'\n'
	);
	console.log(`results written to ${file}`);
}

await main();
