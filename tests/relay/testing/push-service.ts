/**
 * A push service for tests, on 127.0.0.1 over HTTPS (the `web-push` library speaks only HTTPS),
 * that checks each push as a browser's push service and the browser would: the VAPID
 * authorization (RFC 8292: an ES256 JWT whose audience is the endpoint's origin, expiring within
 * a day, signed by the key it names) and the payload encryption (RFC 8291 over RFC 8188
 * aes128gcm), decrypted with the subscription's private key. Subscriptions are made here as a
 * browser makes them: a P-256 key pair and a 16-byte auth secret.
 */
import { execFileSync } from 'node:child_process';
import {
	createDecipheriv,
	createECDH,
	createPublicKey,
	hkdfSync,
	randomBytes,
	verify,
	type ECDH
} from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Agent, createServer, type Server } from 'node:https';
import type { IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { makeTempDir } from '../harness';

/** A subscription as the browser holds it: what it sends the relay, and its private half. */
export interface TestSubscription {
	endpoint: string;
	keys: { p256dh: string; auth: string };
	/** The device's key pair, which decrypts its pushes. */
	ecdh: ECDH;
}

/** A push the service accepted: verified and decrypted. */
export interface ReceivedPush {
	endpoint: string;
	/** The decrypted payload. */
	plaintext: Buffer;
	/** The body as it travelled (encrypted). */
	body: Buffer;
	headers: IncomingMessage['headers'];
	/** The VAPID public key that signed it (base64url). */
	vapidKey: string;
	claims: { aud: string; exp: number; sub: string };
}

/** The push service; `close()` when done. */
export class TestPushService {
	readonly received: ReceivedPush[] = [];
	/** Requests refused, with why: any entry means the relay sent something a push service refuses. */
	readonly refused: string[] = [];
	readonly #subscriptions = new Map<string, TestSubscription>();
	readonly #answers = new Map<string, number>();

	private constructor(
		private readonly server: Server,
		/** `host:port` of the service, for the relay's allowed push hosts. */
		readonly host: string,
		/** A TLS agent that trusts this service's certificate. */
		readonly agent: Agent
	) {}

	/** Starts the service on a free port with a fresh self-signed certificate. */
	static async start(): Promise<TestPushService> {
		const dir = await makeTempDir('triad-push-');
		const key = join(dir.path, 'key.pem');
		const cert = join(dir.path, 'cert.pem');
		execFileSync(
			'openssl',
			[
				...['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1'],
				...['-nodes', '-days', '1', '-subj', '/CN=127.0.0.1'],
				...['-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', key, '-out', cert]
			],
			{ stdio: 'ignore' }
		);
		const tls = { key: readFileSync(key), cert: readFileSync(cert) };
		await dir.remove();
		let service: TestPushService | null = null;
		const server = createServer(tls, (req, res) => {
			const chunks: Buffer[] = [];
			req.on('data', (chunk: Buffer) => chunks.push(chunk));
			req.on('end', () => {
				const status = (service as TestPushService).#receive(req, Buffer.concat(chunks));
				res.writeHead(status);
				res.end();
			});
		});
		await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
		const address = server.address();
		const port = typeof address === 'object' && address !== null ? address.port : 0;
		service = new TestPushService(
			server,
			`127.0.0.1:${port}`,
			new Agent({ ca: tls.cert, keepAlive: false })
		);
		return service;
	}

	/** A new subscription on this service, as `pushManager.subscribe` makes one. */
	subscribe(): TestSubscription {
		const ecdh = createECDH('prime256v1');
		ecdh.generateKeys();
		const subscription: TestSubscription = {
			endpoint: `https://${this.host}/push/${randomBytes(16).toString('base64url')}`,
			keys: {
				p256dh: ecdh.getPublicKey().toString('base64url'),
				auth: randomBytes(16).toString('base64url')
			},
			ecdh
		};
		this.#subscriptions.set(subscription.endpoint, subscription);
		return subscription;
	}

	/** Answers later pushes to `subscription` with `status` (e.g. 410 Gone) instead of 201. */
	answer(subscription: TestSubscription, status: number): void {
		this.#answers.set(subscription.endpoint, status);
	}

	/** The pushes `subscription` received. */
	pushesTo(subscription: TestSubscription): ReceivedPush[] {
		return this.received.filter((push) => push.endpoint === subscription.endpoint);
	}

	/** Stops the service. */
	async close(): Promise<void> {
		this.agent.destroy();
		this.server.closeAllConnections();
		await new Promise((done) => this.server.close(done));
	}

	#receive(req: IncomingMessage, body: Buffer): number {
		const endpoint = `https://${this.host}${req.url ?? ''}`;
		const subscription = this.#subscriptions.get(endpoint);
		const refuse = (why: string, status: number) => {
			this.refused.push(why);
			return status;
		};
		if (req.method !== 'POST') return refuse(`method ${req.method}`, 405);
		if (subscription === undefined) return refuse('unknown endpoint', 404);
		const vapid = verifyVapid(req.headers.authorization, `https://${this.host}`);
		if (typeof vapid === 'string') return refuse(vapid, 401);
		if (req.headers['content-encoding'] !== 'aes128gcm') return refuse('not aes128gcm', 415);
		if (!/^\d+$/.test(String(req.headers.ttl ?? ''))) return refuse('no TTL', 400);
		let plaintext: Buffer;
		try {
			plaintext = decryptAes128gcm(body, subscription);
		} catch (error) {
			return refuse(`cannot decrypt: ${(error as Error).message}`, 400);
		}
		const status = this.#answers.get(endpoint);
		if (status !== undefined) return status;
		this.received.push({ endpoint, plaintext, body, headers: req.headers, ...vapid });
		return 201;
	}
}

