/** Why an upgrade or a connection was refused; a label of `triad_relay_refusals_total`. */
export type RefusalReason =
	| 'bad_path'
	| 'bad_room'
	| 'missing_token'
	| 'malformed_token'
	| 'wrong_token'
	| 'retired_token'
	| 'unknown_to_viewer'
	| 'too_many_documents'
	| 'shutting_down'
	| 'storage_error'
	| 'address_connection_limit'
	| 'address_registration_limit'
	| 'address_loaded_document_limit'
	| 'room_connection_limit'
	| 'room_fanout_limit'
	| 'document_size_limit'
	| 'storage_limit'
	| 'pending_headers_limit';

/** What went wrong on a connection; a label of `triad_relay_errors_total`. */
export type ErrorKind =
	| 'text_frame'
	| 'malformed_message'
	| 'unknown_message_type'
	| 'invalid_update'
	| 'invalid_awareness'
	| 'message_too_big'
	| 'rate_limited'
	| 'queue_overflow'
	| 'pong_timeout'
	| 'slow_consumer'
	| 'socket_error'
	| 'load_failed'
	| 'compaction_refused'
	| 'storage_write'
	| 'read_only'
	| 'wrong_token';

/**
 * The relay's counters and gauges, as plain fields so the message hot path only does
 * additions. Rendered in the Prometheus text format by {@link renderMetrics}.
 */
export class RelayMetrics {
	connections = 0;
	loadedDocuments = 0;
	/** Bytes of document data in storage (see `RelayStorage.storedBytes`), read when rendered. */
	storedBytes = 0;
	/** Sockets that have not finished sending their request headers. */
	socketsAwaitingHeaders = 0;
	messagesReceived = 0;
	bytesReceived = 0;
	messagesSent = 0;
	bytesSent = 0;
	storageAppends = 0;
	storageCompactions = 0;
	/** Documents reloaded from storage because fan-out messages may have been lost (cluster). */
	clusterRepairs = 0;
	/** Updates this node published to the other nodes (cluster). */
	clusterPublished = 0;
	/** Publications that failed (the broker was out of reach); receivers repair them. */
	clusterPublishFailures = 0;
	/** Updates received from other nodes (cluster). */
	clusterReceived = 0;
	/** Gaps seen in another node's numbering, each followed by a repair (cluster). */
	clusterGaps = 0;
	/** Whether the fan-out broker is connected (1) or not (0); null outside a cluster with one. */
	clusterBrokerUp: number | null = null;
	/** Times the fan-out broker connection came back after it was lost. */
	clusterBrokerReconnects = 0;
	/** Delay from another node's publication of an update to its arrival here. */
	readonly clusterLag = new Histogram(LAG_BUCKETS_MS);
	receiptsSent = 0;
	accessRotations = 0;
	accessChangedCloses = 0;
	awarenessRefused = 0;
	/** Pushes a push service accepted. */
	pushesSent = 0;
	/** Changes that found a push to their subscription already sent or waiting (coalesced). */
	pushesCoalesced = 0;
	/** Pushes that failed (push service errors, timeouts) or could not be looked up. */
	pushFailures = 0;
	/** Subscriptions deleted because the push service no longer knows them (404, 410). */
	pushSubscriptionsExpired = 0;
	/** Subscribe requests that stored a subscription. */
	pushSubscribes = 0;
	/** Subscribe and unsubscribe requests refused (malformed, oversize, wrong token, rate). */
	pushRefusals = 0;
	readonly refusals = new Map<RefusalReason, number>();
	readonly errors = new Map<ErrorKind, number>();

	/** Counts one refusal. */
	refused(reason: RefusalReason): void {
		this.refusals.set(reason, (this.refusals.get(reason) ?? 0) + 1);
	}

	/** Counts one error. */
	failed(kind: ErrorKind): void {
		this.errors.set(kind, (this.errors.get(kind) ?? 0) + 1);
	}
}

