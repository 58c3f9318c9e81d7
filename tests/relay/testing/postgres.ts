import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The PostgreSQL the cluster tests run against (`TEST_DATABASE_URL`, or the local one). */
export const TEST_DATABASE_URL =
	process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/**
 * A fresh, empty schema on the test database, and a way to drop it. Fails loudly when
 * PostgreSQL does not answer: these tests never skip themselves.
 */
export async function freshSchema(): Promise<{ schema: string; drop: () => Promise<void> }> {
	const schema = `triad_test_${randomBytes(6).toString('hex')}`;
	const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
	try {
		await client.connect();
	} catch (error) {
		throw new Error(
			`PostgreSQL at ${TEST_DATABASE_URL} does not answer (start it, see README "Tests"): ${String(error)}`,
			{ cause: error }
		);
	}
	try {
		await client.query(`CREATE SCHEMA ${schema}`);
	} finally {
		await client.end();
	}
	return {
		schema,
		drop: async () => {
			const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
			await admin.connect();
			try {
				await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
			} finally {
				await admin.end();
			}
		}
	};
}
