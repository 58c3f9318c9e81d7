import { mkdirSync, writeFileSync } from 'node:fs';
import * as Y from 'yjs';
import { decideEach, outcomesOf, readBodyXml, readWorkspace } from '../../src/lib/doc';
import { checkSignatures } from '../../src/lib/doc/check-signatures';
import { createVerifier } from '../../src/lib/doc/ed25519';
import { buildSignedTriad, buildTriad, offlineWeek, SIGNED_SCOPE, T0 } from './build';

/**
 * Doc-layer benchmark: a triad with 1,000 proposals (~2 KB of body each) and 10,000 ballots.
 * Measures opening it from a stored update through our layer against plain Yjs, computing every
 * outcome, and merging a week of offline work. Prints figures; asserts nothing.
 *
 *   node --import tsx bench/doc/main.ts [--runs 15] [--warmup 3]
 */

const PROPOSALS = 1_000;
const BALLOTS = 10_000;
const OFFLINE_OPERATIONS = 1_000;
const runs = numberArg('--runs', 15);
const warmup = numberArg('--warmup', 3);

function numberArg(name: string, fallback: number): number {
	const index = process.argv.indexOf(name);
	const value = index >= 0 ? Number(process.argv[index + 1]) : fallback;
	return Number.isInteger(value) && value > 0 ? value : fallback;
}

interface Figures {
	median: number;
	p90: number;
	min: number;
	samples: number[];
}

/** Times `measure` (which returns the milliseconds of its timed part) after warm-up runs. */
function repeat(measure: () => number): Figures {
	for (let i = 0; i < warmup; i++) measure();
	const samples: number[] = [];
	for (let i = 0; i < runs; i++) samples.push(measure());
	const sorted = [...samples].sort((a, b) => a - b);
	const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
	return { median: at(0.5), p90: at(0.9), min: sorted[0]!, samples };
}

/** `repeat` for measurements that wait (WebCrypto), with their own, smaller number of runs. */
async function repeatAsync(measure: () => Promise<number>, count: number): Promise<Figures> {
	for (let i = 0; i < Math.min(warmup, 1); i++) await measure();
	const samples: number[] = [];
	for (let i = 0; i < count; i++) samples.push(await measure());
	const sorted = [...samples].sort((a, b) => a - b);
	const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
	return { median: at(0.5), p90: at(0.9), min: sorted[0]!, samples };
}

function timed(work: () => void): number {
	const start = performance.now();
	work();
	return performance.now() - start;
}

console.log(`building a triad: ${PROPOSALS} proposals, ${BALLOTS} ballots…`);
let source = new Y.Doc();
const buildMs = timed(() => (source = buildTriad(PROPOSALS, BALLOTS)));
const stored = Y.encodeStateAsUpdate(source);
const loadedOnce = new Y.Doc();
Y.applyUpdate(loadedOnce, stored);
const snapshot = readWorkspace(loadedOnce);
const bodyChars = snapshot.proposals.reduce(
	(sum, p) => sum + readBodyXml(loadedOnce, p.id).length,
	0
);
console.log(
	`built: ${snapshot.proposals.length} proposals, ${snapshot.ballots.length} ballots, ` +
		`${Math.round(bodyChars / snapshot.proposals.length)} chars of body XML per proposal ` +
		`(built in ${(buildMs / 1000).toFixed(1)} s)`
);

const baseline = repeat(() =>
	timed(() => {
		Y.applyUpdate(new Y.Doc(), stored);
	})
);
const load = repeat(() =>
	timed(() => {
		const doc = new Y.Doc();
		Y.applyUpdate(doc, stored);
		readWorkspace(doc);
	})
);
const readOnly = repeat(() => timed(() => readWorkspace(loadedOnce)));
const outcomesFromDoc = repeat(() => timed(() => outcomesOf(loadedOnce, T0 + 60 * 86_400_000)));
const outcomesFromSnapshot = repeat(() => timed(() => decideEach(snapshot, T0 + 60 * 86_400_000)));

// The diverged replica: a copy of the stored triad that works offline for a week.
const laptop = new Y.Doc();
Y.applyUpdate(laptop, stored);
offlineWeek(laptop, OFFLINE_OPERATIONS);
const weekUpdate = Y.encodeStateAsUpdate(laptop, Y.encodeStateVector(source));
const merge = repeat(() => {
	const home = new Y.Doc();
	Y.applyUpdate(home, stored);
	return timed(() => Y.applyUpdate(home, weekUpdate));
});
const mergeAndRead = repeat(() => {
	const home = new Y.Doc();
	Y.applyUpdate(home, stored);
	return timed(() => {
		Y.applyUpdate(home, weekUpdate);
		readWorkspace(home);
	});
});

