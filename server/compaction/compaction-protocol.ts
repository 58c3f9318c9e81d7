import type { CompactionResult } from './state-compactor';

/** What `WorkerCompactor` starts its worker with. */
export interface CompactionWorkerData {
	/** The TypeScript entry, when started through `ts-worker-bootstrap.mjs`. */
	entry?: string;
	/**
	 * For tests: before each merge the worker says it is `holding` and waits until the first
	 * 32-bit integer of this buffer is above 0 (then takes one from it).
	 */
	hold?: SharedArrayBuffer;
}

export interface CompactionRequest {
	id: number;
	updates: readonly Uint8Array[];
}

export type CompactionReply =
	| { type: 'merged'; id: number; result: CompactionResult }
	| { type: 'failed'; id: number; message: string }
	| { type: 'holding'; id: number };
