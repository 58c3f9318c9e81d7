import { describe, expect, it } from 'vitest';
import type { SyncStatus } from '$lib/sync/open-workspace';
import { combinedPhase, phaseOf } from './sync-phase';

const base: SyncStatus = {
	connection: 'synced',
	unsyncedLocalChanges: false,
	localLoaded: true,
	storageError: null,
	refusal: null,
	setupError: null
};

describe('phaseOf', () => {
	it.each<[Partial<SyncStatus>, string]>([
		[{}, 'synced'],
		[{ unsyncedLocalChanges: true }, 'syncing'],
		[{ connection: 'syncing' }, 'syncing'],
		[{ connection: 'offline' }, 'offline'],
		[{ connection: 'connecting' }, 'connecting'],
		[{ connection: 'offline', unsyncedLocalChanges: true }, 'unsaved'],
		[
			{ connection: 'offline', unsyncedLocalChanges: true, refusal: { code: 4403, reason: '' } },
			'refused'
		],
		[{ connection: 'offline', refusal: { code: 4401, reason: '' } }, 'refused'],
		[{ connection: 'offline', refusal: { code: 4499, reason: 'unknown' } }, 'refused'],
		[{ connection: 'offline', refusal: { code: 4410, reason: '' } }, 'access-changed'],
		[{ connection: 'offline', refusal: { code: 4405, reason: '' } }, 'read-only'],
		[{ connection: 'offline', setupError: 'not secure' }, 'unavailable'],
		[{ connection: 'offline', unsyncedLocalChanges: true, setupError: 'x' }, 'unavailable']
	])('%o is %s', (changes, phase) => {
		expect(phaseOf({ ...base, ...changes })).toBe(phase);
	});
});

describe('combinedPhase', () => {
	it('shows the phase that most needs attention, and nothing without triads', () => {
		expect(combinedPhase([])).toBeNull();
		expect(combinedPhase(['synced', 'syncing'])).toBe('syncing');
		expect(combinedPhase(['synced', 'unsaved', 'offline'])).toBe('unsaved');
		expect(combinedPhase(['unsaved', 'refused'])).toBe('refused');
		expect(combinedPhase(['synced', 'unavailable'])).toBe('unavailable');
		expect(combinedPhase(['offline', 'access-changed', 'synced'])).toBe('access-changed');
	});
});
