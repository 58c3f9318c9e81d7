import type { HlcTimestamp } from '../domain/model';

/**
 * The transaction origin of writes made through this layer on this device, unless the caller
 * passes its own. Providers mark the updates they apply with themselves as origin, so comparing
 * with this value tells a local edit from a remote one.
 */
export const LOCAL_ORIGIN: unique symbol = Symbol('triad:local-edit');

/**
 * What the doc layer needs from a hybrid logical clock: a fresh timestamp for each event. The
 * domain's clock satisfies it; the caller owns the clock so one device uses one clock for all of
 * its documents.
 */
export interface StampSource {
	now(): HlcTimestamp;
}
