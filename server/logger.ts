/** Severity of a log line; lines below the configured level are dropped. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

const LEVEL_RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** Fields of a log line besides time, level and event. Never put a token or a raw URL here. */
export type LogFields = Record<string, string | number | boolean | null | undefined>;

/** Writes one JSON object per line: `{"time","level","event",...fields}`. */
export interface Logger {
	/** Whether lines of `level` are written; lets hot paths skip building fields. */
	enabled(level: LogLevel): boolean;
	debug(event: string, fields?: LogFields): void;
	info(event: string, fields?: LogFields): void;
	warn(event: string, fields?: LogFields): void;
	error(event: string, fields?: LogFields): void;
}

/** Whether `value` names a log level. */
export function isLogLevel(value: string): value is LogLevel {
	return value in LEVEL_RANK;
}

/**
 * A logger writing lines of `level` and above through `write` (default: stdout). A field that
 * is undefined is left out.
 */
export function createLogger(
	level: LogLevel = 'info',
	write: (line: string) => void = (line) => process.stdout.write(line)
): Logger {
	const threshold = LEVEL_RANK[level];
	const log = (lineLevel: LogLevel, event: string, fields?: LogFields) => {
		if (LEVEL_RANK[lineLevel] < threshold) return;
		const line = { time: new Date().toISOString(), level: lineLevel, event, ...fields };
		write(JSON.stringify(line) + '\n');
	};
	return {
		enabled: (lineLevel) => LEVEL_RANK[lineLevel] >= threshold,
		debug: (event, fields) => log('debug', event, fields),
		info: (event, fields) => log('info', event, fields),
		warn: (event, fields) => log('warn', event, fields),
		error: (event, fields) => log('error', event, fields)
	};
}

/** A loggable form of an error: its message, never its stack or attached objects. */
export function describeError(error: unknown): string {
	return error instanceof Error ? error.message : String(error);
}
