import type { DocumentId } from '../../src/lib/protocol';
import {
	rotatedAccess,
	type DocumentAccess,
	type PushSubscriptionKeys,
	type PushTarget,
	type RelayStorage,
	type VapidKeys,
	type StoredDocument,
	type TokenVerifier,
	type UpdateSeq
} from './relay-storage';

interface MemoryDocument {
	access: DocumentAccess | null;
	state: Uint8Array | null;
	stateSeq: UpdateSeq;
	appended: { seq: UpdateSeq; update: Uint8Array }[];
}

/**
 * In-memory twin of the SQLite storage, for tests and throwaway relays: same contract, nothing
 * survives the process.
 */
export class MemoryStorage implements RelayStorage {
	#documents = new Map<DocumentId, MemoryDocument>();
	#lastSeq: UpdateSeq = 0;
	#storedBytes = 0;
	#closed = false;
	#pushSubscriptions = new Map<
		string,
		{ keys: PushSubscriptionKeys; documents: Map<DocumentId, TokenVerifier> }
	>();
	#vapidKeys: VapidKeys | null = null;

	get storedBytes(): number {
		return this.#storedBytes;
	}

	#document(docId: DocumentId): MemoryDocument {
		this.#assertOpen();
		let document = this.#documents.get(docId);
		if (document === undefined) {
			document = { access: null, state: null, stateSeq: 0, appended: [] };
			this.#documents.set(docId, document);
		}
		return document;
	}

	#assertOpen(): void {
		if (this.#closed) throw new Error('storage is closed');
	}

	async loadDocument(docId: DocumentId): Promise<StoredDocument> {
		this.#assertOpen();
		const document = this.#documents.get(docId);
		if (document === undefined) return { access: null, updates: [], seqs: [], lastSeq: 0 };
		const updates = document.appended.map((entry) => entry.update.slice());
		const seqs = document.appended.map((entry) => entry.seq);
		if (document.state !== null) {
			updates.unshift(document.state.slice());
			seqs.unshift(document.stateSeq);
		}
		const lastSeq = document.appended.at(-1)?.seq ?? document.stateSeq;
		return { access: document.access, updates, seqs, lastSeq };
	}

	async getAccess(docId: DocumentId): Promise<DocumentAccess | null> {
		this.#assertOpen();
		return this.#documents.get(docId)?.access ?? null;
	}

	async registerAccess(
		docId: DocumentId,
		member: TokenVerifier,
		viewer: TokenVerifier | null
	): Promise<'registered' | 'exists'> {
		const document = this.#document(docId);
		if (document.access !== null) return 'exists';
		document.access = { member, viewer, retired: [] };
		return 'registered';
	}

	async registerViewer(
		docId: DocumentId,
		member: TokenVerifier,
		viewer: TokenVerifier
	): Promise<'registered' | 'exists' | 'stale'> {
		const access = this.#documents.get(docId)?.access ?? null;
		if (access === null || access.member !== member) return 'stale';
		if (access.viewer !== null) return 'exists';
		this.#document(docId).access = { ...access, viewer };
		return 'registered';
	}

	async rotateAccess(
		docId: DocumentId,
		current: TokenVerifier,
		next: { member: TokenVerifier; viewer: TokenVerifier }
	): Promise<'rotated' | 'stale'> {
		const access = this.#documents.get(docId)?.access ?? null;
		if (access === null || access.member !== current) return 'stale';
		this.#document(docId).access = rotatedAccess(access, next);
		return 'rotated';
	}

	appendUpdate(docId: DocumentId, update: Uint8Array): UpdateSeq {
		const seq = ++this.#lastSeq;
		this.#document(docId).appended.push({ seq, update: update.slice() });
		this.#storedBytes += update.length;
		return seq;
	}

	async compact(docId: DocumentId, mergedState: Uint8Array, upToSeq: UpdateSeq): Promise<void> {
		const document = this.#document(docId);
		if (upToSeq < document.stateSeq) return;
		const replaced = document.appended.filter((entry) => entry.seq <= upToSeq);
		this.#storedBytes +=
			mergedState.length -
			(document.state?.length ?? 0) -
			replaced.reduce((sum, entry) => sum + entry.update.length, 0);
		document.state = mergedState.slice();
		document.stateSeq = upToSeq;
		document.appended = document.appended.filter((entry) => entry.seq > upToSeq);
	}

	async savePushSubscription(
		subscription: PushSubscriptionKeys,
		documents: readonly { docId: DocumentId; verifier: TokenVerifier }[]
	): Promise<void> {
		this.#assertOpen();
		this.#pushSubscriptions.delete(subscription.endpoint);
		if (documents.length === 0) return;
		this.#pushSubscriptions.set(subscription.endpoint, {
			keys: { ...subscription },
			documents: new Map(documents.map(({ docId, verifier }) => [docId, verifier]))
		});
	}

	async deletePushSubscription(endpoint: string): Promise<boolean> {
		this.#assertOpen();
		return this.#pushSubscriptions.delete(endpoint);
	}

	async pushTargets(docId: DocumentId): Promise<PushTarget[]> {
		this.#assertOpen();
		const targets: PushTarget[] = [];
		for (const { keys, documents } of this.#pushSubscriptions.values()) {
			const verifier = documents.get(docId);
			if (verifier !== undefined) targets.push({ ...keys, verifier });
		}
		return targets;
	}

	async vapidKeys(candidate: VapidKeys): Promise<VapidKeys> {
		this.#assertOpen();
		this.#vapidKeys ??= { ...candidate };
		return { ...this.#vapidKeys };
	}

	async flush(): Promise<void> {
		this.#assertOpen();
	}

	async whenDurable(_seq: UpdateSeq): Promise<void> {
		this.#assertOpen();
	}

	async close(): Promise<void> {
		this.#closed = true;
	}
}
