// The one listener loop of sync-web. Each listener is isolated: one that throws is reported and
// the others still run (the contract of the Java client's listeners).

/** Reports an error no caller can catch (a listener's, a background replay's) to the page. */
export const report = (e) => (globalThis.reportError ?? console.error)(e);

/** Adds `listener` to `set`; returns the function that removes it. */
export function listen(set, listener) {
  set.add(listener);
  return () => { set.delete(listener); };
}

/** Calls every listener of `set` with `args`, each in its own try/catch. */
export function notify(set, ...args) {
  for (const listener of [...set]) {
    try { listener(...args); } catch (e) { report(e); }
  }
}
