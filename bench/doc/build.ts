import * as Y from 'yjs';
import {
	InvalidTransitionError,
	readProposal,
	amendProposal,
	appendLogEntry,
	castBallot,
	claimSeat,
	createAction,
	createProposal,
	initWorkspace,
	listProposals,
	openProposal,
	proposalBody,
	putMember,
	setLensNote,
	setProposalTitle,
	type StampSource
} from '../../src/lib/doc';
import { castSignedBallot } from '../../src/lib/doc/ballots';
import { createSigner, generateSigningKey, type RecordSigner } from '../../src/lib/doc/ed25519';
import { writeSignedSeatEntry } from '../../src/lib/doc/seats';
import { createClock } from '../../src/lib/domain/hlc';
import type { MemberId, ProposalId } from '../../src/lib/domain/ids';
import { CHOICES, ROLES, type EpochMs } from '../../src/lib/domain/model';

export const MEMBERS = ['kim', 'ben', 'nia'] as MemberId[];
export const T0: EpochMs = 1_750_000_000_000;

/** Deterministic pseudo-random numbers, so every run builds the same triad. */
export function seeded(seed: number): () => number {
	let state = seed >>> 0 || 1;
	return () => {
		state ^= state << 13;
		state ^= state >>> 17;
		state ^= state << 5;
		return (state >>> 0) / 2 ** 32;
	};
}

const WORDS =
	'the triad agrees to move demo day so that every cohort can present before review and the budget holds'.split(
		' '
	);

function sentence(random: () => number, length: number): string {
	let text = '';
	while (text.length < length) text += `${WORDS[Math.floor(random() * WORDS.length)]} `;
	return text.slice(0, length);
}

function deviceClock(node: string, start: EpochMs): StampSource & { device(): EpochMs } {
	let device = start;
	const clock = createClock(node, () => (device += 7));
	return Object.assign(clock, { device: () => device });
}

type BenchClock = ReturnType<typeof deviceClock>;

/**
 * A triad after a long life: `proposals` proposals of about 2 KB of body text each (four
 * paragraphs), opened for voting, some amended, and `ballots` ballots spread over them, with vote
 * changes and reasons, all written through the doc layer.
 */
export function buildTriad(proposals: number, ballots: number): Y.Doc {
	const doc = new Y.Doc();
	doc.clientID = 1;
	const random = seeded(42);
	const clock = deviceClock('bench', T0);
	initWorkspace(doc, { name: 'Bench triad', level: 'operational', createdAt: T0 });
	MEMBERS.forEach((id, index) => {
		putMember(doc, { id, name: id.toUpperCase(), joinedAt: T0 + index });
		claimSeat(doc, clock, { seat: ROLES[index]!, member: id });
	});
	const ids = draftProposals(doc, clock, random, proposals);
	for (let i = 0; i < ballots; i++) {
		castBallot(doc, clock, nextBallot(doc, clock, random, ids, i));
	}
	return doc;
}

/** The document id signed records of the bench triad are bound to. */
export const SIGNED_SCOPE = 'bench-triad-document0';

/**
 * `buildTriad`'s triad as members of this version write it: every seat claim and ballot signed
 * by its member (Ed25519 through WebCrypto), each member's key published with their first write.
 * Built from the same seed, so it holds the same proposals and votes.
 */
export async function buildSignedTriad(proposals: number, ballots: number): Promise<Y.Doc> {
	const doc = new Y.Doc();
	doc.clientID = 1;
	const random = seeded(42);
	const clock = deviceClock('bench', T0);
	const signers: RecordSigner[] = [];
	for (const id of MEMBERS) signers.push(await createSigner(id, await generateSigningKey()));
	const signing = (index: number) => ({ signer: signers[index]!, scope: SIGNED_SCOPE });
	initWorkspace(doc, { name: 'Bench triad', level: 'operational', createdAt: T0 });
	for (const [index, id] of MEMBERS.entries()) {
		putMember(doc, { id, name: id.toUpperCase(), joinedAt: T0 + index });
		const seat = ROLES[index]!;
		await writeSignedSeatEntry(doc, clock, { seat, member: id, kind: 'claim' }, signing(index));
	}
	const ids = draftProposals(doc, clock, random, proposals);
	for (let i = 0; i < ballots; i++) {
		await castSignedBallot(doc, clock, nextBallot(doc, clock, random, ids, i), signing(i % 3));
	}
	return doc;
}

