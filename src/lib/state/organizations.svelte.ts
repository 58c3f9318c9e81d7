import type { DocumentId } from '$lib/domain/ids';
import type { Level } from '$lib/domain/model';
import type { UnitId } from '$lib/domain/organization';
import { feedIdFor, feedReadSecretFor, feedSecretFor } from '$lib/sync/feed-capability';
import { openWorkspace, relayUrlFor } from '$lib/sync/open-workspace';
import {
	createOrganization,
	followFeed,
	joinOrganizationFromLink,
	listFollowedFeeds,
	listOrganizations,
	organizationLink,
	type OrganizationJoinResult,
	type OrgDocumentEntry
} from '$lib/sync/organization-directory';
import type { WorkspaceEntry } from '$lib/sync/workspace-directory';
import type { WorkspaceSecret } from '$lib/sync/workspace-secret';
import { device } from './device.svelte';
import { deviceClock } from './device-clock';
import { FeedSession } from './feed-session.svelte';
import { openTriads } from './open-triads.svelte';
import { OrganizationSession } from './organization-session.svelte';

/** What someone tells about a triad they create in an organization. */
export interface NewTriadInOrganization {
	name: string;
	purpose: string;
	level: Level;
	unit: UnitId | null;
	reportsTo: DocumentId | null;
}

/**
 * The organizations and feeds this device holds, and the ones open on this page. Each document
 * opens once through the same machinery as a triad (`openWorkspace`: local copy, relay, tabs)
 * and stays open while the app runs.
 */
export class Organizations {
	#entries = $state<OrgDocumentEntry[]>([]);
	#followed = $state<OrgDocumentEntry[]>([]);
	#loaded = $state(false);
	// Plain maps: screens open sessions while deriving what they show, where changing reactive
	// state is not allowed; each session's own views are what screens react to.
	// eslint-disable-next-line svelte/prefer-svelte-reactivity
	#sessions = new Map<DocumentId, OrganizationSession>();
	// eslint-disable-next-line svelte/prefer-svelte-reactivity
	#feeds = new Map<DocumentId, FeedSession>();

	/** The organizations this device holds, most recently opened first. */
	get entries(): OrgDocumentEntry[] {
		return this.#entries;
	}

	/** The feeds this device follows with a read secret. */
	get followed(): OrgDocumentEntry[] {
		return this.#followed;
	}

	get loaded(): boolean {
		return this.#loaded;
	}

	/** Reads the directory again (after a change here or in another tab). */
	async load(): Promise<void> {
		await device.load();
		const [entries, followed] = await device.change((db) =>
			Promise.all([listOrganizations(db), listFollowedFeeds(db)])
		);
		this.#entries = entries;
		this.#followed = followed;
		this.#loaded = true;
	}

	/** Creates an organization offline, this device a steward, and writes its identity. */
	async create(input: { name: string; purpose: string; culture: string }): Promise<DocumentId> {
		const entry = await device.change((db) => createOrganization(db, input.name));
		const session = this.open(entry);
		await session.whenLocalLoaded.catch(() => undefined);
		session.create(input);
		await this.load();
		return entry.docId;
	}

	/**
	 * Joins the organization of a steward or people link on this device (see
	 * `joinOrganizationFromLink` for the rule), then reads the directory again. An organization
	 * open on this page with other access is closed, so that it reopens with what was joined.
	 */
	async join(link: string): Promise<OrganizationJoinResult> {
		await device.load();
		const result = await device.change((db) => joinOrganizationFromLink(db, link));
		if (result.ok && (result.change === 'upgraded' || result.change === 'replaced')) {
			const open = this.#sessions.get(result.entry.docId);
			this.#sessions.delete(result.entry.docId);
			await open?.close();
		}
		await this.load();
		return result;
	}

	/** The steward link or people link of an organization this device stewards, else null. */
	link(entry: OrgDocumentEntry, access: 'member' | 'viewer', name: string): Promise<string | null> {
		return organizationLink(entry, access, name, location.origin);
	}

	/** The session of an organization this device holds, opened on first use. */
	open(entry: OrgDocumentEntry): OrganizationSession {
		let session = this.#sessions.get(entry.docId);
		if (!session) {
			session = new OrganizationSession(
				this.#handle(entry.docId, entry.secret, entry.access),
				deviceClock
			);
			this.#sessions.set(entry.docId, session);
		}
		return session;
	}

