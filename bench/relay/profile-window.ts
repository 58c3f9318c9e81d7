/**
 * Name of the file, next to a run's CPU profiles, holding the measurement window as
 * `{ startUs, endUs }` on the monotonic clock V8 stamps samples with (process.hrtime).
 */
export const PROFILE_WINDOW_FILE = 'window.json';
