/* Live results of a topic poll: watch the poll over Socket.IO (/polls) and update the
   counts and the <meter> bars without reloading. Batched on the server (≤ 4 updates/s). */
(function () {
  "use strict";
  var page = document.querySelector("[data-poll-id]");
  if (!page || typeof io !== "function") { return; }
  var pollId = parseInt(page.getAttribute("data-poll-id"), 10);
  var summary = document.getElementById("poll-summary");
  var lang = document.documentElement.lang || "zh-CN";
  var fmt = new Intl.NumberFormat(lang);

  function setText(root, selector, value) {
    var el = root.querySelector(selector);
    if (el) { el.textContent = fmt.format(value); }
  }

  function apply(results) {
    if (!results || results.poll_id !== pollId) { return; }
    if (results.counts_visible && page.getAttribute("data-counts-visible") !== "true") {
      window.location.reload();  // the poll just closed: its sealed counts are now public
      return;
    }
    if (!results.counts_visible || !results.topics) { return; }
    var top = 1;
    results.topics.forEach(function (t) { if (t.total > top) { top = t.total; } });
    results.topics.forEach(function (t) {
      var item = document.getElementById("topic-" + t.topic_id);
      if (!item) { return; }
      setText(item, ".js-total", t.total);
      setText(item, ".js-online", t.online);
      setText(item, ".js-offline", t.offline);
      var bar = item.querySelector(".js-bar");
      if (bar) { bar.max = top; bar.value = t.total; bar.textContent = String(t.total); }
    });
    if (summary && page.getAttribute("data-counts-visible") === "true") {
      var template = summary.getAttribute("data-template") || "{total}";
      summary.textContent = template.replace("{total}", fmt.format(results.total))
        .replace("{online}", fmt.format(results.online)).replace("{offline}", fmt.format(results.offline));
    }
  }

  var socket = io("/polls", { transports: ["websocket", "polling"] });
  socket.on("connect", function () {
    socket.emit("watch", { poll_id: pollId }, function (ack) {
      if (ack && ack.ok) { apply(ack.results); }
    });
  });
  socket.on("results", function (batch) { if (batch) { apply(batch.results); } });
  socket.on("decided", function (data) {
    if (data && data.poll_id === pollId) { window.location.reload(); }
  });
}());
