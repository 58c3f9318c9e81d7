/**
 * A/B of opening the 1,000-proposal triad: two app builds served side by side, measured in
 * alternation (A, B, A, B, …) so that both see the same machine load, each time in a fresh
 * profile that has used the triad. Prints each pair, the medians and the median of the per-pair
 * ratios B/A. Build the baseline in a worktree of the older commit first, e.g.
 *
 *   git worktree add /tmp/base <commit> && ln -s "$PWD/node_modules" /tmp/base/
 *   (cd /tmp/base && npx vite build) && npx vite build
 *   npx tsx bench/app/compare-open.ts /tmp/base/build build [--pairs 7]
 */
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { startServer, type AppServer } from '../../tests/e2e/app-server';
import { launchBrowser } from '../../tests/e2e/chromium';
import { openUntilListShown, profileWithSeededTriad } from './open-triad';
import { buildSeed } from './seed-triad';
import { median, ms } from './table';

const [baselineDir, candidateDir] = process.argv.slice(2, 4);
if (!baselineDir || !candidateDir) {
	console.error('usage: compare-open.ts <baseline build dir> <candidate build dir> [--pairs N]');
	process.exit(2);
}
const pairsAt = process.argv.indexOf('--pairs');
const PAIRS = pairsAt > 0 ? Number(process.argv[pairsAt + 1]) : 7;

const seed = buildSeed(1000, 10_000);
const servers: AppServer[] = [];
const browser = await launchBrowser();
try {
	servers.push(await startServer(resolve(baselineDir)), await startServer(resolve(candidateDir)));
	const shown = async (server: AppServer) => {
		const context = await profileWithSeededTriad(browser, server.url, seed);
		try {
			return (await openUntilListShown(context, seed)).usable;
		} finally {
			await context.close();
		}
	};
	const pairs: Array<[number, number]> = [];
	for (let pair = 1; pair <= PAIRS; pair++) {
		const baseline = await shown(servers[0]!);
		const candidate = await shown(servers[1]!);
		pairs.push([baseline, candidate]);
		console.log(
			`pair ${pair}: A ${ms(baseline)}, B ${ms(candidate)}, B/A ${(candidate / baseline).toFixed(2)} ` +
				`(load ${loadavg()[0]!.toFixed(2)})`
		);
	}
	console.log(
		`list shown, median: A ${ms(median(pairs.map(([a]) => a)))}, B ${ms(median(pairs.map(([, b]) => b)))}; ` +
			`median ratio B/A ${median(pairs.map(([a, b]) => b / a)).toFixed(2)} over ${PAIRS} pairs`
	);
} finally {
	await browser.close();
	await Promise.all(servers.map((server) => server.stop()));
}
