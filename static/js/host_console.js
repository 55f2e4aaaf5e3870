/* The host console: answer, pin, approve/hide, mute/ban, slow mode, live counts (events of /live). */
(function () {
  "use strict";
  var root = document.getElementById("console");
  if (!root || !window.io) { return; }
  var d = root.dataset;
  var episodeId = parseInt(d.episodeId, 10);
  var feedback = document.getElementById("console-feedback");
  var socket = window.io("/live", { transports: ["websocket", "polling"] });
  var recent = [];

  function report(ack) {
    feedback.textContent = ack && ack.ok ? d.msgDone : d.msgFailed + " " + ((ack && ack.error && ack.error.message) || "");
  }
  function send(event, payload, done) {
    socket.emit(event, payload, function (ack) { report(ack); if (ack && ack.ok && done) { done(ack); } });
  }
  function commentRow(c) {
    var li = document.createElement("li");
    li.className = "live-item";
    li.dataset.id = c.id;
    var p = document.createElement("p");
    p.className = "live-body";
    p.textContent = c.author + ": " + c.body;
    li.appendChild(p);
    var hide = document.createElement("button");
    hide.type = "button"; hide.className = "btn btn-small btn-outline"; hide.dataset.action = "hide";
    hide.textContent = d.msgHide;
    li.appendChild(hide);
    return li;
  }

  socket.on("connect", function () {
    socket.emit("join", { episode_id: episodeId }, function (ack) {
      if (!ack || !ack.ok) { return; }
      document.getElementById("c-likes").textContent = ack.likes;
      document.getElementById("c-viewers").textContent = ack.viewers;
    });
  });
  socket.on("batch", function (batch) {
    var list = document.getElementById("c-comments");
    (batch.items || []).forEach(function (item) {
      if (item.type === "comment") {
        recent.push(Date.now());
        if (list) { list.insertBefore(commentRow(item), list.firstChild); while (list.children.length > 50) { list.lastChild.remove(); } }
      } else if (item.type === "hidden") {
        var gone = root.querySelectorAll('[data-id="' + item.id + '"]');
        Array.prototype.forEach.call(gone, function (li) { if (li.closest("#c-comments")) { li.remove(); } });
      }
    });
    if (typeof batch.likes === "number") { document.getElementById("c-likes").textContent = batch.likes; }
    if (typeof batch.viewers === "number") { document.getElementById("c-viewers").textContent = batch.viewers; }
  });
  window.setInterval(function () {
    var since = Date.now() - 60000;
    recent = recent.filter(function (t) { return t > since; });
    document.getElementById("c-rate").textContent = recent.length;
  }, 2000);

  root.addEventListener("click", function (e) {
    var btn = e.target.closest("button[data-action]");
    if (!btn) { return; }
    var li = btn.closest("li");
    var id = li && li.dataset.id ? parseInt(li.dataset.id, 10) : null;
    var userId = li && li.dataset.userId ? parseInt(li.dataset.userId, 10) : null;
    var action = btn.dataset.action;
    if (action === "answer") {
      var text = window.prompt(d.msgAnswerPrompt);
      if (text) { send("answer", { comment_id: id, body: text }, function () { li.classList.add("is-answered"); }); }
    } else if (action === "pin") {
      send("pin", { episode_id: episodeId, comment_id: id });
    } else if (action === "pin-note") {
      send("pin", { episode_id: episodeId, note_id: parseInt(btn.dataset.noteId, 10) });
    } else if (action === "approve" || action === "hide" || action === "unhide") {
      send(action, { comment_id: id }, function () { if (li.closest("#c-held") || action === "hide") { li.remove(); } });
    } else if (action === "mute") {
      send("mute", { episode_id: episodeId, user_id: userId });
    } else if (action === "ban") {
      send("ban", { user_id: userId });
    }
  });
  var slow = document.getElementById("slow-mode");
  if (slow) {
    slow.addEventListener("submit", function (e) {
      e.preventDefault();
      send("slow_mode", { episode_id: episodeId, seconds: parseInt(document.getElementById("slow-seconds").value, 10) || 0 });
    });
  }
})();
