/**
 * domsync browser client: applies the DOM updates a domsync server renders, and sends
 * the browser's events back.
 *
 * Public API (window.domsync):
 *   domsync.connect(url?)   open the websocket (done automatically, see "Start" below)
 *   domsync.apply(batch)    apply one batch of rendered JavaScript
 *   domsync.applyOps(batch) apply one batch of the JSON wire (ops as data, nothing run)
 *   domsync.wire            "js" (the default) or "json": the wire to ask the server for
 *                           (or data-domsync-wire="json" on the script tag)
 *   domsync.strict          true: never evaluate code, for a page under a strict
 *                           Content-Security-Policy (or data-domsync-strict on the script
 *                           tag): the JSON wire, value getters read as paths
 *                           ("this.value"), run_js refused, styles set through the CSSOM
 *   domsync.send(name, payload)   send a named message to the server's
 *                           @server.on_event(name) handlers
 *   domsync.transmit(message)   send a raw JSON message to the server
 *   domsync.notify(type, title, message)   show a notification (error, warning, info,
 *                           success), as Document.add_notification does
 *   domsync.route           the current route (the URL hash without "#")
 *   domsync.status          "connecting" | "open" (the session is on the line) | "closed"
 *   domsync.resumeOnReload  true: a reload resumes the session (the token is kept in
 *                           sessionStorage, per tab); set false for a page that should
 *                           start afresh (or data-domsync-reload="new" on the script tag)
 *   domsync.node(key), domsync.socket   debugging aids: an element by key, the socket
 *   ws_send(message)        the 0.1.2 name of domsync.transmit, for event handler code
 *
 * Events dispatched on `document`:
 *   domsync:<name>  detail = payload: a named message from the server (server.send)
 *   domsync:error   detail {message, stack, source}: a batch or a value getter failed
 *   domsync:status  detail {status}: the connection opened or closed
 *
 * Sections: Apply (the helpers a batch calls), Actions (downloads, opening URLs,
 * routes and run_js), Events (listeners that message the server), Socket (connection
 * and reconnection, which resumes the session), UI (the connection indicator and
 * notifications), Start.
 * No build step: this file is served as it is.
 */
