/**
 * A triad that a newer release of Triad has written to: this app can still show it but must not
 * write to it. The doc layer refuses its own writes; this file checks the proposal screen, whose
 * collaborative editor writes into the document directly. The newer release is played by a
 * y-websocket client in this process that joins through the real relay with the invite link,
 * stamps a higher schema version and adds a paragraph, as that release would when it edits.
 */
import * as Y from 'yjs';
import { afterAll, describe, expect, test } from 'vitest';
import { listProposals, readBodyText } from '../../src/lib/doc/proposal-read';
import { proposalBody } from '../../src/lib/doc/proposals';
import { metaMap, SCHEMA_VERSION } from '../../src/lib/doc/schema';
import type { ProposalId } from '../../src/lib/domain/ids';
import { destroyProviders } from '../relay/harness';
import { joinAsAnotherApp } from './altered-app';
import { useHarness } from './harness';
import { Member } from './member';

const harness = useHarness();
const TRIAD = 'Night desk';
const TITLE = 'Quiet hours';
const TYPED = 'Phones off after nine.';
const FROM_NEWER_APP = 'Written by the newer app.';
const SHOT = 'newer';

afterAll(() => destroyProviders());

/**
 * Joins the triad of `invite` as the newer release would and, once the proposal's text has
 * synced, stamps the next schema version and adds a paragraph to the text in one transaction.
 */
async function editAsNewerRelease(invite: string, proposalId: ProposalId): Promise<void> {
	const { doc } = await joinAsAnotherApp(
		harness.server.url,
		invite,
		(doc) =>
			listProposals(doc).some((proposal) => proposal.id === proposalId) &&
			readBodyText(doc, proposalId) === TYPED,
		'the proposal text to reach the newer release'
	);
	doc.transact(() => {
		metaMap(doc).set('schemaVersion', SCHEMA_VERSION + 1);
		const paragraph = new Y.XmlElement('paragraph');
		paragraph.insert(0, [new Y.XmlText(FROM_NEWER_APP)]);
		proposalBody(doc, proposalId).push([paragraph]);
	});
}

describe('a triad changed by a newer version of Triad', () => {
	test('the proposal screen shows the text but offers nothing that writes, and says why', async () => {
		const ana = await Member.open(await harness.newMember(), 'Ana');
		const invite = await ana.createTriad({
			name: TRIAD,
			purpose: 'Keep the night desk calm.',
			level: 'Operational',
			unit: 'Newsroom'
		});
		await ana.page.getByRole('link', { name: 'Go to the triad' }).click();
		await ana.heading(TRIAD).waitFor();
		await ana.claimSeat('keeper');
		await ana.draftProposal(TITLE);
		await ana.typeInEditor(TYPED);
		await ana.seesBlocks([TYPED]);
		const editor = ana.editor();
		// Before: everything a draft offers its keeper is there.
		expect(await editor.getAttribute('contenteditable')).toBe('true');
		await ana.page.getByRole('button', { name: 'Open for vote' }).waitFor();
		await ana.page.getByLabel('Your note as Keeper').waitFor();

		const proposalId = new URL(ana.page.url()).pathname.split('/').at(-1) as ProposalId;
		await editAsNewerRelease(invite, proposalId);

		// Reading still works: the newer release's paragraph arrives and is drawn.
		await ana.seesBlocks([TYPED, FROM_NEWER_APP]);
		await ana.page
			.getByRole('status')
			.filter({
				hasText: 'This triad was changed by a newer version of Triad. Update the app to edit.'
			})
			.waitFor();
		await expect.poll(() => editor.getAttribute('contenteditable')).toBe('false');
		expect(await ana.page.getByRole('toolbar', { name: 'Formatting' }).count()).toBe(0);
		expect(await ana.page.getByRole('button', { name: 'Open for vote' }).count()).toBe(0);
		expect(await ana.page.getByRole('button', { name: 'Proposal actions' }).count()).toBe(0);
		expect(await ana.page.getByLabel('Your note as Keeper').count()).toBe(0);

		// Typing into the text changes nothing.
		await ana.typeInEditor(' More.');
		expect(await ana.editorBlocks()).toEqual([TYPED, FROM_NEWER_APP]);
		await ana.screen(SHOT, 'proposal-locked');
	});
});
