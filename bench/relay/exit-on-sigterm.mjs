// Preloaded into a relay only when profiling: a process killed by a signal never writes its
// --cpu-prof file, so SIGTERM has to become an ordinary exit.
process.once('SIGTERM', () => process.exit(0));
