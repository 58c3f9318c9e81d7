import { createReadStream, type Stats } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, resolve, sep } from 'node:path';

const CONTENT_TYPES: Record<string, string> = {
	'.html': 'text/html; charset=utf-8',
	'.js': 'text/javascript; charset=utf-8',
	'.mjs': 'text/javascript; charset=utf-8',
	'.css': 'text/css; charset=utf-8',
	'.json': 'application/json; charset=utf-8',
	'.webmanifest': 'application/manifest+json; charset=utf-8',
	'.svg': 'image/svg+xml',
	'.png': 'image/png',
	'.jpg': 'image/jpeg',
	'.jpeg': 'image/jpeg',
	'.gif': 'image/gif',
	'.webp': 'image/webp',
	'.avif': 'image/avif',
	'.ico': 'image/x-icon',
	'.wasm': 'application/wasm',
	'.woff': 'font/woff',
	'.woff2': 'font/woff2',
	'.txt': 'text/plain; charset=utf-8',
	'.xml': 'application/xml; charset=utf-8',
	'.map': 'application/json; charset=utf-8'
};

/**
 * Sent with every file: no MIME sniffing, no Referer to anyone (invite links carry their secret
 * in the fragment, which browsers never send, but the path and the triad ids are nobody else's
 * business either), and no framing, for browsers that predate CSP's frame-ancestors.
 */
const SECURITY_HEADERS = {
	'X-Content-Type-Options': 'nosniff',
	'Referrer-Policy': 'no-referrer',
	'X-Frame-Options': 'DENY'
} as const;

/** No page of the app may be framed (clickjacking); a <meta> policy cannot say so. */
const FRAME_ANCESTORS = "frame-ancestors 'none'";

const IMMUTABLE = 'public, max-age=31536000, immutable';
const REVALIDATE = 'no-cache';
const NOT_BUILT =
	'The Triad app is not built: run `npm run build`, or point STATIC_DIR at the build output.\n';

/** Precompressed siblings, best first: `file.js.br`, `file.js.gz`. */
const ENCODINGS = [
	{ name: 'br', suffix: '.br' },
	{ name: 'gzip', suffix: '.gz' }
] as const;

/**
 * Serves the built single-page app from `root`:
 * - a path that names a file serves it; `/_app/immutable/*` is cached for a year, everything
 *   else (index.html, service-worker.js, the manifest) revalidates on every use;
 * - a path without a file extension and without a file serves `index.html` (SPA routes); a
 *   missing file with an extension is a 404, so a stale asset URL never gets HTML back;
 * - `.br`/`.gz` siblings are served when the client accepts them (and they are not older than
 *   the file), with `Vary`;
 * - nothing outside `root` is ever served; GET and HEAD only;
 * - an HTML page is sent with its Content-Security-Policy as a header (see `pagePolicy`), and
 *   every file with `SECURITY_HEADERS`;
 * - when `root` has no `index.html`, 503 says the app is not built.
 */
export function createStaticHandler(
	root: string | null
): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
	const base = root === null ? null : resolve(root);
	const policies = new PagePolicies();
	const serveFile = (
		req: IncomingMessage,
		res: ServerResponse,
		file: string,
		stats: Stats,
		immutable: boolean
	) => sendFile(req, res, file, stats, immutable, policies);
	return async (req, res) => {
		if (req.method !== 'GET' && req.method !== 'HEAD') {
			sendText(res, 405, 'method not allowed\n', { Allow: 'GET, HEAD' });
			return;
		}
		const index = base === null ? null : await fileStats(join(base, 'index.html'));
		if (base === null || index === null) {
			sendText(res, 503, NOT_BUILT);
			return;
		}
		let pathname: string;
		try {
			pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://relay').pathname);
		} catch {
			sendText(res, 400, 'bad request\n');
			return;
		}
		const target = resolve(base, '.' + pathname);
		if (pathname.includes('\0') || (target !== base && !target.startsWith(base + sep))) {
			sendText(res, 404, 'not found\n');
			return;
		}
		const found = await fileStats(target);
		if (found?.isFile()) {
			await serveFile(req, res, target, found, pathname.startsWith('/_app/immutable/'));
			return;
		}
		const directoryIndex = found?.isDirectory()
			? await fileStats(join(target, 'index.html'))
			: null;
		if (directoryIndex?.isFile()) {
			await serveFile(req, res, join(target, 'index.html'), directoryIndex, false);
		} else if (extname(pathname) === '') {
			await serveFile(req, res, join(base, 'index.html'), index, false);
		} else {
			sendText(res, 404, 'not found\n');
		}
	};
}

