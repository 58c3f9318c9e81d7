import { createSubscriber } from 'svelte/reactivity';
import type { DocumentId } from '$lib/domain/ids';
import type { EscalationId, FeedEntry } from '$lib/domain/organization';
import { observeFeed } from '$lib/doc/organization';
import {
	answerEscalation,
	initFeed,
	raiseEscalation,
	readFeed,
	readFeedTriad,
	readPublishing,
	setPublishing,
	type NewAnswer,
	type NewEscalation
} from '$lib/doc/feed';
import { deviceClock } from './device-clock';
import { previewPublication, publishToFeed } from '$lib/doc/feed-publication';
import type { Publication } from '$lib/domain/organization-feed';
import type * as Y from 'yjs';
import type { ReadResult } from '$lib/doc/set-aside';
import type { SyncStatus, WorkspaceHandle } from '$lib/sync/open-workspace';
import type { AccessLevel } from '$lib/sync/relay-token';

/** Hands a triad's document to a read (see `TriadSession.readDocument`). */
export type TriadReader = <T>(read: (doc: Y.Doc) => T) => T;

/** What a triad's feed would hold at `now`: exactly what leaves the triad once it opts in. */
export function previewFeed(readTriad: TriadReader, now: number): Publication {
	return readTriad((triad) => previewPublication(triad, now));
}

/**
 * One open feed: a triad's own (member access, derived from the triad's secret) or one this
 * device follows (viewer access). Views listen to Yjs only while read.
 */
export class FeedSession {
	readonly #handle: WorkspaceHandle;
	readonly #trackDoc = createSubscriber((update) => observeFeed(this.#handle.doc, update));
	readonly #trackStatus = createSubscriber((update) => this.#handle.onStatus(update));

	constructor(handle: WorkspaceHandle) {
		this.#handle = handle;
	}

	get docId(): DocumentId {
		return this.#handle.docId;
	}

	get access(): AccessLevel {
		return this.#handle.access;
	}

	get status(): SyncStatus {
		this.#trackStatus();
		return this.#handle.status;
	}

	get whenLocalLoaded(): Promise<void> {
		return this.#handle.whenLocalLoaded;
	}

	/** What the feed holds, each id once, with what was set aside. */
	get entries(): ReadResult<FeedEntry> {
		this.#trackDoc();
		return readFeed(this.#handle.doc);
	}

	/** Whether the triad opted in to publishing. */
	get publishing(): boolean {
		this.#trackDoc();
		return readPublishing(this.#handle.doc);
	}

	#requireMember(): void {
		if (this.access !== 'member') {
			throw new Error('Only the members of a triad write its feed; this device follows it.');
		}
		if (!this.#handle.status.localLoaded) {
			throw new Error('This feed is still loading on this device; try again in a moment.');
		}
	}

	/** Stamps the feed as `triad`'s, when no member's device has yet. */
	ensureCreated(triad: DocumentId): void {
		this.#requireMember();
		if (readFeedTriad(this.#handle.doc) === null) initFeed(this.#handle.doc, triad);
	}

	/** The triad's opt-in: from now on what its document decides is published. */
	setPublishing(on: boolean): void {
		this.#requireMember();
		setPublishing(this.#handle.doc, on);
	}

	/**
	 * Publishes what is new in the triad document `read` hands over (see `publishToFeed`); nothing
	 * while the triad has not opted in. Returns how many entries it appended.
	 */
	publishFrom(readTriad: TriadReader, now: number): number {
		this.#requireMember();
		if (!readPublishing(this.#handle.doc)) return 0;
		return readTriad((triad) => publishToFeed(triad, this.#handle.doc, now)).length;
	}

	/**
	 * Raises an escalation to the strategic triad, in this triad's own feed. Any member may: only
	 * the triad's members hold this feed's secret (see `upstreamStep` for the rule).
	 */
	raise(input: NewEscalation): EscalationId {
		this.#requireMember();
		return raiseEscalation(this.#handle.doc, deviceClock, input);
	}

	/** Answers an escalation raised to this (strategic) triad, in this triad's own feed. */
	answer(input: NewAnswer): void {
		this.#requireMember();
		answerEscalation(this.#handle.doc, deviceClock, input);
	}

	close(): Promise<void> {
		return this.#handle.close();
	}
}
