import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type { DocumentId, MemberId, ProposalId } from '../domain/ids';
import { ROLES } from '../domain/model';
import type { EscalationId, FeedEntry, FeedEntryId } from '../domain/organization';
import { decisionEntryId, escalationStates } from '../domain/organization-feed';
import { createAction } from './actions';
import { castBallot } from './ballots';
import { WorkspaceStateError } from './errors';
import {
	answerEscalation,
	appendFeedEntries,
	initFeed,
	raiseEscalation,
	readFeed,
	readFeedTriad,
	readPublishing,
	setPublishing
} from './feed';
import { previewPublication, publishToFeed } from './feed-publication';
import { feedEntries, feedMeta } from './organization-schema';
import { createProposal, openProposal } from './proposals';
import { claimSeat } from './seats';
import { newBallot } from './testing/new-ballot';
import { stepClock } from './testing/step-clock';

const MEMBERS = ['kim', 'ben', 'nia'] as MemberId[];
const NOW = 1_700_000_000_000;
const HOUR = 3_600_000;
const TRIAD = 'opsopsopsopsopsopsops0' as DocumentId;
const STRATEGY = 'stratstratstratstrat00' as DocumentId;
const FEED = 'feedofeedofeedofeedo00' as DocumentId;

function feed(triad = TRIAD) {
	const doc = new Y.Doc();
	initFeed(doc, triad);
	return doc;
}

/** A triad with all seats held: one consensus, one majority with a reason, one still open. */
function triad() {
	const doc = new Y.Doc();
	const clock = stepClock('a');
	ROLES.forEach((seat, i) => claimSeat(doc, clock, { seat, member: MEMBERS[i]! }));
	const propose = (title: string) => {
		const id = createProposal(doc, clock, { title, createdBy: MEMBERS[0]! });
		openProposal(doc, clock, { proposalId: id, deadline: null, now: NOW });
		return id;
	};
	const agreed = propose('Open on Saturdays');
	const split = propose('New reading scheme');
	const open = propose('Move the library');
	ROLES.forEach((seat, i) => castBallot(doc, clock, newBallot(agreed, seat, 'agree', MEMBERS[i]!)));
	castBallot(doc, clock, newBallot(split, 'keeper', 'agree', MEMBERS[0]!));
	castBallot(doc, clock, newBallot(split, 'bearer', 'agree', MEMBERS[1]!));
	castBallot(
		doc,
		clock,
		newBallot(split, 'navigator', 'disagree', MEMBERS[2]!, {
			reason: 'Too early for the cohort\nand a second line that stays inside'
		})
	);
	castBallot(doc, clock, newBallot(open, 'keeper', 'agree', MEMBERS[0]!));
	return { doc, clock, agreed, split, open };
}

describe('the feed document', () => {
	it('is stamped with its triad and refuses writes before that or from a newer schema', () => {
		const doc = new Y.Doc();
		expect(readFeedTriad(doc)).toBeNull();
		expect(() => appendFeedEntries(doc, [])).toThrow(WorkspaceStateError);
		initFeed(doc, TRIAD);
		expect(readFeedTriad(doc)).toBe(TRIAD);
		expect(() => initFeed(doc, TRIAD)).toThrow(/already exists/);
		expect(() => initFeed(new Y.Doc(), 'x' as DocumentId)).toThrow(/document id/);
		feedMeta(doc).set('schemaVersion', 2);
		expect(() => appendFeedEntries(doc, [])).toThrow(/newer version/);
	});

	it('refuses entries readers would not read back as written, appending none of the batch', () => {
		const doc = feed();
		const good: FeedEntry = {
			kind: 'health',
			id: 'h1' as FeedEntryId,
			seatsFilled: 2,
			consensusShare: 0.5,
			coversActive: 0,
			actionsOverdue: 1,
			at: NOW
		};
		const bad = [
			{ ...good, seatsFilled: 4 },
			{ ...good, at: 12 },
			{ ...good, id: '' },
			{
				kind: 'decision',
				id: 'd',
				proposalId: 'p',
				title: 't',
				outcome: 'open',
				balanceBroken: false,
				dissent: '',
				decidedAt: NOW
			},
			{ kind: 'gossip', id: 'g' }
		] as FeedEntry[];
		for (const entry of bad) {
			expect(() => appendFeedEntries(doc, [good, entry])).toThrow(/not a valid/);
		}
		expect(feedEntries(doc).length).toBe(0);
		appendFeedEntries(doc, [good]);
		expect(readFeed(doc).records).toEqual([good]);
	});
});

