import type * as Y from 'yjs';
import { checkSignatures } from '$lib/doc/check-signatures';
import { createVerifier, type SignatureVerifier } from '$lib/doc/ed25519';

/** One verifier for the page: it keeps each member's imported public key. */
const pageVerifier = createVerifier();

/**
 * Runs a triad's signature checks (`checkSignatures`) in the background: after the document loads
 * and after each change, one pass at a time, with one more pass when changes came in while one ran.
 * Reading never waits for it: records read as `pending` until their pass is done, and listeners
 * hear when a pass checked something, to read again.
 */
export class SignatureChecks {
	readonly #doc: Y.Doc;
	readonly #scope: string;
	readonly #verifier: SignatureVerifier;
	readonly #listeners = new Set<() => void>();
	#running: Promise<void> | null = null;
	#again = false;
	#closed = false;

	constructor(doc: Y.Doc, scope: string, verifier: SignatureVerifier = pageVerifier) {
		this.#doc = doc;
		this.#scope = scope;
		this.#verifier = verifier;
	}

	/** Asks for a pass; a pass that is running finishes first, and one more follows it. */
	request(): void {
		if (this.#closed) return;
		if (this.#running !== null) {
			this.#again = true;
			return;
		}
		this.#running = this.#run().finally(() => (this.#running = null));
	}

	/** Resolves once no pass is running or asked for. */
	async whenIdle(): Promise<void> {
		while (this.#running !== null) await this.#running;
	}

	/** Calls `listener` after each pass that checked something; returns the unsubscribe. */
	onChecked(listener: () => void): () => void {
		this.#listeners.add(listener);
		return () => this.#listeners.delete(listener);
	}

	close(): void {
		this.#closed = true;
		this.#listeners.clear();
	}

	async #run(): Promise<void> {
		do {
			this.#again = false;
			// A failing verifier leaves records pending (not counted) rather than breaking the page.
			const checked = await checkSignatures(this.#doc, this.#scope, this.#verifier).catch(() => 0);
			if (checked > 0 && !this.#closed) for (const listener of this.#listeners) listener();
		} while (this.#again && !this.#closed);
	}
}
