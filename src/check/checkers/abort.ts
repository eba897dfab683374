// Settling at the deadline even when the work behind a promise does not listen to the signal.
/** Resolves as `work` does, or with `onAbort()` as soon as `signal` aborts, whichever comes first. */
export function untilAborted<T>(work: Promise<T>, signal: AbortSignal, onAbort: () => T): Promise<T> {
  if (signal.aborted) {
    work.catch(() => {});
    return Promise.resolve(onAbort());
  }
  return new Promise((resolve, reject) => {
    const abort = () => resolve(onAbort());
    signal.addEventListener('abort', abort, { once: true });
    work.then(
      (v) => { signal.removeEventListener('abort', abort); resolve(v); },
      (e) => { signal.removeEventListener('abort', abort); reject(e); },
    );
  });
}
