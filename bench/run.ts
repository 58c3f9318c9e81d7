/**
 * `npm run bench [-- name... [--option value...]]`: runs each benchmark under bench/<name>/main.ts
 * in turn (all of them when no name is given), passing the options through, and ends with a
 * line per benchmark saying whether it ran, failed or was skipped and why.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const BENCH_DIR = 'bench';
/** Folders under bench/ that hold output or shared code, not a benchmark. */
const NOT_BENCHES = new Set(['results']);

const args = process.argv.slice(2);
const firstOption = args.findIndex((arg) => arg.startsWith('-'));
const names = firstOption === -1 ? args : args.slice(0, firstOption);
const passThrough = firstOption === -1 ? [] : args.slice(firstOption);

const folders = readdirSync(BENCH_DIR, { withFileTypes: true })
	.filter((entry) => entry.isDirectory() && !NOT_BENCHES.has(entry.name))
	.map((entry) => entry.name)
	.sort();
const unknown = names.filter((name) => !folders.includes(name));
if (unknown.length > 0) {
	console.error(`no such bench: ${unknown.join(', ')} (have: ${folders.join(', ') || 'none'})`);
	process.exit(2);
}

const outcomes: string[] = [];
let failed = false;
for (const name of names.length > 0 ? names : folders) {
	const entry = join(BENCH_DIR, name, 'main.ts');
	if (!existsSync(entry)) {
		outcomes.push(`skipped bench/${name}: it has no main.ts`);
		continue;
	}
	console.log(`\n=== bench/${name} ===`);
	const run = spawnSync(process.execPath, ['--import', 'tsx', entry, ...passThrough], {
		stdio: 'inherit'
	});
	const ok = run.status === 0;
	failed ||= !ok;
	outcomes.push(
		`${ok ? 'ran' : 'FAILED'} bench/${name}${ok ? '' : ` (exit ${run.status ?? run.signal})`}`
	);
}
console.log(`\n${outcomes.join('\n') || 'no benches found under bench/'}`);
process.exit(failed ? 1 : 0);
