import { isIP } from 'node:net';
import type { DocumentId } from '../src/lib/protocol';
import { TokenBucket } from './rate-limiter';

/**
 * What one address, one room or one document may take of the relay, so that nobody can fill it:
 * storage (per document and overall), new documents and connections per address, connections
 * and fan-out per room. See README.md, "Quotas".
 */
export interface QuotaLimits {
	/** Bytes a document may take in storage (state and appended updates). */
	maxDocumentBytes: number;
	/** Bytes all documents together may take in storage. */
	maxStorageBytes: number;
	/** Documents an address may register (trust on first use) per hour. */
	newDocumentsPerAddressPerHour: number;
	/** Connections an address may hold open at once. */
	maxConnectionsPerAddress: number;
	/** Connections a room may hold at once. */
	maxConnectionsPerRoom: number;
	/** Deliveries (messages × recipients) a room may fan out per second, and in a burst. */
	fanOutPerSecond: number;
}

/**
 * The defaults. A triad is three people with a few devices each, and its document grows by
 * kilobytes a week: these leave it ample room and stop a stranger long before the disk fills.
 */
export const DEFAULT_QUOTAS: QuotaLimits = {
	maxDocumentBytes: 64 * 1024 * 1024,
	maxStorageBytes: 8 * 1024 * 1024 * 1024,
	newDocumentsPerAddressPerHour: 20,
	maxConnectionsPerAddress: 256,
	maxConnectionsPerRoom: 32,
	fanOutPerSecond: 5000
};

/**
 * Who a quota counts a connection against: the socket's remote address, never a header such as
 * X-Forwarded-For, which anyone can write. IPv4 addresses count alone (an IPv4-mapped IPv6
 * address as its IPv4 address); IPv6 addresses by their /64 prefix, since one host or home is
 * routinely given a whole /64 and could otherwise count as billions of addresses. Behind a
 * reverse proxy every client has the proxy's address: see README.md, "Quotas".
 */
export function addressKey(remote: string | undefined): string {
	if (remote === undefined) return 'unknown';
	const address = remote.split('%', 1)[0] as string;
	const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
	if (mapped) return mapped[1] as string;
	if (isIP(address) !== 6) return address;
	const [head = '', tail] = address.split('::');
	const groups = (part: string) => {
		if (part === '') return [];
		const pieces = part.split(':');
		// A dotted IPv4 tail (::ffff:0:1.2.3.4) takes the room of two groups.
		return pieces.flatMap((piece) => (piece.includes('.') ? ['0', '0'] : [piece]));
	};
	const left = groups(head);
	const right = tail === undefined ? [] : groups(tail);
	const full = [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
	const prefix = full.slice(0, 4).map((group) => parseInt(group, 16).toString(16));
	return `${prefix.join(':')}::/64`;
}

/** One address's connections, the documents they hold open and its registrations. */
interface AddressUse {
	connections: number;
	/** Open connections per document. */
	documents: Map<DocumentId, number>;
	/** Registrations left: a bucket of `newDocumentsPerAddressPerHour` refilled over an hour. */
	registrations: TokenBucket | null;
}

/** How many addresses are kept before forgetting those with nothing left to remember. */
const SWEEP_ABOVE = 1024;

/**
 * The per-address quotas: connections open at once, documents loaded through them, and
 * registrations of new documents per hour. Connections are counted from the moment an upgrade
 * starts, so that concurrent upgrades of one address cannot slip past the limit while access is
 * checked. An address is forgotten once it has no connection and its registrations grew back.
 */
export class AddressQuotas {
	readonly #uses = new Map<string, AddressUse>();
	/** The size at which the next sweep runs: it doubles with what survives, so sweeps stay rare. */
	#sweepAt = SWEEP_ABOVE;
	readonly #limits: Pick<QuotaLimits, 'maxConnectionsPerAddress' | 'newDocumentsPerAddressPerHour'>;

	constructor(
		limits: Pick<QuotaLimits, 'maxConnectionsPerAddress' | 'newDocumentsPerAddressPerHour'>
	) {
		this.#limits = limits;
	}

	/** Addresses remembered (for tests and metrics). */
	get size(): number {
		return this.#uses.size;
	}

	/** Counts a connection of `address`; false, counting nothing, when it holds its maximum. */
	openConnection(address: string): boolean {
		const use = this.#use(address);
		if (use.connections >= this.#limits.maxConnectionsPerAddress) return false;
		use.connections++;
		return true;
	}

	/** Releases a connection counted by `openConnection`. */
	closeConnection(address: string): void {
		const use = this.#uses.get(address);
		if (use === undefined) return;
		use.connections--;
		this.#forgetIfIdle(address, use);
	}

	/** Documents that `address` holds open through its connections. */
	documentsHeld(address: string): number {
		return this.#uses.get(address)?.documents.size ?? 0;
	}

	/** Records that a connection of `address` holds `docId` open, until `releaseDocument`. */
	holdDocument(address: string, docId: DocumentId): void {
		const documents = this.#use(address).documents;
		documents.set(docId, (documents.get(docId) ?? 0) + 1);
	}

	releaseDocument(address: string, docId: DocumentId): void {
		const use = this.#uses.get(address);
		const count = use?.documents.get(docId);
		if (use === undefined || count === undefined) return;
		if (count > 1) use.documents.set(docId, count - 1);
		else use.documents.delete(docId);
		this.#forgetIfIdle(address, use);
	}

	/** Takes one registration of `address`; false when it registered its hourly share. */
	takeRegistration(address: string, now: number = performance.now()): boolean {
		const use = this.#use(address, now);
		const perHour = this.#limits.newDocumentsPerAddressPerHour;
		use.registrations ??= new TokenBucket(perHour / 3600, perHour, now);
		const taken = use.registrations.take(1, now);
		this.#forgetIfIdle(address, use, now);
		return taken;
	}

	#use(address: string, now?: number): AddressUse {
		let use = this.#uses.get(address);
		if (use === undefined) {
			if (this.#uses.size >= this.#sweepAt) this.#sweep(now);
			use = { connections: 0, documents: new Map(), registrations: null };
			this.#uses.set(address, use);
		}
		return use;
	}

	#forgetIfIdle(address: string, use: AddressUse, now?: number): void {
		if (use.connections > 0 || use.documents.size > 0) return;
		if (use.registrations !== null && !use.registrations.isFull(now)) return;
		this.#uses.delete(address);
	}

	/** Forgets addresses whose registrations grew back since they last connected. */
	#sweep(now?: number): void {
		for (const [address, use] of this.#uses) this.#forgetIfIdle(address, use, now);
		this.#sweepAt = Math.max(SWEEP_ABOVE, 2 * this.#uses.size);
	}
}
