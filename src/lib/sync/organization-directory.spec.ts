import { IDBFactory } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { createDeviceDb } from './device-db';
import {
	createOrganization,
	followFeed,
	getOrgDocument,
	listFollowedFeeds,
	listOrganizations
} from './organization-directory';
import { listWorkspaces } from './workspace-directory';
import { newDocumentId, newWorkspaceSecret } from './workspace-secret';

describe('the organization directory', () => {
	it('creates an organization offline, this device a steward, apart from the triads', async () => {
		const db = createDeviceDb({ indexedDB: new IDBFactory() });
		const entry = await createOrganization(db, '  Riverside  ', 1000);
		expect(entry).toMatchObject({ kind: 'organization', access: 'member', name: 'Riverside' });
		expect(await getOrgDocument(db, entry.docId)).toEqual(entry);
		expect(await listOrganizations(db)).toEqual([entry]);
		expect(await listWorkspaces(db)).toEqual([]);
		await expect(createOrganization(db, '   ')).rejects.toThrow(RangeError);
	});

	it('follows a feed once, as a viewer, and leaves unreadable records out', async () => {
		const db = createDeviceDb({ indexedDB: new IDBFactory() });
		const org = await createOrganization(db, 'Org', 1000);
		const feed = {
			docId: newDocumentId(),
			secret: newWorkspaceSecret(),
			name: 'Year 1',
			triad: newDocumentId()
		};
		const followed = await followFeed(db, feed, org.docId, 2000);
		expect(followed).toMatchObject({ kind: 'feed', access: 'viewer', organization: org.docId });
		expect(await followFeed(db, { ...feed, secret: newWorkspaceSecret() }, org.docId)).toEqual(
			followed
		);
		await db.put('organizations', { docId: newDocumentId(), kind: 'feed', secret: 'nope' });
		await db.put('organizations', { docId: newDocumentId(), kind: 'party', name: 'x' });
		expect(await listFollowedFeeds(db)).toEqual([followed]);
		expect(await listOrganizations(db)).toEqual([org]);
	});
});
