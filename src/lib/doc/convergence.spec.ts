import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { createClock, type HybridClock } from '../domain/hlc';
import { encodeBase64url } from '../protocol/base64url';
import type { AbsenceId, ActionId, BallotId, MemberId, ProposalId } from '../domain/ids';
import {
	ACTION_STATUSES,
	CHOICES,
	ROLES,
	type EpochMs,
	type ProposalStatus
} from '../domain/model';
import { cancelAbsence, declareAbsence, listAbsences } from './absences';
import { createAction, listActions, updateAction } from './actions';
import { castBallot, listBallots } from './ballots';
import { DocError } from './errors';
import { appendLogEntry } from './keeper-log';
import { putMember } from './members';
import { initWorkspace } from './meta';
import { outcomesOf } from './outcome';
import { listProposals, readBodyXml, readProposal } from './proposal-read';
import {
	amendProposal,
	createProposal,
	openProposal,
	proposalBody,
	setLensNote,
	setProposalTitle,
	withdrawProposal
} from './proposals';
import { claimSeat, releaseSeat } from './seats';
import { publishKeyIn, readSigningKeys } from './signing-keys';
import { SimulatedNetwork } from './testing/network';
import { readWorkspace } from './workspace';

/**
 * Three replicas, named for the seat their member starts in, make random edits while a lossy
 * network reorders, duplicates, withholds and partitions their updates. After the network heals
 * they must hold the same workspace, the same bodies and the same outcomes, with no ballot lost.
 */

const RUNS = Number(process.env.CONVERGENCE_RUNS ?? 500);
/** A guard against a hung run, not a performance check: a run takes a few tens of milliseconds. */
const RUN_BUDGET_MS = Math.max(120_000, RUNS * 250);
const REPLICAS = ROLES;
const MEMBERS = ['kim', 'ben', 'nia'] as MemberId[];
const T0 = 1_700_000_000_000;
const HOUR = 3_600_000;

/** Nine distinct public keys (any 32 bytes read as one; no signature is checked here). */
const KEYS = Array.from({ length: 9 }, (_, i) => encodeBase64url(new Uint8Array(32).fill(i + 1)));

const replica = fc.nat(2);
const pick = fc.nat(50);
const text = fc.string({ unit: 'grapheme', maxLength: 6 });
const hold = fc.nat(9).map((n) => n === 0);

const opArbitrary = fc.oneof(
	{
		weight: 3,
		arbitrary: fc.record({
			kind: fc.constant('create' as const),
			by: replica,
			paragraphs: fc.array(text, { maxLength: 3 }),
			hold
		})
	},
	{
		weight: 2,
		arbitrary: fc.record({ kind: fc.constant('title' as const), by: replica, pick, text })
	},
	{
		weight: 3,
		arbitrary: fc.record({
			kind: fc.constant('body' as const),
			by: replica,
			pick,
			at: fc.nat(40),
			remove: fc.nat(3),
			text
		})
	},
	{
		weight: 2,
		arbitrary: fc.record({ kind: fc.constant('lens' as const), by: replica, pick, text })
	},
	{
		weight: 3,
		arbitrary: fc.record({
			kind: fc.constant('open' as const),
			by: replica,
			pick,
			deadlineHours: fc.option(fc.integer({ min: 1, max: 48 }))
		})
	},
	{ weight: 1, arbitrary: fc.record({ kind: fc.constant('amend' as const), by: replica, pick }) },
	{
		weight: 1,
		arbitrary: fc.record({ kind: fc.constant('withdraw' as const), by: replica, pick })
	},
	{
		weight: 14,
		arbitrary: fc.record({
			kind: fc.constant('ballot' as const),
			by: replica,
			pick,
			choice: fc.constantFrom(...CHOICES),
			reason: text,
			proxyFor: fc.oneof(
				{ weight: 4, arbitrary: fc.constant(null) },
				{ weight: 1, arbitrary: replica }
			),
			hold
		})
	},
	{
		weight: 1,
		arbitrary: fc.record({
			kind: fc.constant('seat' as const),
			by: replica,
			seat: replica,
			release: fc.boolean()
		})
	},
	{
		weight: 1,
		arbitrary: fc.record({
			kind: fc.constant('absence' as const),
			by: replica,
			cover: replica,
			startHours: fc.integer({ min: -2, max: 2 }),
			hours: fc.integer({ min: 1, max: 72 })
		})
	},
	{ weight: 1, arbitrary: fc.record({ kind: fc.constant('cancel' as const), by: replica, pick }) },
	{ weight: 1, arbitrary: fc.record({ kind: fc.constant('log' as const), by: replica, text }) },
	{
		weight: 1,
		arbitrary: fc.record({ kind: fc.constant('action' as const), by: replica, pick, text })
	},
	{
		weight: 1,
		arbitrary: fc.record({
			kind: fc.constant('actionUpdate' as const),
			by: replica,
			pick,
			status: fc.constantFrom(...ACTION_STATUSES),
			text
		})
	},
	{
		weight: 6,
		arbitrary: fc.record({
			kind: fc.constant('deliver' as const),
			from: replica,
			to: replica,
			pick: fc.nat(200)
		})
	},
	{
		weight: 2,
		arbitrary: fc.record({ kind: fc.constant('diff' as const), from: replica, to: replica })
	},
	{
		weight: 1,
		arbitrary: fc.record({ kind: fc.constant('partition' as const), from: replica, to: replica })
	},
	{
		// A signing key published for a member, by their own replica or another one's (someone
		// racing to publish a key in their name): the first one in the key log stands everywhere.
		weight: 1,
		arbitrary: fc.record({
			kind: fc.constant('key' as const),
			by: replica,
			member: replica,
			key: fc.nat(2),
			hold
		})
	},
	{
		weight: 1,
		arbitrary: fc.record({
			kind: fc.constant('tick' as const),
			by: replica,
			minutes: fc.integer({ min: 1, max: 600 })
		})
	}
);

