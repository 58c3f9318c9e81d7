import { describe, expect, it } from 'vitest';
import type { Outcome } from './decision';
import type { Proposal, Role } from './model';
import {
	ATTENTION_HORIZON_MS,
	attentionFor,
	unnotified,
	type AttentionInput
} from './push-attention';
import {
	absence,
	BEA,
	DAY,
	HOLDERS,
	HOUR,
	KIM,
	NOA,
	OUTSIDER,
	proposal,
	T0
} from './testing/fixtures';

function openProposal(
	waitingFor: Role[],
	overrides: Partial<Proposal> = {},
	state: Outcome['state'] = 'open'
): AttentionInput['proposals'][number] {
	return {
		proposal: proposal({ status: 'open', title: 'Move the weekly call', ...overrides }),
		outcome: { state, waitingFor }
	};
}

function input(overrides: Partial<AttentionInput>): AttentionInput {
	return { me: KIM, now: T0, holders: HOLDERS, proposals: [], absences: [], ...overrides };
}

describe('attentionFor', () => {
	it('asks for the vote of a seat still to vote, with its revision in the key', () => {
		const open = openProposal(['keeper', 'navigator'], { revision: 2 });
		const items = attentionFor(input({ proposals: [open] }));
		expect(items).toEqual([
			{
				kind: 'vote',
				key: `vote:${open.proposal.id}:2`,
				proposal: open.proposal.id,
				title: 'Move the weekly call',
				deadline: null
			}
		]);
	});

	it('asks nothing once the member voted, of someone without a seat, or of a decided proposal', () => {
		const waitingForOthers = openProposal(['bearer']);
		expect(attentionFor(input({ proposals: [waitingForOthers] }))).toEqual([]);
		expect(attentionFor(input({ me: OUTSIDER, proposals: [openProposal(['keeper'])] }))).toEqual(
			[]
		);
		expect(attentionFor(input({ proposals: [openProposal([], {}, 'consensus')] }))).toEqual([]);
		expect(
			attentionFor(input({ proposals: [openProposal(['keeper'], { status: 'draft' })] }))
		).toEqual([]);
		expect(
			attentionFor(input({ proposals: [openProposal(['keeper'], { status: 'withdrawn' })] }))
		).toEqual([]);
	});

	it('asks for the vote of a seat the member covers, only while the absence runs', () => {
		const noaAway = absence(NOA, KIM, T0 - HOUR, T0 + DAY);
		const open = openProposal(['navigator']);
		const items = attentionFor(input({ proposals: [open], absences: [noaAway] }));
		expect(items.map((item) => item.kind)).toEqual(['vote', 'cover']);
		const later = attentionFor(
			input({ now: T0 + 2 * DAY, proposals: [open], absences: [noaAway] })
		);
		expect(later).toEqual([]);
	});

	it('adds the deadline within a day, and asks nothing after it', () => {
		const soon = openProposal(['keeper'], { deadline: T0 + ATTENTION_HORIZON_MS });
		const far = openProposal(['keeper'], { deadline: T0 + ATTENTION_HORIZON_MS + 1 });
		const past = openProposal(['keeper'], { deadline: T0 });
		expect(attentionFor(input({ proposals: [soon] })).map((item) => item.kind)).toEqual([
			'vote',
			'deadline'
		]);
		expect(attentionFor(input({ proposals: [far] })).map((item) => item.kind)).toEqual(['vote']);
		expect(attentionFor(input({ proposals: [past] }))).toEqual([]);
	});

	it('tells a cover of an absence starting within a day, until it ends', () => {
		const tomorrow = absence(NOA, KIM, T0 + DAY, T0 + 3 * DAY);
		const nextWeek = absence(BEA, KIM, T0 + 7 * DAY, T0 + 8 * DAY);
		const over = absence(BEA, KIM, T0 - 2 * DAY, T0 - DAY);
		const cancelled = absence(NOA, KIM, T0 + HOUR, T0 + DAY, { cancelled: true, cancelledAt: T0 });
		const notMine = absence(NOA, BEA, T0 + HOUR, T0 + DAY);
		const items = attentionFor(input({ absences: [tomorrow, nextWeek, over, cancelled, notMine] }));
		expect(items).toEqual([
			{
				kind: 'cover',
				key: `cover:${tomorrow.id}:${T0 + DAY}`,
				absence: tomorrow.id,
				member: NOA,
				from: T0 + DAY
			}
		]);
		// Under way: still worth telling (the device may have slept through its start).
		expect(attentionFor(input({ now: T0 + 2 * DAY, absences: [tomorrow] }))).toHaveLength(1);
	});

	it('survives what a peer can write: absurd dates, a member covering themselves', () => {
		const selfCover = absence(KIM, KIM, T0, T0 + DAY);
		const reversed = absence(NOA, KIM, T0 + HOUR, T0 - DAY);
		const nan = { ...absence(NOA, KIM, T0, T0 + DAY), from: Number.NaN, to: Number.NaN };
		expect(attentionFor(input({ absences: [selfCover, reversed, nan] }))).toEqual([]);
		const nanDeadline = openProposal(['keeper'], { deadline: Number.NaN });
		expect(attentionFor(input({ proposals: [nanDeadline] })).map((item) => item.kind)).toEqual([
			'vote'
		]);
	});
});

describe('unnotified', () => {
	it('keeps only what was not notified before', () => {
		const open = openProposal(['keeper'], { deadline: T0 + HOUR });
		const items = attentionFor(input({ proposals: [open] }));
		const [vote] = items;
		expect(unnotified(items, new Set([vote?.key ?? '']))).toEqual(items.slice(1));
		expect(unnotified(items, new Set())).toEqual(items);
	});
});
