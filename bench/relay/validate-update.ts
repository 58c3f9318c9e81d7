import * as Y from 'yjs';
import { proposalBody, listProposals } from '../../src/lib/doc';
import { applyValidUpdate, validateUpdate } from '../../src/lib/protocol/validate-update';
import { buildTriad, offlineWeek } from '../doc/build';

/**
 * What the relay's check of updates costs (src/lib/protocol/validate-update.ts), beside plain
 * `Y.applyUpdate`: median microseconds per update for the small updates members send (a week of
 * offline work of every kind, and keystrokes in a proposal body) applied to a large triad, and
 * milliseconds for that triad's whole state (4.5 MiB, what a sync step 2 or a compaction carries).
 * Prints figures; asserts nothing.
 *
 *   node --import tsx bench/relay/validate-update.ts [--rounds 5]
 */

const rounds = numberArg('--rounds', 5);

function numberArg(name: string, fallback: number): number {
	const index = process.argv.indexOf(name);
	const value = index >= 0 ? Number(process.argv[index + 1]) : fallback;
	return Number.isInteger(value) && value > 0 ? value : fallback;
}

function median(samples: number[]): number {
	const sorted = [...samples].sort((a, b) => a - b);
	return sorted[Math.floor(sorted.length / 2)]!;
}

function timed(work: () => void): number {
	const start = performance.now();
	work();
	return performance.now() - start;
}

console.log('building a triad: 1,000 proposals, 10,000 ballots…');
const triad = buildTriad(1_000, 10_000);
const state = Y.encodeStateAsUpdate(triad);

/** The updates a replica of the triad (another client) produces while `work` edits it. */
function updatesOf(work: (replica: Y.Doc) => void): Uint8Array[] {
	const replica = new Y.Doc();
	replica.clientID = 2;
	Y.applyUpdate(replica, state);
	const updates: Uint8Array[] = [];
	replica.on('update', (update: Uint8Array) => updates.push(update));
	work(replica);
	return updates;
}

const mixed = updatesOf((replica) => offlineWeek(replica, 1_000));
const keystrokes = updatesOf((replica) => {
	const body = proposalBody(replica, listProposals(replica)[0]!.id);
	const paragraph = body.get(0) as Y.XmlElement;
	const text = paragraph.get(0) as Y.XmlText;
	for (let i = 0; i < 1_000; i++) text.insert(10 + i, 'x');
});

/** Median µs per update to validate them, and to apply them in order to a copy of the triad. */
function small(updates: Uint8Array[]) {
	const perUpdate = (ms: number) => (ms * 1000) / updates.length;
	const validate: number[] = [];
	const plain: number[] = [];
	const checked: number[] = [];
	const applyAll = (apply: (doc: Y.Doc, update: Uint8Array) => unknown) => {
		const doc = new Y.Doc();
		Y.applyUpdate(doc, state);
		const ms = timed(() => updates.forEach((update) => apply(doc, update)));
		doc.destroy();
		return perUpdate(ms);
	};
	// One round to warm up, then the two ways alternate which goes first.
	for (let round = -1; round < rounds; round++) {
		const v = perUpdate(timed(() => updates.forEach((update) => validateUpdate(update))));
		const first = round % 2 === 0;
		const p = first ? applyAll(Y.applyUpdate) : 0;
		const c = applyAll(applyValidUpdate);
		const q = first ? p : applyAll(Y.applyUpdate);
		if (round < 0) continue;
		validate.push(v);
		plain.push(q);
		checked.push(c);
	}
	const bytes = updates.map((update) => update.length);
	return {
		bytes: `${median(bytes)} (max ${Math.max(...bytes)})`,
		validate: median(validate),
		plain: median(plain),
		checked: median(checked)
	};
}

/** Median ms to validate the whole state, to load it, and to load it through the check. */
function whole() {
	const validate: number[] = [];
	const plain: number[] = [];
	const checked: number[] = [];
	const encode: number[] = [];
	for (let round = -1; round < rounds; round++) {
		const v = timed(() => validateUpdate(state));
		const a = new Y.Doc();
		const b = new Y.Doc();
		const first = round % 2 === 0;
		const p = first ? timed(() => Y.applyUpdate(a, state)) : 0;
		const c = timed(() => applyValidUpdate(b, state));
		const q = first ? p : timed(() => Y.applyUpdate(a, state));
		const e = timed(() => Y.encodeStateAsUpdate(a));
		a.destroy();
		b.destroy();
		if (round < 0) continue;
		validate.push(v);
		plain.push(q);
		checked.push(c);
		encode.push(e);
	}
	return {
		validate: median(validate),
		plain: median(plain),
		checked: median(checked),
		encode: median(encode)
	};
}

const fixed = (value: number, digits = 1) => value.toFixed(digits).padStart(9);
console.log(`\nmedians of ${rounds} rounds\n`);
console.log(
	'updates applied to the triad      bytes (median)   validate µs   applyUpdate µs   applyValidUpdate µs   ratio'
);
for (const [name, updates] of [
	[`a week of offline work (${mixed.length})`, mixed],
	[`keystrokes in a body (${keystrokes.length})`, keystrokes]
] as const) {
	const row = small(updates);
	console.log(
		`${name.padEnd(34)}${row.bytes.padStart(14)}${fixed(row.validate)}    ${fixed(row.plain)}       ${fixed(row.checked)}            ${(row.checked / row.plain).toFixed(2)}`
	);
}
const big = whole();
console.log(`\nthe whole triad, ${(state.length / 2 ** 20).toFixed(1)} MiB`);
console.log(`  validateUpdate                  ${fixed(big.validate)} ms`);
console.log(`  Y.applyUpdate into a new doc    ${fixed(big.plain)} ms`);
console.log(
	`  applyValidUpdate into a new doc ${fixed(big.checked)} ms  (ratio ${(big.checked / big.plain).toFixed(2)})`
);
console.log(
	`  compaction: encode ${big.encode.toFixed(1)} ms, its check (validate + load) ${(big.validate + big.plain).toFixed(1)} ms`
);
