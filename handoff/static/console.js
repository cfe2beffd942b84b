// Agent console: live queue over a WebSocket, actions as JSON POSTs. textContent only.
(function () {
  "use strict";
  var me = "agent:" + document.body.dataset.agent;
  var current = null, ws = null, seen = {}, queueData = null;
  var RES = { refund: "退款", "return": "退货", exchange: "换货", compensation: "补偿", explanation: "解释说明", other: "其他" };
  function el(tag, cls, text) { var n = document.createElement(tag); if (cls) n.className = cls; if (text !== undefined) n.textContent = text; return n; }
  function api(path, body) {
    return fetch(path, { method: body ? "POST" : "GET", headers: { "Content-Type": "application/json" }, body: body ? JSON.stringify(body) : undefined })
      .then(function (r) { return r.json().then(function (j) { if (!r.ok) { alert(j.error || "操作失败"); throw j; } return j; }); });
  }
  function countdown(due) {
    var ms = new Date(due) - Date.now(), late = ms < 0, m = Math.floor(Math.abs(ms) / 60000);
    return { text: (late ? "已超时 " : "剩余 ") + Math.floor(m / 60) + "小时" + (m % 60) + "分", late: late };
  }
  function renderQueue() {
    if (!queueData) return;
    ["waiting", "claimed"].forEach(function (kind) {
      var list = document.getElementById(kind); list.replaceChildren();
      queueData[kind].forEach(function (e) {
        var li = el("li", "entry " + e.priority), c = countdown(e.due);
        if (c.late) li.classList.add("breach");
        li.append(el("b", "", e.priority === "urgent" ? "紧急" : "普通"), el("span", "", " " + (e.case_number || "无工单") + " "),
          el("span", "due", c.text), el("div", "preview", e.preview));
        if (kind === "waiting") {
          var b = el("button", "claim", "接手"); li.appendChild(b);
          b.addEventListener("click", function () { api("/agent/api/claim", { entry_id: e.entry_id }).then(function (r) { open(r.conversation_id); }); });
        } else {
          li.appendChild(el("span", "who", " " + (e.claimed_by || "")));
          li.addEventListener("click", function () { open(e.conversation_id); });
        }
        list.appendChild(li);
      });
    });
    var online = queueData.agents.filter(function (a) { return a.online; }).map(function (a) { return a.display_name; });
    document.getElementById("online").textContent = "在线：" + (online.join("、") || "无");
  }
  setInterval(renderQueue, 1000);
  function addMessage(m) {
    if (seen[m.id]) return; seen[m.id] = true;
    var log = document.getElementById("transcript"); if (!log) return;
    var row = el("div", "msg " + m.sender);
    row.appendChild(el("span", "who", { shopper: "顾客", bot: "机器人", agent: "客服 " + (m.agent || ""), system: "系统" }[m.sender] + "："));
    row.appendChild(el("span", "text", m.text));
    if (m.attachment) { var img = el("img", "photo"); img.src = m.attachment; img.alt = "顾客图片"; row.appendChild(img); }
    log.appendChild(row); log.scrollTop = log.scrollHeight;
  }
  function open(cid) {
    api("/agent/api/conversations/" + encodeURIComponent(cid)).then(function (d) {
      current = cid; seen = {};
      var box = document.getElementById("conversation"); box.hidden = false; box.replaceChildren();
      var base = "/agent/api/conversations/" + encodeURIComponent(cid) + "/";
      var act = function (a, body) { return api(base + a, body).then(function () { open(cid); }); };
      var side = el("div", "side"), c = d.case;
      if (c) {
        side.append(el("h3", "", "工单 " + c.case_id), el("p", "", "分类：" + c.category + "（置信度 " + Math.round(c.category_confidence * 100) + "%）"),
          el("p", "", "紧急程度：" + c.urgency + "（" + Math.round(c.urgency_score * 100) + "%）"), el("p", "", "状态：" + c.status));
        if (c.order) side.appendChild(el("p", "", "订单：" + c.order.order_id + " " + c.order.product + " ¥" + c.order.amount_yuan + " " + c.order.status));
        var hist = el("ul", "events"); c.events.forEach(function (e) { hist.appendChild(el("li", "", e.at.slice(0, 16) + " " + e.actor + " " + e.kind + " " + JSON.stringify(e.detail))); });
        side.appendChild(hist);
        d.other_cases.forEach(function (o) { side.appendChild(el("p", "", "历史工单 " + o.case_id + " " + o.status)); });
        var cat = el("select"); ["", "quality", "logistics", "after_sales", "other"].forEach(function (v) { cat.appendChild(el("option", "", v || "改分类")).value = v; });
        cat.addEventListener("change", function () { if (cat.value) act("correct", { category: cat.value }); });
        var urg = el("select"); ["", "urgent", "normal"].forEach(function (v) { urg.appendChild(el("option", "", v || "改紧急程度")).value = v; });
        urg.addEventListener("change", function () { if (urg.value) act("correct", { urgency: urg.value }); });
        var st = el("select"); ["", "in_progress", "pending_shopper"].forEach(function (v) { st.appendChild(el("option", "", v || "改状态")).value = v; });
        st.addEventListener("change", function () { if (st.value) act("status", { status: st.value }); });
        var note = el("input"); note.placeholder = "内部备注";
        var nb = el("button", "", "加备注"); nb.addEventListener("click", function () { act("note", { text: note.value }); });
        side.append(cat, urg, st, note, nb);
      }
      var res = el("select"); Object.keys(RES).forEach(function (k) { res.appendChild(el("option", "", RES[k])).value = k; });
      var done = el("button", "resolve", "解决并交还机器人");
      done.addEventListener("click", function () { api(base + "resolve", { resolution: res.value }).then(function () { box.hidden = true; current = null; }); });
      var to = el("select"); (queueData ? queueData.agents : []).forEach(function (a) { if ("agent:" + a.name !== me) to.appendChild(el("option", "", a.display_name + (a.online ? "（在线）" : ""))).value = a.name; });
      var tb = el("button", "", "转接"); tb.addEventListener("click", function () { act("transfer", { to: to.value }); });
      side.append(res, done, to, tb);
      var main = el("div", "chat"), log = el("div", "transcript"); log.id = "transcript";
      var typing = el("div", "typing", "顾客正在输入…"); typing.id = "typing"; typing.hidden = true;
      var input = el("input"); input.placeholder = "回复顾客";
      var send = el("button", "send", "发送");
      send.addEventListener("click", function () { var t = input.value.trim(); if (t) api(base + "reply", { text: t }).then(function () { input.value = ""; }); });
      input.addEventListener("input", function () { if (ws && ws.readyState === 1) ws.send(JSON.stringify({ type: "typing" })); });
      var canned = el("div", "canned"); d.canned.forEach(function (t) { var b = el("button", "", t); b.addEventListener("click", function () { input.value = t; }); canned.appendChild(b); });
      main.append(log, typing, canned, input, send);
      box.append(main, side);
      d.messages.forEach(addMessage);
      var last = d.messages.length ? d.messages[d.messages.length - 1].id : 0;
      if (ws && ws.readyState === 1) ws.send(JSON.stringify({ type: "watch", conversation_id: cid, after: last }));
    });
  }
  function connect() {
    ws = new WebSocket(location.origin.replace(/^http/, "ws") + "/agent/ws");
    ws.onopen = function () { if (current) open(current); };
    ws.onmessage = function (ev) {
      var d = JSON.parse(ev.data);
      if (d.type === "queue") { queueData = d; renderQueue(); }
      else if (d.type === "message" && d.conversation_id === current) { addMessage(d.message); var t = document.getElementById("typing"); if (t) t.hidden = true; }
      else if (d.type === "typing") { var ty = document.getElementById("typing"); if (ty) ty.hidden = false; }
    };
    ws.onclose = function () { setTimeout(connect, 2000); };
  }
  connect();
})();