describe('the opt-in', () => {
	it('is off until a member turns it on, and reads anything but true as off', () => {
		const doc = feed();
		expect(readPublishing(doc)).toBe(false);
		setPublishing(doc, true);
		expect(readPublishing(doc)).toBe(true);
		feedMeta(doc).set('publishing', 'yes');
		expect(readPublishing(doc)).toBe(false);
		expect(() => setPublishing(doc, 'on' as unknown as boolean)).toThrow(/true or false/);
		expect(() => setPublishing(new Y.Doc(), true)).toThrow(WorkspaceStateError);
	});
});

describe('publication', () => {
	it('previews exactly the decided proposals and the health, without ballots or names', () => {
		const { doc, clock, agreed, split } = triad();
		createAction(doc, clock, { title: 'Tell parents', due: NOW - HOUR, owner: MEMBERS[0]! });
		createAction(doc, clock, { title: 'Later', due: NOW + 100 * HOUR });
		const preview = previewPublication(doc, NOW + HOUR);
		// Both were decided at the same instant, so the feed orders them by entry id.
		expect(
			preview.decisions
				.map((d) => [d.proposalId, d.outcome, d.balanceBroken, d.dissent])
				.sort((a, b) => String(a[1]).localeCompare(String(b[1])))
		).toEqual([
			[agreed, 'consensus', false, ''],
			[split, 'majority', true, 'Navigator: Too early for the cohort']
		]);
		expect(preview.health).toMatchObject({
			seatsFilled: 3,
			consensusShare: 0.5,
			coversActive: 0,
			actionsOverdue: 1
		});
		expect(JSON.stringify(preview)).not.toMatch(/kim|ben|nia/);
	});

	it('appends only what is new: publishing twice writes nothing the second time', () => {
		const { doc, clock, open } = triad();
		const out = feed();
		const first = publishToFeed(doc, out, NOW + HOUR);
		expect(first.map((e) => e.kind)).toEqual(['decision', 'decision', 'health']);
		expect(publishToFeed(doc, out, NOW + 2 * HOUR)).toEqual([]);
		castBallot(doc, clock, newBallot(open, 'bearer', 'agree', MEMBERS[1]!));
		castBallot(doc, clock, newBallot(open, 'navigator', 'agree', MEMBERS[2]!));
		const next = publishToFeed(doc, out, NOW + 3 * HOUR);
		expect(next.map((e) => e.id)).toEqual([decisionEntryId(open), `health:${NOW + 3 * HOUR}`]);
		expect(readFeed(out).records).toHaveLength(5);
	});

	it('two members publishing the same decision offline show it once after they sync', () => {
		const { doc } = triad();
		const here = feed();
		const there = new Y.Doc();
		Y.applyUpdate(there, Y.encodeStateAsUpdate(here));
		publishToFeed(doc, here, NOW + HOUR);
		publishToFeed(doc, there, NOW + HOUR);
		Y.applyUpdate(there, Y.encodeStateAsUpdate(here));
		Y.applyUpdate(here, Y.encodeStateAsUpdate(there));
		const { records, setAside } = readFeed(here);
		expect(records.filter((e) => e.kind === 'decision')).toHaveLength(2);
		expect(setAside.count).toBe(3);
		expect(readFeed(there).records).toEqual(records);
	});

	it('publishes a crafted title longer than any writer stores cut, so the feed takes it', () => {
		const { doc, agreed } = triad();
		const proposal = doc.getMap('proposals').get(agreed) as Y.Map<unknown>;
		proposal.set('title', 'x'.repeat(5000));
		const out = feed();
		publishToFeed(doc, out, NOW + HOUR);
		const decision = readFeed(out).records.find((e) => e.id === decisionEntryId(agreed));
		expect(decision).toMatchObject({ kind: 'decision' });
		expect((decision as { title: string }).title.length).toBe(200);
	});
});

