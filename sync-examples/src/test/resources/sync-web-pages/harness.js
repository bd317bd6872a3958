// Shared by the test pages: traceStates(name, root, view) records every distinct view of a
// button, as "state" or "state:progress", in traces[name], with what the user could do and read
// at that moment in views[name]; a MutationObserver sees each change, so no state goes unseen.
globalThis.traces = {};
globalThis.views = {};
globalThis.fired = [];
globalThis.traceStates = (name, root, view) => {
  const trace = (globalThis.traces[name] = []);
  const seen = (globalThis.views[name] = []);
  const record = () => {
    const v = view();
    const entry = v.progress ? `${v.state}:${v.progress}` : v.state;
    if (trace[trace.length - 1] !== entry) {
      trace.push(entry);
      seen.push(v);
    }
  };
  new MutationObserver(record).observe(root, { attributes: true, subtree: true, childList: true, characterData: true });
  record();
};
