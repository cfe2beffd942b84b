// 店小二 chat widget: one <script src="/static/widget.js" data-shopper data-sig> on any page.
// Plain JavaScript, no build step. Every text from the network goes in with textContent.
(function () {
  "use strict";
  var script = document.currentScript;
  var base = new URL(script.src).origin;
  var shopper = script.dataset.shopper || "";
  var sig = script.dataset.sig || "";
  var KEY = "dxr:" + base;
  var state = { lastId: 0, unread: 0, open: false, ws: null, retry: 1000, seen: {} };

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
  function setBadge() { badge.textContent = String(state.unread); badge.hidden = state.unread === 0; }
  function render(m) {
    if (state.seen[m.id]) return;
    state.seen[m.id] = true;
    state.lastId = Math.max(state.lastId, m.id);
    var row = el("div", "dxr-msg dxr-" + m.sender);
    if (m.sender === "agent" && m.agent) row.appendChild(el("div", "dxr-who", "人工客服 " + m.agent));
    if (m.text) row.appendChild(el("div", "dxr-text", m.text));
    if (m.attachment) { var img = el("img", "dxr-img"); img.src = base + m.attachment; img.alt = "图片"; row.appendChild(img); }
    (m.buttons || []).forEach(function (b) {
      var quick = el("button", "dxr-quick", b.title); quick.type = "button";
      quick.addEventListener("click", function () { post(b.payload, null, b.title); });
      row.appendChild(quick);
    });
    log.appendChild(row); log.scrollTop = log.scrollHeight;
    if (m.sender !== "shopper") { typing.hidden = true; if (!state.open) { state.unread++; setBadge(); } }
  }
  var pending = {};
  function post(text, attachmentId) {
    var id = "c" + Date.now().toString(36) + Math.random().toString(36).slice(2, 8);
    var frame = { type: "message", client_id: id, text: text };
    if (attachmentId) frame.attachment_id = attachmentId;
    pending[id] = frame; flush();
  }
  function flush() {
    if (!state.ws || state.ws.readyState !== 1) return;
    Object.keys(pending).forEach(function (id) { state.ws.send(JSON.stringify(pending[id])); });
  }
  function connect() {
    var ws = new WebSocket(base.replace(/^http/, "ws") + "/ws?" + query());
    state.ws = ws;
    ws.onopen = function () { status.textContent = "已连接"; state.retry = 1000; flush(); };
    ws.onmessage = function (event) {
      var data = JSON.parse(event.data);
      if (data.type === "welcome") {
        if (data.anon) localStorage.setItem(KEY + ":anon", data.anon);
        status.textContent = data.mode === "human" ? "人工客服服务中" : "智能客服小助手";
      } else if (data.type === "history") { data.messages.forEach(render); }
      else if (data.type === "message") { render(data.message); }
      else if (data.type === "ack") { delete pending[data.client_id]; typing.hidden = false; }
      else if (data.type === "typing") { typing.hidden = false; }
      else if (data.type === "mode") { status.textContent = data.mode === "human" ? "人工客服服务中" : "智能客服小助手"; if (data.mode === "human") typing.hidden = true; }
      else if (data.type === "error") { delete pending[data.client_id]; log.appendChild(el("div", "dxr-msg dxr-system", data.message)); }
    };
    ws.onclose = function () {
      status.textContent = "连接已断开，正在重连…";
      setTimeout(connect, state.retry); state.retry = Math.min(state.retry * 2, 15000);
    };
  }
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
        else post("", r.attachment_id);
      });
  });
  connect();
})();