describe('escalation across two feeds', () => {
	it('is raised downstream, accepted and decided upstream, and joined on either side', () => {
		const down = feed(TRIAD);
		const up = feed(STRATEGY);
		const escalation = raiseEscalation(down, stepClock('d'), {
			title: 'Budget for books',
			text: 'We need 2,000 for the new scheme',
			raisedBy: MEMBERS[0]!
		});
		const upClock = stepClock('u', NOW + 10);
		const join = () =>
			escalationStates(
				FEED,
				readFeed(down).records.filter((e) => e.kind === 'escalation'),
				readFeed(up).records.filter((e) => e.kind === 'answer')
			);
		expect(join().map((s) => s.state)).toEqual(['raised']);
		answerEscalation(up, upClock, {
			escalation,
			fromFeed: FEED,
			answer: 'accepted',
			proposalId: 'up-proposal' as ProposalId
		});
		expect(join().map((s) => s.state)).toEqual(['accepted']);
		answerEscalation(up, upClock, {
			escalation,
			fromFeed: FEED,
			answer: 'decided',
			outcome: 'consensus',
			reason: 'Approved from the reserve'
		});
		expect(join()).toEqual([
			expect.objectContaining({
				state: 'decided',
				outcome: 'consensus',
				reason: 'Approved from the reserve',
				title: 'Budget for books'
			})
		]);
	});

	it('refuses a bad escalation or answer', () => {
		const out = feed();
		const clock = stepClock('x');
		expect(() => raiseEscalation(out, clock, { title: '', raisedBy: MEMBERS[0]! })).toThrow(
			/title must not be empty/
		);
		expect(() =>
			answerEscalation(out, clock, {
				escalation: 'e' as EscalationId,
				fromFeed: FEED,
				answer: 'decided'
			})
		).toThrow(/needs one of/);
		expect(() =>
			answerEscalation(out, clock, {
				escalation: 'e' as EscalationId,
				fromFeed: 'bad' as DocumentId,
				answer: 'accepted'
			})
		).toThrow(/fromFeed/);
		expect(() =>
			answerEscalation(out, clock, {
				escalation: 'e' as EscalationId,
				fromFeed: FEED,
				answer: 'maybe' as 'accepted'
			})
		).toThrow(/accepted or decided/);
		expect(feedEntries(out).length).toBe(0);
	});

	it('reads entries any member could write: wrong shapes and duplicate ids are set aside', () => {
		const out = feed();
		const raised = {
			kind: 'escalation',
			id: 'e1',
			escalation: 'e1',
			title: 't'.repeat(1000),
			text: 42,
			proposalId: 5,
			raisedBy: 'kim',
			raisedAt: stepClock('z').now()
		};
		feedEntries(out).push([
			raised,
			{ ...raised, title: 'duplicate id' },
			'text',
			null,
			[1, 2],
			{ kind: 'answer', id: 'a', escalation: 'e1', fromFeed: FEED, answer: 'decided', at: 'x' },
			{ kind: 'health', id: 'h', seatsFilled: 1, at: NOW, consensusShare: 7, coversActive: -1 }
		]);
		const { records, setAside } = readFeed(out);
		expect(records).toEqual([
			expect.objectContaining({ id: 'e1', text: '', proposalId: null }),
			expect.objectContaining({ id: 'h', consensusShare: null, coversActive: 0 })
		]);
		expect((records[0] as { title: string }).title.length).toBe(201);
		expect(setAside.count).toBe(5);
	});
});
