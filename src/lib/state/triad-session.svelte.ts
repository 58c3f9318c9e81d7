import { createSubscriber } from 'svelte/reactivity';
import type * as Y from 'yjs';
import { balanceOf, type BalanceStats } from '$lib/domain/balance';
import { coverAt, seatsActorMayActFor, type CoverGrant } from '$lib/domain/cover';
import type { MemberId, ProposalId } from '$lib/domain/ids';
import { removedMembers } from '$lib/domain/membership';
import type {
	Absence,
	Action,
	Level,
	LogEntry,
	Member,
	Role,
	SeatClaim,
	SeatHolders,
	WorkspaceMeta
} from '$lib/domain/model';
import { replayAt, resolveSeats, seatOf } from '$lib/domain/seats';
import { isDatedInFuture } from '$lib/domain/signatures';
import { listAbsences } from '$lib/doc/absences';
import { readBodyBlocks, type BodyBlock } from '$lib/doc/body-read';

/** A proposal's text as blocks of runs, for screens that show it without an editor. */
export type { BodyBlock, BodyRun } from '$lib/doc/body-read';
import { listActions } from '$lib/doc/actions';
import { exportWorkspace } from '$lib/doc/export';
import { listLog } from '$lib/doc/keeper-log';
import { initWorkspace, readMeta } from '$lib/doc/meta';
import { putMember, readMembers } from '$lib/doc/members';
import { signedRecordsChanged } from '$lib/doc/check-signatures';
import { publishSigningKey, signingKeyConflicts } from '$lib/doc/signing-keys';
import { observeWorkspace } from '$lib/doc/observe';
import { schemaStatus, type SchemaStatus } from '$lib/doc/version';
import { listRemovals } from '$lib/doc/removals';
import { listSeatClaims } from '$lib/doc/seats';
import {
	combineSetAside,
	readWith,
	type ReadResult,
	type SetAside,
	type SetAsideTally
} from '$lib/doc/set-aside';
import type { RefusalKind } from '$lib/protocol/close-codes';
import type { Identity } from '$lib/sync/identity';
import type { SyncStatus, WorkspaceHandle } from '$lib/sync/open-workspace';
import type { AccessLevel } from '$lib/sync/relay-token';
import type { WorkspaceSecret } from '$lib/sync/workspace-secret';
import { memberColor, type Peer, type PresenceState } from '$lib/sync/presence';
import { transactionChanged } from '$lib/sync/transaction-changed';
import { deviceClock } from './device-clock';
import type { ProposalSummary } from './proposal-summary';
import { proposalViews, type ProposalView } from './proposal-views';
import { SignatureChecks } from './signature-checks';
import { phaseOf, refusalOf, type SyncPhase } from './sync-phase';
import { overviewOf, type TriadOverview } from './triad-overview';
import { TriadWrites, type ReadOnlyReason } from './triad-writes';

/** How often time-dependent views (deadlines, cover periods, reflection delays) refresh. */
const CLOCK_TICK_MS = 15_000;

/**
 * How long the document must stay quiet before its overview is saved again. Saving a large
 * triad's overview clones about a megabyte, so a burst of typing saves once, after it.
 */
const OVERVIEW_SAVE_DELAY_MS = 2000;

/** Where a session finds and keeps the overview of its triad (see triad-overview.ts). */
export interface OverviewKeeping {
	/** The overview saved last time, shown until the document is loaded; null if none. */
	saved: TriadOverview | null;
	save(overview: TriadOverview): Promise<void>;
}

/** A seat entry that does not count, and why: see `TriadSession.seatEntriesNotCounted`. */
export interface SeatEntryNotCounted {
	entry: SeatClaim;
	why: 'not-verifiable' | 'pending' | 'future';
}

/** A member as the triad screen shows them: name, seat and whether a device of theirs is here. */
export interface MemberView extends Member {
	seat: Role | null;
	online: boolean;
}

/**
 * One open triad, as reactive views over its document, presence and sync status. Views listen
 * to Yjs, awareness and the status feed only while something reads them (`createSubscriber`),
 * and each view is recomputed at most once per document change. Writes go through `write`.
 */
