import { wallTimeOf } from '../domain/hlc';
import type { MemberId } from '../domain/ids';
import { OUTCOME_LABEL, ROLE_LABEL } from '../domain/labels';
import { ROLES, type EpochMs } from '../domain/model';
import type { DecisionRegister, RegisterBallot } from './register';

/** Renders the decision register as Markdown for people to read, print or archive. */
export function registerToMarkdown(register: DecisionRegister): string {
	const names = new Map<MemberId, string>(register.members.map((m) => [m.id, m.name]));
	const who = (id: MemberId | null) => (id === null ? 'nobody' : inline(names.get(id) ?? id));
	const lines: string[] = [];
	const workspace = register.workspace;
	lines.push(`# ${inline(workspace?.name || 'Untitled triad')} — decision register`, '');
	if (workspace) {
		if (workspace.purpose) lines.push(`Purpose: ${inline(workspace.purpose)}`, '');
		lines.push(
			`Level: ${workspace.level}${workspace.unit ? ` · Unit: ${inline(workspace.unit)}` : ''}`,
			''
		);
	}
	lines.push(`Outcomes as of ${isoDate(register.asOf)}.`, '');
	lines.push(
		`Seats: ${ROLES.map((seat) => `${ROLE_LABEL[seat]} ${who(register.seats[seat])}`).join(' · ')}`,
		''
	);
	if (register.proposals.length === 0) lines.push('No proposals yet.', '');
	for (const entry of register.proposals) {
		lines.push(`## ${inline(entry.title)}`, '');
		lines.push(`- Status: ${entry.status}, revision ${entry.revision}`);
		const on = entry.createdAt === null ? '' : ` on ${isoDate(wallTimeOf(entry.createdAt))}`;
		lines.push(`- Proposed by ${who(entry.createdBy)}${on}`);
		if (entry.deadline !== null) lines.push(`- Deadline: ${isoDate(entry.deadline)}`);
		const { outcome } = entry;
		const finality = outcome.final
			? 'final'
			: outcome.finalAt !== null
				? `final on ${isoDate(outcome.finalAt)}`
				: 'not final';
		const broken = outcome.balanceBroken ? ' (balance broken)' : '';
		lines.push(`- Outcome: ${OUTCOME_LABEL[outcome.state]}${broken}, ${finality}`);
		lines.push(
			`- Tally: ${outcome.tally.agree} agree, ${outcome.tally.disagree} disagree, ` +
				`${outcome.tally.abstain} abstain, ${outcome.tally.missing} not voted`
		);
		if (outcome.dissent) {
			const reason = outcome.dissent.reason
				? `: “${inline(outcome.dissent.reason)}”`
				: ' (no reason given yet)';
			lines.push(
				`- Dissent: ${ROLE_LABEL[outcome.dissent.seat]} ${who(outcome.dissent.member)}${reason}`
			);
		}
		ballotList(lines, 'Counted ballots', entry.counted, who);
		ballotList(lines, 'Voted on an earlier text', entry.earlierText, who);
		ballotList(lines, 'Late ballots (not counted)', entry.late, who);
		if (entry.actions.length > 0) {
			lines.push('- Actions:');
			for (const action of entry.actions) {
				const due = action.due === null ? '' : `, due ${isoDate(action.due)}`;
				const result = action.outcome ? ` — outcome: ${inline(action.outcome)}` : '';
				lines.push(
					`  - [${action.status}] ${inline(action.title)} (owner ${who(action.owner)}${due})${result}`
				);
			}
		}
		lines.push('');
	}
	return lines.join('\n');
}

function ballotList(
	lines: string[],
	heading: string,
	ballots: readonly RegisterBallot[],
	who: (id: MemberId) => string
): void {
	if (ballots.length === 0) return;
	lines.push(`- ${heading}:`);
	for (const ballot of ballots) {
		const voter = ballot.proxy
			? `cast by ${who(ballot.castBy)} for ${who(ballot.castFor)}`
			: who(ballot.castBy);
		const reason = ballot.reason ? ` — “${inline(ballot.reason)}”` : '';
		lines.push(`  - ${ROLE_LABEL[ballot.seat]} (${voter}): ${ballot.choice}${reason}`);
	}
}

function isoDate(ms: EpochMs): string {
	return new Date(ms).toISOString().replace('.000Z', 'Z');
}

/**
 * Member-written text on one line with Markdown's syntax characters escaped, so a title cannot
 * open a heading, a link or raw HTML in the register.
 */
function inline(text: string): string {
	return text
		.replace(/\s+/g, ' ')
		.trim()
		.replace(/[\\`*_[\]{}<>#|!~]/g, (c) => `\\${c}`);
}
