import type { AccessToken, DocId } from '../doc-id';
import type { RelayStorage, StoredDocument, UpdateSeq } from './relay-storage';

interface MemoryDocument {
	token: AccessToken | null;
	state: Uint8Array | null;
	stateSeq: UpdateSeq;
	appended: { seq: UpdateSeq; update: Uint8Array }[];
}

/**
 * In-memory twin of the SQLite storage, for tests and throwaway relays: same contract, nothing
 * survives the process.
 */
export class MemoryStorage implements RelayStorage {
	#documents = new Map<DocId, MemoryDocument>();
	#lastSeq: UpdateSeq = 0;
	#closed = false;

	#document(docId: DocId): MemoryDocument {
		this.#assertOpen();
		let document = this.#documents.get(docId);
		if (document === undefined) {
			document = { token: null, state: null, stateSeq: 0, appended: [] };
			this.#documents.set(docId, document);
		}
		return document;
	}

	#assertOpen(): void {
		if (this.#closed) throw new Error('storage is closed');
	}

	async loadDocument(docId: DocId): Promise<StoredDocument> {
		this.#assertOpen();
		const document = this.#documents.get(docId);
		if (document === undefined) return { token: null, updates: [], seqs: [], lastSeq: 0 };
		const updates = document.appended.map((entry) => entry.update.slice());
		const seqs = document.appended.map((entry) => entry.seq);
		if (document.state !== null) {
			updates.unshift(document.state.slice());
			seqs.unshift(document.stateSeq);
		}
		const lastSeq = document.appended.at(-1)?.seq ?? document.stateSeq;
		return { token: document.token, updates, seqs, lastSeq };
	}

	async getToken(docId: DocId): Promise<AccessToken | null> {
		this.#assertOpen();
		return this.#documents.get(docId)?.token ?? null;
	}

	async registerToken(docId: DocId, token: AccessToken): Promise<'registered' | 'exists'> {
		const document = this.#document(docId);
		if (document.token !== null) return 'exists';
		document.token = token;
		return 'registered';
	}

	appendUpdate(docId: DocId, update: Uint8Array): UpdateSeq {
		const seq = ++this.#lastSeq;
		this.#document(docId).appended.push({ seq, update: update.slice() });
		return seq;
	}

	async compact(docId: DocId, mergedState: Uint8Array, upToSeq: UpdateSeq): Promise<void> {
		const document = this.#document(docId);
		if (upToSeq < document.stateSeq) return;
		document.state = mergedState.slice();
		document.stateSeq = upToSeq;
		document.appended = document.appended.filter((entry) => entry.seq > upToSeq);
	}

	async flush(): Promise<void> {
		this.#assertOpen();
	}

	async close(): Promise<void> {
		this.#closed = true;
	}
}
