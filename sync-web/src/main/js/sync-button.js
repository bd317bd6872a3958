// <sync-button>: a button bound to a mutation, for any page (a Web Component, no framework).
//
//   <script type="module" src="/webjars/closedloop-sync/sync-button.js"></script>
//   <sync-button id="confirm" loading-text="Confirming…" success-text="Confirmed ✓"
//                confirm="Confirm this booking?" progress>Confirm booking</sync-button>
//   document.getElementById('confirm').mutation = client.mutation('confirm', { ... });
//   document.getElementById('confirm').variables = () => ({ id: select.value });
//
// Light DOM only, so the page's CSS styles every part: a native <button class="sync-button-button">
// holding the element's own content (<span class="sync-button-label">) and the progress
// (<span class="sync-button-progress">), then a <span class="sync-button-status" role="status">
// (the aria-live region that announces outcomes), and a <dialog class="sync-button-dialog"> when
// `confirm` is set. The state is on the element as data-state (idle, pending, success, error,
// queued) and aria-busy, for CSS and tests.

import { syncButtonView, DEFAULT_SUCCESS_DURATION_MS } from './button-view.js';

export { syncButtonView, describe, DEFAULT_SUCCESS_DURATION_MS } from './button-view.js';

const FINAL = new Set(['success', 'error', 'dead']);

const Base = globalThis.HTMLElement ?? class {};

/**
 * The `<sync-button>` element. Properties: `mutation` (anything with `mutate(vars)` returning a
 * call) and `variables` (a value, or a function called at each click that returns it).
 * Attributes: `loading-text`, `success-text`, `success-duration` (ms, default 2000), `confirm`
 * (a question asked in a modal `<dialog>` first; cancelling sends nothing; `confirm-text` and
 * `cancel-text` name its buttons), `progress` (show "attempt n of m" while pending), `disabled`.
 * One click sends one call; the button is disabled while it is pending. Fires `sync-success` and
 * `sync-error` (bubbling, composed) with `detail: { call, state, data | problem }`, once per call.
 * Used from the main thread only.
 */
export class SyncButtonElement extends Base {
  static observedAttributes = ['disabled', 'loading-text', 'success-text', 'progress'];

  #mutation = null;
  #variables = undefined;
  #button = null;
  #label = null;
  #ownLabel = [];
  #progress = null;
  #status = null;
  #dialog = null;
  #call = null;
  #state = null;
  #settled = null;
  #unsubscribe = null;
  #idleTimer = undefined;

  constructor() {
    super();
    // Properties a page set before this module was loaded live on the element itself: move them
    // to the accessors.
    for (const name of ['mutation', 'variables']) {
      if (Object.prototype.hasOwnProperty.call(this, name)) {
        const value = this[name];
        delete this[name];
        this[name] = value;
      }
    }
  }

  /** The mutation a click sends: anything with `mutate(vars)` returning a call. */
  get mutation() {
    return this.#mutation;
  }

  set mutation(value) {
    this.#mutation = value;
  }

  /** The call's variables, or a function called at each click that returns them. */
  get variables() {
    return this.#variables;
  }

  set variables(value) {
    this.#variables = value;
  }

  /** The call of the last click, or null. */
  get call() {
    return this.#call;
  }

  /** The state shown: the last call's state, or null when idle. */
  get state() {
    return this.#state;
  }