	#handle(docId: DocumentId, secret: WorkspaceSecret, access: 'member' | 'viewer') {
		const identity = device.identity;
		if (!identity) throw new Error('Choose a display name first.');
		return openWorkspace({ docId, secret, access, identity, relayUrl: relayUrlFor(location) });
	}

	/**
	 * The feed of a triad, opened once per page: as a member when this device holds the triad as
	 * a member (the secret is derived from the triad's), else as a viewer when it follows it, else
	 * null (this device cannot read it).
	 */
	async feedOf(triad: DocumentId): Promise<FeedSession | null> {
		const feedId = await feedIdFor(triad);
		const open = this.#feeds.get(feedId);
		if (open) return open;
		const own = device.workspaces.find((w) => w.docId === triad && w.access === 'member');
		let session: FeedSession | null = null;
		if (own) {
			session = new FeedSession(this.#handle(feedId, await feedSecretFor(own.secret), 'member'));
		} else {
			const followed = this.#followed.find((f) => f.docId === feedId);
			if (followed) session = new FeedSession(this.#handle(feedId, followed.secret, 'viewer'));
		}
		if (session === null) return null;
		// Another call opened it while this one derived the secret: keep that one.
		const opened = this.#feeds.get(feedId);
		if (opened) {
			void session.close();
			return opened;
		}
		this.#feeds.set(feedId, session);
		return session;
	}

	/**
	 * "New triad in this unit": creates the triad offline (this device a member), registers it in
	 * the organization with its level, unit and the strategic triad it reports to, and stamps its
	 * feed. An operational triad's feed is followed on this device with its read secret, so the
	 * strategic triad's screen here shows what it publishes. Returns the triad's directory entry.
	 */
	async createTriad(
		organization: OrganizationSession,
		input: NewTriadInOrganization
	): Promise<WorkspaceEntry> {
		const identity = device.identity;
		if (!identity) throw new Error('Choose a display name first.');
		if (!organization.writable) {
			throw new Error('Only stewards (members of strategic triads) add triads to the register.');
		}
		const unitName = organization.units.find((u) => u.id === input.unit)?.name ?? '';
		const entry = await device.createTriad(input.name);
		const triad = await openTriads.open(entry, identity);
		await triad.whenLocalLoaded.catch(() => undefined);
		triad.initialize({
			name: input.name,
			purpose: input.purpose,
			level: input.level,
			unit: unitName
		});
		organization.registerTriad({
			id: entry.docId,
			name: input.name,
			unit: input.unit,
			level: input.level,
			reportsTo: input.level === 'operational' ? input.reportsTo : null,
			feed: await feedIdFor(entry.docId)
		});
		await this.#setUpFeed(organization, entry, input.name, input.level, input.reportsTo);
		return entry;
	}

	/**
	 * Attaches a triad this device holds as a member, created before it joined the organization,
	 * to the register: its name and level as the triad says, in `unit`, reporting to `reportsTo`.
	 */
	async attachTriad(
		organization: OrganizationSession,
		entry: WorkspaceEntry,
		place: { unit: UnitId | null; reportsTo: DocumentId | null }
	): Promise<void> {
		const identity = device.identity;
		if (!identity) throw new Error('Choose a display name first.');
		if (!organization.writable) {
			throw new Error('Only stewards (members of strategic triads) add triads to the register.');
		}
		if (entry.access !== 'member') {
			throw new Error('Only a member of a triad attaches it; this device follows it.');
		}
		const triad = await openTriads.open(entry, identity);
		await triad.whenLocalLoaded.catch(() => undefined);
		const meta = triad.meta;
		if (meta === null) throw new Error('This triad has not reached this device yet.');
		const reportsTo = meta.level === 'operational' ? place.reportsTo : null;
		organization.registerTriad({
			id: entry.docId,
			name: meta.name,
			unit: place.unit,
			level: meta.level,
			reportsTo,
			feed: await feedIdFor(entry.docId)
		});
		await this.#setUpFeed(organization, entry, meta.name, meta.level, reportsTo);
	}

	/** Stamps a triad's feed, and follows it on this device when it reports to a strategic triad. */
	async #setUpFeed(
		organization: OrganizationSession,
		entry: WorkspaceEntry,
		name: string,
		level: Level,
		reportsTo: DocumentId | null
	): Promise<void> {
		const feed = await feedIdFor(entry.docId);
		const feedSession = await this.feedOf(entry.docId);
		await feedSession?.whenLocalLoaded.catch(() => undefined);
		feedSession?.ensureCreated(entry.docId);
		if (level === 'operational' && reportsTo !== null) {
			const secret = await feedReadSecretFor(entry.secret);
			await device.change((db) =>
				followFeed(db, { docId: feed, secret, name, triad: entry.docId }, organization.docId)
			);
			await this.load();
		}
	}
}

/** The page's one registry of organizations. */
export const organizations = new Organizations();
