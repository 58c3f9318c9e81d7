import { createSubscriber } from 'svelte/reactivity';
import type { HybridClock } from '$lib/domain/hlc';
import type { DocumentId } from '$lib/domain/ids';
import type { Level } from '$lib/domain/model';
import type {
	OrganizationIdentity,
	RegisteredTriad,
	Resource,
	Unit,
	UnitId,
	UnitKind
} from '$lib/domain/organization';
import type { BodyBlock } from '$lib/doc/body-read';
import {
	addResource,
	addUnit,
	initOrganization,
	latestOrganizationStamp,
	listRegister,
	listResources,
	moveUnit,
	observeOrganization,
	readCulture,
	readOrganization,
	readUnitTree,
	registerTriad,
	setCulture
} from '$lib/doc/organization';
import type { SyncStatus, WorkspaceHandle } from '$lib/sync/open-workspace';
import type { AccessLevel } from '$lib/sync/relay-token';
import { phaseOf, type SyncPhase } from './sync-phase';

/** A write attempted on an organization this device may only read. */
export class OrganizationReadOnlyError extends Error {
	constructor() {
		super(
			'You have view-only access to this organization: stewards (members of strategic triads) change it.'
		);
		this.name = 'OrganizationReadOnlyError';
	}
}

/** A write attempted before the organization's on-device copy was loaded. */
export class OrganizationNotLoadedError extends Error {
	constructor() {
		super('This organization is still loading on this device; try again in a moment.');
		this.name = 'OrganizationNotLoadedError';
	}
}

/**
 * One open organization document, as reactive views (identity, culture, units as a tree,
 * resources, the register) and the writes a steward makes. Views listen to Yjs only while read
 * (`createSubscriber`); a viewer's writes are refused here, before they reach the document.
 */
export class OrganizationSession {
	readonly #handle: WorkspaceHandle;
	readonly #clock: HybridClock;
	readonly #trackDoc = createSubscriber((update) => observeOrganization(this.#handle.doc, update));
	readonly #trackStatus = createSubscriber((update) => this.#handle.onStatus(update));

	constructor(handle: WorkspaceHandle, clock: HybridClock) {
		this.#handle = handle;
		this.#clock = clock;
	}

	get docId(): DocumentId {
		return this.#handle.docId;
	}

	get access(): AccessLevel {
		return this.#handle.access;
	}

	/** True when this device is a steward here and may change the organization. */
	get writable(): boolean {
		return this.access === 'member' && this.status.localLoaded;
	}

	get status(): SyncStatus {
		this.#trackStatus();
		return this.#handle.status;
	}

	get phase(): SyncPhase {
		return phaseOf(this.status);
	}

	get whenLocalLoaded(): Promise<void> {
		return this.#handle.whenLocalLoaded;
	}

	/** The identity, or null while the document has not arrived yet. */
	get identity(): OrganizationIdentity | null {
		this.#trackDoc();
		return readOrganization(this.#handle.doc);
	}

	get culture(): BodyBlock[] {
		this.#trackDoc();
		return readCulture(this.#handle.doc);
	}

	/** The units in tree order (no cycle, no orphan: see `resolveUnitTree`). */
	get units(): Unit[] {
		this.#trackDoc();
		return readUnitTree(this.#handle.doc);
	}

	get resources(): Resource[] {
		this.#trackDoc();
		return listResources(this.#handle.doc);
	}

	get register(): RegisteredTriad[] {
		this.#trackDoc();
		return listRegister(this.#handle.doc);
	}

	get #writableDoc() {
		if (this.access !== 'member') throw new OrganizationReadOnlyError();
		if (!this.#handle.status.localLoaded) throw new OrganizationNotLoadedError();
		return this.#handle.doc;
	}

	/** The clock, caught up with the organization's stamps, so a move orders after those seen. */
	get #stamps(): HybridClock {
		const latest = latestOrganizationStamp(this.#handle.doc);
		if (latest !== null) this.#clock.receive(latest);
		return this.#clock;
	}

	/** Writes the identity of an organization this device just created. */
	create(input: { name: string; purpose: string; culture: string }): void {
		initOrganization(this.#writableDoc, { ...input, createdAt: Date.now() });
	}

	addUnit(input: { name: string; kind: UnitKind; parent: UnitId | null }): UnitId {
		const doc = this.#writableDoc;
		return addUnit(doc, this.#stamps, input);
	}

	moveUnit(unit: UnitId, parent: UnitId | null): void {
		const doc = this.#writableDoc;
		moveUnit(doc, this.#stamps, unit, parent);
	}

	addResource(input: { title: string; detail: string; holder: string }): void {
		const doc = this.#writableDoc;
		addResource(doc, this.#stamps, input);
	}

	setCulture(text: string): void {
		setCulture(this.#writableDoc, text);
	}

	registerTriad(input: {
		id: DocumentId;
		name: string;
		unit: UnitId | null;
		level: Level;
		reportsTo: DocumentId | null;
		feed: DocumentId;
	}): void {
		const doc = this.#writableDoc;
		registerTriad(doc, this.#stamps, input);
	}

	close(): Promise<void> {
		return this.#handle.close();
	}
}
