import { Redis } from 'ioredis';

/** The Redis the cluster tests run against (`TEST_REDIS_URL`, or the local one). */
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/**
 * A connection to the test Redis, once it answered a PING. Fails loudly when Redis does not
 * answer: these tests never skip themselves.
 */
export async function connectTestRedis(): Promise<Redis> {
	const redis = new Redis(TEST_REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
	redis.on('error', () => {});
	try {
		await redis.connect();
		await redis.ping();
	} catch (error) {
		redis.disconnect();
		throw new Error(`Redis at ${TEST_REDIS_URL} does not answer (start it, see README "Tests")`, {
			cause: error
		});
	}
	return redis;
}

/** Closes every connection to `redis` named `name`; resolves how many there were. */
export async function killClientsNamed(redis: Redis, name: string): Promise<number> {
	const list = (await redis.client('LIST')) as string;
	const ids = list
		.split('\n')
		.filter((line) => line.includes(` name=${name} `))
		.map((line) => /\bid=(\d+)/.exec(line)?.[1])
		.filter((id): id is string => id !== undefined);
	for (const id of ids) await redis.client('KILL', 'ID', id);
	return ids.length;
}

/** Whether a connection named `name` is open on `redis`. */
export async function hasClientNamed(redis: Redis, name: string): Promise<boolean> {
	const list = (await redis.client('LIST')) as string;
	return list.split('\n').some((line) => line.includes(` name=${name} `));
}
