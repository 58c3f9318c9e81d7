import { execFileSync } from 'node:child_process';
import {
	copyFileSync,
	cpSync,
	existsSync,
	lstatSync,
	mkdirSync,
	mkdtempSync,
	readFileSync,
	rmSync,
	symlinkSync,
	unlinkSync
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

/** A bundled Triad relay: the folder holding `main.js` and `sqlite-worker.js`. */
export interface RelayBundle {
	readonly dir: string;
	/** The commit it was built from, abbreviated; "working tree" for this checkout. */
	readonly source: string;
}

/** Where `npm run build:server` writes, relative to the folder it runs in. */
const BUILD_DIR = 'build-server';
/**
 * Where the previous relay's bundle goes. Under bench/results/ (git-ignored) rather than in the
 * temporary checkout: its imports of yjs, ws and better-sqlite3 resolve from this checkout's
 * node_modules by walking up from the bundle, as `build-server/`'s do.
 */
const PREVIOUS_DIR = 'bench/results/previous-relay';
const SVELTE_KIT_TSCONFIG = '.svelte-kit/tsconfig.json';

/**
 * Bundles this checkout's relay with `npm run build:server`, as `npm start` runs it, so a stale
 * build is never measured.
 */
export function buildCurrentRelay(): RelayBundle {
	execFileSync('npm', ['run', '--silent', 'build:server'], { stdio: 'inherit' });
	return { dir: BUILD_DIR, source: 'working tree' };
}

/**
 * Bundles the relay as it was at git revision `rev`: its tree exported into a temporary folder
 * (`git archive`, so neither this checkout nor the repository's worktree list changes), this
 * checkout's node_modules linked in, and that revision's own `npm run build:server` run there.
 * The bundle is copied to bench/results/previous-relay/ and the temporary folder removed.
 */
export function buildPreviousRelay(rev: string): RelayBundle {
	let commit: string;
	try {
		commit = git('rev-parse', '--verify', '--quiet', `${rev}^{commit}`).trim();
	} catch {
		throw new Error(`--previous ${rev}: no such commit in this repository`);
	}
	const short = git('rev-parse', '--short', commit).trim();
	const checkout = mkdtempSync(join(tmpdir(), `triad-bench-previous-${short}-`));
	const nodeModules = join(checkout, 'node_modules');
	try {
		const tree = execFileSync('git', ['archive', '--format=tar', commit], {
			maxBuffer: 1 << 30
		});
		execFileSync('tar', ['-x', '-C', checkout], { input: tree });
		const script = buildScriptOf(join(checkout, 'package.json'));
		if (script === undefined) {
			throw new Error(`${short} has no "build:server" script in package.json: cannot bundle it`);
		}
		if (script !== buildScriptOf('package.json')) {
			console.log(`previous relay: ${short} bundles with a different build:server: ${script}`);
		}
		if (git('diff', '--name-only', commit, '--', 'package-lock.json').trim() !== '') {
			console.log(
				`previous relay: ${short}'s package-lock.json differs from this checkout's, ` +
					`whose node_modules it runs on`
			);
		}
		symlinkSync(resolve('node_modules'), nodeModules, 'dir');
		// tsconfig.json extends the file `svelte-kit sync` generates: with this checkout's copy
		// both bundles are compiled with the same TypeScript options.
		if (existsSync(SVELTE_KIT_TSCONFIG)) {
			mkdirSync(join(checkout, dirname(SVELTE_KIT_TSCONFIG)));
			copyFileSync(SVELTE_KIT_TSCONFIG, join(checkout, SVELTE_KIT_TSCONFIG));
		}
		execFileSync('npm', ['run', '--silent', 'build:server'], { cwd: checkout, stdio: 'inherit' });
		rmSync(PREVIOUS_DIR, { recursive: true, force: true });
		cpSync(join(checkout, BUILD_DIR), PREVIOUS_DIR, { recursive: true });
	} finally {
		// The link first, on its own: removing the folder must never reach into node_modules.
		if (lstatSync(nodeModules, { throwIfNoEntry: false })?.isSymbolicLink()) {
			unlinkSync(nodeModules);
		}
		rmSync(checkout, { recursive: true, force: true });
	}
	return { dir: PREVIOUS_DIR, source: short };
}

function git(...args: string[]): string {
	return execFileSync('git', args, { encoding: 'utf8' });
}

function buildScriptOf(packageJson: string): string | undefined {
	const manifest = JSON.parse(readFileSync(packageJson, 'utf8')) as {
		scripts?: Record<string, string>;
	};
	return manifest.scripts?.['build:server'];
}