export class TriadSession {
	readonly #handle: WorkspaceHandle;
	readonly #identity: Identity;
	/** Bumped by every transaction; the memo below recomputes a view when it moved. */
	#docVersion = 0;
	// A plain cache keyed by document version; reactivity comes from the subscribers below.
	// eslint-disable-next-line svelte/prefer-svelte-reactivity
	#memo = new Map<string, { version: number; now: number; value: unknown }>();
	#now = Date.now();
	readonly #overview: TriadOverview | null;
	readonly #keeping: OverviewKeeping | null;
	#overviewTimer: ReturnType<typeof setTimeout> | null = null;
	#overviewSavedVersion = -1;
	/** The on-device copy was read: only then does the document speak for the triad. */
	#loadedFromDevice = false;
	#closed = false;
	/** The device directory says the relay refused this secret as changed (see `noteAccess`). */
	#accessChangedOnDevice = $state(false);
	/** Whether the relay has held this triad since the session opened (it was synced once). */
	#relayReached = $state(false);
	/** Saved updates of this device's copy set aside as unreadable when it was opened. */
	#savedCopySetAside = $state(0);

	readonly #checks: SignatureChecks;
	readonly #trackDoc = createSubscriber((update) => {
		const stopObserving = observeWorkspace(this.#handle.doc, update);
		// A finished signature check changes what the views count, as a change of the document does.
		const stopListening = this.#checks.onChecked(update);
		return () => {
			stopObserving();
			stopListening();
		};
	});
	readonly #trackStatus = createSubscriber((update) => this.#handle.onStatus(update));
	readonly #trackPeers = createSubscriber((update) => this.#handle.onPeers(update));
	readonly #trackTime = createSubscriber((update) => {
		const timer = setInterval(() => {
			this.#now = Date.now();
			update();
		}, CLOCK_TICK_MS);
		return () => clearInterval(timer);
	});

	/** The operations members perform on this triad. */
	readonly write: TriadWrites;

	constructor(
		handle: WorkspaceHandle,
		identity: Identity,
		overviews: OverviewKeeping | null = null
	) {
		this.#handle = handle;
		this.#identity = identity;
		this.#keeping = overviews;
		this.#overview = overviews?.saved ?? null;
		this.#checks = new SignatureChecks(handle.doc, handle.docId);
		void handle.whenSavedCopyChecked.then(({ setAside }) => (this.#savedCopySetAside = setAside));
		this.#checks.onChecked(() => {
			this.#docVersion++;
			if (handle.status.localLoaded) this.#scheduleOverviewSave();
		});
		// Not 'update', which would make Yjs encode every transaction (see transactionChanged).
		handle.doc.on('afterTransaction', (transaction: Y.Transaction) => {
			if (!transactionChanged(transaction)) return;
			this.#docVersion++;
			// Outcomes depend on time (deadlines, reflection): judge each change at its own moment.
			this.#now = Date.now();
			if (handle.status.localLoaded) {
				this.#scheduleOverviewSave();
				if (signedRecordsChanged(transaction)) this.#checks.request();
			}
		});
		this.write = new TriadWrites(handle, identity, deviceClock, () => this.readOnly);
		const noteReached = (status: SyncStatus) => {
			if (status.connection === 'synced') this.#relayReached = true;
		};
		noteReached(handle.status);
		handle.onStatus(noteReached);
		// The first save after loading also replaces an overview written by an older version.
		handle.whenLocalLoaded.then(
			() => {
				this.#loadedFromDevice = true;
				this.#scheduleOverviewSave();
				this.#checks.request();
			},
			() => undefined
		);
	}

	/**
	 * True once the on-device copy of the document is loaded. Until then the views show the
	 * overview saved at the last opening (if any) and writes are refused, since they would be
	 * stamped without knowing the document.
	 */
	get live(): boolean {
		return this.status.localLoaded;
	}

	/** The saved overview while the document is not loaded yet; null once it is, or if none. */
	get #shown(): TriadOverview | null {
		return this.#overview !== null && !this.live ? this.#overview : null;
	}

	get docId() {
		return this.#handle.docId;
	}

	/** The member using this device. */
	get me(): MemberId {
		return this.#identity.memberId;
	}

	/**
	 * Runs `read` over the triad's document, for state code that computes from the whole of it
	 * (what its feed publishes, `FeedSession.publishFrom`). `read` must only read, through the doc
	 * layer.
	 */
	readDocument<T>(read: (doc: Y.Doc) => T): T {
		return read(this.#handle.doc);
	}

	/** Resolves once the on-device copy is loaded; local data is shown from then on. */
	get whenLocalLoaded(): Promise<void> {
		return this.#handle.whenLocalLoaded;
	}

	/** The live sync status of this triad. */
	get status(): SyncStatus {
		this.#trackStatus();
		return this.#handle.status;
	}

	/** The status reduced to the word on the sync pill. */
	get phase(): SyncPhase {
		return phaseOf(this.status);
	}

	/** Calls `listener` with every new status, outside any reactive context (see TriadAccess). */
	onStatus(listener: (status: SyncStatus) => void): () => void {
		return this.#handle.onStatus(listener);
	}

	/** What this device holds of the triad: member access, or a view-only link. */
	get access(): AccessLevel {
		return this.#handle.access;
	}

	/** The secret this session presents to the relay (compared with the device directory's). */
	get secret(): WorkspaceSecret {
		return this.#handle.secret;
	}

	/** Why the relay refused this device for good, if it did (see SyncPhase). */
	get refusal(): RefusalKind | null {
		return refusalOf(this.status);
	}

	/**
	 * True once the relay changed this device's access away: the relay said so on this session
	 * (4410), or it did earlier and the device directory remembers it.
	 */
	get accessChanged(): boolean {
		return this.refusal === 'access-changed' || this.#accessChangedOnDevice;
	}

	/**
	 * Why this device may only read the triad, or null when it may write (once loaded, see
	 * `live`). Writes through `write` are refused for the same reason.
	 */
	get readOnly(): ReadOnlyReason | null {
		if (this.access === 'viewer') return 'viewer';
		return this.accessChanged ? 'access-changed' : null;
	}

	/** True when write controls work now: the document is loaded and this device may write. */
	get writable(): boolean {
		return this.live && this.readOnly === null;
	}

	/**
	 * Whether the relay has held this triad since it was opened on this page: until then a view-only
	 * link could reach the relay before any member did, which locks the members out (see README,
	 * Access).
	 */
	get relayReached(): boolean {
		return this.#relayReached;
	}

	/** Takes in what the device directory says of this triad's access (see OpenTriads.follow). */
	noteAccess(entry: { accessChanged: boolean }): void {
		this.#accessChangedOnDevice = entry.accessChanged;
	}

	/**
	 * Connects with a secret that replaced this session's (a rotation made here, or a new link):
	 * the refusal of the old one ends, the local copy and everything on screen stay.
	 */
	reconnect(secret: WorkspaceSecret): void {
		if (secret === this.secret) return;
		this.#accessChangedOnDevice = false;
		this.#handle.reconnect(secret);
	}

	/** The time the views were computed against; advances every few seconds while read. */
	get now(): number {
		this.#trackTime();
		return this.#now;
	}

	/** Other devices here now (other tabs of this member included). */
	get peers(): Peer[] {
		this.#trackPeers();
		return this.#handle.peers();
	}

	/** The triad's identity, or null until it arrives from the member who created it. */
	get meta(): WorkspaceMeta | null {
		return this.#viewOrShown('meta', () => readMeta(this.#handle.doc));
	}

	/** How the document's schema version relates to this app's; `newer` means: do not write. */
	get schema(): SchemaStatus {
		return this.#view('schema', () => schemaStatus(this.#handle.doc));
	}

	/** Who holds each seat now (entries dated more than a day ahead wait until then). */
	get holders(): SeatHolders {
		const now = this.now;
		return this.#viewOrShown(
			'holders',
			() => resolveSeats(this.#seatClaims.records, now).holders,
			now
		);
	}

	/**
	 * Seat claims and releases that do not count, for the seats panel to name: not verifiable
	 * (not signed by the member they name), still being checked, or dated in the future.
	 */
	get seatEntriesNotCounted(): SeatEntryNotCounted[] {
		if (this.#shown) return [];
		const now = this.now;
		return this.#view(
			'seatEntriesNotCounted',
			() =>
				this.#seatClaims.records.flatMap((entry): SeatEntryNotCounted[] => {
					const { signature } = entry;
					if (signature === 'not-verifiable' || signature === 'pending') {
						return [{ entry, why: signature }];
					}
					return isDatedInFuture(replayAt(entry), now) ? [{ entry, why: 'future' }] : [];
				}),
			now
		);
	}

	/**
	 * Members for whom the triad's key log holds a second, different signing key (the first one
	 * stands; see `signing-keys.ts`), for the members panel to name. Empty until loaded.
	 */
	get signingKeyConflicts(): MemberId[] {
		if (this.#shown) return [];
		return this.#view('signingKeyConflicts', () => signingKeyConflicts(this.#handle.doc));
	}

	/** The seat of the member on this device, or null. */
	get mySeat(): Role | null {
		return seatOf(this.holders, this.me);
	}

	/**
	 * Members with their seat and presence, in the order they joined. Removed members are left
	 * out (see domain/membership.ts); their names stay known to `nameOf`.
	 */
	get members(): MemberView[] {
		const online = [this.me, ...this.peers.map((peer) => peer.user.memberId)];
		const holders = this.holders;
		const removed = this.removed;
		return this.#memberList
			.filter((member) => !removed.has(member.id))
			.map((member) => ({
				...member,
				seat: seatOf(holders, member.id),
				online: online.includes(member.id)
			}));
	}

	/**
	 * The members removed from the triad and not back since. Read from the log and the seat log,
	 * or from the saved overview's until the document is loaded.
	 */
	get removed(): ReadonlySet<MemberId> {
		const shown = this.#shown;
		if (shown) {
			const removals = shown.log.flatMap((entry) =>
				entry.removed ? [{ member: entry.removed, by: entry.author, at: entry.at }] : []
			);
			return removedMembers(removals, []);
		}
		return this.#view('removed', () =>
			removedMembers(listRemovals(this.#handle.doc), listSeatClaims(this.#handle.doc))
		);
	}

	/** A member's display name, with a fallback for members whose entry has not synced yet. */
	nameOf(member: MemberId | null): string {
		if (member === null) return 'nobody';
		if (member === this.me) return this.#identity.name;
		return this.#memberList.find((entry) => entry.id === member)?.name ?? 'a member';
	}

	/**
	 * Every proposal with its outcome under the decision rule, newest first. Empty until the
	 * document is loaded: lists read `summaries`, which the saved overview has.
	 */
	get proposals(): ProposalView[] {
		return this.#proposalRead.records;
	}

	/**
	 * How many saved updates of this device's copy of the triad could not be read when it was
	 * opened, and were set aside (kept on the device, not loaded), for the triad screen to tell.
	 */
	get savedCopySetAside(): number {
		return this.#savedCopySetAside;
	}

	/**
	 * The records of the triad its readers set aside as malformed (see `set-aside.ts`), with the
	 * member each names as its writer: what the triad screen reports. From the saved overview
	 * until the document is loaded.
	 */
	get setAside(): SetAside {
		const shown = this.#shown;
		if (shown) return shown.setAside;
		const reads = [
			this.#memberRead,
			this.#seatClaims,
			this.#proposalRead,
			this.#absenceRead,
			this.#logRead,
			this.#actionRead
		];
		return this.#view(
			'setAside',
			() => combineSetAside(reads.map((read) => read.setAside)),
			this.now
		);
	}

	/** Among those, the proposals, amendments and ballots: what a proposal screen reports. */
	get proposalsSetAside(): SetAside {
		return this.#proposalRead.setAside;
	}

	/** How the triad decides: consensus share, who was outvoted, by which pair, who was covered. */
	get balance(): BalanceStats {
		const shown = this.#shown;
		if (shown) return shown.balance;
		const proposals = this.proposals;
		const absences = this.absences;
		return this.#view(
			'balance',
			() =>
				balanceOf(
					proposals.map((view) => view.outcome),
					absences
				),
			this.now
		);
	}

	/** Every proposal as lists show it, newest first; from the saved overview until loaded. */
	get summaries(): ProposalSummary[] {
		return this.#shown?.proposals ?? this.proposals;
	}

	/** Every absence, cancelled ones included, by start. */
	get absences(): Absence[] {
		return this.#shown?.absences ?? this.#absenceRead.records;
	}

	/** Who may act for whom right now. */
	get coverNow(): CoverGrant[] {
		return coverAt(this.absences, this.now);
	}

	/** The seats the member on this device may vote for now: their own and those they cover. */
	get seatsIActFor(): Role[] {
		return seatsActorMayActFor(this.me, this.holders, this.absences, this.now);
	}

	get log(): LogEntry[] {
		return this.#shown?.log ?? this.#logRead.records;
	}

	get actions(): Action[] {
		return this.#shown?.actions ?? this.#actionRead.records;
	}

	/** A proposal's text as blocks, for screens that show it without an editor (read-only). */
	bodyBlocks(proposalId: ProposalId): BodyBlock[] {
		return this.#view(`body:${proposalId}`, () => readBodyBlocks(this.#handle.doc, proposalId));
	}

	/** Writes the triad's identity; only its creator calls this, once. */
	initialize(meta: { name: string; purpose: string; level: Level; unit: string }): void {
		initWorkspace(this.#handle.doc, { ...meta, createdAt: Date.now() });
	}

	/**
	 * Makes sure this member is listed, under their current name, and their signing key published,
	 * once the local copy is loaded: opening a triad is joining it. Each member writes only their
	 * own entry. Publishing on opening rather than waiting for a first signed write vouches for the
	 * member's unsigned records from before signing, and leaves no time in which someone else could
	 * publish a key in their name first.
	 */
	async announceMember(): Promise<void> {
		await this.#handle.whenLocalLoaded.catch(() => undefined);
		// A viewer is nobody's member, and a device whose access was changed writes nothing.
		if (this.readOnly !== null || this.#closed) return;
		const doc = this.#handle.doc;
		const key = this.#identity.signingKey;
		if (key !== null) publishSigningKey(doc, this.me, key.publicKey);
		const listed = readMembers(doc).find((member) => member.id === this.me);
		if (listed?.name === this.#identity.name) return;
		putMember(doc, {
			id: this.me,
			name: this.#identity.name,
			joinedAt: listed?.joinedAt ?? Date.now()
		});
	}

	/** Resolves once the signature checks asked for so far have run (for tests and benches). */
	whenSignaturesChecked(): Promise<void> {
		return this.#checks.whenIdle();
	}

	/** Keeps presence in step with the seat this member holds (a viewer announces nothing). */
	announceSeat(): void {
		this.#handle.updatePresence({ seat: this.mySeat });
	}

	/** Announces what this member is looking at (a proposal id), for "who is here" lists. */
	setEditing(target: string | null): void {
		this.#handle.setEditing(target);
	}

	/** The Yjs fragment a proposal's body lives in, for the collaborative editor to bind to. */
	bodyOf(view: ProposalView): Y.XmlFragment {
		return this.write.body(view.proposal.id);
	}

	/**
	 * This member as the editor's carets show them. The caret extension writes this object into
	 * awareness as `user`, so it must be the full presence user, not just a name and colour.
	 */
	get caretUser(): PresenceState['user'] {
		const state = this.#handle.awareness.getLocalState() as PresenceState | null;
		return (
			state?.user ?? {
				memberId: this.me,
				name: this.#identity.name,
				color: memberColor(this.me),
				seat: this.mySeat
			}
		);
	}

	/** The awareness instance, for the editor's live carets. */
	get awareness(): WorkspaceHandle['awareness'] {
		return this.#handle.awareness;
	}

	/** The whole triad as a workspace file (JSON) and its decision register (Markdown), now. */
	exportFiles(): { json: string; markdown: string } {
		return exportWorkspace(this.#handle.doc, this.docId, Date.now());
	}

	/** Stops syncing and saving this triad on this page. */
	async close(): Promise<void> {
		if (this.#closed) return;
		const pending = this.#overviewTimer !== null;
		if (this.#overviewTimer !== null) clearTimeout(this.#overviewTimer);
		this.#overviewTimer = null;
		// Closed first, so that an edit made while the last save runs schedules no other.
		this.#closed = true;
		this.#checks.close();
		if (pending) await this.#saveOverview();
		return this.#handle.close();
	}

	/**
	 * Saves the overview now if the document changed since the last save, instead of after the
	 * quiet period: for when the page is hidden and may be gone before that.
	 */
	saveOverviewNow(): Promise<void> {
		if (this.#closed) return Promise.resolve();
		if (this.#overviewTimer !== null) clearTimeout(this.#overviewTimer);
		this.#overviewTimer = null;
		return this.#saveOverview();
	}

	#scheduleOverviewSave(): void {
		if (this.#keeping === null || this.#closed) return;
		if (this.#overviewTimer !== null) clearTimeout(this.#overviewTimer);
		this.#overviewTimer = setTimeout(() => {
			this.#overviewTimer = null;
			void this.#saveOverview();
		}, OVERVIEW_SAVE_DELAY_MS);
	}

	async #saveOverview(): Promise<void> {
		// After a failed read the document holds only this page's edits; saving it would replace
		// the overview of the whole triad with that.
		if (
			this.#keeping === null ||
			!this.#loadedFromDevice ||
			this.#overviewSavedVersion === this.#docVersion
		) {
			return;
		}
		const version = this.#docVersion;
		const overview = overviewOf(
			{
				docId: this.docId,
				meta: this.meta,
				holders: this.holders,
				members: this.#memberList,
				proposals: this.proposals,
				balance: this.balance,
				absences: this.absences,
				log: this.log,
				actions: this.actions,
				setAside: this.setAside
			},
			Date.now()
		);
		// A failed save leaves the previous overview, which the next opening replaces once the
		// document is loaded; the storage failure itself is reported by the document's store.
		await this.#keeping.save(overview).then(
			() => (this.#overviewSavedVersion = version),
			() => undefined
		);
	}

	/** The members as listed in the triad, without seats or presence. */
	get #memberList(): Member[] {
		return this.#shown?.members ?? this.#memberRead.records;
	}

	// Each reader of the document once per change, with what it set aside.
	get #memberRead(): ReadResult<Member> {
		return this.#read('members', (aside) => readMembers(this.#handle.doc, aside));
	}

	get #seatClaims(): ReadResult<SeatClaim> {
		return this.#read('seatClaims', (aside) => listSeatClaims(this.#handle.doc, aside));
	}

	get #proposalRead(): ReadResult<ProposalView> {
		const now = this.now;
		return this.#read('proposals', (aside) => proposalViews(this.#handle.doc, now, aside), now);
	}

	get #absenceRead(): ReadResult<Absence> {
		return this.#read('absences', (aside) => listAbsences(this.#handle.doc, aside));
	}

	get #logRead(): ReadResult<LogEntry> {
		return this.#read('log', (aside) => listLog(this.#handle.doc, aside));
	}

	get #actionRead(): ReadResult<Action> {
		return this.#read('actions', (aside) => listActions(this.#handle.doc, aside));
	}

	#read<T>(key: string, read: (aside: SetAsideTally) => T[], now = 0): ReadResult<T> {
		return this.#view(key, () => readWith(read), now);
	}

	/** A view of the document, or the saved overview's field of the same name until it is loaded. */
	#viewOrShown<K extends 'meta' | 'holders'>(
		key: K,
		compute: () => TriadOverview[K],
		now = 0
	): TriadOverview[K] {
		const shown = this.#shown;
		return shown ? shown[key] : this.#view(key, compute, now);
	}

	#view<T>(key: string, compute: () => T, now = 0): T {
		this.#trackDoc();
		const cached = this.#memo.get(key);
		if (cached && cached.version === this.#docVersion && cached.now === now) {
			return cached.value as T;
		}
		const value = compute();
		this.#memo.set(key, { version: this.#docVersion, now, value });
		return value;
	}
}
