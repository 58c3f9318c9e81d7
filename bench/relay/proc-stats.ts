import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const CLOCK_TICKS_PER_SECOND =
	Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

/** CPU time a process has used so far, paired with when it was read. */
export interface CpuReading {
	readonly cpuSeconds: number;
	readonly atMs: number;
}

/** utime + stime of `pid` from /proc/<pid>/stat. */
export function readCpu(pid: number): CpuReading {
	const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
	// The command name (field 2) may contain spaces; fields after it are fixed positions.
	const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
	const userTicks = Number(fields[11]);
	const systemTicks = Number(fields[12]);
	return {
		cpuSeconds: (userTicks + systemTicks) / CLOCK_TICKS_PER_SECOND,
		atMs: performance.now()
	};
}

/** CPU used between two readings, as a percentage of one core. */
export function cpuPercent(before: CpuReading, after: CpuReading): number {
	const wallSeconds = (after.atMs - before.atMs) / 1000;
	return wallSeconds > 0
		? ((after.cpuSeconds - before.cpuSeconds) / wallSeconds) * 100
		: Number.NaN;
}

/** Resident memory now (VmRSS) and its high-water mark so far (VmHWM), in MiB. */
export function readMemory(pid: number): { rssMiB: number; peakRssMiB: number } {
	const status = readFileSync(`/proc/${pid}/status`, 'utf8');
	const kib = (field: string): number => {
		const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
		return match ? Number(match[1]) : Number.NaN;
	};
	return { rssMiB: kib('VmRSS') / 1024, peakRssMiB: kib('VmHWM') / 1024 };
}
