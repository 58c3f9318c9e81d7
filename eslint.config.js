import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';
import ts from 'typescript-eslint';
import svelteConfig from './svelte.config.js';

/*
 * Layer boundaries (README, "Architecture"), so that the picture there stays true: what the files
 * of each layer must not import, as regular expressions over the import's source. They apply to
 * imports, re-exports and dynamic `import()` alike.
 */

/** An import of one of the app's own folders under src/lib, by `$lib/` or by a relative path. */
const own = (folder) => String.raw`^(\$lib/|(\.\./)+(lib/)?)${folder}(/|$)`;
/** An import of a package or any of its subpaths. */
const pkg = (name) => String.raw`^${name}(/|$)`;
const YJS = [pkg('yjs'), String.raw`^y-`];
const SVELTE = [pkg('svelte'), String.raw`^\$app/`];

const LAYERS = [
	{
		dirs: ['src/lib/components', 'src/routes'],
		forbidden: [own('doc'), ...YJS],
		why: 'screens reach documents through $lib/state and rules through $lib/domain; only the doc layer knows Yjs'
	},
	{
		dirs: ['src/lib/domain'],
		forbidden: [
			own('doc'),
			own('sync'),
			own('state'),
			own('components'),
			...SVELTE,
			...YJS,
			pkg('lib0')
		],
		why: 'the domain is pure TypeScript, free of Svelte, Yjs, storage and network'
	},
	{
		dirs: ['src/lib/doc'],
		forbidden: [own('sync'), own('state'), own('components'), ...SVELTE],
		why: 'the doc layer knows documents, not how they are stored, synced or shown'
	},
	{
		dirs: ['src/lib/sync'],
		forbidden: [own('state'), own('components')],
		why: 'the sync layer sits below state and the screens'
	},
	{
		dirs: ['src/lib/state'],
		forbidden: [own('components')],
		why: 'the state layer serves the screens and knows none of them'
	},
	{
		dirs: ['src/lib/protocol'],
		forbidden: [
			own('domain'),
			own('doc'),
			own('sync'),
			own('state'),
			own('components'),
			String.raw`^(\.\./)+server(/|$)`,
			...SVELTE
		],
		why: 'the wire formats are shared by the app and the relay, and depend on neither'
	}
];

/** Test doubles, fixtures and contract suites live in `testing/` folders, for specs only. */
const TEST_FILES = ['**/*.spec.ts', '**/testing/**'];
const TEST_SUPPORT = {
	regex: String.raw`(^|/)testing(/|$)`,
	message: 'Test support (a testing/ folder) is for specs only.'
};

/** The layer's `forbidden` imports, each refused with the reason `why`. */
const boundary = (forbidden, why) =>
	forbidden.map((regex) => ({
		regex,
		message: `Layer boundary: ${why} (README, "Architecture").`
	}));

/** The rules that refuse the imports of `restrictions`, static or dynamic. */
function refuse(restrictions) {
	return {
		'no-restricted-imports': [
			'error',
			{ patterns: restrictions.map((restriction) => ({ ...restriction, caseSensitive: true })) }
		],
		// esquery reads a selector's regular expression up to its first unescaped slash.
		'no-restricted-syntax': [
			'error',
			...restrictions.map(({ regex, message }) => ({
				selector: `ImportExpression[source.value=/${regex.replaceAll('/', '\\/')}/]`,
				message
			}))
		]
	};
}

const layerBoundaries = LAYERS.flatMap(({ dirs, forbidden, why }) => [
	{
		files: dirs.map((dir) => `${dir}/**`),
		ignores: TEST_FILES,
		rules: refuse([...boundary(forbidden, why), TEST_SUPPORT])
	},
	{
		files: dirs.flatMap((dir) => TEST_FILES.map((glob) => `${dir}/${glob}`)),
		rules: refuse(boundary(forbidden, why))
	}
]);
const elsewhereInTheApp = {
	files: ['src/**'],
	ignores: [...LAYERS.flatMap(({ dirs }) => dirs.map((dir) => `${dir}/**`)), ...TEST_FILES],
	rules: refuse([TEST_SUPPORT])
};

export default ts.config(
	{
		ignores: [
			'build/',
			'build-server/',
			'.svelte-kit/',
			'node_modules/',
			'data/',
			'test-results/',
			'screenshots/',
			'bench/results/'
		]
	},
	js.configs.recommended,
	...ts.configs.recommended,
	...svelte.configs.recommended,
	prettier,
	...svelte.configs.prettier,
	{
		languageOptions: { globals: { ...globals.browser, ...globals.node } },
		rules: {
			curly: ['error', 'multi-line'],
			'no-undef': 'off',
			'@typescript-eslint/no-unused-vars': [
				'error',
				{ argsIgnorePattern: '^_', varsIgnorePattern: '^_' }
			]
		}
	},
	{
		files: ['**/*.ts', '**/*.svelte', '**/*.svelte.ts'],
		languageOptions: {
			parserOptions: {
				projectService: true,
				extraFileExtensions: ['.svelte'],
				parser: ts.parser,
				svelteConfig
			}
		},
		rules: {
			'@typescript-eslint/no-floating-promises': 'error',
			'@typescript-eslint/no-misused-promises': 'error'
		}
	},
	...layerBoundaries,
	elsewhereInTheApp
);
