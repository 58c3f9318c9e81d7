import { describe, expect, it } from 'vitest';
import {
	MAX_PUSH_DOCUMENTS,
	parsePushDeviceKey,
	parsePushMessage,
	parsePushSubscribeRequest,
	parsePushUnsubscribeRequest,
	pushDeviceKey
} from './push';
import { encodeBase64url } from './base64url';

const point = encodeBase64url(new Uint8Array([4, ...new Uint8Array(64).fill(7)]));
const auth = encodeBase64url(new Uint8Array(16).fill(9));
const subscription = { endpoint: 'https://push.example/abc', keys: { p256dh: point, auth } };
const docId = 'AAAAAAAAAAAAAAAAAAAAAA';
const token = 'T'.repeat(43);

describe('parsePushSubscribeRequest', () => {
	it('reads a subscription with its documents', () => {
		expect(parsePushSubscribeRequest({ subscription, documents: [{ docId, token }] })).toEqual({
			subscription,
			documents: [{ docId, token }]
		});
	});

	it.each([
		['nothing', null],
		['an array', []],
		['no documents', { subscription, documents: [] }],
		[
			'a repeated document',
			{
				subscription,
				documents: [
					{ docId, token },
					{ docId, token }
				]
			}
		],
		[
			'too many documents',
			{
				subscription,
				documents: Array.from({ length: MAX_PUSH_DOCUMENTS + 1 }, (_, i) => ({
					docId: `${String(i).padStart(4, '0')}AAAAAAAAAAAAAAAAAA`,
					token
				}))
			}
		],
		['a malformed token', { subscription, documents: [{ docId, token: 'short' }] }],
		['a malformed document id', { subscription, documents: [{ docId: 'x', token }] }],
		[
			'an http endpoint',
			{
				subscription: { ...subscription, endpoint: 'http://push.example/a' },
				documents: [{ docId, token }]
			}
		],
		[
			'an endpoint with credentials',
			{
				subscription: { ...subscription, endpoint: 'https://u:p@push.example/a' },
				documents: [{ docId, token }]
			}
		],
		[
			'a huge endpoint',
			{
				subscription: { ...subscription, endpoint: `https://push.example/${'a'.repeat(1100)}` },
				documents: [{ docId, token }]
			}
		],
		[
			'a key that is no P-256 point',
			{
				subscription: { ...subscription, keys: { p256dh: auth, auth } },
				documents: [{ docId, token }]
			}
		],
		[
			'an auth secret of the wrong size',
			{
				subscription: { ...subscription, keys: { p256dh: point, auth: point } },
				documents: [{ docId, token }]
			}
		],
		[
			'keys that are not strings',
			{
				subscription: { ...subscription, keys: { p256dh: 1, auth: 2 } },
				documents: [{ docId, token }]
			}
		]
	])('refuses %s', (_what, body) => {
		expect(parsePushSubscribeRequest(body)).toBeNull();
	});
});

describe('the other push messages', () => {
	it('reads an unsubscribe body', () => {
		expect(parsePushUnsubscribeRequest({ endpoint: subscription.endpoint })).toEqual({
			endpoint: subscription.endpoint
		});
		expect(parsePushUnsubscribeRequest({ endpoint: 'ftp://x' })).toBeNull();
		expect(parsePushUnsubscribeRequest('x')).toBeNull();
	});

	it('reads a push payload: a document id and nothing that passes for one', () => {
		expect(parsePushMessage({ doc: docId })).toEqual({ doc: docId });
		expect(parsePushMessage({ doc: 'nope' })).toBeNull();
		expect(parsePushMessage(null)).toBeNull();
		expect(parsePushMessage([docId])).toBeNull();
	});

	it('derives the device key both ends compute, and reads only its shape', async () => {
		const key = await pushDeviceKey(subscription.endpoint);
		expect(parsePushDeviceKey(key)).toBe(key);
		expect(key).not.toBe(await pushDeviceKey(`${subscription.endpoint}x`));
		expect(parsePushDeviceKey('short')).toBeNull();
		expect(parsePushDeviceKey(null)).toBeNull();
	});
});
