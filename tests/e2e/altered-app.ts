import * as Y from 'yjs';
import type { DocumentId } from '../../src/lib/protocol';
import { parseInviteLink } from '../../src/lib/sync/invite-link';
import { relayCredentials } from '../../src/lib/sync/relay-token';
import { connectProvider, synced, waitFor } from '../relay/harness';

/**
 * Joins the triad of `invite` through the relay at `serverUrl` as another app would (a stock
 * y-websocket client with the member token), and resolves its document (and id) once `ready` holds, for
 * tests that write into it what this app never would. The caller destroys the providers.
 */
export async function joinAsAnotherApp(
	serverUrl: string,
	invite: string,
	ready: (doc: Y.Doc) => boolean,
	what: string
): Promise<{ doc: Y.Doc; docId: DocumentId }> {
	const parsed = parseInviteLink(invite);
	if (!parsed.ok) throw parsed.error;
	const { docId, secret } = parsed.invite;
	const { token } = await relayCredentials(docId, secret, 'member');
	const doc = new Y.Doc();
	const provider = connectProvider(
		`${serverUrl.replace(/^http/, 'ws')}/sync`,
		{ docId, token },
		doc
	);
	await synced(provider);
	await waitFor(() => ready(doc), what);
	return { doc, docId };
}
