import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { FromGenerator, ToGenerator } from './generator-protocol';

const GENERATOR_ENTRY = fileURLToPath(new URL('./load-generator.ts', import.meta.url));

/** The load generator child process, driven by request/answer over IPC. */
export class GeneratorProcess {
	readonly #child: ChildProcess;
	readonly #listeners = new Set<(message: FromGenerator) => void>();

	constructor() {
		this.#child = fork(GENERATOR_ENTRY, [], { execArgv: ['--import', 'tsx'], stdio: 'inherit' });
		this.#child.on('message', (message: FromGenerator) => {
			for (const listener of this.#listeners) listener(message);
		});
	}

	/** The generator's pid, for reading its CPU from /proc. */
	get pid(): number {
		if (this.#child.pid === undefined) throw new Error('load generator did not start');
		return this.#child.pid;
	}

	/** Calls `listener` for every message of `type` until the process ends. */
	on<T extends FromGenerator['type']>(
		type: T,
		listener: (message: Extract<FromGenerator, { type: T }>) => void
	): void {
		this.#listeners.add((message) => {
			if (message.type === type) listener(message as Extract<FromGenerator, { type: T }>);
		});
	}

	/** Sends `request` and resolves with the first `answer` message; rejects on failure or exit. */
	request<T extends FromGenerator['type']>(
		request: ToGenerator,
		answer: T
	): Promise<Extract<FromGenerator, { type: T }>> {
		return new Promise((resolve, reject) => {
			const onExit = (code: number | null): void =>
				reject(new Error(`load generator exited with code ${code}`));
			const listener = (message: FromGenerator): void => {
				if (message.type === 'failed') reject(new Error(`load generator: ${message.message}`));
				if (message.type !== answer) return;
				this.#listeners.delete(listener);
				this.#child.off('exit', onExit);
				resolve(message as Extract<FromGenerator, { type: T }>);
			};
			this.#listeners.add(listener);
			this.#child.once('exit', onExit);
			this.#child.send(request);
		});
	}

	/** Ends the process if it is still running. */
	kill(): void {
		if (this.#child.exitCode === null && this.#child.signalCode === null) this.#child.kill();
	}
}
