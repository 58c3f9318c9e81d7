import adapter from '@sveltejs/adapter-static';
import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';

/** @type {import('@sveltejs/kit').Config} */
const config = {
	preprocess: vitePreprocess(),
	kit: {
		// A single-page app: every route falls back to index.html, which the relay serves.
		// Precompressed .br/.gz siblings: the relay's static server picks them by Accept-Encoding,
		// so no request pays for compressing on the fly.
		adapter: adapter({
			pages: 'build',
			assets: 'build',
			fallback: 'index.html',
			precompress: true,
			strict: true
		}),
		serviceWorker: { register: false },
		// The shell's stylesheets are a few kB: inline them into the page instead of blocking the
		// first paint on extra requests.
		inlineStyleThreshold: 8192,
		// Content-Security-Policy. The SPA fallback page is prerendered, so SvelteKit writes this
		// policy into it as a <meta> tag with the sha256 of its one inline script (the bootstrap)
		// and nothing else inline may run. The relay reads that tag and sends it as a header with
		// frame-ancestors, which a <meta> policy cannot carry (server/static-files.ts).
		csp: {
			mode: 'hash',
			directives: {
				// Everything comes from this origin: scripts, images, the manifest, the service worker,
				// and the sync WebSocket ('self' covers ws: and wss: on this host).
				'default-src': ['self'],
				'script-src': ['self'],
				// Svelte renders style attributes and transitions' <style> elements, and TipTap's
				// carets set style attributes: styles cannot run code, so they stay allowed inline.
				'style-src': ['self', 'unsafe-inline'],
				'object-src': ['none'],
				'base-uri': ['none'],
				'form-action': ['self'],
				'frame-ancestors': ['none']
			}
		}
	}
};

export default config;
