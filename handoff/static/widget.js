// 店小二 chat widget: one <script src="/static/widget.js" data-shopper data-sig> on any page.
// Plain JavaScript, no build step. Every text from the network goes in with textContent.
(function () {
  "use strict";
  var script = document.currentScript;
  var base = new URL(script.src).origin;
  var shopper = script.dataset.shopper || "";
  var sig = script.dataset.sig || "";
  var KEY = "dxr:" + base;
  // Reconnect quickly (0.5 s, 1 s, 2 s, then about every 4 s), each wait jittered by ±20%
  // so that widgets dropped together do not all come back in the same instant.
  var RETRY_FIRST = 500, RETRY_CAP = 4000;
  var state = { unread: 0, open: false, ws: null, retry: RETRY_FIRST, timer: null, seen: {} };
  // The shopper's messages not yet acknowledged, oldest first: {id, frame, url}. They are
  // kept in sessionStorage, so a reload while offline shows and sends them again, once.
  var outbox = [];
  // The bubbles this tab drew for its own messages, by client id, until the stored copy
  // replaces them.
  var mine = {};

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined) node.textContent = text;
    return node;
  }
  var css = el("link"); css.rel = "stylesheet"; css.href = base + "/static/widget.css";
  document.head.appendChild(css);
  var button = el("button", "dxr-launcher", "在线客服");
  var badge = el("span", "dxr-badge"); badge.hidden = true; button.appendChild(badge);
  var panel = el("div", "dxr-panel"); panel.hidden = true;
  var head = el("div", "dxr-head", "店小二 · 在线客服");
  var status = el("div", "dxr-status", "连接中…");
  var log = el("div", "dxr-log"); log.setAttribute("aria-live", "polite");
  var typing = el("div", "dxr-typing", "对方正在输入…"); typing.hidden = true;
  var form = el("form", "dxr-form");
  var input = el("input"); input.placeholder = "请输入消息"; input.maxLength = 2000;
  var file = el("input"); file.type = "file"; file.accept = "image/png,image/jpeg,image/gif,image/webp";
  file.hidden = true;
  var photo = el("button", "dxr-photo", "图片"); photo.type = "button";
  var send = el("button", "dxr-send", "发送"); send.type = "submit";
  form.append(input, photo, send, file);
  panel.append(head, status, log, typing, form);
  document.body.append(button, panel);

  function anonToken() { return localStorage.getItem(KEY + ":anon") || ""; }
  function query() {
    var q = new URLSearchParams({ shopper: shopper, sig: sig, anon: anonToken(), after: "0" });
    return q.toString();
  }
  // One outbox per shopper (a signed-in id, else this browser's anonymous id).
  function outboxKey() {
    return KEY + ":outbox:" + (shopper ? "s:" + shopper : "a:" + (anonToken().split(".")[0] || "new"));
  }
  var savedUnder = outboxKey();
  function save() {
    try {
      var key = outboxKey();
      if (key !== savedUnder) { sessionStorage.removeItem(savedUnder); savedUnder = key; }
      if (outbox.length) sessionStorage.setItem(key, JSON.stringify(outbox));
      else sessionStorage.removeItem(key);
    } catch (e) { /* storage full or blocked: the queue still lives in this page */ }
  }
  function load() {
    try {
      var items = JSON.parse(sessionStorage.getItem(savedUnder) || "[]");
      return Array.isArray(items) ? items.filter(function (o) { return o && o.id && o.frame; }) : [];
    } catch (e) { return []; }
  }
  function setBadge() { badge.textContent = String(state.unread); badge.hidden = state.unread === 0; }

  // Stored messages are shown in id order; the shopper's unconfirmed ones stay below them.
  function place(row, id) {
    var rows = log.children;
    for (var i = 0; i < rows.length; i++) {
      var other = rows[i];
      if (other === row) continue;
      var otherId = other.dataset.id ? Number(other.dataset.id) : null;
      if ((otherId !== null && otherId > id) || (otherId === null && other.dataset.cid)) {
        log.insertBefore(row, other); return;
      }
    }
    log.appendChild(row);
  }
  function bubble(sender, text, attachment, agent) {
    var row = el("div", "dxr-msg dxr-" + sender);
    if (sender === "agent" && agent) row.appendChild(el("div", "dxr-who", "人工客服 " + agent));
    if (text) row.appendChild(el("div", "dxr-text", text));
    if (attachment) { var img = el("img", "dxr-img"); img.src = base + attachment; img.alt = "图片"; row.appendChild(img); }
    return row;
  }
  function render(m) {
    if (state.seen[m.id]) return;
    state.seen[m.id] = true;
    var row = bubble(m.sender, m.text, m.attachment, m.agent);
    row.dataset.id = String(m.id);
    (m.buttons || []).forEach(function (b) {
      var quick = el("button", "dxr-quick", b.title); quick.type = "button";
      // The assistant gets the payload (/affirm); people read the title (确认提交).
      quick.addEventListener("click", function () { post(b.payload, null, b.title); });
      row.appendChild(quick);
    });
    var own = m.client_id ? mine[m.client_id] : null;
    if (own) {  // the stored copy of a message this tab drew: replace it, no second bubble
      delete mine[m.client_id];
      if (own.parentNode) own.parentNode.replaceChild(row, own);
    }
    if (m.client_id) forget(m.client_id);
    place(row, m.id);
    log.scrollTop = log.scrollHeight;
    if (m.sender !== "shopper") { typing.hidden = true; if (!state.open) { state.unread++; setBadge(); } }
  }
  // A bubble for a message the gateway has not acknowledged yet: greyed, 「发送中…」.
  function drawPending(item) {
    var row = bubble("shopper", item.frame.display || item.frame.text, item.url);
    row.classList.add("dxr-pending");
    row.dataset.cid = item.id;
    row.appendChild(el("div", "dxr-state", "发送中…"));
    mine[item.id] = row;
    log.appendChild(row); log.scrollTop = log.scrollHeight;
  }
  function settle(clientId, id, failed) {
    var row = mine[clientId];
    if (!row) return;
    row.classList.remove("dxr-pending");
    var note = row.querySelector(".dxr-state");
    if (failed) {
      row.classList.add("dxr-failed");
      if (note) note.textContent = "未发送";
      delete row.dataset.cid;  // stays where it is, like the notice explaining why
      delete mine[clientId];
    } else {
      if (note) row.removeChild(note);
      if (id) { row.dataset.id = String(id); place(row, id); }
    }
  }
  function forget(clientId) {
    var before = outbox.length;
    outbox = outbox.filter(function (o) { return o.id !== clientId; });
    if (outbox.length !== before) save();
  }
  function transmit(item) {
    if (state.ws && state.ws.readyState === 1) state.ws.send(JSON.stringify(item.frame));
  }
  function post(text, attachmentId, display, url) {
    var id = "c" + Date.now().toString(36) + Math.random().toString(36).slice(2, 8);
    var frame = { type: "message", client_id: id, text: text };
    if (attachmentId) frame.attachment_id = attachmentId;
    if (display && display !== text) frame.display = display;
    var item = { id: id, frame: frame, url: url || null };
    outbox.push(item); save();
    drawPending(item);
    transmit(item);
  }
  function reconnectLater() {
    if (state.timer) return;
    var wait = state.retry * (0.8 + Math.random() * 0.4);
    state.retry = Math.min(state.retry * 2, RETRY_CAP);
    state.timer = setTimeout(function () { state.timer = null; connect(); }, wait);
  }
  function connect() {
    if (state.timer) { clearTimeout(state.timer); state.timer = null; }
    if (state.ws && state.ws.readyState < 2) return;  // connecting or open already
    // Protocol v2: the credentials go in the first frame, not in the URL (README "Identity frame").
    var ws = new WebSocket(base.replace(/^http/, "ws") + "/ws?v=2");
    state.ws = ws;
    ws.onopen = function () {
      ws.send(JSON.stringify({ type: "hello", shopper: shopper, sig: sig, anon: anonToken(), after: 0 }));
      outbox.forEach(transmit);
    };
    ws.onmessage = function (event) {
      var data = JSON.parse(event.data);
      if (data.type === "welcome") {
        state.retry = RETRY_FIRST;
        if (data.anon) { localStorage.setItem(KEY + ":anon", data.anon); save(); }
        status.textContent = data.mode === "human" ? "人工客服服务中" : "智能客服小助手";
      } else if (data.type === "history") { data.messages.forEach(render); }
      else if (data.type === "message") { render(data.message); }
      else if (data.type === "ack") { forget(data.client_id); settle(data.client_id, data.id); typing.hidden = false; }
      else if (data.type === "typing") { typing.hidden = false; }
      else if (data.type === "mode") { status.textContent = data.mode === "human" ? "人工客服服务中" : "智能客服小助手"; if (data.mode === "human") typing.hidden = true; }
      else if (data.type === "error") {
        forget(data.client_id); settle(data.client_id, null, true);
        log.appendChild(el("div", "dxr-msg dxr-system", data.message)); log.scrollTop = log.scrollHeight;
      }
    };
    ws.onclose = function () {
      if (state.ws !== ws) return;
      status.textContent = "连接已断开，正在重连…";
      reconnectLater();
    };
  }
  // Back online (or back to the tab): try at once instead of waiting for the timer.
  window.addEventListener("online", connect);
  document.addEventListener("visibilitychange", function () { if (!document.hidden) connect(); });
  button.addEventListener("click", function () {
    state.open = !state.open; panel.hidden = !state.open;
    if (state.open) { state.unread = 0; setBadge(); input.focus(); }
  });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value.trim(); if (!text) return;
    input.value = ""; post(text);
  });
  var lastTyping = 0;
  input.addEventListener("input", function () {
    if (Date.now() - lastTyping > 2000 && state.ws && state.ws.readyState === 1) {
      lastTyping = Date.now(); state.ws.send(JSON.stringify({ type: "typing" }));
    }
  });
  photo.addEventListener("click", function () { file.click(); });
  file.addEventListener("change", function () {
    var f = file.files[0]; file.value = ""; if (!f) return;
    if (f.size > 5 * 1024 * 1024) { log.appendChild(el("div", "dxr-msg dxr-system", "图片不能超过 5 MB。")); return; }
    var body = new FormData(); body.append("photo", f);
    fetch(base + "/api/upload?" + query(), { method: "POST", body: body })
      .then(function (r) { return r.json(); })
      .then(function (r) {
        if (r.error) log.appendChild(el("div", "dxr-msg dxr-system", r.error));
        else post("", r.attachment_id, null, r.url);
      })
      .catch(function () { log.appendChild(el("div", "dxr-msg dxr-system", "图片没有发出去，请稍后再试。")); });
  });
  outbox = load();
  outbox.forEach(drawPending);
  connect();
})();
