/**
 * Relay benchmark: the same loads against the baseline @y/websocket-server, the Triad relay at an
 * earlier revision (stock clients) and this checkout's relay (protocol-2 clients, receipts on),
 * alternating the order between rounds, printed side by side and stored under bench/results/.
 * Usage: `npm run bench:relay -- [--rounds 2] [--window 10] [--warmup 3] [--load A --load B]
 * [--previous <rev>]`.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { readOptions } from './config';
import { measureRun } from './measure-run';
import type { RunMeasurement } from './measure-run';
import { buildCurrentRelay, buildPreviousRelay } from './relay-builds';
import type { RelayBundle } from './relay-builds';
import { RELAY_KINDS } from './relay-process';
import type { RelayKind } from './relay-process';
import { formatLoad, summarizeLoad } from './report';

const TRIAD_ENTRY = 'server/main.ts';
const RESULTS_DIR = 'bench/results';

async function main(): Promise<void> {
	const options = readOptions(process.argv.slice(2));
	const bundles: Partial<Record<RelayKind, RelayBundle>> = {
		previous: buildPreviousRelay(options.previous)
	};
	if (existsSync(TRIAD_ENTRY)) {
		bundles.current = buildCurrentRelay();
	} else {
		console.log(`current relay: ${TRIAD_ENTRY} not found, its column stays empty`);
	}
	const previousSource = bundles.previous?.source ?? options.previous;
	console.log(
		`relays: baseline @y/websocket-server 0.1.1; previous ${previousSource} (${bundles.previous?.dir}), ` +
			`stock clients; current ${bundles.current?.dir ?? '—'}, protocol-2 clients`
	);
	// Other work on the machine skews every figure here, so the context goes on record.
	const machine = { cores: availableParallelism(), loadAverageAtStart: loadavg() };
	console.log(
		`machine: ${machine.cores} cores, load average ${machine.loadAverageAtStart.map((l) => l.toFixed(2)).join(' ')}`
	);
	const runs: RunMeasurement[] = [];
	for (const load of options.loads) {
		for (let round = 1; round <= options.rounds; round++) {
			// Alternating the order cancels drift in the machine's background load.
			const order = round % 2 === 1 ? RELAY_KINDS : [...RELAY_KINDS].reverse();
			for (const relay of order) {
				if (relay !== 'baseline' && bundles[relay] === undefined) continue;
				const started = performance.now();
				const run = await measureRun(relay, bundles[relay], load, options, round);
				runs.push(run);
				const receipts =
					run.params === 'protocol-2'
						? `receipt p99 ${run.generator.receiptLatencyP99Ms.toFixed(2)} ms, `
						: '';
				console.log(
					`load ${load.name} round ${round} ${relay}: p99 ${run.generator.latencyP99Ms.toFixed(2)} ms, ` +
						receipts +
						`send lag p99 ${run.generator.sendLagP99Ms.toFixed(1)} ms, ` +
						`relay CPU ${run.relayCpuPercent.toFixed(1)} %, load average ${loadavg()[0]?.toFixed(2)}, ` +
						`${((performance.now() - started) / 1000).toFixed(1)} s`
				);
			}
		}
	}
	const summaries = options.loads.map((load) => summarizeLoad(load, runs, options));
	const loadAverageAtEnd = loadavg();
	console.log();
	for (const summary of summaries) {
		console.log(formatLoad(summary, options, previousSource) + '\n');
	}
	console.log(
		`load average at start ${machine.loadAverageAtStart.map((l) => l.toFixed(2)).join(' ')}, ` +
			`at end ${loadAverageAtEnd.map((l) => l.toFixed(2)).join(' ')}`
	);
	mkdirSync(RESULTS_DIR, { recursive: true });
	const file = `${RESULTS_DIR}/relay-${new Date().toISOString().replace(/[:.]/g, '-')}.json`;
	writeFileSync(
		file,
		JSON.stringify(
			{ machine: { ...machine, loadAverageAtEnd }, options, bundles, summaries, runs },
			null,
			'\t'
		) + '\n'
	);
	console.log(`results written to ${file}`);
}

await main();
