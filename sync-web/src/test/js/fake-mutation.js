// A mutation of sync.js's contract, driven by the test: mutate(vars) returns a call whose state
// the test moves with call.set(status, more). Equal variables while a call is not final return it.

const FINAL = new Set(['success', 'error', 'dead']);

export function fakeMutation(maxAttempts = 3) {
  const calls = [];
  return {
    calls,
    mutate(variables) {
      const same = calls.find((c) => !FINAL.has(c.state.status) && JSON.stringify(c.variables) === JSON.stringify(variables));
      if (same) return same;
      const listeners = new Set();
      let resolve;
      const call = {
        key: `key-${calls.length + 1}`,
        variables,
        state: Object.freeze({ status: 'pending', attempt: 1, maxAttempts, data: undefined, problem: undefined }),
        result: new Promise((r) => { resolve = r; }),
        subscribe(listener) {
          listeners.add(listener);
          return () => listeners.delete(listener);
        },
        listenerCount: () => listeners.size,
        set(status, more = {}) {
          call.state = Object.freeze({ ...call.state, status, ...more });
          if (status === 'success') resolve(call.state.data);
          for (const l of [...listeners]) l(call.state);
        },
        cancel() {},
      };
      calls.push(call);
      return call;
    },
  };
}