type Op = typeof opArbitrary extends fc.Arbitrary<infer T> ? T : never;

const WANTED_STATUS: Partial<Record<Op['kind'], ProposalStatus>> = {
	open: 'draft',
	amend: 'open',
	ballot: 'open',
	withdraw: 'draft'
};

interface Replica {
	doc: Y.Doc;
	clock: HybridClock;
	member: MemberId;
	deviceTime: EpochMs;
}

class Triad {
	readonly replicas: Replica[];
	readonly network: SimulatedNetwork;
	readonly ballotsCast: BallotId[] = [];
	private nextId = 0;

	constructor() {
		this.replicas = REPLICAS.map((name, index) => {
			const doc = new Y.Doc();
			// Fixed client ids make a failing run replay identically from its fast-check seed.
			doc.clientID = index + 1;
			const state: Replica = {
				doc,
				clock: createClock(name, () => state.deviceTime),
				member: MEMBERS[index]!,
				deviceTime: T0
			};
			return state;
		});
		this.network = new SimulatedNetwork(this.replicas.map((r) => r.doc));
		// The keeper founds the triad with a draft and an open proposal, and the others join from
		// that shared start; everything after, including joining and claiming seats, is concurrent.
		const keeper = this.replicas[0]!;
		initWorkspace(keeper.doc, { name: 'Triad', level: 'operational', createdAt: T0 });
		createProposal(keeper.doc, keeper.clock, {
			title: 'Draft',
			createdBy: keeper.member,
			id: this.id('p')
		});
		const open = createProposal(keeper.doc, keeper.clock, {
			title: 'Open',
			createdBy: keeper.member,
			paragraphs: ['Body'],
			id: this.id('p')
		});
		openProposal(keeper.doc, keeper.clock, { proposalId: open, deadline: null, now: T0 });
		this.network.syncDiff(0, 1);
		this.network.syncDiff(0, 2);
		this.replicas.forEach((r, index) => {
			putMember(r.doc, { id: r.member, name: REPLICAS[index]!, joinedAt: T0 + index });
			claimSeat(r.doc, r.clock, { seat: REPLICAS[index]!, member: r.member });
		});
	}

	private id<Id extends string>(prefix: string): Id {
		this.nextId += 1;
		return `${prefix}${this.nextId}` as Id;
	}