async function sendFile(
	req: IncomingMessage,
	res: ServerResponse,
	file: string,
	stats: Stats,
	immutable: boolean,
	policies: PagePolicies
): Promise<void> {
	const headers: Record<string, string> = {
		'Content-Type': CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream',
		'Cache-Control': immutable ? IMMUTABLE : REVALIDATE,
		...SECURITY_HEADERS
	};
	if (extname(file).toLowerCase() === '.html') {
		headers['Content-Security-Policy'] = await policies.of(file, stats);
	}
	let served = file;
	let servedStats = stats;
	const accepted = acceptedEncodings(req.headers['accept-encoding']);
	for (const encoding of ENCODINGS) {
		const sibling = await fileStats(file + encoding.suffix);
		if (sibling?.isFile() !== true || isStaleSibling(sibling, stats)) continue;
		headers['Vary'] = 'Accept-Encoding';
		if (served === file && accepted.has(encoding.name)) {
			served = file + encoding.suffix;
			servedStats = sibling;
			headers['Content-Encoding'] = encoding.name;
		}
	}
	const etag = `W/"${servedStats.size.toString(16)}-${Math.floor(servedStats.mtimeMs).toString(16)}"`;
	headers['ETag'] = etag;
	headers['Last-Modified'] = servedStats.mtime.toUTCString();
	if (req.headers['if-none-match'] === etag) {
		res.writeHead(304, headers).end();
		return;
	}
	headers['Content-Length'] = String(servedStats.size);
	res.writeHead(200, headers);
	if (req.method === 'HEAD') {
		res.end();
		return;
	}
	await new Promise<void>((done) => {
		const stream = createReadStream(served);
		stream.on('error', () => {
			res.destroy();
			done();
		});
		res.on('close', () => {
			stream.destroy();
			done();
		});
		stream.pipe(res);
	});
}

/**
 * The Content-Security-Policy header of each page, read from the page itself and remembered
 * until the file changes. SvelteKit (`kit.csp` in svelte.config.js, mode 'hash') writes the
 * app's policy into every prerendered page, the SPA fallback included, as a
 * `<meta http-equiv="content-security-policy">` with the hash of its inline bootstrap script. A
 * <meta> policy cannot carry frame-ancestors, so the header is that policy with
 * `frame-ancestors 'none'` in place of whatever it said about framing. A page without a policy
 * of its own gets frame-ancestors alone: what else it needs is not the server's to guess.
 */
class PagePolicies {
	readonly #known = new Map<string, { mtimeMs: number; size: number; policy: string }>();

	async of(file: string, stats: Stats): Promise<string> {
		const known = this.#known.get(file);
		if (known?.mtimeMs === stats.mtimeMs && known.size === stats.size) return known.policy;
		const policy = pagePolicy(await readFile(file, 'utf8'));
		this.#known.set(file, { mtimeMs: stats.mtimeMs, size: stats.size, policy });
		return policy;
	}
}

/** The header policy of a page: its <meta> policies, each made to forbid framing. */
function pagePolicy(html: string): string {
	const policies: string[] = [];
	for (const [tag] of html.matchAll(/<meta\b[^>]*>/gi)) {
		const attributes = new Map<string, string>();
		for (const match of tag.matchAll(/([\w-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g)) {
			attributes.set(
				(match[1] as string).toLowerCase(),
				decodeEntities(match[2] ?? match[3] ?? '')
			);
		}
		if (attributes.get('http-equiv')?.toLowerCase() !== 'content-security-policy') continue;
		const directives = (attributes.get('content') ?? '')
			.split(';')
			.map((directive) => directive.trim())
			.filter((directive) => directive !== '' && !/^frame-ancestors\b/i.test(directive));
		policies.push([...directives, FRAME_ANCESTORS].join('; '));
	}
	return policies.length === 0 ? FRAME_ANCESTORS : policies.join(', ');
}

/** The text of an HTML attribute value (the character references an attribute may hold). */
function decodeEntities(value: string): string {
	return value.replace(/&(#x[0-9a-f]+|#\d+|amp|quot|apos|lt|gt);/gi, (_, entity: string) => {
		const named: Record<string, string> = { amp: '&', quot: '"', apos: "'", lt: '<', gt: '>' };
		const lower = entity.toLowerCase();
		if (lower.startsWith('#x')) return String.fromCodePoint(parseInt(lower.slice(2), 16));
		if (lower.startsWith('#')) return String.fromCodePoint(Number(lower.slice(1)));
		return named[lower] as string;
	});
}

/** Content codings the client accepts (`q=0` excluded); `*` is ignored for simplicity. */
function acceptedEncodings(header: string | undefined): Set<string> {
	const accepted = new Set<string>();
	for (const part of (header ?? '').split(',')) {
		const [name, ...params] = part.trim().toLowerCase().split(';');
		const rejected = params.some((param) => /^\s*q=0(\.0*)?\s*$/.test(param));
		if (name && !rejected) accepted.add(name);
	}
	return accepted;
}

/**
 * A build writes each compressed sibling after its file, and a copy of the build writes them
 * within moments of each other. A sibling clearly older than its file means the file was replaced
 * or edited in place afterwards (a hot-patched service worker, say): its bytes are not the file's
 * any more, so the file itself is served.
 */
const SIBLING_MTIME_TOLERANCE_MS = 1000;

function isStaleSibling(sibling: Stats, file: Stats): boolean {
	return sibling.mtimeMs < file.mtimeMs - SIBLING_MTIME_TOLERANCE_MS;
}

async function fileStats(path: string): Promise<Stats | null> {
	try {
		return await stat(path);
	} catch {
		return null;
	}
}

/** Answers with a short plain-text body. */
export function sendText(
	res: ServerResponse,
	status: number,
	body: string,
	headers: Record<string, string> = {}
): void {
	res.writeHead(status, {
		'Content-Type': 'text/plain; charset=utf-8',
		'Content-Length': String(Buffer.byteLength(body)),
		'Cache-Control': 'no-cache',
		...headers
	});
	res.end(res.req.method === 'HEAD' ? undefined : body);
}
