import { IDBFactory } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { createDeviceDb } from './device-db';
import {
	createOrganization,
	followFeed,
	getOrgDocument,
	joinOrganizationFromLink,
	listFollowedFeeds,
	listOrganizations,
	organizationLink
} from './organization-directory';
import { viewerInvite } from './access-rotation';
import { createInviteLink } from './invite-link';
import { joinFromInviteLink, listWorkspaces } from './workspace-directory';
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

	it('joins from steward and people links by the join rule, and keeps them out of the triads', async () => {
		const steward = createDeviceDb({ indexedDB: new IDBFactory() });
		const org = await createOrganization(steward, 'Riverside', 1000);
		const origin = 'https://triad.example';
		const stewardLink = await organizationLink(org, 'member', 'Riverside', origin);
		const peopleLink = await organizationLink(org, 'viewer', 'Riverside', origin);
		if (stewardLink === null || peopleLink === null) throw new Error('a steward has both links');
		const readSecret = (await viewerInvite({ ...org, access: 'member' })).secret;
		expect(peopleLink).toContain(readSecret);
		expect(peopleLink).not.toContain(org.secret);

		const person = createDeviceDb({ indexedDB: new IDBFactory() });
		const joined = await joinOrganizationFromLink(person, peopleLink, 2000);
		expect(joined).toMatchObject({
			ok: true,
			change: 'added',
			entry: { docId: org.docId, kind: 'organization', access: 'viewer', secret: readSecret }
		});
		expect(await joinOrganizationFromLink(person, peopleLink)).toMatchObject({ change: 'same' });
		// A triad's join refuses an organization's link: it never lands among the triads.
		expect(await joinFromInviteLink(person, peopleLink)).toMatchObject({
			ok: false,
			error: { problem: 'organization-link' }
		});
		expect(await listWorkspaces(person)).toEqual([]);

		// A steward link upgrades the viewer; a people link then leaves the steward as it is.
		expect(await joinOrganizationFromLink(person, stewardLink)).toMatchObject({
			change: 'upgraded',
			entry: { access: 'member', secret: org.secret, joinedAt: 2000 }
		});
		expect(await joinOrganizationFromLink(person, peopleLink)).toMatchObject({
			change: 'kept',
			entry: { access: 'member' }
		});
		// A viewer holds no secret to hand out links with.
		const viewerEntry = await joinOrganizationFromLink(
			createDeviceDb({ indexedDB: new IDBFactory() }),
			peopleLink
		);
		if (!viewerEntry.ok) throw viewerEntry.error;
		expect(await organizationLink(viewerEntry.entry, 'viewer', 'Riverside', origin)).toBeNull();
	});

	it('refuses triad links, damaged links, and a link over a followed feed', async () => {
		const db = createDeviceDb({ indexedDB: new IDBFactory() });
		const triadLink = createInviteLink(
			{ docId: newDocumentId(), secret: newWorkspaceSecret(), access: 'member', name: 'Ops' },
			'https://x'
		);
		expect(await joinOrganizationFromLink(db, triadLink)).toMatchObject({
			ok: false,
			error: { problem: 'not-an-invite' }
		});
		expect(await joinOrganizationFromLink(db, 'https://x/join#ov1.A')).toMatchObject({
			ok: false,
			error: { problem: 'truncated' }
		});
		const org = await createOrganization(db, 'Org', 1000);
		const feed = {
			docId: newDocumentId(),
			secret: newWorkspaceSecret(),
			name: 'F',
			triad: newDocumentId()
		};
		const followed = await followFeed(db, feed, org.docId);
		const overFeed = createInviteLink(
			{ docId: feed.docId, secret: newWorkspaceSecret(), access: 'member', name: 'F' },
			'https://x',
			'organization'
		);
		expect(await joinOrganizationFromLink(db, overFeed)).toMatchObject({
			ok: true,
			change: 'kept',
			entry: followed
		});
		expect(await listOrganizations(db)).toEqual([org]);
	});
});
