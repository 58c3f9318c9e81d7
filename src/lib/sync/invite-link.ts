import { parseDocumentId, type DocumentId } from '../domain/ids';
import type { AccessLevel } from './relay-token';
import { parseWorkspaceSecret, type WorkspaceSecret } from './workspace-secret';
import { hasControlCharacters } from './printable-text';

/** Everything a device needs to join a workspace: which one, the capability, and its name. */
export interface Invite {
	docId: DocumentId;
	/** The document secret for a member; the read secret for a viewer. */
	secret: WorkspaceSecret;
	/** What the link gives: member links read and write, viewer links only read. */
	access: AccessLevel;
	/** The triad's name as the inviter saw it, shown before the document has synced. */
	name: string;
}

/**
 * Why a text is not a usable invite link, for the UI to explain:
 * - `empty`: nothing was given
 * - `too-long`: longer than any link this app makes (pasted text, not a link)
 * - `not-an-invite`: no `#` fragment, or a fragment that is not ours
 * - `unsupported-version`: made by a newer (or unknown) version of the app
 * - `truncated`: fields are missing, as when a link was cut off in a message
 * - `bad-document-id` / `bad-secret`: a field has the wrong length or is not base64url
 * - `bad-name`: the name is empty, too long, or not valid percent-encoding
 * - `organization-link`: an organization's link given where a triad's was expected
 */
export type InviteLinkProblem =
	| 'empty'
	| 'too-long'
	| 'not-an-invite'
	| 'unsupported-version'
	| 'truncated'
	| 'bad-document-id'
	| 'bad-secret'
	| 'bad-name'
	| 'organization-link';

/** A rejected invite link; `problem` says why in a form the UI can translate. */
export class InviteLinkError extends Error {
	override readonly name = 'InviteLinkError';
	constructor(
		readonly problem: InviteLinkProblem,
		message: string
	) {
		super(message);
	}
}

/**
 * What a link invites to: a triad, or an organization (its document, kept in the device's
 * organizations store). Both carry the same fields with the same rules.
 */
export type InviteTarget = 'triad' | 'organization';

/** The outcome of reading an invite link: never throws, so callers handle both branches. */
export type InviteParseResult =
	{ ok: true; invite: Invite; target: InviteTarget } | { ok: false; error: InviteLinkError };

/** The longest workspace name an invite carries, in characters after decoding. */
export const MAX_INVITE_NAME_LENGTH = 80;
/** Links longer than this are rejected before any parsing (a full link is about 200 chars). */
export const MAX_INVITE_LINK_LENGTH = 1024;

/** The first field of a member link's fragment. */
const MEMBER_VERSION = 'v1';
/** The first field of a viewer link's fragment: the same layout, carrying the read secret. */
const VIEWER_VERSION = 'r1';
/**
 * An organization's links: the triad's versions behind an `o`, so that an app that knows only
 * triads reads them as a newer version rather than joining an organization as a triad.
 */
const ORGANIZATION_PREFIX = 'o';
const VERSIONS: Record<string, { access: AccessLevel; target: InviteTarget }> = {
	[MEMBER_VERSION]: { access: 'member', target: 'triad' },
	[VIEWER_VERSION]: { access: 'viewer', target: 'triad' },
	[ORGANIZATION_PREFIX + MEMBER_VERSION]: { access: 'member', target: 'organization' },
	[ORGANIZATION_PREFIX + VIEWER_VERSION]: { access: 'viewer', target: 'organization' }
};

/*
 * Fragment layout, version 1:  v1.<name>.<docId>.<secret>  (member)
 *                              r1.<name>.<docId>.<read secret>  (viewer)
 * and for an organization ov1 and or1, with the same fields.
 *
 * The name is percent-encoded with '.' escaped too, so '.' separates exactly four fields. The
 * fixed-length fields come last on purpose: a link cut off anywhere loses part of the secret (or
 * more) and is rejected, whereas a trailing free-form name could be shortened undetectably.
 */

