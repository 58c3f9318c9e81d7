import type * as Y from 'yjs';
import { balanceOf } from '../domain/balance';
import type { EpochMs } from '../domain/model';
import type { FeedEntry } from '../domain/organization';
import { newFeedEntries, publicationOf, type Publication } from '../domain/organization-feed';
import { appendFeedEntries, readFeed } from './feed';
import { TITLE_MAX } from './limits';
import { LOCAL_ORIGIN } from './origin';
import { clip } from './parse';
import { decideEach } from './outcome';
import { readWorkspace } from './workspace';

/**
 * What a triad's feed would hold at `now`, computed from its private document: the decisions that
 * are final and its health. This is exactly what leaves the triad once it opts in, so members see
 * it before they do.
 */
export function previewPublication(triad: Y.Doc, now: EpochMs): Publication {
	const snapshot = readWorkspace(triad);
	const decided = decideEach(snapshot, now);
	const publication = publicationOf({
		decided,
		seats: snapshot.seats,
		absences: snapshot.absences,
		actions: snapshot.actions,
		consensusShare: balanceOf(
			decided.map((d) => d.outcome),
			snapshot.absences
		).consensusShare,
		now
	});
	// A crafted title longer than any writer stores is published cut, as readers show it.
	for (const decision of publication.decisions) {
		if (decision.title.length > TITLE_MAX) decision.title = clip(decision.title, TITLE_MAX - 1);
	}
	return publication;
}

/**
 * Publishes what is new in `triad` to its `feed`: decisions not yet in it and the health when it
 * changed (`newFeedEntries`), in one transaction. Running it again with nothing new appends
 * nothing. Returns what it appended.
 */
export function publishToFeed(
	triad: Y.Doc,
	feed: Y.Doc,
	now: EpochMs,
	origin: unknown = LOCAL_ORIGIN
): FeedEntry[] {
	const fresh = newFeedEntries(readFeed(feed).records, previewPublication(triad, now));
	appendFeedEntries(feed, fresh, origin);
	return fresh;
}
