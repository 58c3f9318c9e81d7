import { describe, expect, it } from 'vitest';
import {
	CLOSE_ACCESS_CHANGED,
	CLOSE_DOCUMENT_TOO_LARGE,
	CLOSE_GOING_AWAY,
	CLOSE_INTERNAL_ERROR,
	CLOSE_MISSING_TOKEN,
	CLOSE_POLICY_VIOLATION,
	CLOSE_READ_ONLY,
	CLOSE_TOO_MANY_REQUESTS,
	CLOSE_TRY_AGAIN_LATER,
	CLOSE_WRONG_TOKEN,
	refusalKind
} from './close-codes';

describe('refusalKind', () => {
	it('names every refusal the app tells apart', () => {
		expect(refusalKind(CLOSE_MISSING_TOKEN)).toBe('no-access');
		expect(refusalKind(CLOSE_WRONG_TOKEN)).toBe('no-access');
		expect(refusalKind(CLOSE_READ_ONLY)).toBe('read-only');
		expect(refusalKind(CLOSE_ACCESS_CHANGED)).toBe('access-changed');
		expect(refusalKind(CLOSE_DOCUMENT_TOO_LARGE)).toBe('document-too-large');
		expect(refusalKind(CLOSE_TOO_MANY_REQUESTS)).toBe('too-many-requests');
	});

	it('leaves outages, which retrying fixes, to the reconnect loop', () => {
		for (const code of [
			CLOSE_GOING_AWAY,
			CLOSE_POLICY_VIOLATION,
			CLOSE_INTERNAL_ERROR,
			CLOSE_TRY_AGAIN_LATER,
			1006
		]) {
			expect(refusalKind(code), String(code)).toBeNull();
		}
	});

	it('keeps every refusal in the range y-websocket stops reconnecting on', () => {
		for (const code of [
			CLOSE_MISSING_TOKEN,
			CLOSE_WRONG_TOKEN,
			CLOSE_READ_ONLY,
			CLOSE_ACCESS_CHANGED,
			CLOSE_DOCUMENT_TOO_LARGE,
			CLOSE_TOO_MANY_REQUESTS
		]) {
			expect(code >= 4400 && code < 4500, String(code)).toBe(true);
		}
	});
});
