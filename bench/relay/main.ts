/**
 * Relay benchmark: the same loads against the baseline @y/websocket-server and the Triad relay,
 * alternating between them, printed side by side and stored under bench/results/.
 * Usage: `npm run bench:relay -- [--rounds 2] [--window 10] [--warmup 3] [--load A --load B]`.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { readOptions } from './config';
import { measureRun } from './measure-run';
import type { RunMeasurement } from './measure-run';
import type { RelayKind } from './relay-process';
import { formatLoad, summarizeLoad } from './report';

const TRIAD_ENTRY = 'server/main.ts';
const RESULTS_DIR = 'bench/results';

async function main(): Promise<void> {
	const options = readOptions(process.argv.slice(2));
	const triadPresent = existsSync(TRIAD_ENTRY);
	if (!triadPresent) {
		console.log(`triad relay: ${TRIAD_ENTRY} not found, measuring the baseline only`);
	}
	// Other work on the machine skews every figure here, so the context goes on record.
	const machine = { cores: availableParallelism(), loadAverageAtStart: loadavg() };
	console.log(
		`machine: ${machine.cores} cores, load average ${machine.loadAverageAtStart.map((l) => l.toFixed(2)).join(' ')}`
	);
	const runs: RunMeasurement[] = [];
	for (const load of options.loads) {
		for (let round = 1; round <= options.rounds; round++) {
			// Alternating who goes first cancels drift in the machine's background load.
			const order: RelayKind[] = round % 2 === 1 ? ['baseline', 'triad'] : ['triad', 'baseline'];
			for (const relay of order) {
				if (relay === 'triad' && !triadPresent) continue;
				const started = performance.now();
				const run = await measureRun(relay, load, options, round);
				runs.push(run);
				console.log(
					`load ${load.name} round ${round} ${relay}: p99 ${run.generator.latencyP99Ms.toFixed(2)} ms, ` +
						`send lag p99 ${run.generator.sendLagP99Ms.toFixed(1)} ms, ` +
						`relay CPU ${run.relayCpuPercent.toFixed(1)} %, load average ${loadavg()[0]?.toFixed(2)}, ` +
						`${((performance.now() - started) / 1000).toFixed(1)} s`
				);
			}
		}
	}
	const summaries = options.loads.map((load) => summarizeLoad(load, runs, options));
	console.log();
	for (const summary of summaries) console.log(formatLoad(summary, options) + '\n');
	mkdirSync(RESULTS_DIR, { recursive: true });
	const file = `${RESULTS_DIR}/relay-${new Date().toISOString().replace(/[:.]/g, '-')}.json`;
	writeFileSync(file, JSON.stringify({ machine, options, summaries, runs }, null, '\t') + '\n');
	console.log(`results written to ${file}`);
}

await main();
