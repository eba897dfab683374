// A request's time limit. On an event loop running seconds behind, the timer and the kernel's answer can be
// due together, and timers run before I/O: the answer gets one turn of I/O (setImmediate follows the poll
// phase) before the request is given up.
export function requestDeadline(ms: number, stillPending: () => boolean, giveUp: () => void): NodeJS.Timeout {
  return setTimeout(() => setImmediate(() => {
    if (stillPending()) giveUp();
  }), ms);
}
