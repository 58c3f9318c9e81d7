/**
 * App bench: first-load JavaScript and the lazy editor, home-screen start online and offline
 * under 4× CPU throttling, opening a triad of 1,000 proposals from IndexedDB, and Lighthouse's
 * mobile scores. Drives the real build through the real server in Debian's Chromium at phone
 * size. Prints figures and a table against the targets; asserts nothing.
 *
 *   npm run bench:app                 (builds first; or: npx vite build && npm run bench -- app)
 *   npm run bench -- app --rounds 1 --no-lighthouse
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { startServer } from '../../tests/e2e/app-server';
import { launchBrowser } from '../../tests/e2e/chromium';
import { networkStart, type NetworkStart } from './first-load';
import { totals, type Fetched } from './javascript';
import { CATEGORIES, runLighthouse, type LighthouseRun } from './lighthouse';
import { openSeededTriad, type TriadOpen } from './open-triad';
import { buildSeed } from './seed-triad';
import type { Usable } from './usable';
import { kB, median, ms, renderTable, type Row } from './table';
import { workerStart, type WorkerStart } from './worker-start';

const option = (name: string) => process.argv.indexOf(`--${name}`);
const ROUNDS = option('rounds') > 0 ? Number(process.argv[option('rounds') + 1]) : 3;
const LIGHTHOUSE = option('no-lighthouse') < 0;
const CPU_SLOWDOWN = 4;
const PROPOSALS = 1000;
const BALLOTS = 10_000;

interface Round {
	network: NetworkStart;
	worker: WorkerStart;
	triad: TriadOpen;
	lighthouse: LighthouseRun | null;
}

const load = () =>
	loadavg()
		.map((value) => value.toFixed(2))
		.join(' ');
const withoutBodies = (files: Fetched[]) => files.map(({ body: _body, ...rest }) => rest);

console.log(`load average at start: ${load()}`);
let started = performance.now();
const seed = buildSeed(PROPOSALS, BALLOTS);
console.log(
	`seed triad: ${PROPOSALS} proposals, ${BALLOTS} ballots, update ${kB(seed.updateBytes)}, ` +
		`built in ${ms(performance.now() - started)}`
);

const server = await startServer();
const browser = await launchBrowser();
const rounds: Round[] = [];
try {
	for (let round = 1; round <= ROUNDS; round++) {
		started = performance.now();
		const network = await networkStart(browser, server.url, CPU_SLOWDOWN);
		const worker = await workerStart(browser, server.url, CPU_SLOWDOWN);
		const triad = await openSeededTriad(browser, server.url, seed, CPU_SLOWDOWN);
		const lighthouse = LIGHTHOUSE ? await runLighthouse(`${server.url}/`) : null;
		rounds.push({ network, worker, triad, lighthouse });
		console.log(
			`round ${round}: home ${ms(network.usable.usable)} network / ${ms(worker.online.usable)} ` +
				`worker / ${ms(worker.offline.usable)} offline, triad ${ms(triad.open.usable)}` +
				(lighthouse ? `, Lighthouse performance ${lighthouse.scores.performance}` : '') +
				` (${((performance.now() - started) / 1000).toFixed(0)} s, load ${load()})`
		);
	}
} finally {
	await browser.close();
	await server.stop();
	await rm(resolve(server.staticDir, '..'), { recursive: true, force: true });
}

const first = rounds[0]!;
const firstLoad = totals(first.network.firstLoad);
const editor = totals(first.network.editor);
const editorInFirstLoad = first.network.editor.some((chunk) =>
	first.network.firstLoad.some((file) => file.path === chunk.path)
);
const timing = (pick: (round: Round) => number) => median(rounds.map(pick));
const homeNetwork = timing((r) => r.network.usable.usable);
const homeWorker = timing((r) => r.worker.online.usable);
const homeOffline = timing((r) => r.worker.offline.usable);
const triadOpen = timing((r) => r.triad.open.usable);
const triadLive = timing((r) => r.triad.live.usable);
const triadOpenThrottled = timing((r) => r.triad.openThrottled.usable);
const homeWithTriad = timing((r) => r.triad.home.usable);
const score = (category: (typeof CATEGORIES)[number]) => {
	const values = rounds.flatMap((r) => {
		const value = r.lighthouse?.scores[category];
		return typeof value === 'number' ? [value] : [];
	});
	return values.length > 0 ? median(values) : null;
};

const rows: Row[] = [
	{
		metric: `first-load JS, gzip (${firstLoad.files} files, ${kB(firstLoad.bytes)} raw)`,
		value: kB(firstLoad.gzip),
		target: '≤ 100 kB',
		met: firstLoad.gzip <= 100_000
	},
	{
		metric: `editor chunks, lazy, gzip (${editor.files} files, ${kB(editor.bytes)} raw)`,
		value: kB(editor.gzip),
		target: 'not in first load',
		met: !editorInFirstLoad
	},
	{
		metric: `home usable, online, no worker, empty cache, ${CPU_SLOWDOWN}× CPU`,
		value: ms(homeNetwork),
		target: '',
		met: null
	},
	{
		metric: `home usable, online, from the worker, ${CPU_SLOWDOWN}× CPU`,
		value: ms(homeWorker),
		target: '',
		met: null
	},
	{
		metric: `home usable, offline, from the worker, ${CPU_SLOWDOWN}× CPU`,
		value: ms(homeOffline),
		target: '≤ 1000 ms',
		met: homeOffline <= 1000
	},
	{
		metric: `open triad (${PROPOSALS} proposals, ${BALLOTS} ballots) from IndexedDB: list shown`,
		value: ms(triadOpen),
		target: '≤ 500 ms',
		met: triadOpen <= 500
	},
	{
		metric: `the same, until its document is loaded and it takes writes`,
		value: ms(triadLive),
		target: '',
		met: null
	},
	{
		metric: `open the same triad, list shown, ${CPU_SLOWDOWN}× CPU`,
		value: ms(triadOpenThrottled),
		target: '',
		met: null
	},
	{
		metric: `home usable with that triad joined (online, worker)`,
		value: ms(homeWithTriad),
		target: '',
		met: null
	}
];
const lighthouseTargets: Record<(typeof CATEGORIES)[number], number | null> = {
	performance: 95,
	accessibility: 100,
	'best-practices': 100,
	seo: null,
	pwa: null
};
if (LIGHTHOUSE) {
	for (const category of CATEGORIES) {
		const value = score(category);
		const target = lighthouseTargets[category];
		rows.push({
			metric: `Lighthouse ${first.lighthouse!.version} mobile: ${category}`,
			value: value === null ? 'n/a (no such category)' : String(value),
			target: target === null ? '' : `≥ ${target}`,
			met: target === null || value === null ? null : value >= target
		});
	}
}

console.log('');
console.log(
	`rounds: ${rounds.length}, medians. Chromium at 360×740, server on 127.0.0.1 (no network ` +
		`latency). "Usable": landmarks in the DOM, their frame painted, the next task run.`
);
console.log('');
console.log(renderTable(rows));
console.log('');
console.log('first-load JavaScript (round 1), gzip:');
for (const file of first.network.firstLoad) {
	console.log(`  ${kB(file.gzip).padStart(9)}  ${file.path}`);
}
const late = totals(first.network.afterUsable);
console.log(`fetched after usable, until network idle: ${late.files} files, ${kB(late.gzip)} gzip`);
console.log('editor chunks (fetched when the proposal editor opens), gzip:');
for (const file of first.network.editor) {
	console.log(`  ${kB(file.gzip).padStart(9)}  ${file.path}`);
}
console.log(
	'per round: home network / worker / offline; triad list / live / list throttled / home ' +
		'(in brackets: when the landmarks appeared, before the frame and the next task)'
);
const both = (usable: Usable) => `${ms(usable.usable)} (${ms(usable.appeared)})`;
rounds.forEach((r, index) => {
	const home = [r.network.usable, r.worker.online, r.worker.offline].map(both).join(' / ');
	const triad = [r.triad.open, r.triad.live, r.triad.openThrottled, r.triad.home]
		.map(both)
		.join(' / ');
	console.log(`  ${index + 1}: ${home}; ${triad}`);
});

if (LIGHTHOUSE) {
	const failing = new Map<
		string,
		{ title: string; categories: string[]; items: string[]; shown: string[] }
	>();
	for (const round of rounds) {
		for (const audit of round.lighthouse!.failing) {
			const entry = failing.get(audit.id) ?? {
				title: audit.title,
				categories: audit.categories,
				items: audit.items,
				shown: []
			};
			entry.shown.push(audit.displayValue ?? `score ${audit.score}`);
			failing.set(audit.id, entry);
		}
	}
	console.log(`Lighthouse audits below 0.9 (rounds failing of ${rounds.length}):`);
	for (const [id, audit] of failing) {
		console.log(
			`  ${id} [${audit.categories.join(', ')}] ${audit.shown.length}×: ${audit.title} — ${audit.shown.join('; ')}`
		);
		if (audit.items.length > 0) console.log(`      ${audit.items.join(', ')}`);
	}
}
console.log(`load average at end: ${load()}`);

mkdirSync('bench/results', { recursive: true });
const file = `bench/results/app-${new Date().toISOString().replace(/[:.]/g, '-')}.json`;
writeFileSync(
	file,
	JSON.stringify(
		{
			date: new Date().toISOString(),
			rounds: rounds.length,
			cpuSlowdown: CPU_SLOWDOWN,
			seed: { proposals: PROPOSALS, ballots: BALLOTS, updateBytes: seed.updateBytes },
			table: rows,
			runs: rounds.map((r) => ({
				network: {
					usable: r.network.usable,
					firstLoad: withoutBodies(r.network.firstLoad),
					afterUsable: withoutBodies(r.network.afterUsable),
					editor: withoutBodies(r.network.editor),
					proposalScreen: withoutBodies(r.network.proposalScreen)
				},
				worker: r.worker,
				triad: r.triad,
				lighthouse: r.lighthouse
			}))
		},
		null,
		'\t'
	)
);
console.log(`results: ${file}`);
