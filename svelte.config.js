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
		inlineStyleThreshold: 8192
	}
};

export default config;
