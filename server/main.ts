/**
 * The relay's command line: `node --import tsx server/main.ts`, configured by environment
 * variables (README.md, "Configuration"). Prints one JSON line per event; `"event":"listening"`
 * carries the port. SIGTERM or SIGINT shut down gracefully and exit 0.
 */
import { readRelayConfig, type RelayConfig } from './config';
import { createLogger, describeError } from './logger';
import { startRelayServer } from './relay-server';

// Before anything is created: the database and its directory are readable by this user only.
// Worker threads cannot change the umask, so the process sets it for the storage worker too.
process.umask(0o077);

const bootLogger = createLogger('info');
let config: RelayConfig;
try {
	config = readRelayConfig();
} catch (error) {
	bootLogger.error('invalid_configuration', { error: describeError(error) });
	process.exit(1);
}
const logger = createLogger(config.logLevel);

process.on('uncaughtException', (error) => {
	// A bug: state may be inconsistent, so exit and let the supervisor restart us. What storage
	// committed is safe (see SqliteDatabase).
	logger.error('fatal', { error: describeError(error), stack: error.stack });
	process.exit(1);
});

try {
	const relay = await startRelayServer({ ...config, logger });
	// Printed whatever LOG_LEVEL says: scripts and tests read the actual port from it.
	bootLogger.info('listening', {
		port: relay.port,
		host: config.host,
		url: relay.url,
		storage: config.cluster === undefined ? 'sqlite' : 'postgres',
		nodeId: config.cluster?.nodeId ?? null,
		dataDir: config.cluster === undefined ? config.dataDir : null,
		staticDir: config.staticDir ?? null
	});
	let signalled = false;
	const stop = (signal: NodeJS.Signals) => {
		if (signalled) {
			logger.warn('forced_exit', { signal });
			process.exit(1);
		}
		signalled = true;
		logger.info('shutting_down', { signal });
		relay.close().then(
			() => {
				logger.info('stopped', {});
				process.exit(0);
			},
			(error: unknown) => {
				logger.error('shutdown_failed', { error: describeError(error) });
				process.exit(1);
			}
		);
	};
	process.on('SIGTERM', stop);
	process.on('SIGINT', stop);
} catch (error) {
	logger.error('start_failed', { error: describeError(error) });
	process.exit(1);
}
