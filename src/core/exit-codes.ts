// keepalived's child exit codes (KEEPALIVED.md §2.2): the parent stops the daemon on the permanent ones.
export const EXIT_OK = 0;
export const EXIT_FATAL = 1;
export const EXIT_CONFIG = 2;
