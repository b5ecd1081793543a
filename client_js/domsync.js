/**
 * domsync browser client: applies the DOM updates a domsync server renders, and sends
 * the browser's events back.
 *
 * Public API (window.domsync):
 *   domsync.connect(url?)   open the websocket (done automatically, see "Start" below)
 *   domsync.apply(batch)    apply one batch of rendered JavaScript
 *   domsync.send(name, payload)   send a named message to the server's
 *                           @server.on_event(name) handlers
 *   domsync.transmit(message)   send a raw JSON message to the server
 *   domsync.notify(type, title, message)   show a notification (error, warning, info,
 *                           success), as Document.add_notification does
 *   domsync.route           the current route (the URL hash without "#")
 *   domsync.status          "connecting" | "open" | "closed"
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
 * and reconnection), UI (the connection indicator and notifications), Start.
 * No build step: this file is served as it is.
 */
(function () {
  "use strict";

  // The wire protocol's constants, from domsync/protocol.py (a test checks they agree).
  // BEGIN GENERATED PROTOCOL (python scripts/protocol_js.py; do not edit)
  const PROTOCOL_VERSION = 1;
  const AUTO_ID_PREFIX = "__domsync_el_";
  const HELPERS = ["N", "E", "S", "M", "L", "H", "F", "R", "D", "V", "notify", "download", "downloadUrl", "openUrl", "route", "run"];
  const MSG = {"SYNC": "sync", "NAMED": "message", "ROUTE": "route", "ERROR": "error"};
  const EVENT_KINDS = {"modifiers": {"altKey": false, "ctrlKey": false, "metaKey": false, "shiftKey": false}, "key": {"key": "", "code": "", "repeat": false, "altKey": false, "ctrlKey": false, "metaKey": false, "shiftKey": false}, "mouse": {"altKey": false, "ctrlKey": false, "metaKey": false, "shiftKey": false, "clientX": 0, "clientY": 0, "offsetX": 0, "offsetY": 0, "button": 0, "buttons": 0}, "wheel": {"altKey": false, "ctrlKey": false, "metaKey": false, "shiftKey": false, "clientX": 0, "clientY": 0, "offsetX": 0, "offsetY": 0, "button": 0, "buttons": 0, "deltaX": 0, "deltaY": 0}};
  const WEBSOCKET_PATH = "ws";
  const DOWNLOAD_PATH = "_domsync/download/";
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

  /**
   * A <script> that never runs, like one inserted with innerHTML: the HTML parser marks
   * the scripts it creates for innerHTML as "already started", for good.
   */
  function inertScript(svg) {
    const holder = document.createElement("div");
    holder.innerHTML = svg ? "<svg><script></script></svg>" : "<script></script>";
    return svg ? holder.firstChild.firstChild : holder.firstChild;
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
    if (attrs) for (let i = 0; i < attrs.length; i += 2) el.setAttribute(attrs[i], attrs[i + 1]);
    const target = el instanceof HTMLTemplateElement ? el.content : el;
    if (typeof kids === "string") target.textContent = kids;
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
      if (texts[i] !== null) el.textContent = texts[i];
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

  /** Start over: bind key 0 to the root element and empty it. */
  function R(rootId) {
    const root = document.getElementById(rootId);
    if (!root) throw new Error("domsync: the page has no element with id " + JSON.stringify(rootId));
    const old = listeners.get(0);
    if (old && nodes.get(0) === root) for (const [type, fn] of old) root.removeEventListener(type, fn);
    nodes.clear();
    listeners.clear();
    edits.clear();
    generation++;
    for (const name of root.getAttributeNames()) if (name !== "id") root.removeAttribute(name);
    root.replaceChildren();
    nodes.set(0, root);
  }

  /** Counts applied batches: route changes within one batch make one history entry. */
  let batches = 0;

  /** The helpers a batch calls, by the names protocol.py gives them (HELPERS). */
  const HELPER_FUNCTIONS = { N, E, S, M, L, H, F, R, D, V, notify, download, downloadUrl, openUrl, route, run };
  const HELPER_VALUES = HELPERS.map(function (name) { return HELPER_FUNCTIONS[name]; });

  /** Apply one batch of rendered JavaScript. Errors are reported, never swallowed.
   * Batches are numbered by the order they arrive in: batch n is the n-th applied. */
  function apply(batch) {
    batches++;
    try {
      new Function(...HELPERS, batch)(...HELPER_VALUES);
    } catch (error) {
      report(error, "batch", batch);
    }
  }

  /** Tell the page, the console and the server that something failed. */
  function report(error, source, code) {
    const message = (error && error.message) || String(error);
    console.error("domsync: " + source + " failed:", error, code ? code.slice(0, 500) : "");
    document.dispatchEvent(new CustomEvent("domsync:error", {
      detail: { message, stack: error && error.stack, source },
    }));
    domsync.transmit({ domsync: true, type: MSG.ERROR, source, message: message.slice(0, 2000), batch: batches });
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
    save(new URL(DOWNLOAD_PATH + encodeURIComponent(token), httpBase()).href, name);
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

  /** Run script the server sent (Document.run_js), as the body of a function. */
  function run(code) {
    try {
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
        get = new Function("event", "return (" + getter + "\n);");
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

  // ----------------------------------------------------------------------- Socket

  let socket = null;
  let url = null;
  let retryDelay = 250;
  let everOpened = false;
  const MAX_RETRY_DELAY = 5000;
  /** Messages sent before the first connection opened; sent once it does. */
  const outbox = [];

  /** Send a raw JSON message to the server. */
  function transmit(message) {
    const text = JSON.stringify(message);
    if (socket && socket.readyState === WebSocket.OPEN) socket.send(text);
    // Before the first connection, queue (a getter error in the first batch, say).
    // After a drop, never: element keys belong to the old session, and replaying a
    // click into the new one could hit another element.
    else if (!everOpened && outbox.length < 100) outbox.push(text);
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
    const previous = socket;
    socket = null;
    if (previous) previous.close();  // one connection at a time
    setStatus("connecting");
    // The route goes with the handshake, so the server knows it before any handler runs.
    const address = new URL(url, window.location.href);
    const sentRoute = currentRoute();
    address.searchParams.set("v", String(PROTOCOL_VERSION));
    address.searchParams.set("route", sentRoute);
    reportedRoute = domsync.route = sentRoute;
    routeSeq = 0;  // a new session
    const ws = (socket = new WebSocket(address.href));
    let opened = false;
    ws.onopen = function () {
      if (socket !== ws) return;
      opened = everOpened = true;
      // A route the server sets in its first batch replaces the entry the page was
      // opened with, rather than adding one that "back" would return from.
      route.batch = batches + 1;
      if (currentRoute() !== sentRoute) reportRoute();  // changed while connecting
      setStatus("open");
      while (outbox.length && ws.readyState === WebSocket.OPEN) ws.send(outbox.shift());
    };
    ws.onmessage = function (event) {
      if (socket === ws && typeof event.data === "string") apply(event.data);
    };
    ws.onclose = function () {
      if (socket !== ws) return;
      setStatus("closed");
      // Back off from a server that refuses or drops us at once; start quick again
      // after a connection that lasted.
      retryDelay = opened ? 250 : Math.min(retryDelay * 2, MAX_RETRY_DELAY);
      const delay = retryDelay * (0.75 + Math.random() / 2);
      setTimeout(function () { if (socket === ws) connect(); }, delay);
    };
  }

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
  if (script) {
    const explicit = script.getAttribute("data-domsync-url");
    if (explicit) connect(explicit);
    else if (explicit === null && script.src) connect(defaultUrl(script.src));
  }
})();
