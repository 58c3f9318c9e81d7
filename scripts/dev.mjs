// `npm run dev`: the relay (server/main.ts on RELAY_PORT, default 8787) and `vite dev`, whose
// proxy (vite.config.ts) forwards /sync, /healthz and /metrics to it. Ctrl-C stops both; if
// either exits on its own, the other is stopped too and its exit code is passed on.
import { spawn } from 'node:child_process';

const relayPort = process.env.RELAY_PORT ?? '8787';
const env = { ...process.env, RELAY_PORT: relayPort };
const viteArgs = process.argv.slice(2);

/** @type {import('node:child_process').ChildProcess[]} */
const children = [
	spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
		stdio: 'inherit',
		env: { ...env, PORT: relayPort, LOG_LEVEL: process.env.LOG_LEVEL ?? 'debug' }
	}),
	spawn(process.execPath, ['node_modules/vite/bin/vite.js', 'dev', ...viteArgs], {
		stdio: 'inherit',
		env
	})
];

let stopping = false;
/** @param {number} code */
function stopAll(code) {
	if (stopping) return;
	stopping = true;
	for (const child of children) {
		if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
	}
	// A child that ignores SIGTERM for too long does not keep the terminal hostage.
	const force = setTimeout(() => {
		for (const child of children) child.kill('SIGKILL');
		process.exit(code || 1);
	}, 5000);
	force.unref();
	Promise.all(
		children.map(
			(child) =>
				new Promise((done) => {
					if (child.exitCode !== null || child.signalCode !== null) done(undefined);
					else child.once('exit', done);
				})
		)
	).then(() => process.exit(code));
}

for (const child of children) {
	child.once('exit', (code) => stopAll(code ?? 0));
}
process.on('SIGINT', () => stopAll(0));
process.on('SIGTERM', () => stopAll(0));
