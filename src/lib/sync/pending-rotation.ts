import type { DocumentId } from '../domain/ids';
import { rotateWorkspaceAccess } from './access-rotation';
import type { DeviceDb } from './device-db';
import {
	endRotation,
	getWorkspace,
	updatePendingRotation,
	type WorkspaceEntry
} from './workspace-directory';
import { newWorkspaceSecret } from './workspace-secret';

/**
 * How running a pending rotation ended:
 * - `rotated`: the relay accepts the new secret, now stored; every other link is refused (4410).
 * - `waiting`: the relay could not be asked or could not answer (offline, unavailable, or it does
 *   not know the document yet); the rotation stays pending for the next attempt.
 * - `lost`: another member's rotation came first; this device's access was changed too.
 * - `refused`: the relay does not take this device's secret at all (nor the request): dropped.
 * - `none`: nothing was pending.
 */
export type RotationRun = 'rotated' | 'waiting' | 'lost' | 'refused' | 'none';

/** Where the relay is, and (for tests) how to reach it. */
export interface RunRotationOptions {
	/** The relay's HTTP origin: the app's own, `http(s)://host`. */
	relayOrigin: string;
	fetch?: typeof fetch;
}

/*
 * Why a rotation is a pending record rather than one request.
 *
 * The request proves the current secret and installs the next one, so the next secret must be
 * stored before the request is sent: a request that reaches the relay and whose answer is lost
 * (the network drops, the page is closed) has changed everyone's access, and a device that had
 * not kept the new secret would have locked every member out. So the record keeps `next` and a
 * `sent` flag, set before each request. Retrying sends the same request. When the relay answers
 * 410 (`from` retired) to a record that was sent before, this device cannot tell its own lost
 * success from another member's rotation: it proves `next` instead, by rotating once more from it
 * to a fresh secret. If `next` was installed (it was this device's rotation), that succeeds and
 * the fresh secret is the one kept; nobody has been given `next` yet, so nothing is lost by
 * skipping it. If not, the relay answers 403 (a token it never knew) or 410 (retired by a later
 * rotation of someone else), and this device's access was changed by another member.
 */

/** At most this many requests per run: the first, and the proofs of earlier lost answers. */
const MAX_STEPS = 4;

/**
 * Runs the pending rotation of `docId`, if any, and records how it ended in the directory. Runs of
 * one document are serialised across the tabs of this browser (Web Locks), so two tabs never send
 * the same record at once.
 */
export function runPendingRotation(
	db: DeviceDb,
	docId: DocumentId,
	options: RunRotationOptions
): Promise<RotationRun> {
	const locks = (globalThis.navigator as Navigator | undefined)?.locks;
	const run = () => runLocked(db, docId, options);
	return locks ? locks.request(`triad-rotation:${docId}`, run) : run();
}

async function runLocked(
	db: DeviceDb,
	docId: DocumentId,
	options: RunRotationOptions
): Promise<RotationRun> {
	let entry: WorkspaceEntry | null = await getWorkspace(db, docId);
	for (let step = 0; step < MAX_STEPS; step++) {
		const pending = entry?.pendingRotation ?? null;
		if (entry === null || pending === null) return 'none';
		const sentBefore = pending.sent;
		if (!sentBefore) entry = await updatePendingRotation(db, docId, { ...pending, sent: true });
		const outcome = await rotateWorkspaceAccess({
			relayOrigin: options.relayOrigin,
			docId,
			secret: pending.from,
			nextSecret: pending.next,
			fetch: options.fetch
		});
		switch (outcome.result) {
			case 'rotated':
				await endRotation(db, docId, { rotated: outcome.secret });
				return 'rotated';
			// An unknown document: the relay registers one on its first connection; this device's
			// session does that, and the rotation runs once it has.
			case 'offline':
			case 'unavailable':
			case 'unknown-document':
				return 'waiting';
			case 'access-changed':
				if (sentBefore) {
					entry = await updatePendingRotation(db, docId, {
						from: pending.next,
						next: newWorkspaceSecret(),
						sent: false,
						requestedAt: pending.requestedAt
					});
					continue;
				}
				await endRotation(db, docId, { accessChanged: true });
				return 'lost';
			case 'no-access':
				// A `from` other than the stored secret is a `next` being proved: never installed.
				if (entry !== null && pending.from !== entry.secret) {
					await endRotation(db, docId, { accessChanged: true });
					return 'lost';
				}
				await endRotation(db, docId, { accessChanged: false });
				return 'refused';
			case 'bad-request':
				await endRotation(db, docId, { accessChanged: false });
				return 'refused';
		}
	}
	return 'waiting';
}
