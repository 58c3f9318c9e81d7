/*
 * A push from the relay says only "this triad changed" (its id, encrypted for this device). The
 * worker wakes, syncs that triad into its copy on the device for a few seconds, and shows what
 * waits for this member by the same rule and the same seen set as the page (`takeNotices`), so
 * nothing is told twice whichever of the two tells it first. When a window of the app is
 * visible, that page syncs and tells the member itself, so the worker does nothing.
 */
import { parsePushMessage, pushDeviceKey, type DocumentId } from '../lib/protocol';
import { checkSignatures } from '../lib/doc/check-signatures';
import { createVerifier } from '../lib/doc/ed25519';
import { readNeedsRecords } from '../lib/doc/needs-records';
import type { Notice } from '../lib/domain/needs';
import { noticeMessage, workerNotices, type NoticeNames } from '../lib/state/notices';
import { createDeviceDb, type DeviceDb } from '../lib/sync/device-db';
import { loadIdentity } from '../lib/sync/identity';
import { openWorkspace, relayUrlFor, type WorkspaceHandle } from '../lib/sync/open-workspace';
import { getWorkspace } from '../lib/sync/workspace-directory';

/** How long the worker waits for the relay before it judges what the device holds. */
const SYNC_TIMEOUT_MS = 8000;

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
	const me = identity.memberId;
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
	const now = Date.now();
	let records: ReturnType<typeof readNeedsRecords>;
	try {
		await syncBriefly(handle);
		// Seats and ballots count only once their signatures are checked, as on the page.
		await checkSignatures(handle.doc, docId, createVerifier()).catch(() => 0);
		records = readNeedsRecords(handle.doc, now);
	} finally {
		await handle.close();
	}
	const { show, names } = await workerNotices(db, {
		triad: docId,
		me,
		records,
		// As the page's session: a viewer, or a device whose access changed, is asked nothing.
		readOnly: entry.access === 'viewer' || entry.accessChanged,
		now
	});
	// The worker's own notified keys, from before it shared the page's seen set, mean nothing now.
	await db.delete('settings', `push-notified:${docId}`).catch(() => undefined);
	await Promise.all(show.map((notice) => showNotice(sw, notice, names)));
}

function showNotice(sw: ServiceWorkerGlobalScope, notice: Notice, names: NoticeNames) {
	const { title, body, tag, url } = noticeMessage(notice, names);
	return sw.registration.showNotification(title, {
		body,
		tag,
		data: { url },
		icon: '/icons/icon-192.png'
	});
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
