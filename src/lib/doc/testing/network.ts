import * as Y from 'yjs';

/** The origin a simulated network marks delivered updates with, so they are not re-sent. */
export const DELIVERED = Symbol('delivered');

interface Sent {
	update: Uint8Array;
	/** Held back from one-by-one delivery until `healAll`, like a device that stays offline. */
	withheld: boolean;
}

/**
 * A lossy, reordering network between in-memory replicas, for convergence tests and benchmarks.
 * Every local update a replica makes is recorded; the test then delivers updates one by one in
 * any order (duplicates allowed), syncs state-vector diffs between pairs, partitions links, and
 * finally heals the network by delivering every update everywhere in a shuffled order.
 */
export class SimulatedNetwork {
	readonly sent: Sent[][];
	private readonly cut = new Set<string>();
	private withholdNext = false;

	constructor(readonly docs: readonly Y.Doc[]) {
		this.sent = docs.map(() => []);
		docs.forEach((doc, index) => {
			doc.on('update', (update: Uint8Array, origin: unknown) => {
				if (origin !== DELIVERED) this.sent[index]!.push({ update, withheld: this.withholdNext });
			});
		});
	}

	/** Runs `write` with the updates it produces held back until the network heals. */
	withholding(write: () => void): void {
		this.withholdNext = true;
		try {
			write();
		} finally {
			this.withholdNext = false;
		}
	}

	togglePartition(a: number, b: number): void {
		const key = linkKey(a, b);
		if (this.cut.has(key)) this.cut.delete(key);
		else this.cut.add(key);
	}

	isCut(a: number, b: number): boolean {
		return a === b || this.cut.has(linkKey(a, b));
	}

	/** Delivers one recorded update of `from` to `to`, chosen by `pick`; it may have arrived before. */
	deliverOne(from: number, to: number, pick: number): void {
		const candidates = this.sent[from]!.filter((sent) => !sent.withheld);
		if (this.isCut(from, to) || candidates.length === 0) return;
		Y.applyUpdate(this.docs[to]!, candidates[pick % candidates.length]!.update, DELIVERED);
	}

	/** What a y-websocket sync step does: `to` receives everything `from` has that it lacks. */
	syncDiff(from: number, to: number): void {
		if (this.isCut(from, to)) return;
		const target = this.docs[to]!;
		const diff = Y.encodeStateAsUpdate(this.docs[from]!, Y.encodeStateVector(target));
		Y.applyUpdate(target, diff, DELIVERED);
	}

	/**
	 * Delivers every update ever made to every other replica, in an order drawn from `random`,
	 * ignoring partitions and holds. Only original updates travel, so a replica that converges has
	 * received each one itself, not a merged copy.
	 */
	healAll(random: () => number): void {
		this.cut.clear();
		const deliveries: { to: number; update: Uint8Array }[] = [];
		this.sent.forEach((updates, from) => {
			for (const { update } of updates) {
				this.docs.forEach((_doc, to) => {
					if (to !== from) deliveries.push({ to, update });
				});
			}
		});
		for (let i = deliveries.length - 1; i > 0; i--) {
			const j = Math.floor(random() * (i + 1));
			[deliveries[i], deliveries[j]] = [deliveries[j]!, deliveries[i]!];
		}
		for (const { to, update } of deliveries) Y.applyUpdate(this.docs[to]!, update, DELIVERED);
	}
}

function linkKey(a: number, b: number): string {
	return a < b ? `${a}-${b}` : `${b}-${a}`;
}
