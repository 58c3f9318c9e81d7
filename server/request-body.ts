import type { IncomingMessage } from 'node:http';

/** A request's body as text, or 'too-large' as soon as it passes `limit` bytes. */
export async function readBody(req: IncomingMessage, limit: number): Promise<string | 'too-large'> {
	const chunks: Buffer[] = [];
	let length = 0;
	for await (const chunk of req as AsyncIterable<Buffer>) {
		length += chunk.length;
		if (length > limit) return 'too-large';
		chunks.push(chunk);
	}
	return Buffer.concat(chunks).toString('utf8');
}
