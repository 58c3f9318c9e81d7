import type { SyncStatus, WorkspaceHandle } from '../open-workspace';

/** Resolves with the first status of `handle` that satisfies `check`, the current one included. */
export function untilStatus(
	handle: WorkspaceHandle,
	check: (status: SyncStatus) => boolean
): Promise<SyncStatus> {
	return new Promise((resolve) => {
		if (check(handle.status)) return resolve(handle.status);
		const stop = handle.onStatus((status) => {
			if (!check(status)) return;
			stop();
			resolve(status);
		});
	});
}
