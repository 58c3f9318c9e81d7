import type { Logger } from './logger';
import { describeError } from './logger';
import type { RelayMetrics } from './metrics';
import type { DocumentFanout } from './fanout/document-fanout';
import { RedisFanout } from './fanout/redis-fanout';
import { PostgresStorage } from './storage/postgres-storage';

/** How a relay node joins a cluster (README.md, "Cluster"). */
export interface ClusterOptions {
	/** PostgreSQL, the durable store shared by every node. */
	databaseUrl: string;
	/** Redis, for the fan-out between nodes; without it the node serves alone on PostgreSQL. */
	redisUrl?: string;
	/** This node's id, unique in the cluster. */
	nodeId: string;
	/** Schema of the relay's tables (default: the connection's search path). */
	schema?: string;
	/** Prefix of the Redis channels (default `triad:`), to keep clusters on one Redis apart. */
	channelPrefix?: string;
}

/** The storage and fan-out of a cluster node. */
export interface ClusterNode {
	storage: PostgresStorage;
	fanout: DocumentFanout | null;
}

/** Connects to PostgreSQL (failing if it does not answer) and to Redis (whenever it answers). */
export async function openClusterNode(
	options: ClusterOptions,
	flushDelayMs: number | undefined,
	metrics: RelayMetrics,
	logger: Logger
): Promise<ClusterNode> {
	const storage = await PostgresStorage.open({
		connectionString: options.databaseUrl,
		schema: options.schema,
		flushDelayMs,
		onBackgroundError: (error) => {
			metrics.failed('storage_write');
			logger.error('storage_write_failed', { error: describeError(error) });
		}
	});
	const fanout =
		options.redisUrl === undefined
			? null
			: new RedisFanout({
					url: options.redisUrl,
					nodeId: options.nodeId,
					storage,
					channelPrefix: options.channelPrefix,
					logger,
					metrics
				});
	return { storage, fanout };
}
