/*
 * A push from the relay says only "this triad changed" (its id, encrypted for this device). The
 * worker wakes, syncs that triad into its copy on the device for a few seconds, and shows a
 * notification only when something in it waits for this member and was not notified before
 * (`attentionFor`). When a window of the app is visible, that page syncs and tells the member
 * itself, so the worker does nothing.
 */
import { attentionFor, unnotified, type Attention } from '../lib/domain/push-attention';
import { parsePushMessage, pushDeviceKey, type DocumentId } from '../lib/protocol';
import { listAbsences, readMeta, readSeatHolders } from '../lib/doc';
import { checkSignatures } from '../lib/doc/check-signatures';
import { createVerifier } from '../lib/doc/ed25519';
import { decideProposals } from '../lib/doc/outcome';
import { createDeviceDb, type DeviceDb } from '../lib/sync/device-db';
import { loadIdentity } from '../lib/sync/identity';
import { openWorkspace, relayUrlFor, type WorkspaceHandle } from '../lib/sync/open-workspace';
import { getWorkspace } from '../lib/sync/workspace-directory';

/** How long the worker waits for the relay before it judges what the device holds. */
const SYNC_TIMEOUT_MS = 8000;
/** Notified keys kept per triad: far more than a triad has open at once. */
const MAX_NOTIFIED_KEYS = 200;

/** The settings key of the keys notified for a triad. */
export function notifiedKey(docId: DocumentId): string {
	return `push-notified:${docId}`;
}

/** Handles one push: resolves once a notification is shown or it is clear none is due. */
export async function handlePush(sw: ServiceWorkerGlobalScope, data: unknown): Promise<void> {
	const message = parsePushMessage(data);
	if (message === null) return;
	const windows = await sw.clients.matchAll({ type: 'window', includeUncontrolled: true });
	if (windows.some((client) => client.visibilityState === 'visible')) return;
	const db = createDeviceDb();
	try {
		await notifyIfNeeded(sw, db, message.doc);
	} finally {
		db.close();
	}
}

async function notifyIfNeeded(
	sw: ServiceWorkerGlobalScope,
	db: DeviceDb,
	docId: DocumentId
): Promise<void> {
	const [identity, entry, subscription] = await Promise.all([
		loadIdentity(db),
		getWorkspace(db, docId),
		sw.registration.pushManager.getSubscription()
	]);
	// A triad removed from this device, or a device reset: nothing here to tell about.
	if (identity === null || entry === null) return;
	const device = subscription === null ? null : await pushDeviceKey(subscription.endpoint);
	const handle = openWorkspace({
		docId,
		secret: entry.secret,
		access: entry.access,
		identity,
		relayUrl: relayUrlFor(sw.location),
		crossTab: false,
		pushDevice: () => device
	});
	let items: Attention[];
	let name: string;
	try {
		await syncBriefly(handle);
		// Seats and ballots count only once their signatures are checked, as on the page.
		await checkSignatures(handle.doc, docId, createVerifier()).catch(() => 0);
		const now = Date.now();
		items = attentionFor({
			me: identity.memberId,
			now,
			holders: readSeatHolders(handle.doc, now),
			proposals: decideProposals(handle.doc, now),
			absences: listAbsences(handle.doc)
		});
		name = readMeta(handle.doc)?.name ?? 'Triad';
	} finally {
		await handle.close();
	}
	const notified = (await db.get<string[]>('settings', notifiedKey(docId))) ?? [];
	const fresh = unnotified(items, new Set(notified));
	if (fresh.length === 0) return;
	await sw.registration.showNotification(name, {
		body: fresh.map(describe).join('\n'),
		tag: `triad:${docId}`,
		data: { url: `/t/${docId}` }
	});
	const kept = [...fresh.map((item) => item.key), ...notified].slice(0, MAX_NOTIFIED_KEYS);
	await db.put('settings', kept, notifiedKey(docId));
}

/** Resolves once the relay's state is in (or the relay did not answer in time). */
function syncBriefly(handle: WorkspaceHandle): Promise<void> {
	return new Promise((done) => {
		const timer = setTimeout(finish, SYNC_TIMEOUT_MS);
		const stop = handle.onStatus(check);
		function check() {
			const { connection, localLoaded, refusal } = handle.status;
			if (localLoaded && (connection === 'synced' || refusal !== null)) finish();
		}
		function finish() {
			clearTimeout(timer);
			stop();
			done();
		}
		check();
	});
}

function describe(item: Attention): string {
	switch (item.kind) {
		case 'vote':
			return `Your vote is awaited: ${item.title}`;
		case 'deadline':
			return `Voting closes ${new Date(item.deadline).toLocaleString()}: ${item.title}`;
		case 'cover':
			return `Your cover starts ${new Date(item.from).toLocaleString()}`;
	}
}

/** Opens (or focuses) the triad the notification is about. */
export async function openNotified(sw: ServiceWorkerGlobalScope, data: unknown): Promise<void> {
	const url = (data as { url?: unknown } | null)?.url;
	const path =
		typeof url === 'string' &&
		/^\/t\/[A-Za-z0-9_-]{22}(\/(p\/[A-Za-z0-9_-]{1,64}|decisions|actions|people|cover))?$/.test(url)
			? url
			: '/';
	const target = new URL(path, sw.location.origin).href;
	const windows = await sw.clients.matchAll({ type: 'window', includeUncontrolled: true });
	for (const client of windows) {
		if ('focus' in client) {
			await client.focus();
			if (client.url !== target) await client.navigate(target);
			return;
		}
	}
	await sw.clients.openWindow(target);
}
