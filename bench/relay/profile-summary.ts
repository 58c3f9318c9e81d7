/**
 * Prints where a V8 CPU profile (`node --cpu-prof`) spent its time: the functions with the
 * most self time, then the most inclusive time. Given a folder (one per relay run, holding a
 * profile per thread), it reads the busiest profile, which is the relay's main thread, and
 * only the samples inside the measurement window the bench wrote next to it. Usage:
 * `node --import tsx bench/relay/profile-summary.ts <file.cpuprofile|folder> [top=20]`.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PROFILE_WINDOW_FILE } from './profile-window';

interface ProfileNode {
	id: number;
	callFrame: { functionName: string; url: string; lineNumber: number };
	children?: number[];
}

interface CpuProfile {
	startTime: number;
	nodes: ProfileNode[];
	samples: number[];
	timeDeltas: number[];
}

const [target, topText = '20'] = process.argv.slice(2);
if (target === undefined) {
	console.error('usage: profile-summary.ts <file.cpuprofile|folder> [top]');
	process.exit(2);
}
const top = Number(topText);

const isFolder = statSync(target).isDirectory();
const windowFile = join(target, PROFILE_WINDOW_FILE);
const window =
	isFolder && existsSync(windowFile)
		? (JSON.parse(readFileSync(windowFile, 'utf8')) as { startUs: number; endUs: number })
		: null;

/** [node id, microseconds] of each sample inside the window (all samples without one). */
function weightedSamples(candidate: CpuProfile): Array<[number, number]> {
	const weighted: Array<[number, number]> = [];
	let at = candidate.startTime;
	candidate.samples.forEach((nodeId, index) => {
		const micros = candidate.timeDeltas[index] ?? 0;
		at += micros;
		if (window === null || (at >= window.startUs && at <= window.endUs)) {
			weighted.push([nodeId, micros]);
		}
	});
	return weighted;
}

function busyMicros(candidate: CpuProfile): number {
	const idle = new Set(
		candidate.nodes
			.filter((node) => node.callFrame.functionName === '(idle)')
			.map((node) => node.id)
	);
	return weightedSamples(candidate).reduce(
		(sum, [nodeId, micros]) => (idle.has(nodeId) ? sum : sum + micros),
		0
	);
}

const files = isFolder
	? readdirSync(target)
			.filter((name) => name.endsWith('.cpuprofile'))
			.map((name) => join(target, name))
	: [target];
const [file, profile] = files
	.map((path) => [path, JSON.parse(readFileSync(path, 'utf8')) as CpuProfile] as const)
	.sort((a, b) => busyMicros(b[1]) - busyMicros(a[1]))[0] ?? ['', null];
if (profile === null) {
	console.error(`no .cpuprofile in ${target}`);
	process.exit(2);
}
console.log(
	window === null
		? `${file} (whole process lifetime)`
		: `${file} (${((window.endUs - window.startUs) / 1e6).toFixed(1)} s measurement window only)`
);

const selfMicros = new Map<number, number>();
for (const [nodeId, micros] of weightedSamples(profile)) {
	selfMicros.set(nodeId, (selfMicros.get(nodeId) ?? 0) + micros);
}
/** Where this checkout's files are, stripped from a frame's URL: the bench runs from its root. */
const CHECKOUT_URL = `${pathToFileURL(process.cwd()).href}/`;
const nodesById = new Map(profile.nodes.map((node) => [node.id, node]));
const parentOf = new Map<number, number>();
for (const node of profile.nodes) {
	for (const child of node.children ?? []) parentOf.set(child, node.id);
}

const label = (node: ProfileNode): string => {
	const { functionName, url, lineNumber } = node.callFrame;
	const where = url.replace(/^.*\/node_modules\//, '').replace(CHECKOUT_URL, '');
	return `${functionName || '(anonymous)'} ${where}:${lineNumber + 1}`;
};
// Percentages are of busy time: idle samples only say how long the process waited.
const IDLE = '(idle) :0';
const ROOT = '(root) :0';
const selfByLabel = new Map<string, number>();
const inclusiveByLabel = new Map<string, number>();
for (const [nodeId, micros] of selfMicros) {
	const node = nodesById.get(nodeId);
	if (node === undefined || label(node) === IDLE) continue;
	selfByLabel.set(label(node), (selfByLabel.get(label(node)) ?? 0) + micros);
	// A recursive function appears several times on one stack; count it once per sample.
	const seen = new Set<string>();
	for (let id: number | undefined = nodeId; id !== undefined; id = parentOf.get(id)) {
		const name = label(nodesById.get(id) as ProfileNode);
		if (seen.has(name) || name === ROOT) continue;
		seen.add(name);
		inclusiveByLabel.set(name, (inclusiveByLabel.get(name) ?? 0) + micros);
	}
}

const total = [...selfByLabel.values()].reduce((sum, micros) => sum + micros, 0);
const print = (title: string, byLabel: Map<string, number>): void => {
	console.log(`${title}, % of ${(total / 1000).toFixed(0)} ms busy`);
	for (const [name, micros] of [...byLabel].sort((a, b) => b[1] - a[1]).slice(0, top)) {
		console.log(`${((micros / total) * 100).toFixed(1).padStart(6)} %  ${name}`);
	}
};
print('self time', selfByLabel);
console.log();
print('inclusive time', inclusiveByLabel);
