/**
 * Lighthouse 12 against the running app, with its default settings: mobile form factor and
 * simulated throttling (slow 4G, 4× CPU). Chromium is Debian's, started by chrome-launcher with
 * the project's flags (`CHROMIUM_ARGS`), in a fresh profile per run so every run is a first visit.
 */
import { launch } from 'chrome-launcher';
import lighthouse from 'lighthouse';
import { CHROMIUM, CHROMIUM_ARGS } from '../../tests/e2e/chromium';

const CHROMIUM_FLAGS = ['--headless=new', ...CHROMIUM_ARGS];

/** The categories asked for; `pwa` was removed in Lighthouse 12 and is reported as absent. */
export const CATEGORIES = ['performance', 'accessibility', 'best-practices', 'seo', 'pwa'] as const;
export type Category = (typeof CATEGORIES)[number];

/** An audit that did not pass, named by its id so it can be looked up in Lighthouse's docs. */
export interface FailingAudit {
	id: string;
	title: string;
	/** 0–1, or null for informative audits that still flagged items. */
	score: number | null;
	displayValue?: string;
	/** The categories whose score this audit lowers. */
	categories: string[];
	/** What it points at (URLs, elements), the first few. */
	items: string[];
}

/** One Lighthouse run: category scores 0–100 (null when the category does not exist). */
export interface LighthouseRun {
	scores: Record<Category, number | null>;
	metrics: Record<string, number | null>;
	failing: FailingAudit[];
	version: string;
}

const METRICS = [
	'first-contentful-paint',
	'largest-contentful-paint',
	'total-blocking-time',
	'cumulative-layout-shift',
	'speed-index',
	'interactive'
];

/** Runs Lighthouse once on `url` in a freshly launched Chromium. */
export async function runLighthouse(url: string): Promise<LighthouseRun> {
	const chrome = await launch({ chromePath: CHROMIUM, chromeFlags: CHROMIUM_FLAGS });
	try {
		const result = await lighthouse(url, {
			port: chrome.port,
			output: 'json',
			logLevel: 'error',
			formFactor: 'mobile'
		});
		if (!result) throw new Error('Lighthouse returned no result');
		const lhr = result.lhr;
		if (lhr.runtimeError) throw new Error(`Lighthouse: ${lhr.runtimeError.message}`);
		const scores = Object.fromEntries(
			CATEGORIES.map((id) => {
				const score = lhr.categories[id]?.score;
				return [id, typeof score === 'number' ? Math.round(score * 100) : null];
			})
		) as Record<Category, number | null>;
		const metrics = Object.fromEntries(
			METRICS.map((id) => [id, lhr.audits[id]?.numericValue ?? null])
		);
		const categoriesOf = (auditId: string) =>
			Object.values(lhr.categories)
				.filter((category) => category.auditRefs.some((ref) => ref.id === auditId))
				.map((category) => category.id);
		const failing = Object.values(lhr.audits)
			.filter((audit) => isFailing(audit.score, audit.scoreDisplayMode))
			.map((audit) => ({
				id: audit.id,
				title: audit.title,
				score: audit.score,
				displayValue: audit.displayValue,
				categories: categoriesOf(audit.id),
				items: itemsOf(audit.details)
			}))
			.filter((audit) => audit.categories.length > 0);
		return { scores, metrics, failing, version: lhr.lighthouseVersion };
	} finally {
		chrome.kill();
	}
}

/*
 * Lighthouse shows an audit as passed at score ≥ 0.9. Informative, manual and not-applicable
 * audits carry no verdict; an audit that errored is listed, since its category score is then
 * unknown in part.
 */
function isFailing(score: number | null, mode: string): boolean {
	if (mode === 'error') return true;
	if (mode === 'notApplicable' || mode === 'manual' || mode === 'informative') return false;
	return typeof score === 'number' && score < 0.9;
}

const ITEMS_KEPT = 5;

/** Short labels of an audit's detail items: a URL, an element's selector or a label. */
function itemsOf(details: unknown): string[] {
	const items = (details as { items?: unknown } | undefined)?.items;
	if (!Array.isArray(items)) return [];
	return items
		.map((item: Record<string, unknown>) => {
			const node = item.node as { selector?: unknown } | undefined;
			const source = item.source as { url?: unknown } | undefined;
			const label = item.url ?? source?.url ?? node?.selector ?? item.label ?? item.groupLabel;
			return typeof label === 'string' ? label.replace(/^https?:\/\/[^/]+/, '') : null;
		})
		.filter((label): label is string => label !== null)
		.slice(0, ITEMS_KEPT);
}