/** The bench triad's proposals, drafted, opened (half with a deadline) and every tenth amended. */
function draftProposals(
	doc: Y.Doc,
	clock: BenchClock,
	random: () => number,
	count: number
): ProposalId[] {
	const ids: ProposalId[] = [];
	for (let i = 0; i < count; i++) {
		const paragraphs = [0, 1, 2, 3].map(() => sentence(random, 500));
		const proposalId = createProposal(doc, clock, {
			title: `Proposal ${i}: ${sentence(random, 40)}`,
			createdBy: MEMBERS[i % 3]!,
			paragraphs
		});
		setLensNote(doc, { proposalId, seat: ROLES[i % 3]!, note: sentence(random, 80) });
		openProposal(doc, clock, {
			proposalId,
			deadline: i % 2 === 0 ? null : T0 + 30 * 86_400_000,
			now: clock.device()
		});
		if (i % 10 === 0) {
			amendProposal(doc, clock, { proposalId, by: MEMBERS[0]!, now: clock.device() });
		}
		ids.push(proposalId);
	}
	return ids;
}

/** The `i`-th ballot of the bench triad: seats in turn, on a random proposal's current text. */
function nextBallot(
	doc: Y.Doc,
	clock: BenchClock,
	random: () => number,
	ids: readonly ProposalId[],
	i: number
) {
	const seatIndex = i % 3;
	const proposalId = ids[Math.floor(random() * ids.length)]!;
	return {
		proposalId,
		revision: readProposal(doc, proposalId)!.revision,
		seat: ROLES[seatIndex]!,
		choice: CHOICES[Math.floor(random() * CHOICES.length)]!,
		reason: random() < 0.3 ? sentence(random, 60) : '',
		castBy: MEMBERS[seatIndex]!,
		deviceTime: clock.device()
	};
}

/**
 * A week of one member's offline work on a diverged replica: `operations` writes of every kind
 * (ballots, body and title edits, lens notes, log entries, actions, amendments).
 */
export function offlineWeek(doc: Y.Doc, operations: number): void {
	const random = seeded(7);
	const clock = deviceClock('laptop', T0 + 40 * 86_400_000);
	const proposals = listProposals(doc).map((p) => p.id);
	const member = MEMBERS[1]!;
	const any = () => proposals[Math.floor(random() * proposals.length)]!;
	for (let i = 0; i < operations; i++) {
		const kind = i % 8;
		if (kind <= 2) {
			const proposalId = any();
			castBallot(doc, clock, {
				proposalId,
				revision: readProposal(doc, proposalId)!.revision,
				seat: 'bearer',
				choice: CHOICES[Math.floor(random() * 3)]!,
				castBy: member,
				deviceTime: clock.device()
			});
		} else if (kind === 3) {
			const body = proposalBody(doc, any());
			const paragraph = body.get(Math.floor(random() * body.length));
			const text = paragraph instanceof Y.XmlElement ? paragraph.get(0) : null;
			if (text instanceof Y.XmlText) {
				doc.transact(() => {
					text.delete(Math.floor(random() * 100), 5);
					text.insert(Math.floor(random() * 100), sentence(random, 30));
				}, 'editor');
			}
		} else if (kind === 4) {
			setProposalTitle(doc, { proposalId: any(), title: `Renamed: ${sentence(random, 30)}` });
		} else if (kind === 5) {
			setLensNote(doc, { proposalId: any(), seat: 'bearer', note: sentence(random, 80) });
		} else if (kind === 6) {
			appendLogEntry(doc, clock, { author: member, text: sentence(random, 100) });
		} else if (i % 16 === 7) {
			createAction(doc, clock, { title: sentence(random, 30), proposalId: any(), owner: member });
		} else {
			const proposalId = any();
			try {
				amendProposal(doc, clock, { proposalId, by: member, now: clock.device() });
			} catch (error) {
				// A decided proposal refuses amendments, as it would on a member's device; the
				// week still holds the same number of operations.
				if (!(error instanceof InvalidTransitionError)) throw error;
				setLensNote(doc, { proposalId, seat: 'navigator', note: sentence(random, 80) });
			}
		}
	}
}