// The same triad with every ballot and seat claim signed: what the app reads on opening it. The
// first read checks every signature (in the background, in the app); later reads find each
// answer kept with its stored entry.
console.log('building the signed triad…');
const signedSource = await buildSignedTriad(PROPOSALS, BALLOTS);
const signedStored = Y.encodeStateAsUpdate(signedSource);
const NOW = T0 + 60 * 86_400_000;
const signedRuns = Math.max(3, Math.ceil(runs / 3));
const loadSigned = () => {
	const doc = new Y.Doc();
	Y.applyUpdate(doc, signedStored);
	return doc;
};
const signedFirst = await repeatAsync(async () => {
	const doc = loadSigned();
	const start = performance.now();
	await checkSignatures(doc, SIGNED_SCOPE, createVerifier());
	outcomesOf(doc, NOW);
	return performance.now() - start;
}, signedRuns);
const checksAlone = await repeatAsync(async () => {
	const doc = loadSigned();
	const start = performance.now();
	await checkSignatures(doc, SIGNED_SCOPE, createVerifier());
	return performance.now() - start;
}, signedRuns);
const checked = loadSigned();
const checkedCount = await checkSignatures(checked, SIGNED_SCOPE, createVerifier());
const signedCached = repeat(() => timed(() => outcomesOf(checked, NOW)));
const recheck = await repeatAsync(async () => {
	const start = performance.now();
	await checkSignatures(checked, SIGNED_SCOPE, createVerifier());
	return performance.now() - start;
}, runs);
const verifiedCounted = [...outcomesOf(checked, NOW).values()].reduce(
	(sum, o) => sum + Object.values(o.counted).filter((b) => b?.signature === 'verified').length,
	0
);
console.log(
	`signed: ${checkedCount} signatures checked, ${verifiedCounted} verified ballots counted, ` +
		`${signedStored.byteLength} bytes`
);

const rows: [string, Figures, string][] = [
	['load: plain Y.applyUpdate (baseline)', baseline, ''],
	['load: applyUpdate + readWorkspace (ours)', load, 'within 1.5× of baseline'],
	['readWorkspace alone', readOnly, ''],
	['all outcomes: outcomesOf(doc)', outcomesFromDoc, 'under 20 ms'],
	['all outcomes: decideEach(snapshot)', outcomesFromSnapshot, ''],
	[`merge ${OFFLINE_OPERATIONS} offline ops (one update)`, merge, 'under 50 ms'],
	['merge + readWorkspace', mergeAndRead, ''],
	['signed: checks + all outcomes, first read', signedFirst, 'once per record, in background'],
	['signed: signature checks alone, first read', checksAlone, ''],
	['signed: all outcomes, checks cached', signedCached, 'under 20 ms'],
	['signed: a check pass with nothing new', recheck, 'runs after each change']
];

const pad = (text: string, width: number) => text.padEnd(width);
const ms = (value: number) => `${value.toFixed(2)} ms`.padStart(11);
console.log('');
console.log(
	`encoded size: ${stored.byteLength} bytes (${(stored.byteLength / 2 ** 20).toFixed(2)} MiB)`
);
console.log(`offline week update: ${weekUpdate.byteLength} bytes`);
console.log(`runs: ${runs} after ${warmup} warm-up\n`);
console.log(
	`${pad('measurement', 44)}${'median'.padStart(11)}${'p90'.padStart(11)}  ×baseline  target`
);
for (const [name, figures, target] of rows) {
	const ratio = (figures.median / baseline.median).toFixed(2);
	console.log(
		`${pad(name, 44)}${ms(figures.median)}${ms(figures.p90)}  ${ratio.padStart(8)}  ${target}`
	);
}

const result = {
	bench: 'doc',
	at: new Date().toISOString(),
	node: process.version,
	proposals: PROPOSALS,
	ballots: BALLOTS,
	offlineOperations: OFFLINE_OPERATIONS,
	encodedBytes: stored.byteLength,
	offlineUpdateBytes: weekUpdate.byteLength,
	runs,
	warmup,
	measurements: Object.fromEntries(
		rows.map(([name, figures, target]) => [
			name,
			{ ...figures, ratioToBaseline: figures.median / baseline.median, target }
		])
	)
};
mkdirSync('bench/results', { recursive: true });
const file = `bench/results/doc-${result.at.replace(/[:.]/g, '-')}.json`;
writeFileSync(file, `${JSON.stringify(result, null, '\t')}\n`);
console.log(`\nwrote ${file}`);
