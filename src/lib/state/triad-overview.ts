import type { DocumentId } from '$lib/domain/ids';
import type { BalanceStats } from '$lib/domain/balance';
import type {
	Absence,
	Action,
	LogEntry,
	Member,
	SeatHolders,
	WorkspaceMeta
} from '$lib/domain/model';
import type { SetAside } from '$lib/doc/set-aside';
import { summaryOf, type ProposalSummary } from './proposal-summary';
import type { ProposalView } from './proposal-views';

/*
 * What a triad's main screen showed last, kept on the device so that the next opening shows it
 * at once. Reading a large triad's document is slow: 4.5 MiB for 1,000 proposals takes Yjs
 * 300–600 ms on a phone-class main thread before any view can be computed. The overview is
 * derived data only — the document stays the one source of truth — so it is shown read-only
 * until the document is loaded, and then replaced by live views of it.
 *
 * Proposals are kept as summaries (title, state, what the lists show) with the balance figures
 * computed from their full outcomes; the ballots stay in the document, for the proposal screen,
 * which waits for it. An overview of 1,000 proposals is about 350 kB, where full views with
 * their ballots were 3.2 MB and took longer to read back than the rest of the opening.
 */

/** Bumped whenever the shape of an overview or of a view inside it changes. */
export const OVERVIEW_FORMAT = 2;

/** The triad main screen's data at `savedAt`. */
export interface TriadOverview {
	format: typeof OVERVIEW_FORMAT;
	docId: DocumentId;
	savedAt: number;
	meta: WorkspaceMeta | null;
	holders: SeatHolders;
	members: Member[];
	proposals: ProposalSummary[];
	balance: BalanceStats;
	absences: Absence[];
	log: LogEntry[];
	actions: Action[];
	/** What the readers set aside as malformed, for the triad screen's notice. */
	setAside: SetAside;
}

/** The live views an overview is made of. */
export type OverviewSource = Omit<TriadOverview, 'format' | 'savedAt' | 'proposals'> & {
	proposals: readonly ProposalView[];
};

/** An overview of `source` as it is at `savedAt`, ready to store. */
export function overviewOf(source: OverviewSource, savedAt: number): TriadOverview {
	return {
		format: OVERVIEW_FORMAT,
		docId: source.docId,
		savedAt,
		meta: source.meta,
		holders: source.holders,
		members: source.members,
		proposals: source.proposals.map(summaryOf),
		balance: source.balance,
		absences: source.absences,
		log: source.log,
		actions: source.actions,
		setAside: source.setAside
	};
}

const isArray = (value: unknown): value is unknown[] => Array.isArray(value);

/**
 * The stored overview of `docId`, or null when there is none or it cannot be trusted to have
 * the shape the screens expect: written by another version of the app, for another triad, or
 * damaged. Screens then simply wait for the document, as on a first opening.
 */
export function parseOverview(value: unknown, docId: DocumentId): TriadOverview | null {
	if (typeof value !== 'object' || value === null) return null;
	const record = value as Partial<Record<keyof TriadOverview, unknown>>;
	if (record.format !== OVERVIEW_FORMAT || record.docId !== docId) return null;
	if (typeof record.savedAt !== 'number' || typeof record.holders !== 'object') return null;
	if (typeof record.balance !== 'object' || record.balance === null) return null;
	if (record.holders === null || (record.meta !== null && typeof record.meta !== 'object')) {
		return null;
	}
	const lists = [record.members, record.proposals, record.absences, record.log, record.actions];
	if (!lists.every(isArray)) return null;
	const setAside = record.setAside as Partial<SetAside> | null | undefined;
	if (typeof setAside?.count !== 'number' || !isArray(setAside.byAuthor)) return null;
	const proposalsWellFormed = (record.proposals as unknown[]).every(
		(view) =>
			typeof view === 'object' &&
			view !== null &&
			typeof (view as ProposalSummary).proposal === 'object' &&
			typeof (view as ProposalSummary).outcome === 'object' &&
			isArray((view as ProposalSummary).outcome?.waitingFor)
	);
	return proposalsWellFormed ? (value as TriadOverview) : null;
}
