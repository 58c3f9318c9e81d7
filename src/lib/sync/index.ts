/**
 * The sync layer: opening workspaces (local persistence, relay connection, presence, status),
 * the device's identity and directory, and the invite capability.
 */
export { openWorkspace, relayUrlFor } from './open-workspace';
export type { OpenWorkspaceOptions, SyncStatus, WorkspaceHandle } from './open-workspace';
export type {
	ConnectionState,
	RelayRefusal,
	RelayTransport,
	RelayTransportFactory
} from './relay-transport';
export type { LocalStore, LocalStoreFactory } from './local-store';
export { createIndexedDbLocalStore } from './indexeddb-local-store';
export { deleteLocalCopy, workspaceDatabaseName } from './local-copy';
export type { DeleteLocalCopyOptions } from './local-copy';
export { createWebsocketTransport } from './websocket-transport';
export type { WebsocketTransportOptions } from './websocket-transport';
export { StorageError } from './storage-error';
export type { StorageErrorKind } from './storage-error';
export { requestPersistentStorage } from './persistent-storage';
export type { PersistenceResult } from './persistent-storage';
export { createDeviceDb } from './device-db';
export type { DeviceDb, DeviceDbOptions } from './device-db';
export { loadIdentity, saveIdentity, renameIdentity, MAX_DISPLAY_NAME_LENGTH } from './identity';
export type { Identity } from './identity';
export {
	listWorkspaces,
	getWorkspace,
	addWorkspace,
	removeWorkspace,
	touchWorkspace,
	createWorkspace,
	joinChange,
	joinFromInviteLink,
	markAccessChanged,
	requestRotation
} from './workspace-directory';
export type {
	WorkspaceEntry,
	JoinChange,
	JoinResult,
	PendingRotation
} from './workspace-directory';
export { rotateWorkspaceAccess, viewerInvite } from './access-rotation';
export type { RotationOutcome } from './access-rotation';
export { runPendingRotation } from './pending-rotation';
export type { RotationRun } from './pending-rotation';
export {
	createInviteLink,
	parseInviteLink,
	isUsableWorkspaceName,
	InviteLinkError,
	MAX_INVITE_NAME_LENGTH
} from './invite-link';
export type { Invite, InviteLinkProblem, InviteParseResult } from './invite-link';
export { relayCredentials } from './relay-token';
export type { AccessLevel, RelayCredentials } from './relay-token';
export {
	newDocumentId,
	newMemberId,
	newWorkspaceSecret,
	parseWorkspaceSecret
} from './workspace-secret';
export type { WorkspaceSecret } from './workspace-secret';
export { memberColor } from './presence';
export type { Peer, PresenceState } from './presence';