/**
 * Checks `Authorization: vapid t=<JWT>, k=<public key>`: an ES256 JWT signed by `k`, for the
 * audience `origin`, expiring in the future but within 24 hours, with a subject. The claims and
 * key, or why not.
 */
function verifyVapid(
	header: string | undefined,
	origin: string
): { vapidKey: string; claims: ReceivedPush['claims'] } | string {
	const match =
		/^vapid t=([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+), k=([A-Za-z0-9_-]+)$/.exec(
			header ?? ''
		);
	if (match === null) return 'no vapid authorization';
	const [token, vapidKey] = [match[1] as string, match[2] as string];
	const [head, payload, signature] = token.split('.') as [string, string, string];
	const point = Buffer.from(vapidKey, 'base64url');
	if (point.length !== 65 || point[0] !== 4) return 'k is not a P-256 point';
	const key = createPublicKey({
		key: {
			kty: 'EC',
			crv: 'P-256',
			x: point.subarray(1, 33).toString('base64url'),
			y: point.subarray(33).toString('base64url')
		},
		format: 'jwk'
	});
	const header_ = JSON.parse(Buffer.from(head, 'base64url').toString()) as Record<string, unknown>;
	if (header_.alg !== 'ES256') return `alg ${String(header_.alg)}`;
	const signed = verify(
		'sha256',
		Buffer.from(`${head}.${payload}`),
		{ key, dsaEncoding: 'ieee-p1363' },
		Buffer.from(signature, 'base64url')
	);
	if (!signed) return 'bad signature';
	const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<
		string,
		unknown
	>;
	const now = Math.floor(Date.now() / 1000);
	if (claims.aud !== origin) return `aud ${String(claims.aud)}`;
	if (typeof claims.exp !== 'number' || claims.exp <= now || claims.exp > now + 24 * 3600) {
		return `exp ${String(claims.exp)}`;
	}
	if (typeof claims.sub !== 'string' || !/^(mailto:|https:)/.test(claims.sub)) return 'no sub';
	return { vapidKey, claims: { aud: claims.aud, exp: claims.exp, sub: claims.sub } };
}

/**
 * Decrypts an RFC 8188 aes128gcm body whose key is agreed as RFC 8291 says: the header's key id
 * is the sender's ephemeral public key; ECDH with the subscription's private key and HKDF with
 * its auth secret give the input keying material; then the content key and nonce of RFC 8188.
 */
function decryptAes128gcm(body: Buffer, subscription: TestSubscription): Buffer {
	if (body.length < 21) throw new Error('short body');
	const salt = body.subarray(0, 16);
	const recordSize = body.readUInt32BE(16);
	const idLength = body[20] as number;
	const senderKey = body.subarray(21, 21 + idLength);
	if (idLength !== 65 || senderKey[0] !== 4) throw new Error('key id is not a P-256 point');
	if (recordSize < 18) throw new Error('record size too small');
	const receiverKey = subscription.ecdh.getPublicKey();
	const shared = subscription.ecdh.computeSecret(senderKey);
	const keyInfo = Buffer.concat([Buffer.from('WebPush: info\0'), receiverKey, senderKey]);
	const ikm = Buffer.from(
		hkdfSync('sha256', shared, Buffer.from(subscription.keys.auth, 'base64url'), keyInfo, 32)
	);
	const cek = Buffer.from(hkdfSync('sha256', ikm, salt, 'Content-Encoding: aes128gcm\0', 16));
	const baseNonce = Buffer.from(hkdfSync('sha256', ikm, salt, 'Content-Encoding: nonce\0', 12));
	const records: Buffer[] = [];
	const content = body.subarray(21 + idLength);
	for (let offset = 0, seq = 0; offset < content.length; offset += recordSize, seq++) {
		const record = content.subarray(offset, offset + recordSize);
		if (record.length < 17) throw new Error('record too short');
		const nonce = Buffer.from(baseNonce);
		nonce.writeUInt32BE((nonce.readUInt32BE(8) ^ seq) >>> 0, 8);
		const decipher = createDecipheriv('aes-128-gcm', cek, nonce);
		decipher.setAuthTag(record.subarray(record.length - 16));
		const padded = Buffer.concat([decipher.update(record.subarray(0, -16)), decipher.final()]);
		const last = offset + recordSize >= content.length;
		let end = padded.length - 1;
		while (end >= 0 && padded[end] === 0) end--;
		if (padded[end] !== (last ? 2 : 1)) throw new Error('bad padding delimiter');
		records.push(padded.subarray(0, end));
	}
	return Buffer.concat(records);
}