/** Upper bounds of the cross-node lag histogram's buckets, in ms. */
const LAG_BUCKETS_MS = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 10_000] as const;

/** A Prometheus histogram: counts per upper bound (cumulated when rendered), sum and count. */
export class Histogram {
	readonly #counts: number[];
	sum = 0;
	count = 0;
	/** The largest value observed. */
	max = 0;

	constructor(readonly bounds: readonly number[]) {
		this.#counts = bounds.map(() => 0);
	}

	observe(value: number): void {
		const bucket = this.bounds.findIndex((bound) => value <= bound);
		if (bucket >= 0) this.#counts[bucket] = (this.#counts[bucket] ?? 0) + 1;
		this.sum += value;
		this.count++;
		if (value > this.max) this.max = value;
	}

	/** Lines of the histogram named `name`, buckets cumulated as Prometheus reads them. */
	render(name: string): string[] {
		let cumulated = 0;
		const lines = this.bounds.map((bound, i) => {
			cumulated += this.#counts[i] ?? 0;
			return `${name}_bucket{le="${bound / 1000}"} ${cumulated}`;
		});
		lines.push(`${name}_bucket{le="+Inf"} ${this.count}`);
		lines.push(`${name}_sum ${this.sum / 1000}`);
		lines.push(`${name}_count ${this.count}`);
		return lines;
	}
}

function family(
	name: string,
	type: 'gauge' | 'counter' | 'histogram',
	help: string,
	lines: string[]
): string {
	return `# HELP ${name} ${help}\n# TYPE ${name} ${type}\n${lines.join('\n')}\n`;
}

function labelled(name: string, label: string, values: Map<string, number>): string[] {
	if (values.size === 0) return [];
	return [...values].map(([value, count]) => `${name}{${label}="${value}"} ${count}`);
}