  connectedCallback() {
    if (!this.#button) this.#build();
    this.#render();
  }

  attributeChangedCallback() {
    this.#render();
  }

  #build() {
    const doc = this.ownerDocument;
    const button = doc.createElement('button');
    button.type = 'button';
    button.className = 'sync-button-button';
    this.#label = doc.createElement('span');
    this.#label.className = 'sync-button-label';
    this.#ownLabel = [...this.childNodes];
    this.#label.append(...this.#ownLabel);
    this.#progress = doc.createElement('span');
    this.#progress.className = 'sync-button-progress';
    button.append(this.#label, this.#progress);
    this.#status = doc.createElement('span');
    this.#status.className = 'sync-button-status';
    this.#status.setAttribute('role', 'status');
    this.#status.setAttribute('aria-live', 'polite');
    this.append(button, this.#status);
    button.addEventListener('click', () => this.#activate());
    this.#button = button;
  }

  async #activate() {
    if (this.#button.disabled) return;
    const question = this.getAttribute('confirm');
    if (question != null) {
      this.#button.disabled = true; // no second dialog or call while this one is open
      let yes;
      try {
        yes = await this.#ask(question);
      } finally {
        this.#render();
      }
      if (!yes) return;
    }
    this.#send();
  }

  #ask(question) {
    const doc = this.ownerDocument;
    if (!this.#dialog) {
      const dialog = doc.createElement('dialog');
      dialog.className = 'sync-button-dialog';
      const form = doc.createElement('form');
      form.method = 'dialog';
      const text = doc.createElement('p');
      const cancel = doc.createElement('button');
      cancel.value = 'cancel';
      cancel.className = 'sync-button-cancel';
      const ok = doc.createElement('button');
      ok.value = 'confirm';
      ok.className = 'sync-button-ok';
      form.append(text, cancel, ok);
      dialog.append(form);
      this.append(dialog);
      this.#dialog = dialog;
    }
    const dialog = this.#dialog;
    dialog.querySelector('p').textContent = question;
    dialog.querySelector('.sync-button-cancel').textContent = this.getAttribute('cancel-text') || 'Cancel';
    dialog.querySelector('.sync-button-ok').textContent = this.getAttribute('confirm-text') || 'OK';
    dialog.returnValue = '';
    return new Promise((resolve) => {
      dialog.addEventListener('close', () => resolve(dialog.returnValue === 'confirm'), { once: true });
      dialog.showModal();
      dialog.querySelector('.sync-button-cancel').focus(); // the safe choice is the default
    });
  }

  #send() {
    clearTimeout(this.#idleTimer);
    let call;
    try {
      if (typeof this.#mutation?.mutate !== 'function') throw new TypeError('sync-button has no mutation');
      call = this.#mutation.mutate(typeof this.#variables === 'function' ? this.#variables() : this.#variables);
    } catch (e) {
      this.#unsubscribe?.();
      this.#call = null;
      this.#show(null, { status: 'error', attempt: 0, maxAttempts: 0, data: undefined,
        problem: { title: e?.message || String(e) } });
      return;
    }
    if (call === this.#call && this.#settled !== call) return; // joined the call in flight
    this.#unsubscribe?.();
    this.#call = call;
    this.#settled = null;
    this.#unsubscribe = call.subscribe((state) => {
      if (this.#call === call) this.#show(call, state);
    });
    this.#show(call, call.state);
  }

  #show(call, state) {
    if (state === this.#state) return;
    this.#state = state;
    this.#render();
    const status = state?.status;
    if (!FINAL.has(status) || (call && this.#settled === call)) return;
    this.#settled = call;
    if (call) {
      this.#unsubscribe?.();
      this.#unsubscribe = null;
    }
    if (status === 'success') {
      const ms = Number(this.getAttribute('success-duration') ?? DEFAULT_SUCCESS_DURATION_MS);
      this.#idleTimer = setTimeout(() => {
        if (this.#state === state) {
          this.#state = null;
          this.#render();
        }
      }, Number.isFinite(ms) && ms >= 0 ? ms : DEFAULT_SUCCESS_DURATION_MS);
      this.#fire('sync-success', { call, state, data: state.data });
    } else {
      this.#fire('sync-error', { call, state, problem: state.problem });
    }
  }

  #fire(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { bubbles: true, composed: true, detail }));
  }

  #render() {
    if (!this.#button) return;
    const view = syncButtonView(this.#state, {
      loadingText: this.getAttribute('loading-text'),
      successText: this.getAttribute('success-text'),
      progress: this.hasAttribute('progress'),
    });
    this.dataset.state = view.dataState;
    this.setAttribute('aria-busy', String(view.busy));
    this.#button.disabled = view.disabled || this.hasAttribute('disabled');
    if (view.text == null) {
      const shown = this.#label.childNodes;
      if (shown.length !== this.#ownLabel.length || this.#ownLabel.some((n, i) => shown[i] !== n)) {
        this.#label.replaceChildren(...this.#ownLabel);
      }
    } else {
      this.#label.textContent = view.text;
    }
    this.#progress.textContent = view.progress;
    this.#progress.hidden = !view.progress;
    if (view.announce != null && this.#status.textContent !== view.announce) {
      this.#status.textContent = view.announce;
    }
  }
}

if (globalThis.customElements && !customElements.get('sync-button')) {
  customElements.define('sync-button', SyncButtonElement);
}