/** True for a trimmed name an invite can carry: 1–80 characters, no control characters. */
export function isUsableWorkspaceName(name: string): boolean {
	return name.length > 0 && name.length <= MAX_INVITE_NAME_LENGTH && !hasControlCharacters(name);
}

/** Percent-encodes a name so that it contains no '.', keeping the fragment splittable. */
function encodeName(name: string): string {
	return encodeURIComponent(name).replace(/\./g, '%2E');
}

/**
 * The invite link for a workspace, e.g. `https://triad.example/join#v1.Ops%20triad.<id>.<secret>`.
 * Everything sensitive sits in the fragment, which browsers keep out of requests and logs.
 */
export function createInviteLink(
	invite: Invite,
	origin: string,
	target: InviteTarget = 'triad'
): string {
	const name = invite.name.trim();
	if (!isUsableWorkspaceName(name)) {
		throw new RangeError(`workspace name must be 1–${MAX_INVITE_NAME_LENGTH} printable characters`);
	}
	const version =
		(target === 'organization' ? ORGANIZATION_PREFIX : '') +
		(invite.access === 'viewer' ? VIEWER_VERSION : MEMBER_VERSION);
	const fragment = [version, encodeName(name), invite.docId, invite.secret].join('.');
	return `${origin.replace(/\/+$/, '')}/join#${fragment}`;
}

function fail(problem: InviteLinkProblem, message: string): InviteParseResult {
	return { ok: false, error: new InviteLinkError(problem, message) };
}

/** Takes what follows '#' in a link, or the text itself when it already is a bare fragment. */
function fragmentOf(text: string): string | null {
	const hash = text.indexOf('#');
	if (hash >= 0) return text.slice(hash + 1);
	return /^o?[vr]\d+\./.test(text) ? text : null;
}

/**
 * Reads an invite link as pasted or opened: a full URL, or only its fragment (with or without
 * '#'). Rejects everything that is not exactly a link this app would make.
 */
export function parseInviteLink(input: string): InviteParseResult {
	const text = input.trim();
	if (text.length === 0) return fail('empty', 'The invite link is empty.');
	if (text.length > MAX_INVITE_LINK_LENGTH) {
		return fail('too-long', 'This text is too long to be an invite link.');
	}
	const fragment = fragmentOf(text);
	if (fragment === null || fragment.length === 0) {
		return fail('not-an-invite', 'This is not an invite link: it has no invitation part after #.');
	}
	const fields = fragment.split('.');
	const version = fields[0] ?? '';
	const kind = Object.hasOwn(VERSIONS, version) ? VERSIONS[version] : undefined;
	if (kind === undefined) {
		return /^o?[vr]\d+$/.test(version)
			? fail('unsupported-version', `This invite was made by a newer app (${version}).`)
			: fail('not-an-invite', 'This is not an invite link.');
	}
	if (fields.length > 4) return fail('not-an-invite', 'This invite link has extra parts.');
	const [, encodedName, rawDocId, rawSecret] = fields;
	if (encodedName === undefined || rawDocId === undefined || rawSecret === undefined) {
		return fail('truncated', 'This invite link is incomplete; it may have been cut off.');
	}
	const docId = parseDocumentId(rawDocId);
	if (docId === null) {
		return fail('bad-document-id', 'The workspace id in this invite link is damaged.');
	}
	const secret = parseWorkspaceSecret(rawSecret);
	if (secret === null) {
		return rawSecret.length < 43 && /^[A-Za-z0-9_-]*$/.test(rawSecret)
			? fail('truncated', 'This invite link is incomplete; it may have been cut off.')
			: fail('bad-secret', 'The access key in this invite link is damaged.');
	}
	let name: string;
	try {
		name = decodeURIComponent(encodedName).trim();
	} catch {
		return fail('bad-name', 'The workspace name in this invite link is damaged.');
	}
	if (!isUsableWorkspaceName(name)) {
		return fail('bad-name', 'The workspace name in this invite link is not usable.');
	}
	return { ok: true, invite: { docId, secret, name, access: kind.access }, target: kind.target };
}