	/**
	 * The seat a cover votes for: the absent member's, when this replica's member covers someone
	 * now, as the UI would offer; otherwise the drawn seat, which the decision rule will refuse.
	 */
	private proxySeat(r: Replica, drawn: number): number {
		const covered = listAbsences(r.doc).find(
			(a) => a.cover === r.member && !a.cancelled && a.from <= r.deviceTime && r.deviceTime < a.to
		);
		const index = covered ? MEMBERS.indexOf(covered.member) : -1;
		return index >= 0 ? index : drawn;
	}

	apply(op: Op): void {
		if (op.kind === 'deliver') return this.network.deliverOne(op.from, op.to, op.pick);
		if (op.kind === 'diff') return this.network.syncDiff(op.from, op.to);
		if (op.kind === 'partition') return this.network.togglePartition(op.from, op.to);
		const r = this.replicas[op.by]!;
		r.deviceTime += 1;
		const write = () => this.write(r, op);
		if ('hold' in op && op.hold) this.network.withholding(() => attempt(write));
		else attempt(write);
	}

	private write(r: Replica, op: Exclude<Op, { kind: 'deliver' | 'diff' | 'partition' }>): void {
		const { doc, clock, member } = r;
		const proposals = listProposals(doc);
		// Most picks aim at a proposal in the status the write needs, so most writes land; the
		// rest exercise the refusals (ballot on a draft, amending a withdrawn proposal, …).
		const wanted = WANTED_STATUS[op.kind];
		const fitting =
			wanted && 'pick' in op && op.pick % 4 !== 0
				? proposals.filter((p) => p.status === wanted)
				: proposals;
		const candidates = fitting.length > 0 ? fitting : proposals;
		// Half the ballots go to the oldest open proposal, so that many runs reach a decision.
		const index = op.kind === 'ballot' && op.pick % 2 === 0 ? 0 : 'pick' in op ? op.pick : 0;
		const chosen =
			candidates.length > 0 ? candidates[index % candidates.length]!.id : ('none' as ProposalId);
		switch (op.kind) {
			case 'create':
				createProposal(doc, clock, {
					title: `P ${op.paragraphs.join('')}`,
					createdBy: member,
					paragraphs: op.paragraphs,
					id: this.id('p')
				});
				return;
			case 'title':
				setProposalTitle(doc, { proposalId: chosen, title: `T${op.text}` });
				return;
			case 'body':
				return editBody(doc, chosen, op.at, op.remove, op.text);
			case 'lens':
				setLensNote(doc, { proposalId: chosen, seat: REPLICAS[op.by]!, note: op.text });
				return;
			case 'open':
				openProposal(doc, clock, {
					proposalId: chosen,
					deadline: op.deadlineHours === null ? null : r.deviceTime + op.deadlineHours * HOUR,
					now: r.deviceTime
				});
				return;
			case 'amend':
				amendProposal(doc, clock, { proposalId: chosen, by: member, now: r.deviceTime });
				return;
			case 'withdraw':
				withdrawProposal(doc, { proposalId: chosen, now: r.deviceTime });
				return;
			case 'key':
				doc.transact(() => publishKeyIn(doc, MEMBERS[op.member]!, KEYS[op.by * 3 + op.key]!));
				return;
			case 'ballot': {
				const seatIndex = op.proxyFor === null ? op.by : this.proxySeat(r, op.proxyFor);
				const id = castBallot(doc, clock, {
					proposalId: chosen,
					seat: REPLICAS[seatIndex]!,
					choice: op.choice,
					reason: op.reason,
					castBy: member,
					castFor: MEMBERS[seatIndex],
					revision: readProposal(doc, chosen)?.revision ?? 1,
					deviceTime: r.deviceTime,
					id: this.id('b')
				});
				this.ballotsCast.push(id);
				return;
			}
			case 'seat':
				if (op.release) releaseSeat(doc, clock, { seat: REPLICAS[op.seat]!, member });
				else claimSeat(doc, clock, { seat: REPLICAS[op.seat]!, member });
				return;
			case 'absence':
				declareAbsence(doc, clock, {
					member,
					cover: MEMBERS[op.cover]!,
					from: r.deviceTime + op.startHours * HOUR,
					to: r.deviceTime + (op.startHours + op.hours) * HOUR,
					handover: 'notes',
					id: this.id<AbsenceId>('a')
				});
				return;
			case 'cancel': {
				const own = listAbsences(doc).filter((a) => a.member === member);
				if (own.length > 0) {
					cancelAbsence(doc, {
						absenceId: own[op.pick % own.length]!.id,
						by: member,
						now: r.deviceTime
					});
				}
				return;
			}
			case 'log':
				appendLogEntry(doc, clock, { author: member, text: `L${op.text}`, id: this.id('l') });
				return;
			case 'action':
				createAction(doc, clock, {
					title: `A${op.text}`,
					proposalId: proposals.length > 0 ? chosen : null,
					owner: member,
					id: this.id<ActionId>('x')
				});
				return;
			case 'actionUpdate': {
				const actions = listActions(doc);
				if (actions.length > 0) {
					updateAction(doc, {
						actionId: actions[op.pick % actions.length]!.id,
						status: op.status,
						outcome: op.text
					});
				}
				return;
			}
			case 'tick':
				r.deviceTime += op.minutes * 60_000;
				return;
		}
	}
}