(function () {
  "use strict";

  // The wire protocol's constants, from domsync/protocol.py (a test checks they agree).
  // BEGIN GENERATED PROTOCOL (python scripts/protocol_js.py; do not edit)
  const PROTOCOL_VERSION = 4;
  const AUTO_ID_PREFIX = "__domsync_el_";
  const HELPERS = ["N", "E", "S", "M", "L", "H", "F", "R", "D", "V", "notify", "download", "downloadUrl", "openUrl", "route", "run", "T", "P"];
  const OP = {"RESET": 0, "APPEND": 1, "APPEND_LEAVES": 2, "INSERT": 3, "MOVE": 4, "REMOVE": 5, "SET_ATTR": 6, "REMOVE_ATTR": 7, "TEXT": 8, "CHILDREN": 9, "SET_PROP": 10, "LISTEN": 11, "UNLISTEN": 12, "FORGET": 13, "MESSAGE": 14, "NOTIFY": 15, "DOWNLOAD": 16, "DOWNLOAD_URL": 17, "OPEN_URL": 18, "ROUTE": 19, "RUN_JS": 20, "TEXT_AT": 21, "HTML": 22};
  const MSG = {"SYNC": "sync", "NAMED": "message", "ROUTE": "route", "ERROR": "error", "HELLO": "hello", "ACK": "ack", "BYE": "bye"};
  const EVENT_KINDS = {"modifiers": {"altKey": false, "ctrlKey": false, "metaKey": false, "shiftKey": false}, "key": {"key": "", "code": "", "repeat": false, "altKey": false, "ctrlKey": false, "metaKey": false, "shiftKey": false}, "mouse": {"altKey": false, "ctrlKey": false, "metaKey": false, "shiftKey": false, "clientX": 0, "clientY": 0, "offsetX": 0, "offsetY": 0, "button": 0, "buttons": 0}, "wheel": {"altKey": false, "ctrlKey": false, "metaKey": false, "shiftKey": false, "clientX": 0, "clientY": 0, "offsetX": 0, "offsetY": 0, "button": 0, "buttons": 0, "deltaX": 0, "deltaY": 0}};
  const WEBSOCKET_PATH = "ws";
  const DOWNLOAD_PATH = "_domsync/download/";
  const WORKER_PARAMETER = "worker";
  const GETTER_PATH = "(?:this|event)(?:\\.[A-Za-z_$][A-Za-z0-9_$]*)+";
  const GETTER_PATH_REFUSED = ["constructor", "prototype", "ownerDocument", "defaultView", "view", "getRootNode", "parentWindow", "opener", "top", "parent", "frames", "self", "window", "globalThis"];
  // END GENERATED PROTOCOL

  /** @type {{connect: Function, apply: Function, send: Function, status: string}} */
  const domsync = (window.domsync = window.domsync || {});

  // ------------------------------------------------------------------------ Apply

  /** key -> element: the elements the server's model knows. 0 is the root. */
  const nodes = new Map();
  /** key -> Map(event type -> listener function), so listeners can be removed. */
  const listeners = new Map();
  /** key -> number of the user's last edit of that form control that was sent. */
  const edits = new Map();
  /** element -> key, to find the key of a form control the user edits. */
  const keyOf = new WeakMap();
  /** Counts R() calls: a delayed (debounced, throttled) event of an older page is dropped. */
  let generation = 0;
  /** Names this page's edits, for a server that several browsers share a document on. */
  const ORIGIN = Math.random().toString(36).slice(2, 12);

  const SVG_NS = "http://www.w3.org/2000/svg";
  const MATHML_NS = "http://www.w3.org/1998/Math/MathML";

  /** The element known as `key`. */
  function N(key) {
    const node = nodes.get(key);
    if (node === undefined) throw new Error("domsync: no element with key " + key);
    return node;
  }

  const INERT_SCRIPT = "<script></script>", INERT_SVG_SCRIPT = "<svg><script></script></svg>";
  /** The Trusted Types policy of a strict page (made on first use): it turns the two
   * fixed strings above into TrustedHTML, and nothing else. */
  let trustedPolicy = null;

  /**
   * A <script> that never runs, like one inserted with innerHTML: the HTML parser marks
   * the scripts it creates for innerHTML as "already started", for good. This is the one
   * innerHTML of the client, with a fixed string.
   */
  function inertScript(svg) {
    const holder = document.createElement("div");
    let markup = svg ? INERT_SVG_SCRIPT : INERT_SCRIPT;
    if (domsync.strict && window.trustedTypes) {
      trustedPolicy = trustedPolicy || window.trustedTypes.createPolicy("domsync", {
        createHTML: function (html) {
          if (html !== INERT_SCRIPT && html !== INERT_SVG_SCRIPT) throw new TypeError("domsync: not an inert script");
          return html;
        },
      });
      markup = trustedPolicy.createHTML(markup);
    }
    holder.innerHTML = markup;
    return svg ? holder.firstChild.firstChild : holder.firstChild;
  }

  /** Set an element's text. A script's goes in as a text node: under Trusted Types a
   * script's textContent takes only TrustedScript (and the script never runs anyway). */
  function setText(el, text) {
    if (el.localName === "script") el.replaceChildren(...(text ? [text] : []));
    else el.textContent = text;
  }

  /** Set an attribute. On a strict page (style-src without 'unsafe-inline') a style
   * attribute is blocked, so styles go through the CSSOM: the browser parses the
   * declarations and sets each, and serialises them back into the attribute. */
  function setAttr(el, name, value) {
    if (domsync.strict && (name.slice(0, 2).toLowerCase() === "on" || name === "srcdoc")) {
      // The server never sends these (they would be code): a strict page refuses them itself too.
      throw new Error("domsync: a strict page refuses the attribute " + name);
    }
    if (name === "style" && domsync.strict && el.style) {
      el.style.cssText = value;
      // Chromium writes the attribute lazily, when read: read it now, so that it takes
      // its place among the attributes in the order the model has.
      el.getAttribute("style");
    } else {
      el.setAttribute(name, value);
    }
  }

  /**
   * Fill a new element and remember it as `key`. A negative key -k is key k with the
   * generated id AUTO_ID_PREFIX + k, set first (the server sends no bytes for it).
   * @param {Element} el
   * @param {number} key
   * @param {Array<string>|0} attrs  flat [name, value, name, value, ...]
   * @param {string|Array<string|Node>|0} kids  one text, or text and elements
   * @param {{value?: string, checked?: boolean, on?: Array<string|null>}} [props]
   */
  function build(el, key, attrs, kids, props) {
    if (key < 0) {
      key = -key;
      el.setAttribute("id", AUTO_ID_PREFIX + key);
    }
    if (attrs) for (let i = 0; i < attrs.length; i += 2) setAttr(el, attrs[i], attrs[i + 1]);
    const target = el instanceof HTMLTemplateElement ? el.content : el;
    if (typeof kids === "string") setText(target, kids);
    else if (kids) target.append(...kids);
    if (props) {
      if ("value" in props) el.value = props.value;
      if ("checked" in props) el.checked = props.checked;
      const on = props.on;
      if (on) for (let i = 0; i < on.length; i += 2) el.addEventListener(on[i], H(key, on[i], on[i + 1]));
    }
    nodes.set(key, el);
    keyOf.set(el, key);
    return el;
  }

  /** Create an HTML element. Scripts are created inert. */
  function E(key, tag, attrs, kids, props) {
    const el = tag === "script" ? inertScript(false) : document.createElement(tag);
    return build(el, key, attrs, kids, props);
  }

  /** Create an SVG element. Scripts are created inert. */
  function S(key, tag, attrs, kids, props) {
    const el = tag === "script" ? inertScript(true) : document.createElementNS(SVG_NS, tag);
    return build(el, key, attrs, kids, props);
  }

  /** Create a MathML element. */
  function M(key, tag, attrs, kids, props) {
    return build(document.createElementNS(MATHML_NS, tag), key, attrs, kids, props);
  }

  /**
   * Create many new HTML elements with generated ids and at most one text node each:
   * the bulk form of E, for long runs of simple elements. Returns them, for append().
   * @param {string} tag
   * @param {number[]} keys
   * @param {Array<string|null>} texts
   */
  function L(tag, keys, texts) {
    const made = new Array(keys.length);
    for (let i = 0; i < keys.length; i++) {
      const el = tag === "script" ? inertScript(false) : document.createElement(tag);
      el.setAttribute("id", AUTO_ID_PREFIX + keys[i]);
      if (texts[i] !== null) setText(el, texts[i]);
      nodes.set(keys[i], el);
      keyOf.set(el, keys[i]);
      made[i] = el;
    }
    return made;
  }

  /**
   * Set `value` or `checked` of a form control the user has edited: only if the server
   * has seen every edit (its answer to edit `seq` is the newest), so that a keystroke is
   * never overwritten by an answer to an older one. The caret stays where it was.
   */
  function V(key, name, value, seq, origin) {
    // Edit numbers are this page's own: another browser's (origin) say nothing here.
    const ours = origin === undefined || origin === ORIGIN;
    if (ours && (edits.get(key) || 0) > seq) return;  // newer edits are on their way
    const el = N(key);
    if (el[name] === value) return;
    const focused = document.activeElement === el && name === "value";
    let start = null, end = null;
    try { if (focused) { start = el.selectionStart; end = el.selectionEnd; } } catch (e) { /* no caret */ }
    el[name] = value;
    if (focused && start !== null) {
      try { el.setSelectionRange(Math.min(start, value.length), Math.min(end, value.length)); } catch (e) { /* type without a caret */ }
    }
  }

  /**
   * Replace the text nodes just before the child `refKey` of `parentKey` (its last ones
   * for null) by one text node (by none for ""): text nodes have no key, so they are
   * named by the element that follows them.
   */
  function T(parentKey, refKey, text) {
    const parent = N(parentKey), ref = refKey === null ? null : N(refKey);
    const content = parent instanceof HTMLTemplateElement ? parent.content : parent;
    const target = ref === null ? content : ref.parentNode;
    if (target !== parent && target !== content) throw new Error("domsync: element " + refKey + " is not a child of " + parentKey);
    let node = ref === null ? target.lastChild : ref.previousSibling;
    while (node !== null && node.nodeType === Node.TEXT_NODE) {
      const before = node.previousSibling;
      node.remove();
      node = before;
    }
    if (text) target.insertBefore(document.createTextNode(text), ref);
  }

  /**
   * Append the nodes of `markup`, parsed by the browser's HTML parser as the contents of
   * an inert <template> (no script runs, nothing loads until the nodes are in the page),
   * binding its elements, in document order, to the keys of `runs`: [first, count, ...]
   * runs of consecutive keys; a negative first (-k) is keys k, k + 1... of elements whose
   * generated id is set here. The server sends only markup that the parser builds
   * exactly as its model has it (domsync/encode_html.py); live properties and listeners
   * follow as ops of their own. Much faster than one createElement per element.
   * @param {number} parentKey
   * @param {string} markup
   * @param {number[]} runs
   */
  function P(parentKey, markup, runs, tables) {
    const parent = N(parentKey);
    let content = parent;
    if (markup === null) {
      // A prerendered page: its HTML parser has built the nodes in the page already.
      if (!booting) throw new Error("domsync: markup null outside a prerendered page's boot");
    } else {
      // A strict page's Trusted Types policy takes fixed strings only: it keeps the ops.
      if (domsync.strict) throw new Error("domsync: a strict page does not parse markup");
      const holder = document.createElement("template");
      holder.innerHTML = markup;
      content = holder.content;
    }
    // Tables of rows: their rows came in a <template> in the table (straight in it, the
    // parser would have given them a <tbody> the model does not have). The page's own
    // script put them in place as it was parsed, unless it could not run.
    if (tables && tables.length) placeRows(content);
    const made = content.querySelectorAll("*");
    let count = 0;
    for (let r = 1; r < runs.length; r += 2) count += runs[r];
    if (count !== made.length) throw new Error("domsync: the markup has " + made.length + " elements, but " + count + " keys");
    let i = 0;
    for (let r = 0; r < runs.length; r += 2) {
      // A negative run: elements whose generated id is ours to set (into the empty id
      // attribute that holds its place first, if they have other attributes).
      const generated = runs[r] < 0, first = generated ? -runs[r] : runs[r];
      for (let key = first, end = first + runs[r + 1]; key < end; key++, i++) {
        const el = made[i];
        if (generated) el.setAttribute("id", AUTO_ID_PREFIX + key);
        nodes.set(key, el);
        keyOf.set(el, key);
      }
    }
    if (content !== parent) parent.append(content);
  }

  /** Put each <template> of rows in `container` in its place (prerender.py's
   * PLACE_ROWS, which the page runs itself as it is parsed). */
  function placeRows(container) {
    for (let found; (found = container.querySelectorAll("template")).length;) {
      for (const t of found) {
        t.parentNode.insertBefore(t.content, t);
        t.remove();
      }
    }
  }

  /** Dispatch a named message from the server to page script. */
  function D(name, payload) {
    document.dispatchEvent(new CustomEvent("domsync:" + name, { detail: payload }));
  }

  /** Forget elements the server's model has let go of. */
  function F(...keys) {
    for (const key of keys) {
      nodes.delete(key);
      listeners.delete(key);
      edits.delete(key);
    }
  }

  /**
   * Start over: bind key 0 to the root element and empty it. Within one session (a
   * resume that needed the whole page, a rebuild after a failed batch) the keys keep
   * their meaning: what the user was doing is put back once the batch is applied.
   */
  function R(rootId) {
    const root = document.getElementById(rootId);
    if (!root) throw new Error("domsync: the page has no element with id " + JSON.stringify(rootId));
    const old = listeners.get(0);
    if (old && nodes.get(0) === root) for (const [type, fn] of old) root.removeEventListener(type, fn);
    rebuilt = rebuilt || userState();
    resetCount++;
    nodes.clear();
    listeners.clear();
    if (newSession) edits.clear();  // edit numbers are the session's
    newSession = false;
    generation++;
    if (!booting) {
      for (const name of root.getAttributeNames()) if (name !== "id") root.removeAttribute(name);
      root.replaceChildren();
    } else {
      // A prerendered page's root holds its first render, inert until it is bound (a
      // click or a keystroke before would reach nobody); the model's attributes follow.
      root.removeAttribute("inert");
    }
    nodes.set(0, root);
  }

  /** Set by R() during a batch: the focus and caret to put back afterwards. */
  let rebuilt = null;
  /** True until this session's first R(): a new session's keys are new. */
  let newSession = true;
  /** While a prerendered page's boot ops are applied: R() keeps the root's contents,
   * and P() binds the markup the page came with. */
  let booting = false;
  /** Whether this page came with its session (prerendered): a reload's is not restored;
   * and whether the server has heard from it on its first socket. */
  let booted = false, bootConfirmed = false;
  /** Counts R() calls, to tell a batch that brought the whole page. */
  let resetCount = 0;

  /** What the user has, that a rebuild of the page would take away: focus and caret. */
  function userState() {
    const el = document.activeElement;
    const state = { key: el ? keyOf.get(el) : undefined, start: null, end: null };
    try { state.start = el.selectionStart; state.end = el.selectionEnd; } catch (e) { /* no caret */ }
    return state;
  }

  /**
   * After a rebuild within the session: the form state of the messages not yet known
   * to have reached the server (the user's edits made while offline) goes back into
   * the new elements, since the server is about to get it; then focus and caret.
   */
  function restoreUserState(state) {
    for (const entry of pending) {
      const msg = entry.message, el = typeof msg.id === "number" ? nodes.get(msg.id) : undefined;
      if (!el || !msg.state) continue;
      if (typeof msg.state.value === "string" && el.value !== msg.state.value) el.value = msg.state.value;
      if (typeof msg.state.checked === "boolean") el.checked = msg.state.checked;
    }
    const el = state.key === undefined ? undefined : nodes.get(state.key);
    if (!el || typeof el.focus !== "function") return;
    el.focus();
    if (state.start !== null) {
      try { el.setSelectionRange(state.start, state.end); } catch (e) { /* type without a caret */ }
    }
  }

  /** Counts applied batches: route changes within one batch make one history entry. */
  let batches = 0;

  /** The helpers a batch calls, by the names protocol.py gives them (HELPERS). */
  const HELPER_FUNCTIONS = { N, E, S, M, L, H, F, R, D, V, notify, download, downloadUrl, openUrl, route, run, T, P };
  const HELPER_VALUES = HELPERS.map(function (name) { return HELPER_FUNCTIONS[name]; });

  /** Apply one batch of rendered JavaScript. Errors are reported, never swallowed.
   * Batches are counted in the order they arrive in. */
  function apply(batch) {
    batches++;
    rebuilt = null;
    try {
      if (domsync.strict) throw new Error("domsync: a strict page applies JSON batches (applyOps), never JavaScript");
      new Function(...HELPERS, batch)(...HELPER_VALUES);
    } catch (error) {
      report(error, "batch", batch);
    }
    if (rebuilt && !newSessionBatch) restoreUserState(rebuilt);
    rebuilt = null;
  }
  /** True while the first batch of a new session is applied: nothing to put back. */
  let newSessionBatch = false;

  // ------------------------------------------------------------- The JSON wire
  //
  // The same ops as data (``?wire=json``, see domsync/encode_json.py): a list of
  // [code, ...fields], applied with the fixed table below. Nothing in a batch is ever
  // evaluated: the helpers are the ones the JavaScript wire calls, with the same effects.

  const CONSTRUCT = [E, S, M];  // by a node's namespace number

  /** An item of a node's children, or of an append: text, an element the page has
   * (its key), or a new node [key, tag, ns, attrs, kids, props]. */
  function item(x) {
    if (typeof x === "string") return x;
    if (typeof x === "number") return N(x);
    const [key, tag, ns, attrs, kids, props] = x;
    let made = null;
    if (props) {
      made = {};
      if (props[0] !== null) made.value = props[0];
      if (props[1] !== null) made.checked = props[1];
      if (props[2]) made.on = props[2].flatMap(function (l) { return [l[0], listenerSpec(l[1], l[2])]; });
    }
    return CONSTRUCT[ns](key, tag, attrs || 0, typeof kids === "string" ? kids : kids ? kids.map(item) : 0, made);
  }

  /** What H takes for a listener: the getter, or {get, ...options}. */
  function listenerSpec(getter, options) {
    return options ? Object.assign({ get: getter }, options) : getter;
  }

  const OPS = {
    [OP.RESET]: function (op) { R(op[1]); },
    [OP.APPEND]: function (op) { N(op[1]).append(...op[2].map(item)); },
    [OP.APPEND_LEAVES]: function (op) { N(op[1]).append(...L(op[2], op[3], op[4])); },
    [OP.INSERT]: function (op) { N(op[1]).insertBefore(item(op[2]), N(op[3])); },
    [OP.MOVE]: function (op) { N(op[2]).insertBefore(N(op[1]), op[3] === null ? null : N(op[3])); },
    [OP.REMOVE]: function (op) { N(op[1]).remove(); },
    [OP.SET_ATTR]: function (op) { setAttr(N(op[1]), op[2], op[3]); },
    [OP.REMOVE_ATTR]: function (op) { N(op[1]).removeAttribute(op[2]); },
    [OP.TEXT]: function (op) { setText(N(op[1]), op[2]); },
    [OP.CHILDREN]: function (op) { N(op[1]).replaceChildren(...op[2].map(item)); },
    [OP.SET_PROP]: function (op) {
      if (op[2] !== "value" && op[2] !== "checked") throw new Error("domsync: SET_PROP sets value or checked only");
      if (op[4] === null) N(op[1])[op[2]] = op[3];
      else if (op[5] === null) V(op[1], op[2], op[3], op[4]);
      else V(op[1], op[2], op[3], op[4], op[5]);
    },
    [OP.LISTEN]: function (op) { N(op[1]).addEventListener(op[2], H(op[1], op[2], listenerSpec(op[3], op[4]))); },
    [OP.UNLISTEN]: function (op) { N(op[1]).removeEventListener(op[2], H(op[1], op[2])); },
    [OP.FORGET]: function (op) { F(...op[1]); },
    [OP.MESSAGE]: function (op) { D(op[1], op[2]); },
    [OP.NOTIFY]: function (op) { notify(op[1], op[2], op[3]); },
    [OP.DOWNLOAD]: function (op) { download(op[1], op[2], op[3]); },
    [OP.DOWNLOAD_URL]: function (op) { downloadUrl(op[1], op[2], op[3], op[4]); },
    [OP.OPEN_URL]: function (op) { openUrl(op[1]); },
    [OP.ROUTE]: function (op) { route(op[1], op[2], op[3]); },
    [OP.RUN_JS]: function (op) { run(op[1]); },
    [OP.TEXT_AT]: function (op) { T(op[1], op[2], op[3]); },
    [OP.HTML]: function (op) { P(op[1], op[2], op[3], op[4]); },
  };

  /** Apply one batch of the JSON wire (its text, or the parsed list), as apply() does
   * a JavaScript batch: counted, errors reported, what the user did put back. */
  function applyOps(batch) {
    batches++;
    rebuilt = null;
    try {
      const ops = typeof batch === "string" ? JSON.parse(batch) : batch;
      for (const op of ops) {
        const fn = OPS[op[0]];
        if (!fn) throw new Error("domsync: unknown op " + JSON.stringify(op).slice(0, 100));
        fn(op);
      }
    } catch (error) {
      report(error, "batch", typeof batch === "string" ? batch : JSON.stringify(batch));
    }
    if (rebuilt && !newSessionBatch) restoreUserState(rebuilt);
    rebuilt = null;
  }

  /** Tell the page, the console and the server that something failed. */
  function report(error, source, code) {
    const message = (error && error.message) || String(error);
    console.error("domsync: " + source + " failed:", error, code ? code.slice(0, 500) : "");
    document.dispatchEvent(new CustomEvent("domsync:error", {
      detail: { message, stack: error && error.stack, source },
    }));
    // A value getter's error says which getter: the server's log line quotes it.
    const told = source === "js_value_getter" && code ? message + " in js_value_getter " + JSON.stringify(code.slice(0, 200)) : message;
    domsync.transmit({ domsync: true, type: MSG.ERROR, source, message: told.slice(0, 2000), batch: applied });
  }

  // ---------------------------------------------------------------------- Actions

  /** Save a file the batch carries (Document.file_download of a small file). */
  function download(name, mime, base64) {
    const text = atob(base64);
    const bytes = new Uint8Array(text.length);
    for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
    const href = URL.createObjectURL(new Blob([bytes], { type: mime }));
    save(href, name);
    setTimeout(function () { URL.revokeObjectURL(href); }, 60000);
  }

  /** Save a large file from its one-time URL on the server (Document.file_download). */
  function downloadUrl(token, name) {
    const address = new URL(DOWNLOAD_PATH + encodeURIComponent(token), httpBase());
    if (worker !== null) address.searchParams.set(WORKER_PARAMETER, worker);  // the file is on that worker
    save(address.href, name);
  }

  function save(href, name) {
    const link = document.createElement("a");
    link.href = href;
    link.download = name;
    link.hidden = true;
    document.body.appendChild(link);
    link.click();
    link.remove();
  }

  /** Open a URL in a new tab that cannot reach this page (Document.open_url). */
  function openUrl(target) {
    window.open(target, "_blank", "noopener,noreferrer");
  }

  /** The route: the URL hash without its "#". */
  function currentRoute() {
    return window.location.hash.slice(1);
  }
  let reportedRoute = currentRoute();
  /** Numbers the route reports of this connection; the server's routes carry the
   * number of the last report it had seen. */
  let routeSeq = 0;

  /**
   * Show a route the server set (set_page, set_route_vars), without reporting it back
   * (the server knows it): a new history entry, or the current one replaced when the
   * server answers a route the browser reported (so "back" is never a trap). A route
   * that answers an older report than the last one sent is dropped: the user has moved
   * on, and the server will follow the newer report.
   */
  function route(hash, seq, replace) {
    if (seq < routeSeq) return;
    reportedRoute = hash;
    domsync.route = hash;
    if (currentRoute() === hash) return;
    const target = hash ? "#" + hash : window.location.pathname + window.location.search;
    if (replace || route.batch === batches) history.replaceState(history.state, "", target);
    else history.pushState(null, "", target);
    route.batch = batches;
  }

  /** Tell the server the route changed in the browser: back, forward, a link to a hash,
   * or a hash typed into the address bar. */
  function reportRoute() {
    const hash = currentRoute();
    domsync.route = hash;
    if (hash === reportedRoute) return;
    reportedRoute = hash;
    domsync.transmit({ domsync: true, type: MSG.ROUTE, hash, seq: ++routeSeq });
  }
  window.addEventListener("hashchange", reportRoute);
  window.addEventListener("popstate", reportRoute);

  /** Run script the server sent (Document.run_js), as the body of a function; never on a
   * strict page (the server refuses run_js there before it sends anything). */
  function run(code) {
    try {
      if (domsync.strict) throw new Error("domsync: run_js is not available on a strict page (it evaluates code)");
      new Function(code)();
    } catch (error) {
      report(error, "run_js", code);
    }
  }

  // ----------------------------------------------------------------------- Events

  /** The state of a form control that the server's model mirrors. */
  function formState(el) {
    if (el instanceof HTMLInputElement) {
      if (el.type === "checkbox" || el.type === "radio") return { checked: el.checked, value: el.value };
      return { value: el.value };
    }
    if (el instanceof HTMLSelectElement) {
      return el.multiple ? { value: el.value, selected: Array.from(el.selectedOptions, (o) => o.value) }
        : { value: el.value };
    }
    if (el instanceof HTMLTextAreaElement) return { value: el.value };
    return undefined;
  }

  /**
   * Two-way binding for every form control the server knows, listener or not: an edit
   * the server does not otherwise hear of is sent as a "sync" message, so the model's
   * value and checked state stay what the user sees.
   */
  function syncEdit(event) {
    const el = event.target;
    const key = keyOf.get(el);
    if (key === undefined || !formState(el)) return;
    const own = listeners.get(key);
    if (own && own.has(event.type)) return;  // that listener sends the state itself
    const seq = (edits.get(key) || 0) + 1;
    edits.set(key, seq);
    domsync.transmit({ domsync: true, type: MSG.SYNC, id: key, state: formState(el), seq, origin: ORIGIN });
  }
  document.addEventListener("input", syncEdit, true);
  document.addEventListener("change", syncEdit, true);

  /** What the server's DomEvent carries from the browser's event, where it has it. */
  /** The kind of a DOM event, by the fields it has (see EVENT_KINDS), or null. */
  function eventKind(event) {
    if (typeof event.deltaX === "number") return "wheel";
    if (typeof event.clientX === "number") return "mouse";
    if (typeof event.key === "string") return "key";
    if (typeof event.altKey === "boolean") return "modifiers";
    return null;
  }

  /**
   * What the server's DomEvent carries from the browser's event: its kind, and only the
   * fields whose value differs from the default EVENT_KINDS gives (the server fills in
   * the rest). pageX and pageY default to clientX and clientY.
   */
  function eventDetail(event, el) {
    const detail = {};
    const kind = eventKind(event);
    if (kind) {
      detail.kind = kind;
      const defaults = EVENT_KINDS[kind];
      for (const name in defaults) {
        const value = event[name];
        if (value !== defaults[name] && typeof value === typeof defaults[name]) detail[name] = value;
      }
      if (kind === "mouse" || kind === "wheel") {
        if (event.pageX !== event.clientX) detail.pageX = event.pageX;
        if (event.pageY !== event.clientY) detail.pageY = event.pageY;
      }
    }
    if (el instanceof HTMLInputElement && (el.type === "checkbox" || el.type === "radio")) detail.checked = el.checked;
    if (el instanceof HTMLSelectElement) detail.selected = Array.from(el.selectedOptions, (o) => o.value);
    return detail;
  }

  /**
   * The listener for (key, event type). With a third argument, make it; without, forget
   * it and return it (for removeEventListener). The spec is the value getter's source
   * (an expression with `this` and `event` in scope), null, or
   * {get, prevent, stop, debounce, throttle}.
   */
  function H(key, type, spec) {
    let byType = listeners.get(key);
    if (arguments.length < 3) {
      const fn = byType && byType.get(type);
      if (byType) byType.delete(type);
      return fn;
    }
    const options = spec !== null && typeof spec === "object" ? spec : { get: spec };
    const getter = options.get;
    let get = null;
    if (getter !== null && getter !== undefined) {
      try {
        get = domsync.strict ? pathGetter(getter) : new Function("event", "return (" + getter + "\n);");
      } catch (error) {
        report(error, "js_value_getter", getter);
      }
    }
    /** Read the event now (it is gone later) and send it, now or after a wait. */
    function message(el, event) {
      let value = null;
      if (get) {
        try {
          value = get.call(el, event);
        } catch (error) {
          report(error, "js_value_getter", getter);
        }
      }
      // Only what is not a default travels: a plain click is a few dozen bytes.
      const msg = { domsync: true, event: type, id: key };
      if (value !== undefined && value !== null) msg.value = value;
      const detail = eventDetail(event, el);
      for (const name in detail) { msg.detail = detail; break; }
      return msg;
    }
    const born = generation;
    function transmitFrom(el, msg) {
      if (born !== generation) return;  // the page was rebuilt: the key means something else
      const state = formState(el);  // the control's state when the message leaves
      if (state) {
        msg.state = state;
        const seq = (edits.get(key) || 0) + 1;
        edits.set(key, seq);
        msg.seq = seq;
        msg.origin = ORIGIN;
      }
      domsync.transmit(msg);
    }
    let timer = null, pending = null, last = 0;
    const fn = function (event) {
      if (options.prevent) event.preventDefault();
      if (options.stop) event.stopPropagation();
      const el = this, msg = message(el, event);
      if (options.debounce) {
        // Only the last event of a burst goes out, when the burst is over.
        clearTimeout(timer);
        timer = setTimeout(function () { transmitFrom(el, msg); }, options.debounce);
      } else if (options.throttle) {
        // The first at once, then at most one per period; the last one is never lost.
        const now = Date.now();
        if (now - last >= options.throttle && !timer) {
          last = now;
          transmitFrom(el, msg);
        } else {
          pending = msg;
          if (!timer) timer = setTimeout(function () {
            timer = null;
            last = Date.now();
            if (pending) transmitFrom(el, pending);
            pending = null;
          }, Math.max(0, options.throttle - (now - last)));
        }
      } else {
        transmitFrom(el, msg);
      }
    };
    if (!byType) listeners.set(key, (byType = new Map()));
    byType.set(type, fn);
    return fn;
  }

  /** A strict page's value getter: a path such as "this.value" or "event.target.dataset.id"
   * (as domsync/csp.py's GETTER_PATH), read property by property; nothing is evaluated. */
  const GETTER_PATH_RE = new RegExp("^" + GETTER_PATH + "$");
  function pathGetter(getter) {
    const path = String(getter).split(".");
    if (!GETTER_PATH_RE.test(getter) || path.some(function (name) {
      return name.startsWith("__") || GETTER_PATH_REFUSED.includes(name);
    })) {
      throw new Error("domsync: a strict page reads value getters as paths such as this.value, not code");
    }
    return function (event) {
      let value = path[0] === "this" ? this : event;
      for (let i = 1; i < path.length && value !== null && value !== undefined; i++) value = value[path[i]];
      return value;
    };
  }

  // ----------------------------------------------------------------------- Socket
  //
  // The session outlives the socket. Every batch comes numbered ("<n> <in>\n<js>"),
  // and the page acknowledges what it applied ("a" on its messages, or an ack when it
  // has nothing to say). Every message the page sends is numbered ("q") and kept until
  // the server says it has it ("in"). On each connection the page first sends a hello
  // with its session's token and the last batch it applied; the server welcomes it
  // with a new token and replays what it missed (or sends the whole page), and the
  // page sends again what the server lacks. The token lives in sessionStorage, one per
  // tab, so a reload resumes the session too; it never goes into a URL.

  let socket = null;
  let url = null;
  let attempts = 0;
  let everOpened = false;
  /** Retry delays after a drop, in ms: quick at first, then every half second, then
   * (after about half a minute) every 5 s. */
  const RETRY_DELAYS = [100, 200, 400, 500];
  const SLOW_RETRY_AFTER = 60;  // attempts
  const SLOW_RETRY_DELAY = 5000;
  /** At most this many unconfirmed messages are kept (the oldest go first). */
  const MAX_PENDING = 1000;
  /** An idle page acknowledges new batches this often (ms). */
  const ACK_INTERVAL = 2000;

  /** The session's token, or null. */
  let token = null;
  /** The worker process that holds the session, as its welcome named it (null when the
   * server runs alone): it goes into every later URL, for a proxy to route on. Not a
   * secret, unlike the token. */
  let worker = null;
  /** The number of the last batch applied, and whether the page shows the session's
   * page at all (not after a reload, until the server sends it again). */
  let applied = 0;
  let hasPage = false;
  /** The number of the last message sent, and the last batch acknowledged. */
  let sentQ = 0;
  let ackedBatch = 0;
  /** Messages not yet known to have reached the server: {q, text, message}. */
  const pending = [];
  /** Whether the current socket has been welcomed (messages go out only then), and
   * whether the next batch is the first since. */
  let welcomed = false;
  let ackNow = false;
  let storeKey = null;

  /**
   * Send a raw JSON message to the server (now, or once the session is back). It is
   * kept until the server confirms it, and sent again after a resume if need be.
   */
  function transmit(message) {
    const online = welcomed && socket && socket.readyState === WebSocket.OPEN;
    const last = pending[pending.length - 1];
    if (!online && last && !last.sent && message.type === MSG.SYNC && last.message.type === MSG.SYNC
        && last.message.id === message.id) {
      // Offline typing: the newest state of a control replaces the one queued before it.
      const newer = Object.assign({}, message, { q: last.q, a: applied });
      if (!tooBig(JSON.stringify(newer))) last.message = newer;
      return;
    }
    if (pending.length >= MAX_PENDING) {
      // Never drop a queued message (the server takes them strictly in order): refuse
      // new ones instead, as a dead page would.
      console.warn("domsync: " + MAX_PENDING + " messages wait for the server; dropped a new one");
      return;
    }
    const msg = Object.assign({}, message, { q: sentQ + 1, a: applied });
    if (tooBig(JSON.stringify(msg))) {
      // The server would drop it every time it came (and wait for it, in order).
      const error = new Error("a message over the server's max_message_size (" + maxMessage + " bytes) was not sent");
      if (message.type === MSG.ERROR) console.error("domsync:", error, message.message);
      else report(error, "send");
      return;
    }
    const entry = { q: ++sentQ, message: msg, sent: 0 };
    pending.push(entry);
    if (online) sendEntry(socket, entry);
  }

  /** The largest message the server takes, in UTF-8 bytes (its welcome says). */
  let maxMessage = Infinity;

  /** Whether a message is over the server's limit (with room for a newer "a"). */
  function tooBig(text) {
    const limit = maxMessage - 32;
    return text.length > limit / 3 && new TextEncoder().encode(text).length > limit;
  }

  /** Send a kept message, with the newest acknowledgement. */
  function sendEntry(ws, entry) {
    entry.message.a = applied;
    entry.sent = Date.now();
    ws.send(JSON.stringify(entry.message));
    ackedBatch = applied;
  }

  /** Send a control message (hello, ack, bye): never kept, never numbered. */
  function control(ws, message) {
    if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(Object.assign({ domsync: true }, message)));
  }

  /** Let go of the messages the server has (numbered up to `received`). */
  function confirmed(received) {
    while (pending.length && pending[0].q <= received) pending.shift();
  }

  function store(unloaded) {
    if (!storeKey) return;
    try {
      const saved = { token, worker, unloaded };
      if (unloaded) {
        // What a reload needs to carry on: unconfirmed messages and the counters the
        // server's document remembers (edit numbers, route reports).
        saved.pending = pending.map(function (entry) { return entry.message; });
        saved.q = sentQ;
        saved.edits = Array.from(edits);
        saved.routeSeq = routeSeq;
      }
      sessionStorage.setItem(storeKey, JSON.stringify(saved));
    } catch (e) { /* storage unavailable: a reload starts a new session */ }
  }

  /**
   * The session a reload left behind in this tab. Only a page that unloaded counts: a
   * tab duplicated from a live one copies its storage, and must not take its session.
   */
  function restore() {
    try {
      const saved = JSON.parse(sessionStorage.getItem(storeKey) || "null");
      if (!saved || !saved.unloaded || typeof saved.token !== "string") return;
      token = saved.token;
      if (typeof saved.worker === "string") worker = saved.worker;
      sentQ = typeof saved.q === "number" ? saved.q : 0;
      for (const message of saved.pending || []) pending.push({ q: message.q, message, sent: 0 });
      for (const [key, seq] of saved.edits || []) edits.set(key, seq);
      if (typeof saved.routeSeq === "number") routeSeq = saved.routeSeq;
    } catch (e) { /* unreadable: a new session */ }
  }

  /** The server's welcome: the session is back (or a new one began). */
  function welcome(ws, w) {
    if (!w.resumed) {
      // A prerendered page whose session has ended meanwhile: the new session's first
      // batch brings the whole page instead.
      bootOps = null;
      heldBatches.length = 0;
      // A new session: its keys are new, and what was kept for the old one is void.
      if (token !== null || hasPage) {
        pending.length = 0;
        sentQ = 0;
      }
      applied = 0;
      ackedBatch = 0;
      hasPage = false;
      newSession = true;
      routeSeq = 0;
      if (w.expired) notify("info", "The session expired; this is a new one", "");
    } else {
      newSession = false;  // the same keys: what the user did is put back after a rebuild
    }
    token = w.token;
    worker = typeof w.worker === "string" ? w.worker : null;  // a new worker's, after a failover
    if (typeof w.max === "number" && w.max !== maxMessage) {
      maxMessage = w.max;
      // Queued before the server said its limit: those it would drop go now, and the
      // rest are numbered again, so that the server, which takes them strictly in
      // order, finds no gap (it has none of them yet).
      const kept = pending.filter(function (entry) {
        if (entry.q <= w.in || !tooBig(JSON.stringify(entry.message))) return true;
        console.error("domsync: a queued message over the server's max_message_size was not sent");
        return false;
      });
      if (kept.length !== pending.length) {
        let q = w.in;
        for (const entry of kept) if (entry.q > w.in) entry.q = entry.message.q = ++q;
        pending.length = 0;
        pending.push(...kept);
        sentQ = q;
      }
    }
    store(false);
    welcomed = true;
    ackNow = true;
    sentQ = Math.max(sentQ, w.in);
    confirmed(w.in);
    // Open: the session is on the line, and the page live (a prerendered page, once bound).
    if (bootOps === null) setStatus("open");
    // What was queued meanwhile, and what was sent but not confirmed, goes now, in
    // order: the server takes each number once.
    for (const entry of pending) if (ws.readyState === WebSocket.OPEN) sendEntry(ws, entry);
    if (booted && w.resumed && !bootConfirmed) {
      // A prerendered page's first socket: it may get no batch to acknowledge for a
      // while, and the server keeps a session for a dropped page that has said nothing
      // only for the reload grace. Say at once that this page holds the token.
      bootConfirmed = true;
      control(ws, { type: MSG.ACK, a: applied });
      ackedBatch = applied;
    }
  }

  /** A numbered batch: apply it unless it is one the page has already applied. */
  /** How this socket's batches are applied: the wire it asked for. */
  let wireOfSocket = apply;

  function receiveBatch(data) {
    if (bootOps !== null) {
      heldBatches.push(data);  // after the page is bound (see bindBoot)
      return;
    }
    const newline = data.indexOf("\n");
    const head = data.slice(0, newline).split(" ");
    const number = +head[0];
    confirmed(+head[1]);
    if (hasPage && number <= applied) return;  // applied before (never twice)
    const follows = hasPage && number === applied + 1, resets = resetCount;
    newSessionBatch = newSession;
    wireOfSocket(data.slice(newline + 1));
    newSessionBatch = false;
    applied = number;
    hasPage = true;
    if (ackNow && socket) {
      // The first batch after a welcome is acknowledged at once: it tells the server
      // that this page holds its token, so the session waits for it after a drop.
      ackNow = false;
      control(socket, { type: MSG.ACK, a: applied });
      ackedBatch = applied;
    }
    if (!follows && resetCount === resets) {
      // Batches are missing, and this one did not bring the whole page: ask for it.
      report(new Error("missed the batches before batch " + number), "batch");
    }
  }

  /** The websocket URL for the page's own host: ws: for http:, wss: for https:. */
  function defaultUrl(base) {
    const u = new URL(base || window.location.href);
    u.protocol = u.protocol === "https:" ? "wss:" : "ws:";
    u.pathname = u.pathname.replace(/[^/]*$/, "") + WEBSOCKET_PATH;
    u.search = "";
    u.hash = "";
    return u.href;
  }

  function setStatus(status) {
    domsync.status = status;
    showStatus(status);
    document.dispatchEvent(new CustomEvent("domsync:status", { detail: { status } }));
  }

  /** The server's HTTP address, for downloads: the websocket URL's, as http(s). */
  function httpBase() {
    const u = new URL(url, window.location.href);
    u.protocol = u.protocol === "wss:" ? "https:" : "http:";
    u.pathname = u.pathname.replace(/[^/]*$/, "");
    u.search = "";
    return u.href;
  }

  /** Open the websocket and keep it open, reconnecting with backoff. */
  function connect(target) {
    url = target || url || defaultUrl();
    if (storeKey === null) {
      storeKey = "domsync:" + new URL(url, window.location.href).pathname;
      if (!booted) restore();  // a prerendered page has a session of its own
      store(false);
    }
    const previous = socket;
    socket = null;
    welcomed = false;
    if (previous) previous.close();  // one connection at a time
    setStatus("connecting");
    // The route goes with the handshake, so the server knows it before any handler
    // runs; the token never does (URLs end up in logs): it goes in the hello.
    const address = new URL(url, window.location.href);
    const sentRoute = currentRoute();
    address.searchParams.set("v", String(PROTOCOL_VERSION));
    address.searchParams.set("route", sentRoute);
    if (domsync.wire === "json") address.searchParams.set("wire", "json");
    // The proxy sends a returning page to the worker that holds its session.
    if (worker !== null) address.searchParams.set(WORKER_PARAMETER, worker);
    wireOfSocket = domsync.wire === "json" ? applyOps : apply;
    const ws = (socket = new WebSocket(address.href));
    let opened = false;
    ws.onopen = function () {
      if (socket !== ws) return;
      opened = everOpened = true;
      attempts = 0;
      control(ws, { type: MSG.HELLO, token, batch: hasPage ? applied : null });
    };
    ws.onmessage = function (event) {
      if (socket !== ws || typeof event.data !== "string") return;
      const data = event.data;
      if (data.charCodeAt(0) === 123 /* { */) {
        let w = null;
        try { w = JSON.parse(data); } catch (e) { /* not a control frame */ }
        if (w && typeof w.in === "number" && w.welcome === undefined) {
          confirmed(w.in);  // the server's answer to an ack: these messages arrived
          return;
        }
        if (w && w.welcome === true) {
          if (!w.resumed) {
            reportedRoute = domsync.route = sentRoute;
            // A route the server sets in its first batch replaces the entry the page
            // was opened with, rather than adding one that "back" would return from.
            route.batch = batches + 1;
          }
          welcome(ws, w);
          if (!w.resumed && currentRoute() !== sentRoute) reportRoute();  // changed while connecting
          return;
        }
      }
      receiveBatch(data);
    };
    ws.onclose = function () {
      if (socket !== ws) return;
      welcomed = false;
      setStatus("closed");
      if (!opened) attempts++;
      const delay = attempts >= SLOW_RETRY_AFTER ? SLOW_RETRY_DELAY
        : RETRY_DELAYS[Math.min(attempts, RETRY_DELAYS.length - 1)];
      setTimeout(function () { if (socket === ws) connect(); }, delay * (0.75 + Math.random() / 2));
    };
  }

  /** Come back at once when the network or the tab does, rather than at the next retry. */
  function retryNow() {
    if (socket && socket.readyState === WebSocket.CLOSED) connect();
  }
  window.addEventListener("online", retryNow);
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") retryNow();
  });

  // An idle page still acknowledges, so the server can let go of what it keeps, and
  // asks which of its messages arrived. A message the server has still not confirmed
  // a while later was dropped on the way (too many at once): it goes again, with those
  // after it (the server takes messages strictly in order, each once).
  setInterval(function () {
    if (!welcomed || !socket || socket.readyState !== WebSocket.OPEN) return;
    const now = Date.now(), oldest = pending.length ? pending[0].sent : 0;
    if (oldest && now - oldest > 2 * ACK_INTERVAL) {
      for (const entry of pending) sendEntry(socket, entry);
    } else if (applied > ackedBatch || (oldest && now - oldest > ACK_INTERVAL)) {
      control(socket, { type: MSG.ACK, a: applied });
      ackedBatch = applied;
    }
  }, ACK_INTERVAL);

  // Unloading (a reload, a closed tab, a navigation: the page cannot tell which): say
  // goodbye, so the server keeps the session only for its short reload grace, and keep
  // the token and the unconfirmed messages for the reload.
  window.addEventListener("pagehide", function () {
    if (domsync.resumeOnReload === false) {
      // This page starts afresh when reloaded: its session can end now.
      if (welcomed) control(socket, { type: MSG.BYE, a: applied, final: true });
      try { if (storeKey) sessionStorage.removeItem(storeKey); } catch (e) { /* unavailable */ }
      return;
    }
    if (welcomed) control(socket, { type: MSG.BYE, a: applied });
    store(true);
  });
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) store(false);  // back from the back-forward cache: live again
  });

  // --------------------------------------------------------------------------- UI

  let indicator = null;

  /** A small, unobtrusive badge in the corner while the connection is down (not while
   * the page connects for the first time). */
  function showStatus(status) {
    if (status === "open") {
      if (indicator) indicator.hidden = true;
      return;
    }
    if (!everOpened || !document.body) return;
    if (!indicator) {
      indicator = document.createElement("div");
      indicator.id = "domsync-status";
      indicator.className = "domsync-status";
      indicator.setAttribute("role", "status");
      indicator.style.cssText =
        "position:fixed;bottom:8px;right:8px;padding:2px 8px;border-radius:8px;" +
        "font:12px sans-serif;background:#fff3cd;color:#664d03;opacity:.9;z-index:2147483647";
      document.body.appendChild(indicator);
    }
    indicator.textContent = "reconnecting…";
    indicator.hidden = false;
  }

  const MAX_NOTIFICATIONS = 5;
  const NOTIFICATION_COLORS = {
    error: "#f8d7da;color:#58151c", warning: "#fff3cd;color:#664d03",
    info: "#cff4fc;color:#055160", success: "#d1e7dd;color:#0a3622",
  };

  /**
   * Show a notification: newest on top, at most MAX_NOTIFICATIONS at once, each with a
   * close button; info and success ones leave by themselves after 8 s. Text only.
   * Classes domsync-notification and domsync-notification-<type> allow restyling.
   */
  function notify(type, title, message) {
    let area = document.getElementById("domsync-notifications");
    if (!area) {
      area = document.createElement("div");
      area.id = "domsync-notifications";
      area.className = "domsync-notifications";
      area.style.cssText = "position:fixed;top:8px;right:8px;z-index:2147483647;display:flex;" +
        "flex-direction:column;gap:6px;max-width:min(360px,90vw);font:14px sans-serif";
      document.body.appendChild(area);
    }
    const box = document.createElement("div");
    box.className = "domsync-notification domsync-notification-" + type;
    box.setAttribute("role", type === "error" || type === "warning" ? "alert" : "status");
    box.style.cssText = "padding:8px 28px 8px 10px;border-radius:6px;position:relative;" +
      "box-shadow:0 1px 4px rgba(0,0,0,.2);background:" + (NOTIFICATION_COLORS[type] || NOTIFICATION_COLORS.info);
    const heading = document.createElement("strong");
    heading.className = "domsync-notification-title";
    heading.textContent = title;
    box.appendChild(heading);
    if (message) {
      const text = document.createElement("div");
      text.className = "domsync-notification-message";
      text.textContent = message;
      box.appendChild(text);
    }
    const close = document.createElement("button");
    close.className = "domsync-notification-close";
    close.type = "button";
    close.setAttribute("aria-label", "Dismiss");
    close.textContent = "×";
    close.style.cssText = "position:absolute;top:4px;right:6px;border:0;background:none;cursor:pointer;font-size:16px";
    close.onclick = function () { box.remove(); };
    box.appendChild(close);
    area.insertBefore(box, area.firstChild);
    while (area.children.length > MAX_NOTIFICATIONS) area.lastChild.remove();
    if (type === "info" || type === "success") setTimeout(function () { box.remove(); }, 8000);
  }

  // ------------------------------------------------------------------------ Start

  /**
   * Send a named message to the server, for its @server.on_event(name) handlers.
   * @param {string} name
   * @param {*} [payload]  anything JSON can carry
   */
  function send(name, payload) {
    if (typeof name !== "string" || !name) throw new TypeError("domsync.send(name, payload): name must be a string");
    domsync.transmit({ domsync: true, type: MSG.NAMED, name, payload: payload === undefined ? null : payload });
  }

  domsync.route = currentRoute();
  domsync.notify = notify;
  domsync.apply = apply;
  domsync.applyOps = applyOps;
  domsync.transmit = transmit;
  domsync.send = send;
  domsync.connect = connect;
  domsync.status = "closed";
  /** Test and debugging aid: the element known as `key`, or undefined. */
  domsync.node = function (key) { return nodes.get(key); };
  /** Test and debugging aid: the current WebSocket, or null. */
  Object.defineProperty(domsync, "socket", { get: function () { return socket; } });
  window.ws_send = function (message) { domsync.transmit(message); };

  // <script src=".../domsync.js"> connects to the server that served it; a script
  // with data-domsync-url="ws://..." connects there; data-domsync-url="" (or an inline
  // copy of this file) does not connect until domsync.connect() is called.
  const script = document.currentScript;
  // data-domsync-reload="new" (or domsync.resumeOnReload = false, set by page script):
  // a reload of this page starts a new session; network drops still resume.
  if (domsync.resumeOnReload !== false) {
    domsync.resumeOnReload = !(script && script.getAttribute("data-domsync-reload") === "new");
  }
  // data-domsync-wire="json" (or domsync.wire = "json" before connecting): batches come
  // as JSON ops, applied by a fixed table (applyOps): no code is evaluated.
  // data-domsync-strict (or domsync.strict = true): a page under a strict
  // Content-Security-Policy; nothing the server sends is ever evaluated.
  if (domsync.strict !== true) domsync.strict = !!(script && script.hasAttribute("data-domsync-strict"));
  if (domsync.strict) domsync.wire = "json";
  if (domsync.wire !== "json") domsync.wire = script && script.getAttribute("data-domsync-wire") === "json" ? "json" : "js";
  function start() {
    if (script) {
      const explicit = script.getAttribute("data-domsync-url");
      if (explicit) connect(explicit);
      else if (explicit === null && script.src) connect(defaultUrl(script.src));
    }
  }

  // A page served with its first render (DomsyncServer(prerender=True)): the root holds
  // it as markup, and a JSON block (data, never run) the session's token, the number of
  // the batch the page stands for, and the ops that complete it, starting with the
  // keys of the markup's elements. The page connects at once, as a page that resumes
  // that session (the server sends only what came after), and binds the page after it
  // is painted; batches that arrive before wait for it.

  /** The boot's ops while the page waits to be bound, and the batches that came meanwhile. */
  let bootOps = null;
  const heldBatches = [];

  /** Read the boot block: the session it names is this page's. False if it is not one. */
  function readBoot(bootBlock) {
    let data = null;
    try { data = JSON.parse(bootBlock.textContent); } catch (e) { report(e, "boot"); }
    bootBlock.remove();  // the token is the session's: not left in the page
    if (!data || typeof data.token !== "string" || typeof data.batch !== "number" || !Array.isArray(data.ops)) {
      return false;
    }
    booted = true;
    token = data.token;  // the ops may need the worker: a large download's URL names it
    worker = typeof data.worker === "string" ? data.worker : null;
    applied = ackedBatch = data.batch;
    hasPage = true;
    newSession = false;  // the keys are this session's
    bootOps = data.ops;
    return true;
  }

  /** Bind the page and apply the boot's ops, then the batches that arrived meanwhile. */
  function bindBoot() {
    const ops = bootOps;
    if (ops === null) return;  // a new session took its place (its welcome said so)
    bootOps = null;
    // The server rendered the page for no route (the hash never reaches it). A page
    // opened at one keeps it, and says so: the browser's route wins over one the first
    // render set (which a page opened at none shows instead of the entry it was
    // opened with).
    const openedAt = currentRoute();
    reportedRoute = domsync.route = "";
    route.batch = batches + 1;
    batches++;
    booting = true;
    let bound = false;
    try {
      for (const op of ops) {
        const fn = OPS[op[0]];
        if (!fn) throw new Error("domsync: unknown op " + JSON.stringify(op).slice(0, 100));
        if (op[0] === OP.ROUTE && openedAt) continue;
        fn(op);
      }
      bound = true;
    } catch (error) {
      report(error, "boot");
    }
    booting = false;
    if (!bound) {
      // Ask for the whole page: a new connection says it has none.
      hasPage = false;
      heldBatches.length = 0;
      if (socket) socket.close();
      return;
    }
    reportRoute();
    // The page was inert until now (see R): an autofocus it asked for happens now.
    const root = nodes.get(0), asked = root && root.querySelector("[autofocus]");
    if (asked && (document.activeElement === document.body || !document.activeElement)) asked.focus();
    for (const data of heldBatches.splice(0)) receiveBatch(data);
    if (welcomed && socket && socket.readyState === WebSocket.OPEN) setStatus("open");
  }

  // The page's boot block stands right before this script (the page's own element with
  // that id, if any, comes earlier in the page).
  const bootBlock = script && script.previousElementSibling;
  if (bootBlock && bootBlock.id === "domsync-boot" && bootBlock.type === "application/json"
      && readBoot(bootBlock)) {
    // Binding thousands of elements before the page is painted would hold back its
    // paint: so after the frame that paints it, when the next one begins (or soon, in a
    // tab that draws no frames). Until then the page is inert: nothing the user does
    // there could reach the server.
    let begun = false;
    const begin = function () {
      if (begun) return;
      begun = true;
      bindBoot();
    };
    requestAnimationFrame(function () { requestAnimationFrame(function () { setTimeout(begin, 0); }); });
    setTimeout(begin, 250);
  }
  start();
})();
