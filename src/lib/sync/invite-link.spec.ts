import { describe, expect, it } from 'vitest';
import type { DocumentId } from '../domain/ids';
import { decodeBase64url, encodeBase64url } from '../protocol/base64url';
import {
	createInviteLink,
	MAX_INVITE_LINK_LENGTH,
	parseInviteLink,
	type Invite,
	type InviteLinkProblem
} from './invite-link';
import { newDocumentId, newWorkspaceSecret, type WorkspaceSecret } from './workspace-secret';

const invite: Invite = {
	docId: 'AAECAwQFBgcICQoLDA0ODw' as DocumentId,
	secret: encodeBase64url(new Uint8Array(32).map((_, i) => i * 7)) as WorkspaceSecret,
	name: 'Ops triad. 2025 — “Nord” & co/50%',
	access: 'member'
};
const link = createInviteLink(invite, 'https://triad.example');
const fragment = link.slice(link.indexOf('#') + 1);

function problemOf(input: string): InviteLinkProblem | null {
	const result = parseInviteLink(input);
	return result.ok ? null : result.error.problem;
}

describe('invite links', () => {
	it('carry id, secret and name in the fragment only', () => {
		const url = new URL(link);
		expect(url.pathname).toBe('/join');
		expect(url.search).toBe('');
		expect(url.hash.slice(1)).toBe(fragment);
		expect(fragment.startsWith('v1.')).toBe(true);
	});

	it('round-trip as a full link, a bare fragment and with surrounding whitespace', () => {
		for (const text of [link, fragment, `#${fragment}`, `  ${link}\n`]) {
			expect(parseInviteLink(text)).toEqual({ ok: true, invite, target: 'triad' });
		}
	});

	it('tell viewer links apart by their prefix, with the same layout', () => {
		const viewer: Invite = { ...invite, access: 'viewer' };
		const viewerLink = createInviteLink(viewer, 'https://triad.example');
		expect(viewerLink.slice(viewerLink.indexOf('#') + 1).startsWith('r1.')).toBe(true);
		expect(parseInviteLink(viewerLink)).toEqual({ ok: true, invite: viewer, target: 'triad' });
		expect(problemOf(viewerLink.replace('#r1.', '#r2.'))).toBe('unsupported-version');
		expect(problemOf(viewerLink.replace('#r1.', '#x1.'))).toBe('not-an-invite');
	});

	it('round-trip freshly minted ids and secrets', () => {
		const fresh: Invite = {
			docId: newDocumentId(),
			secret: newWorkspaceSecret(),
			name: 'A',
			access: 'member'
		};
		expect(fresh.docId).toHaveLength(22);
		expect(decodeBase64url(fresh.docId)).toHaveLength(16);
		expect(decodeBase64url(fresh.secret)).toHaveLength(32);
		expect(parseInviteLink(createInviteLink(fresh, 'http://127.0.0.1:8787/'))).toEqual({
			ok: true,
			invite: fresh,
			target: 'triad'
		});
	});

	it('tell organization links apart by an o before the version, with the same fields', () => {
		for (const access of ['member', 'viewer'] as const) {
			const organizationInvite: Invite = { ...invite, access };
			const organizationLink = createInviteLink(
				organizationInvite,
				'https://triad.example',
				'organization'
			);
			const prefix = access === 'member' ? 'ov1.' : 'or1.';
			expect(organizationLink.slice(organizationLink.indexOf('#') + 1).startsWith(prefix)).toBe(
				true
			);
			expect(parseInviteLink(organizationLink)).toEqual({
				ok: true,
				invite: organizationInvite,
				target: 'organization'
			});
			const bare = organizationLink.slice(organizationLink.indexOf('#') + 1);
			expect(parseInviteLink(bare).ok).toBe(true);
			expect(problemOf(organizationLink.replace(`#${prefix}`, `#o${prefix.slice(1, 2)}9.`))).toBe(
				'unsupported-version'
			);
			expect(problemOf(organizationLink.replace(`#${prefix}`, '#oo1.'))).toBe('not-an-invite');
			expect(problemOf(organizationLink.replace(`#${prefix}`, '#constructor.'))).toBe(
				'not-an-invite'
			);
			expect(problemOf(organizationLink.slice(0, -3))).toBe('truncated');
		}
	});

	it('reject empty and garbage input', () => {
		expect(problemOf('')).toBe('empty');
		expect(problemOf('   ')).toBe('empty');
		expect(problemOf('hello world')).toBe('not-an-invite');
		expect(problemOf('https://triad.example/join')).toBe('not-an-invite');
		expect(problemOf('https://triad.example/join#')).toBe('not-an-invite');
		expect(problemOf('https://triad.example/join#xyz.abc')).toBe('not-an-invite');
		expect(problemOf(`${link}.extra`)).toBe('not-an-invite');
	});

	it('reject oversize input before parsing it', () => {
		expect(problemOf(`${link}${'a'.repeat(MAX_INVITE_LINK_LENGTH)}`)).toBe('too-long');
	});

	it('reject other versions', () => {
		expect(problemOf(link.replace('#v1.', '#v2.'))).toBe('unsupported-version');
		expect(problemOf(link.replace('#v1.', '#v0.'))).toBe('unsupported-version');
	});

	it('reject a link truncated at any point', () => {
		for (let cut = link.indexOf('#') + 1; cut < link.length; cut++) {
			expect(parseInviteLink(link.slice(0, cut)).ok, `cut at ${cut}`).toBe(false);
		}
		expect(problemOf(link.slice(0, -5))).toBe('truncated');
		expect(problemOf(`#v1.${encodeURIComponent('Ops')}.${invite.docId}`)).toBe('truncated');
	});

	it('reject ids and secrets of the wrong length or alphabet', () => {
		const make = (docId: string, secret: string, name = 'Ops') => `#v1.${name}.${docId}.${secret}`;
		expect(problemOf(make(invite.docId.slice(1), invite.secret))).toBe('bad-document-id');
		expect(problemOf(make(`${invite.docId}A`, invite.secret))).toBe('bad-document-id');
		expect(problemOf(make(`${invite.docId.slice(1)}+`, invite.secret))).toBe('bad-document-id');
		expect(problemOf(make(invite.docId, `${invite.secret}A`))).toBe('bad-secret');
		expect(problemOf(make(invite.docId, `${invite.secret.slice(1)}/`))).toBe('bad-secret');
		expect(problemOf(make(invite.docId, `${invite.secret.slice(0, 42)}=`))).toBe('bad-secret');
		// 43 base64url characters whose trailing bits are not zero: not the encoding of 32 bytes.
		expect(problemOf(make(invite.docId, `${invite.secret.slice(0, 42)}B`))).toBe('bad-secret');
	});

	it('reject unusable names', () => {
		const make = (name: string) => `#v1.${name}.${invite.docId}.${invite.secret}`;
		expect(problemOf(make(''))).toBe('bad-name');
		expect(problemOf(make('%20%20'))).toBe('bad-name');
		expect(problemOf(make('%E0%A4%A'))).toBe('bad-name');
		expect(problemOf(make('a%0Ab'))).toBe('bad-name');
		expect(problemOf(make('x'.repeat(81)))).toBe('bad-name');
		expect(problemOf(make('x'.repeat(80)))).toBeNull();
	});

	it('refuse to create a link for an unusable name', () => {
		expect(() => createInviteLink({ ...invite, name: ' ' }, 'https://x')).toThrow(RangeError);
	});
});

describe('base64url', () => {
	it('decodes only canonical encodings', () => {
		const bytes = new Uint8Array([251, 255, 0, 1]);
		expect(encodeBase64url(bytes)).toBe('-_8AAQ');
		expect(decodeBase64url('-_8AAQ')).toEqual(bytes);
		expect(decodeBase64url('-_8AAR')).toBeNull();
		expect(decodeBase64url('-_8AAQ==')).toBeNull();
		expect(decodeBase64url('+/8AAQ')).toBeNull();
		expect(decodeBase64url('A')).toBeNull();
		expect(decodeBase64url('')).toEqual(new Uint8Array());
	});
});
