/*
 * Tabs of one browser share the device database, but each keeps its own copy of the directory
 * in memory: a triad joined, created, renamed or removed in one tab would stay missing (or
 * listed) in the others until they reloaded. A change is announced on this channel, and the
 * other tabs read the database again. The message carries nothing: the database is the truth.
 */
const CHANNEL_NAME = 'triad-device-directory';
const CHANGED = 'directory-changed';

/** This tab's link to the other tabs' copies of the device directory. */
export interface DirectoryChannel {
	/** Tells the other tabs that the directory or the identity changed in the database. */
	announce(): void;
	close(): void;
}

/**
 * Calls `onChange` whenever another tab announces a change. Returns null where the browser has
 * no BroadcastChannel (the tabs then see each other's changes on their next start).
 */
export function openDirectoryChannel(onChange: () => void): DirectoryChannel | null {
	if (typeof BroadcastChannel === 'undefined') return null;
	const channel = new BroadcastChannel(CHANNEL_NAME);
	channel.onmessage = (event: MessageEvent) => {
		const data = event.data as { kind?: unknown } | null;
		if (typeof data === 'object' && data !== null && data.kind === CHANGED) onChange();
	};
	return {
		announce: () => channel.postMessage({ kind: CHANGED }),
		close: () => channel.close()
	};
}
