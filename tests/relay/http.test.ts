import { mkdir, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { join } from 'node:path';
import { gzipSync, brotliCompressSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir, startInProcessRelay, type InProcessRelay } from './harness';

let relay: InProcessRelay;
let sandbox: { path: string; remove: () => Promise<void> };
let app: { path: string };
/** The policy SvelteKit writes into a prerendered page (kit.csp), as an attribute escapes it. */
const PAGE_POLICY =
	"default-src 'self'; script-src 'self' 'sha256-ss0uLLNSZz3wn/e3uD/02CUQNS02I4rA/qd+OtX1PQM='; base-uri 'none'";
const INDEX =
	'<!doctype html><head><meta charset="utf-8">' +
	`<meta http-equiv="content-security-policy" content="${PAGE_POLICY.replaceAll('&', '&amp;')}">` +
	'<title>Triad</title></head>';
const PLAIN_PAGE = '<!doctype html><title>No policy of its own</title>';
const SCRIPT = 'console.log("immutable chunk");'.repeat(20);

beforeAll(async () => {
	// The app lives one level down, so the sandbox can hold a file it must never serve.
	sandbox = await makeTempDir('triad-app-');
	app = { path: join(sandbox.path, 'build') };
	const immutable = join(app.path, '_app', 'immutable', 'chunks');
	await mkdir(immutable, { recursive: true });
	await writeFile(join(app.path, 'index.html'), INDEX);
	await writeFile(join(app.path, 'service-worker.js'), 'self.addEventListener("fetch", () => {});');
	await writeFile(join(app.path, 'manifest.webmanifest'), '{"name":"Triad"}');
	await writeFile(join(app.path, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
	await writeFile(join(app.path, 'icon.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47]));
	await writeFile(join(app.path, 'version.json'), '{"v":1}');
	await writeFile(join(app.path, 'plain.html'), PLAIN_PAGE);
	await writeFile(join(app.path, 'lib.wasm'), Buffer.from([0, 0x61, 0x73, 0x6d]));
	await writeFile(join(immutable, 'app.js'), SCRIPT);
	await writeFile(join(immutable, 'app.js.br'), brotliCompressSync(SCRIPT));
	await writeFile(join(immutable, 'app.js.gz'), gzipSync(SCRIPT));
	await writeFile(join(immutable, 'style.css'), 'body{}');
	await writeFile(join(sandbox.path, 'outside-secret.txt'), 'must never be served');
	relay = await startInProcessRelay({ staticDir: app.path });
});
afterAll(async () => {
	await relay.stop();
	await sandbox.remove();
});

/** A raw request: fetch would normalise `..` and decompress bodies, hiding what we test. */
function raw(
	path: string,
	options: { method?: string; headers?: Record<string, string> } = {}
): Promise<{
	status: number;
	headers: Record<string, string | string[] | undefined>;
	body: Buffer;
}> {
	return new Promise((done, failed) => {
		const req = request(
			{
				host: '127.0.0.1',
				port: relay.port,
				path,
				method: options.method ?? 'GET',
				headers: options.headers
			},
			(res) => {
				const chunks: Buffer[] = [];
				res.on('data', (chunk: Buffer) => chunks.push(chunk));
				res.on('end', () =>
					done({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) })
				);
			}
		);
		req.on('error', failed);
		req.end();
	});
}

describe('health and metrics', () => {
	it('answers /healthz with 200 ok', async () => {
		const res = await raw('/healthz');
		expect([res.status, res.body.toString()]).toEqual([200, 'ok']);
	});

	it('serves Prometheus metrics', async () => {
		const res = await raw('/metrics');
		expect(res.status).toBe(200);
		expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
		const text = res.body.toString();
		for (const name of [
			'triad_relay_connections',
			'triad_relay_loaded_documents',
			'triad_relay_messages_received_total',
			'triad_relay_bytes_sent_total',
			'triad_relay_storage_writes_total',
			'triad_relay_storage_compactions_total',
			'triad_relay_refusals_total',
			'triad_relay_errors_total'
		]) {
			expect(text).toContain(`# TYPE ${name} `);
		}
	});

	it('counts refusals by reason', async () => {
		await raw('/sync/not-a-room', {
			headers: {
				Connection: 'Upgrade',
				Upgrade: 'websocket',
				'Sec-WebSocket-Version': '13',
				'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ=='
			}
		}).catch(() => undefined);
		const text = (await raw('/metrics')).body.toString();
		expect(text).toMatch(/^triad_relay_refusals_total\{reason="bad_room"\} [1-9]/m);
	});
});

describe('static app', () => {
	it('serves index.html at / without long caching', async () => {
		const res = await raw('/');
		expect(res.status).toBe(200);
		expect(res.body.toString()).toBe(INDEX);
		expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
		expect(res.headers['cache-control']).toBe('no-cache');
	});

	it('falls back to index.html for app routes', async () => {
		for (const path of ['/join', '/t/abc/decisions', '/join?x=1']) {
			const res = await raw(path);
			expect([res.status, res.body.toString()], path).toEqual([200, INDEX]);
		}
	});

	it('answers 404 for a missing file with an extension', async () => {
		expect((await raw('/_app/immutable/chunks/missing.js')).status).toBe(404);
	});

	it('sets content types', async () => {
		const expected: Record<string, string> = {
			'/manifest.webmanifest': 'application/manifest+json',
			'/favicon.svg': 'image/svg+xml',
			'/icon.png': 'image/png',
			'/version.json': 'application/json',
			'/lib.wasm': 'application/wasm',
			'/service-worker.js': 'text/javascript',
			'/_app/immutable/chunks/style.css': 'text/css'
		};
		for (const [path, type] of Object.entries(expected)) {
			const contentType = String((await raw(path)).headers['content-type']);
			expect(contentType.split(';')[0], path).toBe(type);
		}
	});

	it('caches immutable assets for a year and revalidates the service worker', async () => {
		expect((await raw('/_app/immutable/chunks/style.css')).headers['cache-control']).toBe(
			'public, max-age=31536000, immutable'
		);
		expect((await raw('/service-worker.js')).headers['cache-control']).toBe('no-cache');
	});

	it('serves precompressed siblings when accepted, with Vary', async () => {
		const path = '/_app/immutable/chunks/app.js';
		const br = await raw(path, { headers: { 'Accept-Encoding': 'gzip, br' } });
		expect(br.headers['content-encoding']).toBe('br');
		expect(br.headers['vary']).toBe('Accept-Encoding');
		expect(br.body.equals(brotliCompressSync(SCRIPT))).toBe(true);
		const gz = await raw(path, { headers: { 'Accept-Encoding': 'gzip' } });
		expect(gz.headers['content-encoding']).toBe('gzip');
		const plain = await raw(path, { headers: { 'Accept-Encoding': 'br;q=0, identity' } });
		expect(plain.headers['content-encoding']).toBeUndefined();
		expect(plain.headers['vary']).toBe('Accept-Encoding');
		expect(plain.body.toString()).toBe(SCRIPT);
	});

	it('answers HEAD with headers only and other methods with 405', async () => {
		const head = await raw('/favicon.svg', { method: 'HEAD' });
		expect(head.status).toBe(200);
		expect(Number(head.headers['content-length'])).toBeGreaterThan(0);
		expect(head.body.length).toBe(0);
		for (const method of ['POST', 'PUT', 'DELETE']) {
			const res = await raw('/', { method });
			expect(res.status, method).toBe(405);
			expect(res.headers['allow']).toBe('GET, HEAD');
		}
		expect((await raw('/healthz', { method: 'POST' })).status).toBe(405);
	});

	it('answers a revalidation with 304', async () => {
		const first = await raw('/favicon.svg');
		const again = await raw('/favicon.svg', {
			headers: { 'If-None-Match': String(first.headers['etag']) }
		});
		expect(again.status).toBe(304);
	});

	it('never serves a file outside the app directory', async () => {
		for (const path of [
			'/../outside-secret.txt',
			'/%2e%2e/outside-secret.txt',
			'/%2e%2e%2foutside-secret.txt',
			'/_app/..%2f..%2foutside-secret.txt',
			'/..%5coutside-secret.txt',
			'/%00'
		]) {
			const res = await raw(path);
			expect(res.body.toString(), path).not.toContain('must never be served');
			expect([200, 400, 404], path).toContain(res.status);
		}
	});

	it("sends the page's own Content-Security-Policy as a header, with frame-ancestors 'none'", async () => {
		for (const path of ['/', '/join', '/t/abc/decisions']) {
			const res = await raw(path);
			expect(res.headers['content-security-policy'], path).toBe(
				`${PAGE_POLICY}; frame-ancestors 'none'`
			);
		}
		// A page without a policy of its own still may not be framed.
		expect((await raw('/plain.html')).headers['content-security-policy']).toBe(
			"frame-ancestors 'none'"
		);
		// Scripts and styles are not documents: they carry no policy.
		expect((await raw('/_app/immutable/chunks/app.js')).headers).not.toHaveProperty(
			'content-security-policy'
		);
	});

	it('sends no referrer and refuses to be framed, on every file', async () => {
		for (const path of ['/', '/plain.html', '/favicon.svg', '/_app/immutable/chunks/app.js']) {
			const res = await raw(path);
			expect(res.headers['referrer-policy'], path).toBe('no-referrer');
			expect(res.headers['x-frame-options'], path).toBe('DENY');
			expect(res.headers['x-content-type-options'], path).toBe('nosniff');
		}
	});

	it('reads the policy again when the page changes', async () => {
		const page = join(app.path, 'changing.html');
		await writeFile(
			page,
			"<meta http-equiv='Content-Security-Policy' content=\"script-src 'none'\">"
		);
		expect((await raw('/changing.html')).headers['content-security-policy']).toBe(
			"script-src 'none'; frame-ancestors 'none'"
		);
		await writeFile(
			page,
			'<meta http-equiv="content-security-policy" content="img-src \'self\'">!'
		);
		expect((await raw('/changing.html')).headers['content-security-policy']).toBe(
			"img-src 'self'; frame-ancestors 'none'"
		);
	});

	it('answers plain HTTP on /sync with 426', async () => {
		expect((await raw('/sync/AAAAAAAAAAAAAAAAAAAAAA')).status).toBe(426);
	});
});

describe('without a built app', () => {
	it('still relays, and / says the app is not built with 503', async () => {
		const bare = await startInProcessRelay({ staticDir: join(app.path, 'does-not-exist') });
		try {
			const res = await fetch(`${bare.url}/`);
			expect(res.status).toBe(503);
			expect(await res.text()).toMatch(/not built/);
			expect((await fetch(`${bare.url}/healthz`)).status).toBe(200);
		} finally {
			await bare.stop();
		}
	});
});
