import type { BrowserContext, WebSocketRoute } from 'playwright-core';

/**
 * Takes one device off the network and back, WebSockets included.
 *
 * `context.setOffline(true)` fails new requests but leaves an open WebSocket connected in
 * Chromium, so a member "offline" that way would keep syncing. Here every relay WebSocket of the
 * context runs through Playwright to the real relay; going offline closes them and refuses new
 * ones, exactly what a device without network sees, while `setOffline` covers HTTP.
 */
export class NetworkSwitch {
	#offline = false;
	#open = new Set<WebSocketRoute>();

	private constructor(private readonly context: BrowserContext) {}

	/** Installs the switch; call before the context opens any page. */
	static async install(context: BrowserContext): Promise<NetworkSwitch> {
		const network = new NetworkSwitch(context);
		await context.routeWebSocket(/\/sync\//, (socket) => network.#route(socket));
		return network;
	}

	get offline(): boolean {
		return this.#offline;
	}

	async goOffline(): Promise<void> {
		this.#offline = true;
		await this.context.setOffline(true);
		const open = [...this.#open];
		this.#open.clear();
		await Promise.all(open.map((socket) => socket.close({ code: 4000, reason: 'offline' })));
	}

	async goOnline(): Promise<void> {
		this.#offline = false;
		await this.context.setOffline(false);
	}

	#route(socket: WebSocketRoute): void {
		if (this.#offline) {
			void socket.close({ code: 4000, reason: 'offline' });
			return;
		}
		const relay = socket.connectToServer();
		this.#open.add(socket);
		socket.onClose(() => {
			this.#open.delete(socket);
			void relay.close();
		});
		relay.onClose(() => {
			this.#open.delete(socket);
			void socket.close();
		});
	}
}
