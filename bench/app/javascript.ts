/**
 * What JavaScript the browser actually fetched: per file its path, decoded size and gzip size
 * (the bytes on the wire when the server compressed it, else zlib's default level on the body).
 */
import { gzipSync } from 'node:zlib';
import type { Page, Response } from 'playwright-core';

/** One JavaScript file the page received. */
export interface Fetched {
	path: string;
	bytes: number;
	gzip: number;
	/** Kept to follow its imports; left out of the JSON results. */
	body: string;
}

async function fetched(response: Response): Promise<Fetched | null> {
	try {
		const body = await response.body();
		const encoding = response.headers()['content-encoding'];
		const gzip =
			encoding === 'gzip'
				? (await response.request().sizes()).responseBodySize
				: gzipSync(body).length;
		return { path: new URL(response.url()).pathname, bytes: body.length, gzip, body: String(body) };
	} catch {
		// A response whose body is gone (navigated away) carries no size to report.
		return null;
	}
}

const isJavaScript = (response: Response) =>
	(response.headers()['content-type'] ?? '').includes('javascript') ||
	new URL(response.url()).pathname.endsWith('.js');

/**
 * Collects every JavaScript file the page receives while `during` runs, the service worker
 * script excluded (it is not the page's code and loads after the page is up).
 */
export async function scriptsFetched(page: Page, during: () => Promise<void>): Promise<Fetched[]> {
	const pending: Promise<Fetched | null>[] = [];
	const onResponse = (response: Response) => {
		if (response.request().frame() !== page.mainFrame()) return;
		if (isJavaScript(response)) pending.push(fetched(response));
	};
	page.on('response', onResponse);
	try {
		await during();
	} finally {
		page.off('response', onResponse);
	}
	const all = (await Promise.all(pending)).filter((entry): entry is Fetched => entry !== null);
	return all.filter((entry) => !entry.path.endsWith('/service-worker.js'));
}

/** Sums of a list of files. */
export function totals(files: Fetched[]): { files: number; bytes: number; gzip: number } {
	return {
		files: files.length,
		bytes: files.reduce((sum, file) => sum + file.bytes, 0),
		gzip: files.reduce((sum, file) => sum + file.gzip, 0)
	};
}

const STATIC_IMPORT = /(?:\bfrom|\bimport)\s*["'](\.{1,2}\/[^"']+\.js)["']/g;

/**
 * The chunk whose text contains `marker` and every chunk it imports statically, transitively,
 * among `files`. That is what a dynamic `import()` of that module brings in.
 */
export function importClosure(files: Fetched[], marker: string): Fetched[] {
	const byPath = new Map(files.map((file) => [file.path, file]));
	const root = files.find((file) => file.body.includes(marker));
	if (!root) return [];
	const closure = new Map<string, Fetched>();
	const visit = (file: Fetched) => {
		if (closure.has(file.path)) return;
		closure.set(file.path, file);
		for (const match of file.body.matchAll(STATIC_IMPORT)) {
			const target = byPath.get(new URL(match[1]!, `http://x${file.path}`).pathname);
			if (target) visit(target);
		}
	};
	visit(root);
	return [...closure.values()];
}
