/**
 * Reads the Triad relay's Prometheus counters (GET /metrics), keyed by sample name with its
 * labels, e.g. `triad_relay_errors_total{kind="rate_limited"}`. Returns null for a relay that
 * has none (the baseline answers every path with "okay").
 */
export async function readRelayMetrics(httpUrl: string): Promise<Record<string, number> | null> {
	const response = await fetch(`${httpUrl}/metrics`).catch(() => null);
	if (response === null || !response.ok) return null;
	const samples: Record<string, number> = {};
	for (const line of (await response.text()).split('\n')) {
		const match = /^(triad_relay_\S+)\s+(\S+)$/.exec(line);
		if (match) samples[match[1] as string] = Number(match[2]);
	}
	return Object.keys(samples).length > 0 ? samples : null;
}
