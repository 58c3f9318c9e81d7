import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '../harness';
import { freePort } from './redis-process';

/** Where .ci/run installs nginx (Debian's package) when it is missing. */
export const NGINX = process.env.NGINX ?? '/usr/sbin/nginx';

/**
 * The load balancer in front of relay nodes, as README.md ("Cluster") shows it: WebSocket
 * upgrades passed through, any node for any document, and a node that refuses or fails a
 * request (503 while its PostgreSQL is out of reach, or not answering at all) skipped for the
 * next one. `listen` and `upstreams` are `host:port`.
 */
export function nginxSite(listen: string, upstreams: readonly string[]): string {
	return `upstream triad_nodes {
	${upstreams.map((node) => `server ${node} max_fails=1 fail_timeout=5s;`).join('\n\t')}
}
map $http_upgrade $connection_upgrade {
	default upgrade;
	'' close;
}
server {
	listen ${listen};
	location / {
		proxy_pass http://triad_nodes;
		proxy_http_version 1.1;
		proxy_set_header Upgrade $http_upgrade;
		proxy_set_header Connection $connection_upgrade;
		proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
		proxy_next_upstream error timeout http_502 http_503;
		proxy_connect_timeout 2s;
		proxy_read_timeout 120s;
		proxy_send_timeout 120s;
	}
}`;
}

/** nginx running in the foreground as a child process, with its files in a temp directory. */
export interface NginxProcess {
	readonly port: number;
	readonly url: string;
	readonly syncUrl: string;
	/** Stops nginx (SIGQUIT, then SIGKILL) and removes its directory. */
	stop(): Promise<void>;
}

/** Starts nginx on a free port in front of `upstreams`; fails if it is not installed. */
export async function startNginx(upstreams: readonly string[]): Promise<NginxProcess> {
	if (!existsSync(NGINX)) {
		throw new Error(`nginx not found at ${NGINX} (.ci/run installs it; or set NGINX)`);
	}
	const port = await freePort();
	const dir = await mkdtemp(join(tmpdir(), 'triad-nginx-'));
	// Its workers run as another user when started by root, and write temp files here.
	await chmod(dir, 0o777);
	const conf = join(dir, 'nginx.conf');
	await writeFile(
		conf,
		`worker_processes 1;
pid ${join(dir, 'nginx.pid')};
error_log ${join(dir, 'error.log')} warn;
events { worker_connections 1024; }
http {
	access_log off;
	client_body_temp_path ${join(dir, 'body')};
	proxy_temp_path ${join(dir, 'proxy')};
	fastcgi_temp_path ${join(dir, 'fastcgi')};
	uwsgi_temp_path ${join(dir, 'uwsgi')};
	scgi_temp_path ${join(dir, 'scgi')};
	${nginxSite(`127.0.0.1:${port}`, upstreams).replace(/\n/g, '\n\t')}
}
`
	);
	let output = '';
	const child: ChildProcess = spawn(NGINX, ['-c', conf, '-p', dir, '-g', 'daemon off;'], {
		stdio: ['ignore', 'pipe', 'pipe']
	});
	child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
	child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
	const exited = new Promise<void>((done) => child.once('exit', () => done()));
	const url = `http://127.0.0.1:${port}`;
	await waitFor(async () => {
		if (child.exitCode !== null) throw new Error(`nginx exited:\n${output}`);
		return fetch(`${url}/healthz`).then(
			(response) => response.status !== 0,
			() => false
		);
	}, 'nginx to listen');
	return {
		port,
		url,
		syncUrl: `ws://127.0.0.1:${port}/sync`,
		stop: async () => {
			if (child.exitCode === null && child.signalCode === null) child.kill('SIGQUIT');
			const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
			await exited;
			clearTimeout(timer);
			await rm(dir, { recursive: true, force: true });
		}
	};
}