/** The metrics in the Prometheus text exposition format (version 0.0.4). */
export function renderMetrics(metrics: RelayMetrics): string {
	const p = 'triad_relay_';
	return [
		family(`${p}connections`, 'gauge', 'Open WebSocket connections.', [
			`${p}connections ${metrics.connections}`
		]),
		family(`${p}loaded_documents`, 'gauge', 'Documents loaded in memory.', [
			`${p}loaded_documents ${metrics.loadedDocuments}`
		]),
		family(`${p}stored_bytes`, 'gauge', 'Bytes of document data in storage.', [
			`${p}stored_bytes ${metrics.storedBytes}`
		]),
		family(
			`${p}sockets_awaiting_headers`,
			'gauge',
			'Sockets that have not finished sending their request headers.',
			[`${p}sockets_awaiting_headers ${metrics.socketsAwaitingHeaders}`]
		),
		family(`${p}messages_received_total`, 'counter', 'WebSocket messages received.', [
			`${p}messages_received_total ${metrics.messagesReceived}`
		]),
		family(`${p}bytes_received_total`, 'counter', 'Bytes of WebSocket messages received.', [
			`${p}bytes_received_total ${metrics.bytesReceived}`
		]),
		family(`${p}messages_sent_total`, 'counter', 'WebSocket messages sent.', [
			`${p}messages_sent_total ${metrics.messagesSent}`
		]),
		family(`${p}bytes_sent_total`, 'counter', 'Bytes of WebSocket messages sent.', [
			`${p}bytes_sent_total ${metrics.bytesSent}`
		]),
		family(`${p}storage_writes_total`, 'counter', 'Updates appended to storage.', [
			`${p}storage_writes_total ${metrics.storageAppends}`
		]),
		family(`${p}storage_compactions_total`, 'counter', 'Document compactions in storage.', [
			`${p}storage_compactions_total ${metrics.storageCompactions}`
		]),
		family(`${p}cluster_repairs_total`, 'counter', 'Documents repaired from storage.', [
			`${p}cluster_repairs_total ${metrics.clusterRepairs}`
		]),
		family(`${p}cluster_published_total`, 'counter', 'Updates published to other nodes.', [
			`${p}cluster_published_total ${metrics.clusterPublished}`
		]),
		family(
			`${p}cluster_publish_failures_total`,
			'counter',
			'Publications to other nodes that failed (repaired by the receivers).',
			[`${p}cluster_publish_failures_total ${metrics.clusterPublishFailures}`]
		),
		family(`${p}cluster_received_total`, 'counter', 'Updates received from other nodes.', [
			`${p}cluster_received_total ${metrics.clusterReceived}`
		]),
		family(
			`${p}cluster_gaps_total`,
			'counter',
			"Gaps seen in another node's numbering of its updates.",
			[`${p}cluster_gaps_total ${metrics.clusterGaps}`]
		),
		family(
			`${p}cluster_lag_seconds`,
			'histogram',
			"From another node's publication of an update to its arrival here (clocks of both).",
			metrics.clusterLag.render(`${p}cluster_lag_seconds`)
		),
		family(
			`${p}cluster_lag_max_seconds`,
			'gauge',
			'The longest publication-to-arrival delay seen.',
			[`${p}cluster_lag_max_seconds ${metrics.clusterLag.max / 1000}`]
		),
		family(
			`${p}cluster_broker_up`,
			'gauge',
			'Whether the fan-out broker (Redis) is connected; absent without one.',
			metrics.clusterBrokerUp === null ? [] : [`${p}cluster_broker_up ${metrics.clusterBrokerUp}`]
		),
		family(
			`${p}cluster_broker_reconnects_total`,
			'counter',
			'Times the fan-out broker connection came back after it was lost.',
			[`${p}cluster_broker_reconnects_total ${metrics.clusterBrokerReconnects}`]
		),
		family(`${p}receipts_sent_total`, 'counter', 'Receipts sent for committed updates.', [
			`${p}receipts_sent_total ${metrics.receiptsSent}`
		]),
		family(`${p}access_rotations_total`, 'counter', 'Rotations of a document access.', [
			`${p}access_rotations_total ${metrics.accessRotations}`
		]),
		family(
			`${p}access_changed_closes_total`,
			'counter',
			'Connections closed because their document access was rotated.',
			[`${p}access_changed_closes_total ${metrics.accessChangedCloses}`]
		),
		family(
			`${p}awareness_refused_total`,
			'counter',
			"Awareness entries dropped for writing another connection's presence.",
			[`${p}awareness_refused_total ${metrics.awarenessRefused}`]
		),
		family(`${p}pushes_sent_total`, 'counter', 'Pushes accepted by a push service.', [
			`${p}pushes_sent_total ${metrics.pushesSent}`
		]),
		family(
			`${p}pushes_coalesced_total`,
			'counter',
			'Document changes folded into a push already sent or waiting.',
			[`${p}pushes_coalesced_total ${metrics.pushesCoalesced}`]
		),
		family(`${p}push_failures_total`, 'counter', 'Pushes that failed.', [
			`${p}push_failures_total ${metrics.pushFailures}`
		]),
		family(
			`${p}push_subscriptions_expired_total`,
			'counter',
			'Push subscriptions deleted because the push service answered 404 or 410.',
			[`${p}push_subscriptions_expired_total ${metrics.pushSubscriptionsExpired}`]
		),
		family(`${p}push_subscribes_total`, 'counter', 'Push subscriptions stored.', [
			`${p}push_subscribes_total ${metrics.pushSubscribes}`
		]),
		family(`${p}push_refusals_total`, 'counter', 'Push requests refused.', [
			`${p}push_refusals_total ${metrics.pushRefusals}`
		]),
		family(
			`${p}refusals_total`,
			'counter',
			'Upgrades or connections refused, by reason.',
			labelled(`${p}refusals_total`, 'reason', metrics.refusals)
		),
		family(
			`${p}errors_total`,
			'counter',
			'Connections closed on an error, by kind.',
			labelled(`${p}errors_total`, 'kind', metrics.errors)
		)
	].join('');
}
