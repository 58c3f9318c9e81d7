import * as Y from 'yjs';
import type { ActionId, MemberId, ProposalId } from '../domain/ids';
import { ACTION_STATUSES, type Action, type ActionStatus, type EpochMs } from '../domain/model';
import { parseHlc } from '../domain/hlc';
import { InvalidInputError, NotFoundError } from './errors';
import { newId } from './new-id';
import { LOCAL_ORIGIN, type StampSource } from './origin';
import { compareStrings, idOr, instantOr, oneOf, textOr } from './parse';
import { actionsMap, proposalsMap } from './schema';
import type { SetAsideTally } from './set-aside';
import {
	NOTE_MAX,
	TITLE_MAX,
	optionalText,
	requireId,
	requireInstant,
	requireOneOf,
	requireText
} from './validate';
import { transactWrite } from './version';

export interface NewAction {
	title: string;
	/** The decision it follows from, if any. */
	proposalId?: ProposalId | null;
	owner?: MemberId | null;
	due?: EpochMs | null;
	id?: ActionId;
}

/** Records an action to follow a decision. Each field is its own key, so edits merge field by field. */
export function createAction(
	doc: Y.Doc,
	clock: StampSource,
	input: NewAction,
	origin: unknown = LOCAL_ORIGIN
): ActionId {
	const title = requireText('title', input.title, TITLE_MAX);
	const proposalId =
		input.proposalId == null ? null : requireId<ProposalId>('proposalId', input.proposalId);
	if (proposalId !== null && !proposalsMap(doc).has(proposalId)) {
		throw new NotFoundError('proposal', proposalId);
	}
	const owner = input.owner == null ? null : requireId<MemberId>('owner', input.owner);
	const due = input.due == null ? null : requireInstant('due', input.due);
	const id = input.id === undefined ? newId<ActionId>() : requireId<ActionId>('id', input.id);
	const actions = actionsMap(doc);
	if (actions.has(id)) throw new InvalidInputError(`an action with id ${id} already exists`);
	transactWrite(
		doc,
		() => {
			const action = new Y.Map<unknown>();
			actions.set(id, action);
			action.set('proposalId', proposalId);
			action.set('title', title);
			action.set('owner', owner);
			action.set('due', due);
			action.set('status', 'todo');
			action.set('outcome', '');
			action.set('createdAt', clock.now());
		},
		origin
	);
	return id;
}

export interface ActionPatch {
	actionId: ActionId;
	title?: string;
	owner?: MemberId | null;
	due?: EpochMs | null;
	status?: ActionStatus;
	outcome?: string;
}

/** Changes some fields of an action; fields left out are untouched. */
export function updateAction(doc: Y.Doc, patch: ActionPatch, origin: unknown = LOCAL_ORIGIN): void {
	const changes: [string, unknown][] = [];
	if (patch.title !== undefined) {
		changes.push(['title', requireText('title', patch.title, TITLE_MAX)]);
	}
	if (patch.owner !== undefined) {
		changes.push([
			'owner',
			patch.owner === null ? null : requireId<MemberId>('owner', patch.owner)
		]);
	}
	if (patch.due !== undefined) {
		changes.push(['due', patch.due === null ? null : requireInstant('due', patch.due)]);
	}
	if (patch.status !== undefined) {
		changes.push(['status', requireOneOf('status', ACTION_STATUSES, patch.status)]);
	}
	if (patch.outcome !== undefined) {
		changes.push(['outcome', optionalText('outcome', patch.outcome, NOTE_MAX)]);
	}
	const action = actionsMap(doc).get(patch.actionId);
	if (!(action instanceof Y.Map)) throw new NotFoundError('action', patch.actionId);
	if (changes.length === 0) return;
	transactWrite(
		doc,
		() => {
			for (const [key, value] of changes) action.set(key, value);
		},
		origin
	);
}

/**
 * Every action, oldest first. An action that is not a map, or whose key is not an id, is set
 * aside (actions name no writer). A due time outside 2000–2200 reads as none; an owner or
 * decision that is not an id reads as none; text longer than a writer stores is cut.
 */
export function listActions(doc: Y.Doc, aside?: SetAsideTally): Action[] {
	const actions: Action[] = [];
	for (const [key, action] of actionsMap(doc).entries()) {
		const id = idOr(key);
		if (!(action instanceof Y.Map) || !id) {
			aside?.add(null);
			continue;
		}
		actions.push({
			id: id as ActionId,
			proposalId: idOr(action.get('proposalId')) as ProposalId | null,
			title: textOr(action.get('title'), TITLE_MAX),
			owner: idOr(action.get('owner')) as MemberId | null,
			due: instantOr(action.get('due'), null),
			status: oneOf(ACTION_STATUSES, action.get('status')) ?? 'todo',
			outcome: textOr(action.get('outcome'), NOTE_MAX),
			createdAt: parseHlc(action.get('createdAt'))
		});
	}
	return actions.sort(
		(a, b) => compareStrings(a.createdAt ?? '', b.createdAt ?? '') || compareStrings(a.id, b.id)
	);
}
