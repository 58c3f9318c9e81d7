import { sveltekit } from '@sveltejs/kit/vite';
import { defineConfig } from 'vitest/config';

/** Relay suites that run on both storages: access, bad input, durability, quotas, protocol 2. */
const RELAY_SUITES_ON_POSTGRES = [
	'access',
	'bad-input',
	'durability',
	'receipt-durability',
	'protocol-v2',
	'quotas-address',
	'quotas-room',
	'quotas-storage',
	'token-refusal',
	'sync'
].map((name) => `tests/relay/${name}.test.ts`);

export default defineConfig({
	plugins: [sveltekit()],
	server: {
		// `npm run dev` (scripts/dev.mjs) runs the relay beside Vite; the app talks to it through
		// the dev server's origin, as it does to the one process in production.
		proxy: {
			'/sync': { target: `http://127.0.0.1:${process.env.RELAY_PORT ?? '8787'}`, ws: true },
			'/healthz': `http://127.0.0.1:${process.env.RELAY_PORT ?? '8787'}`,
			'/metrics': `http://127.0.0.1:${process.env.RELAY_PORT ?? '8787'}`
		}
	},
	test: {
		expect: { requireAssertions: true },
		projects: [
			{
				extends: true,
				test: {
					name: 'unit',
					environment: 'node',
					include: ['src/**/*.spec.ts']
				}
			},
			{
				extends: true,
				test: {
					name: 'relay',
					environment: 'node',
					include: ['tests/relay/**/*.test.ts'],
					testTimeout: 60_000,
					hookTimeout: 60_000
				}
			},
			{
				// The suites of the relay's contract once more, against a node with STORAGE=postgres
				// (tests/relay/harness.ts reads RELAY_TEST_STORAGE).
				extends: true,
				test: {
					name: 'relay-postgres',
					environment: 'node',
					include: RELAY_SUITES_ON_POSTGRES,
					env: { RELAY_TEST_STORAGE: 'postgres' },
					testTimeout: 60_000,
					hookTimeout: 60_000
				}
			},
			{
				extends: true,
				test: {
					name: 'e2e',
					environment: 'node',
					include: ['tests/e2e/**/*.e2e.ts'],
					testTimeout: 120_000,
					hookTimeout: 120_000,
					fileParallelism: false
				}
			}
		]
	}
});
