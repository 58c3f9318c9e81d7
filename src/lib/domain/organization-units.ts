import type { Unit, UnitId, UnitRecord } from './organization';

/**
 * The unit tree from the stored units, whatever concurrent moves did to them. Each unit stores one
 * parent edge, last writer wins, so two devices that each move a unit under the other offline
 * (A under B here, B under A there) merge into a cycle, and a device that deletes a unit another
 * one just moved something under leaves an orphan. The rule, the same on every device:
 *
 * - a parent that is not a unit of the organization (deleted, never synced, or the unit itself)
 *   is not followed: the unit sits directly under the organization (`missing-parent`);
 * - in every cycle that remains, the edge written last (latest `parentAt`, then the greatest unit
 *   id; an edge without a stamp counts as the latest) is not followed, and its unit sits
 *   directly under the organization (`cycle`). Every unit has one parent edge, so cycles are
 *   disjoint and the edges removed do not depend on the order in which they are found.
 *
 * The move that made the cycle is the one undone, which is what its author would expect once
 * they see the other device's move. Units come back in tree order (depth first, siblings by
 * name then id), each once.
 */
export function resolveUnitTree(records: readonly UnitRecord[]): Unit[] {
	const byId = new Map<UnitId, UnitRecord>();
	for (const record of records) if (!byId.has(record.id)) byId.set(record.id, record);

	const parent = new Map<UnitId, UnitId | null>();
	const detached = new Map<UnitId, Unit['detached']>();
	for (const record of byId.values()) {
		const target = record.parent;
		if (target !== null && (target === record.id || !byId.has(target))) {
			parent.set(record.id, null);
			detached.set(record.id, 'missing-parent');
		} else {
			parent.set(record.id, target);
		}
	}

	// Walk each chain once; a unit met again on the current walk closes a cycle.
	const state = new Map<UnitId, 'walking' | 'done'>();
	for (const start of byId.keys()) {
		if (state.has(start)) continue;
		const path: UnitId[] = [];
		let at: UnitId | null = start;
		while (at !== null && !state.has(at)) {
			state.set(at, 'walking');
			path.push(at);
			at = parent.get(at) ?? null;
		}
		if (at !== null && state.get(at) === 'walking') {
			const cycle = path.slice(path.indexOf(at));
			const cut = latestEdge(cycle.map((id) => byId.get(id)!));
			parent.set(cut, null);
			detached.set(cut, 'cycle');
		}
		for (const id of path) state.set(id, 'done');
	}

	const children = new Map<UnitId | null, UnitRecord[]>();
	for (const record of byId.values()) {
		const key = parent.get(record.id) ?? null;
		const list = children.get(key);
		if (list) list.push(record);
		else children.set(key, [record]);
	}
	for (const list of children.values()) list.sort(bySiblingOrder);

	const tree: Unit[] = [];
	const visit = (id: UnitId | null, depth: number) => {
		for (const record of children.get(id) ?? []) {
			tree.push({
				id: record.id,
				name: record.name,
				kind: record.kind,
				parent: parent.get(record.id) ?? null,
				parentAt: record.parentAt,
				createdAt: record.createdAt,
				detached: detached.get(record.id) ?? null,
				depth
			});
			visit(record.id, depth + 1);
		}
	};
	visit(null, 0);
	return tree;
}

/** The unit of the cycle whose parent edge was written last. */
function latestEdge(cycle: readonly UnitRecord[]): UnitId {
	let latest = cycle[0]!;
	for (const record of cycle.slice(1)) if (isLaterEdge(record, latest)) latest = record;
	return latest.id;
}

function isLaterEdge(a: UnitRecord, b: UnitRecord): boolean {
	if (a.parentAt !== b.parentAt) {
		if (a.parentAt === null) return true;
		if (b.parentAt === null) return false;
		return a.parentAt > b.parentAt;
	}
	return a.id > b.id;
}

function bySiblingOrder(a: UnitRecord, b: UnitRecord): number {
	if (a.name !== b.name) return a.name < b.name ? -1 : 1;
	return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/**
 * Whether setting `unit`'s parent to `parent` would close a cycle in the tree as it stands: the
 * writers refuse such a move (concurrent moves can still make one, which `resolveUnitTree`
 * breaks).
 */
export function wouldCycle(tree: readonly Unit[], unit: UnitId, parent: UnitId | null): boolean {
	const parentOf = new Map(tree.map((u) => [u.id, u.parent] as const));
	for (let at: UnitId | null = parent; at !== null; at = parentOf.get(at) ?? null) {
		if (at === unit) return true;
	}
	return false;
}

/** `unit` and every unit under it, in tree order. */
export function unitAndDescendants(tree: readonly Unit[], unit: UnitId): UnitId[] {
	const inside = new Set<UnitId>([unit]);
	for (const u of tree) if (u.parent !== null && inside.has(u.parent)) inside.add(u.id);
	return tree.filter((u) => inside.has(u.id)).map((u) => u.id);
}
