// 店小二 chat widget: one <script src="/static/widget.js" data-shopper data-sig> on any page.
// Plain JavaScript, no build step. It lives in a shadow root, so the shop's CSS cannot reach
// it and its CSS cannot reach the shop. Every text from the network goes in with textContent.
// Protocol: README "The widget protocol" (version 2; frames it does not know are ignored).
(function () {
  "use strict";
  var script = document.currentScript;
  var base = new URL(script.src).origin;
  var shopper = script.dataset.shopper || "";
  var sig = script.dataset.sig || "";
  var KEY = "dxr:" + base;
  var MAX_CHARS = 2000;
  // Reconnect quickly (0.5 s, 1 s, 2 s, then about every 4 s), each wait jittered by ±20%
  // so that widgets dropped together do not all come back in the same instant.
  var RETRY_FIRST = 500, RETRY_CAP = 4000;
  // The typing indicator stays up this long after the last "typing" frame (the other side
  // sends one every couple of seconds while typing), so it does not flicker.
  var TYPING_MS = 6000;
  // ``seq``: the number of the last message shown (messages come numbered 1, 2, 3… in their
  // conversation); a reconnect resumes after it and a number shown already is a copy.
  // ``top``: the highest message id shown; ``who``: whose conversation it is (welcome).
  // ``pinned``: the log follows its newest message (false once the shopper scrolls up).
  var state = { unread: 0, open: false, ws: null, retry: RETRY_FIRST, timer: null, seq: 0, top: 0, who: "", stated: false, pinned: true };
  // The shopper's messages not yet acknowledged, oldest first: {id, frame, url}. They are
  // kept in sessionStorage, so a reload while offline shows and sends them again, once.
  var outbox = [];
  // The bubbles this tab drew for its own messages, by client id, until the stored copy
  // replaces them.
  var mine = {};
  // The highest message id the shopper has had in front of them (panel open), kept across
  // reloads: only newer messages that arrive while the panel is closed are unread.
  var lastRead = 0;

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined) node.textContent = text;
    return node;
  }
  function button(cls, text, label) {
    var b = el("button", cls, text); b.type = "button";
    if (label) b.setAttribute("aria-label", label);
    return b;
  }
  var host = el("dxr-chat");
  var root = host.attachShadow ? host.attachShadow({ mode: "open" }) : host;
  var css = el("link"); css.rel = "stylesheet"; css.href = base + "/static/widget.css";
  // The launcher toggles the chat; while it is open (beside the panel, on a wide screen) it
  // says so, so that a click is not a surprise.
  var launcherText = el("span", "", "在线客服");
  var launcher = button("dxr-launcher"); launcher.setAttribute("aria-expanded", "false");
  var badge = el("span", "dxr-badge"); badge.hidden = true; launcher.append(launcherText, badge);
  var panel = el("div", "dxr-panel"); panel.hidden = true;
  panel.setAttribute("role", "dialog"); panel.setAttribute("aria-label", "在线客服");
  var head = el("div", "dxr-head");
  var close = button("dxr-close", "×", "关闭对话窗口");
  head.append(el("span", "dxr-title", "店小二 · 在线客服"), close);
  var status = el("div", "dxr-status", "连接中…");
  var log = el("div", "dxr-log"); log.setAttribute("aria-live", "polite");
  var typing = el("div", "dxr-typing", "");
  var form = el("form", "dxr-form");
  var input = el("input"); input.placeholder = "请输入消息"; input.maxLength = MAX_CHARS;
  input.setAttribute("aria-label", "消息");
  var file = el("input"); file.type = "file"; file.accept = "image/png,image/jpeg,image/gif,image/webp";
  file.hidden = true;
  var photo = button("dxr-photo", "图片", "发送图片");
  var send = el("button", "dxr-send", "发送"); send.type = "submit";
  var counter = el("div", "dxr-count"); counter.hidden = true;
  form.append(input, photo, send, file);
  panel.append(head, status, log, typing, counter, form);
  var zoom = el("div", "dxr-zoom"); zoom.hidden = true;
  var zoomed = el("img"); zoomed.alt = "放大的图片";
  zoom.append(zoomed, el("div", "dxr-zoom-hint", "轻触任意处关闭"));
  root.append(css, launcher, panel, zoom);
  document.body.appendChild(host);
  log.appendChild(el("div", "dxr-msg dxr-greeting",
    "您好，我是店小二智能客服～商品有问题、想投诉或查进度，直接告诉我就好；需要真人客服，请说“转人工”。"));

  function anonToken() { return localStorage.getItem(KEY + ":anon") || ""; }
  function query() {
    var q = new URLSearchParams({ shopper: shopper, sig: sig, anon: anonToken() });
    return q.toString();
  }
  // One outbox per shopper (a signed-in id, else this browser's anonymous id).
  function outboxKey() {
    return KEY + ":outbox:" + (shopper ? "s:" + shopper : "a:" + (anonToken().split(".")[0] || "new"));
  }
  function readKey() { return outboxKey().replace(":outbox:", ":read:"); }
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
  function remember(key, value) { try { localStorage.setItem(key, value); } catch (e) { /* private mode */ } }
  function loadRead() { lastRead = Number(localStorage.getItem(readKey()) || "0") || 0; }
  function markRead() {
    if (state.top > lastRead) { lastRead = state.top; remember(readKey(), String(lastRead)); }
    state.unread = 0; setBadge();
  }
  function setBadge() {
    badge.textContent = String(state.unread); badge.hidden = state.unread === 0;
    if (state.unread) launcher.setAttribute("aria-label", "在线客服，" + state.unread + " 条未读消息");
    else launcher.removeAttribute("aria-label");
  }

  // Beijing time (UTC+8, no daylight saving): "14:05" today, "11月23日 14:05" before.
  function beijing(iso) {
    var t = Date.parse(iso);
    if (isNaN(t)) return "";
    var d = new Date(t + 8 * 3600 * 1000), today = new Date(Date.now() + 8 * 3600 * 1000);
    var hm = ("0" + d.getUTCHours()).slice(-2) + ":" + ("0" + d.getUTCMinutes()).slice(-2);
    var sameDay = d.getUTCFullYear() === today.getUTCFullYear() && d.getUTCMonth() === today.getUTCMonth() &&
      d.getUTCDate() === today.getUTCDate();
    return sameDay ? hm : (d.getUTCMonth() + 1) + "月" + d.getUTCDate() + "日 " + hm;
  }
  function nearBottom() { return log.scrollHeight - log.scrollTop - log.clientHeight < 80; }
  function toBottom() { log.scrollTop = log.scrollHeight; state.pinned = true; }

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
  function picture(url) {
    var img = el("img", "dxr-img"); img.src = url; img.alt = "图片（点击放大）";
    // Images load after the row is placed: keep the newest message in view unless the
    // shopper has scrolled up. Asked when the picture arrives, not when its row is made: a
    // reload replays rows before the log has its height. A closed panel scrolls down on open.
    img.addEventListener("load", function () { if (state.pinned) toBottom(); });
    return img;
  }
  function bubble(sender, text, attachment, agent) {
    var row = el("div", "dxr-msg dxr-" + sender);
    if (sender === "agent" && agent) row.appendChild(el("div", "dxr-who", "人工客服 " + agent));
    if (text) row.appendChild(el("div", "dxr-text", text));
    if (attachment) row.appendChild(picture(attachment.indexOf("blob:") === 0 ? attachment : base + attachment));
    return row;
  }
  // Quick replies answer the question they came with: once the shopper has said anything
  // after it, they are spent.
  function retireQuickReplies(beforeId) {
    var buttons = log.querySelectorAll(".dxr-quick");
    for (var i = 0; i < buttons.length; i++) {
      var row = buttons[i].parentNode;
      if (beforeId === undefined || Number(row.dataset.id) < beforeId) buttons[i].disabled = true;
    }
  }
  function showTyping(who) {
    typing.textContent = who === "agent" ? "客服正在输入…" : "小助手正在输入…";
    typing.classList.add("dxr-on");
    clearTimeout(state.typingTimer);
    state.typingTimer = setTimeout(hideTyping, TYPING_MS);
  }
  function hideTyping() { clearTimeout(state.typingTimer); typing.classList.remove("dxr-on"); }

  function render(m, replay) {
    if (m.seq <= state.seq) return;  // shown already: a replay overlapping a live copy
    state.seq = m.seq; state.top = Math.max(state.top, m.id);
    var stick = nearBottom() || m.sender === "shopper";
    var row = bubble(m.sender, m.text, m.attachment, m.agent);
    row.dataset.id = String(m.id);
    if (m.custom && m.custom.kind === "safety_advice") row.classList.add("dxr-advice");
    (m.buttons || []).forEach(function (b) {
      var quick = button("dxr-quick", b.title);
      // The assistant gets the payload (/affirm); people read the title (确认提交).
      quick.addEventListener("click", function () {
        quick.classList.add("dxr-chosen"); retireQuickReplies();
        post(b.payload, null, b.title);
      });
      row.appendChild(quick);
    });
    var when = beijing(m.at);
    if (when) row.appendChild(el("div", "dxr-time", when));
    var own = m.client_id ? mine[m.client_id] : null;
    if (own) {  // the stored copy of a message this tab drew: replace it, no second bubble
      delete mine[m.client_id];
      if (own.parentNode) own.parentNode.replaceChild(row, own);
    }
    if (m.client_id) forget(m.client_id);
    place(row, m.id);
    if (m.sender === "shopper") retireQuickReplies(m.id);
    if (stick || replay) toBottom();
    if (m.sender !== "shopper") {
      hideTyping();
      if (state.open) markRead();
      else if (m.id > lastRead) { state.unread++; setBadge(); }
    }
  }
  // A bubble for a message the gateway has not acknowledged yet: greyed, 「发送中…」.
  function drawPending(item) {
    var row = bubble("shopper", item.frame.display || item.frame.text, item.url);
    row.classList.add("dxr-pending");
    row.dataset.cid = item.id;
    row.appendChild(el("div", "dxr-state", "发送中…"));
    mine[item.id] = row;
    log.appendChild(row); toBottom();
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
  function notice(text, cls) {
    var row = el("div", "dxr-msg dxr-system" + (cls ? " " + cls : ""), text);
    log.appendChild(row); toBottom();
    return row;
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
    retireQuickReplies();
    drawPending(item);
    transmit(item);
  }
  function reconnectLater() {
    if (state.timer) return;
    var wait = state.retry * (0.8 + Math.random() * 0.4);
    state.retry = Math.min(state.retry * 2, RETRY_CAP);
    state.timer = setTimeout(function () { state.timer = null; connect(); }, wait);
  }
  function setStatus(text, kind) { status.textContent = text; status.className = "dxr-status dxr-" + kind; }
  function modeText(mode) { return mode === "human" ? "人工客服服务中" : "智能客服小助手"; }
  // Drop this socket and open another one that resumes after the last message shown.
  function resume(ws) { state.ws = null; ws.close(); connect(); }
  function connect() {
    if (state.timer) { clearTimeout(state.timer); state.timer = null; }
    if (state.ws && state.ws.readyState < 2) return;  // connecting or open already
    // Protocol v2: the credentials go in the first frame, not in the URL (README "Identity frame").
    var ws = new WebSocket(base.replace(/^http/, "ws") + "/ws?v=2");
    state.ws = ws;
    ws.onopen = function () {
      ws.send(JSON.stringify({ type: "hello", shopper: shopper, sig: sig, anon: anonToken(), after_seq: state.seq }));
      outbox.forEach(transmit);
    };
    ws.onmessage = function (event) {
      var data;
      if (state.ws !== ws) return;
      try { data = JSON.parse(event.data); } catch (e) { return; }
      if (data.type === "welcome") {
        state.retry = RETRY_FIRST;
        if (data.anon) { remember(KEY + ":anon", data.anon); save(); loadRead(); }
        var who = data.anonymous ? data.anon : "";
        // Another conversation than the one shown (the signature expired: anonymous now):
        // its numbers start afresh, so read it from its start.
        if (state.seq && who !== state.who) { state.who = who; state.seq = 0; resume(ws); return; }
        state.who = who;
        if (!state.stated) setStatus(modeText(data.mode), data.mode);
      } else if (data.type === "history") {
        // After a resume, what was missed; else the recent history. A browser that never
        // had this chat open has read nothing, but owes nothing either: the history it
        // finds first is not "unread".
        var first = !state.seq;
        if (first && !lastRead && data.messages.length) {
          lastRead = data.messages[data.messages.length - 1].id; remember(readKey(), String(lastRead));
        }
        data.messages.forEach(function (m) { render(m, first); });
        if (state.open) { toBottom(); markRead(); }
      }
      // A number skipped: that message never reached this socket; resume after the last one.
      else if (data.type === "message") { if (state.seq && data.message.seq > state.seq + 1) resume(ws); else render(data.message, false); }
      else if (data.type === "ack") { forget(data.client_id); settle(data.client_id, data.id); }
      else if (data.type === "typing") { showTyping(data.who); }
      else if (data.type === "state") { state.stated = true; setStatus(data.text, data.state); }
      else if (data.type === "mode") { if (!state.stated) setStatus(modeText(data.mode), data.mode); }
      else if (data.type === "error") {
        forget(data.client_id); settle(data.client_id, null, true);
        notice(data.message || "这条消息没有发送成功，请稍后再试。", "dxr-error");
      }
    };
    ws.onclose = function () {
      if (state.ws !== ws) return;
      setStatus("连接已断开，正在重连…", "offline");
      hideTyping();
      reconnectLater();
    };
  }
  function setOpen(open) {
    state.open = open; panel.hidden = !open; host.classList.toggle("dxr-open", open);
    launcherText.textContent = open ? "收起客服" : "在线客服"; launcher.setAttribute("aria-expanded", String(open));
    try { sessionStorage.setItem(KEY + ":open", open ? "1" : ""); } catch (e) { /* blocked */ }
    if (open) { toBottom(); markRead(); input.focus(); }
  }
  // Back online (or back to the tab): try at once instead of waiting for the timer.
  window.addEventListener("online", connect);
  document.addEventListener("visibilitychange", function () { if (!document.hidden) connect(); });
  launcher.addEventListener("click", function () { setOpen(!state.open); });
  close.addEventListener("click", function () { setOpen(false); launcher.focus(); });
  panel.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    if (!zoom.hidden) zoom.click(); else setOpen(false);
  });
  // Only scrolling moves the log away from its newest message; toBottom pins it again.
  log.addEventListener("scroll", function () { state.pinned = nearBottom(); });
  // The log shrinks when the status line grows to two lines, the typing line shows or the
  // phone's keyboard opens; that moves no scrollbar, so a pinned log is put back here.
  if (window.ResizeObserver) new ResizeObserver(function () { if (state.pinned) toBottom(); }).observe(log);
  log.addEventListener("click", function (event) {
    var target = event.target;
    if (target && target.classList && target.classList.contains("dxr-img")) {
      zoomed.src = target.src; zoom.hidden = false;
    }
  });
  zoom.addEventListener("click", function () { zoom.hidden = true; zoomed.removeAttribute("src"); });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value.trim(); if (!text) return;
    input.value = ""; count(); post(text);
  });
  function count() {
    var n = input.value.length;
    counter.hidden = n === 0;
    counter.textContent = n + " / " + MAX_CHARS;
    counter.classList.toggle("dxr-near", n > MAX_CHARS * 0.9);
  }
  var lastTyping = 0;
  input.addEventListener("input", function () {
    count();
    if (Date.now() - lastTyping > 2000 && state.ws && state.ws.readyState === 1) {
      lastTyping = Date.now(); state.ws.send(JSON.stringify({ type: "typing" }));
    }
  });
  photo.addEventListener("click", function () { file.click(); });
  // A photo shows at once (from the file itself) with an upload bar; when the gateway has it,
  // it is sent as a message like any other.
  function upload(f) {
    var preview = bubble("shopper", "", URL.createObjectURL(f));
    preview.classList.add("dxr-pending", "dxr-upload");
    var bar = el("div", "dxr-bar"), fill = el("i"); bar.appendChild(fill);
    var note = el("div", "dxr-state", "正在上传 0%");
    preview.append(bar, note);
    log.appendChild(preview); toBottom();
    function fail(text) {
      preview.classList.remove("dxr-pending"); preview.classList.add("dxr-failed");
      note.textContent = "未发送"; bar.remove();
      notice(text, "dxr-error");
    }
    var body = new FormData(); body.append("photo", f);
    var xhr = new XMLHttpRequest();
    xhr.open("POST", base + "/api/upload?" + query());
    xhr.upload.onprogress = function (e) {
      if (!e.lengthComputable) return;
      var pct = Math.round(e.loaded / e.total * 100);
      fill.style.width = pct + "%"; note.textContent = "正在上传 " + pct + "%";
    };
    xhr.onload = function () {
      var r = {};
      try { r = JSON.parse(xhr.responseText); } catch (e) { /* not JSON: handled below */ }
      if (r.attachment_id) { preview.remove(); post("", r.attachment_id, null, r.url); }
      else fail(r.error || "图片没有发出去，请稍后再试。");
    };
    xhr.onerror = function () { fail("图片没有发出去，请检查网络后再试。"); };
    xhr.send(body);
  }
  file.addEventListener("change", function () {
    var f = file.files[0]; file.value = ""; if (!f) return;
    if (f.size > 5 * 1024 * 1024) { notice("图片不能超过 5 MB，请换一张小一点的。", "dxr-error"); return; }
    upload(f);
  });
  loadRead();
  outbox = load();
  outbox.forEach(drawPending);
  if (sessionStorage.getItem(KEY + ":open")) setOpen(true);
  connect();
})();
