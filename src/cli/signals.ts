// `--signum`: the signal numbers keepalived 2.2.7 uses for each function on x86-64 Linux.
export const SIGNAL_FUNCTIONS: Record<string, number> = {
  STOP: 15, // SIGTERM
  RELOAD: 1, // SIGHUP
  DATA: 10, // SIGUSR1
  STATS: 12, // SIGUSR2
  STATS_CLEAR: 63, // SIGRTMAX - 1
  JSON: 36, // SIGRTMIN + 2
};