/** What TipTap does to a body: insert and delete text inside paragraphs, add paragraphs. */
function editBody(
	doc: Y.Doc,
	proposalId: ProposalId,
	at: number,
	remove: number,
	inserted: string
): void {
	const body = proposalBody(doc, proposalId);
	doc.transact(() => {
		const paragraphs = body.toArray();
		const target =
			paragraphs.length === 0 || at % 5 === 0 ? null : paragraphs[at % paragraphs.length];
		const content = target instanceof Y.XmlElement ? target.get(0) : null;
		if (!(content instanceof Y.XmlText)) {
			const paragraph = new Y.XmlElement('paragraph');
			body.insert(at % (paragraphs.length + 1), [paragraph]);
			paragraph.insert(0, [new Y.XmlText(inserted)]);
			return;
		}
		const position = at % (content.length + 1);
		content.delete(position, Math.min(remove, content.length - position));
		content.insert(position, inserted);
	}, 'editor');
}

/** Runs a write the way the UI would: a refused write (DocError) is shown, anything else is a bug. */
function attempt(write: () => void): void {
	try {
		write();
	} catch (error) {
		if (!(error instanceof DocError)) throw error;
	}
}

function seededRandom(seed: number): () => number {
	let state = seed >>> 0 || 1;
	return () => {
		state ^= state << 13;
		state ^= state >>> 17;
		state ^= state << 5;
		return (state >>> 0) / 2 ** 32;
	};
}

function fingerprint(doc: Y.Doc, now: EpochMs) {
	const snapshot = readWorkspace(doc);
	return {
		snapshot,
		bodies: snapshot.proposals.map((p) => readBodyXml(doc, p.id)),
		outcomes: [...outcomesOf(doc, now)],
		keys: [...readSigningKeys(doc)].map(([member, key]) => [
			member,
			key.publicKey,
			[...key.vouchedBallots],
			[...key.vouchedSeatEntries]
		])
	};
}

describe('three replicas under a lossy network', () => {
	it(
		`converge to one workspace, bodies and outcomes, losing no ballot (${RUNS} runs)`,
		() => {
			fc.assert(
				fc.property(
					fc.array(opArbitrary, { minLength: 15, maxLength: 40 }),
					fc.nat(),
					(ops, shuffleSeed) => {
						const triad = new Triad();
						for (const op of ops) triad.apply(op);
						triad.network.healAll(seededRandom(shuffleSeed));
						const now = Math.max(...triad.replicas.map((r) => r.deviceTime)) + HOUR;
						const [first, ...others] = triad.replicas.map((r) => fingerprint(r.doc, now));
						for (const other of others) expect(other).toEqual(first);
						const everywhere = triad.replicas.map(
							(r) => new Set(listBallots(r.doc).map((b) => b.id))
						);
						for (const ids of everywhere) {
							expect(ids.size).toBe(triad.ballotsCast.length);
							for (const id of triad.ballotsCast) expect(ids.has(id)).toBe(true);
						}
					}
				),
				{ numRuns: RUNS }
			);
		},
		RUN_BUDGET_MS
	);
});
