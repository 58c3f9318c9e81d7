import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import * as syncProtocol from 'y-protocols/sync';
import type { WebsocketProvider } from 'y-websocket';
import { applyValidUpdate, type UpdateProblem } from '../protocol/validate-update';

/** y-websocket's message type of sync messages, the index of their handler. */
const MESSAGE_SYNC = 0;

/** An update from the relay that failed validation and was not applied. */
export interface RefusedRelayUpdate {
	problem: UpdateProblem;
	/** The sync message that carried it: the answer to our state vector, or a live update. */
	message: 'sync-step-2' | 'update';
}

/**
 * Makes `provider` apply the relay's updates only through the shared check
 * (`applyValidUpdate`, which the relay runs too), by replacing its handler of sync messages,
 * `provider.messageHandlers[0]`. A refused update reaches neither the document nor, through its
 * `update` event, IndexedDB or other tabs; `onRefused` is told, and a refused sync step 2 does
 * not make the provider `synced` (the document does not hold what the relay has). Everything else
 * behaves as y-websocket's own handler: a sync step 1 is answered with step 2, updates are
 * applied with the provider as origin, and an error thrown by an observer is logged, not thrown.
 *
 * Call it once, right after creating the provider and before it connects. Returns a function
 * that puts y-websocket's handler back.
 */
export function guardSyncHandler(
	provider: WebsocketProvider,
	onRefused: (refused: RefusedRelayUpdate) => void = () => {}
): () => void {
	const original = provider.messageHandlers[MESSAGE_SYNC];
	provider.messageHandlers[MESSAGE_SYNC] = (encoder, decoder, target, emitSynced) => {
		encoding.writeVarUint(encoder, MESSAGE_SYNC);
		const syncType = decoding.readVarUint(decoder);
		switch (syncType) {
			case syncProtocol.messageYjsSyncStep1:
				syncProtocol.readSyncStep1(decoder, encoder, target.doc);
				return;
			case syncProtocol.messageYjsSyncStep2:
			case syncProtocol.messageYjsUpdate: {
				const isStep2 = syncType === syncProtocol.messageYjsSyncStep2;
				const update = decoding.readVarUint8Array(decoder);
				let problem: UpdateProblem | null = null;
				try {
					problem = applyValidUpdate(target.doc, update, target);
				} catch (error) {
					// As y-protocols does: what throws here is an observer of the document.
					console.error('Caught error while handling a Yjs update', error);
				}
				if (problem !== null) {
					onRefused({ problem, message: isStep2 ? 'sync-step-2' : 'update' });
				} else if (isStep2 && emitSynced && !target.synced) {
					target.synced = true;
				}
				return;
			}
			default:
				throw new Error('Unknown message type');
		}
	};
	return () => {
		if (original !== undefined) provider.messageHandlers[MESSAGE_SYNC] = original;
	};
}
