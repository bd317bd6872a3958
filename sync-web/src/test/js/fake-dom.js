// Just enough DOM for <sync-button> in node: elements, text, attributes, bubbling events, a
// dialog whose form buttons close it with their value (method="dialog"), custom elements.
// Installed on globalThis by install(); sync-button.js must be imported after it.

export class FakeEvent {
  constructor(type, init = {}) {
    this.type = type;
    this.bubbles = Boolean(init.bubbles);
    this.composed = Boolean(init.composed);
    this.detail = init.detail;
    this.target = null;
  }
}

class FakeNode {
  constructor(doc) {
    this.ownerDocument = doc;
    this.parentNode = null;
    this.childNodes = [];
  }
}

class FakeText extends FakeNode {
  constructor(doc, data) {
    super(doc);
    this.data = String(data);
  }

  get textContent() {
    return this.data;
  }
}

export class FakeElement extends FakeNode {
  constructor(doc = globalThis.document, tagName = undefined) {
    super(doc);
    this.tagName = (tagName ?? doc.registry.nameOf(this.constructor) ?? 'div').toUpperCase();
    this.attributes = new Map();
    this.dataset = {};
    this.listeners = [];
    this.className = '';
    this.hidden = false;
    this.disabled = false;
  }

  get isConnected() {
    for (let n = this; n; n = n.parentNode) if (n === this.ownerDocument.body) return true;
    return false;
  }

  append(...nodes) {
    for (let n of nodes) {
      if (typeof n === 'string') n = new FakeText(this.ownerDocument, n);
      if (n.parentNode) n.parentNode.childNodes.splice(n.parentNode.childNodes.indexOf(n), 1);
      n.parentNode = this;
      this.childNodes.push(n);
      if (this.isConnected && n.connectedCallback) n.connectedCallback();
    }
  }

  replaceChildren(...nodes) {
    for (const n of this.childNodes) n.parentNode = null;
    this.childNodes = [];
    this.append(...nodes);
  }

  get textContent() {
    return this.childNodes.map((n) => n.textContent).join('');
  }

  set textContent(value) {
    this.replaceChildren(...(value === '' || value == null ? [] : [String(value)]));
  }

  setAttribute(name, value) {
    const old = this.getAttribute(name);
    this.attributes.set(name, String(value));
    if (this.constructor.observedAttributes?.includes(name)) this.attributeChangedCallback?.(name, old, String(value));
  }

  getAttribute(name) {
    return this.attributes.has(name) ? this.attributes.get(name) : null;
  }

  hasAttribute(name) {
    return this.attributes.has(name);
  }

  removeAttribute(name) {
    const old = this.getAttribute(name);
    this.attributes.delete(name);
    if (this.constructor.observedAttributes?.includes(name)) this.attributeChangedCallback?.(name, old, null);
  }

  addEventListener(type, listener, options = {}) {
    this.listeners.push({ type, listener, once: Boolean(options.once) });
  }

  dispatchEvent(event) {
    if (!event.target) event.target = this;
    for (const entry of [...this.listeners]) {
      if (entry.type !== event.type) continue;
      if (entry.once) this.listeners.splice(this.listeners.indexOf(entry), 1);
      entry.listener.call(this, event);
    }
    if (event.bubbles && this.parentNode) this.parentNode.dispatchEvent(event);
    return true;
  }

  /** '.class' or a tag name, depth first. */
  querySelector(selector) {
    for (const n of this.childNodes) {
      if (!(n instanceof FakeElement)) continue;
      const match = selector.startsWith('.') ? n.className.split(' ').includes(selector.slice(1))
        : n.tagName === selector.toUpperCase();
      if (match) return n;
      const inner = n.querySelector(selector);
      if (inner) return inner;
    }
    return null;
  }

  focus() {
    this.ownerDocument.activeElement = this;
  }

  /** A user's click: nothing on a disabled button; a button in a dialog's form closes it. */
  click() {
    if (this.tagName === 'BUTTON' && this.disabled) return;
    this.dispatchEvent(new FakeEvent('click', { bubbles: true }));
    if (this.tagName === 'BUTTON' && this.parentNode?.method === 'dialog') {
      this.parentNode.parentNode.close(this.value);
    }
  }
}

class FakeDialog extends FakeElement {
  constructor(doc) {
    super(doc, 'dialog');
    this.open = false;
    this.returnValue = '';
  }

  showModal() {
    this.open = true;
  }

  /** Escape, or a form button: closes with that value (Escape leaves returnValue as it is). */
  close(value) {
    if (!this.open) return;
    if (value !== undefined) this.returnValue = value;
    this.open = false;
    this.dispatchEvent(new FakeEvent('close'));
  }
}

class Registry {
  constructor() {
    this.defined = new Map();
  }

  define(name, constructor) {
    if (this.defined.has(name)) throw new Error(`${name} is already defined`);
    this.defined.set(name, constructor);
  }

  get(name) {
    return this.defined.get(name);
  }

  nameOf(constructor) {
    for (const [name, c] of this.defined) if (c === constructor) return name;
    return undefined;
  }
}

export function install() {
  const doc = {
    registry: new Registry(),
    activeElement: null,
    createElement(tag) {
      const custom = doc.registry.get(tag);
      if (custom) return new custom();
      return tag === 'dialog' ? new FakeDialog(doc) : new FakeElement(doc, tag);
    },
  };
  globalThis.document = doc;
  doc.body = new FakeElement(doc, 'body');
  globalThis.HTMLElement = FakeElement;
  globalThis.customElements = doc.registry;
  globalThis.CustomEvent = FakeEvent;
  return doc;
}
