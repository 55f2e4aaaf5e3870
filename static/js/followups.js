/* Episode page: announce a follow-up report the moment it is published (event "follow_up_published"
   on the /live namespace, sent to the episode's room). Uses the live room's socket when it exposes
   one (window.zhiboLiveSocket), else opens its own connection when Socket.IO is loaded. */
(function () {
  "use strict";
  var section = document.querySelector(".fu-episode[data-episode-id]");
  if (!section) { return; }
  var episodeId = parseInt(section.getAttribute("data-episode-id"), 10);
  var news = section.querySelector(".fu-live-news");

  function announce(msg) {
    if (!msg || msg.episode_id !== episodeId || !news) { return; }
    // Only a link within the site: never a javascript: or off-site URL, whatever the message says.
    if (typeof msg.url !== "string" || !/^\/(?![\/\\])/.test(msg.url)) { return; }
    var link = document.createElement("a");
    link.href = msg.url;
    link.textContent = (news.getAttribute("data-label") || "Follow-up report published") + ": " + msg.agency;
    var p = document.createElement("p");
    p.appendChild(link);
    news.appendChild(p);
    news.hidden = false;
  }

  function listen(socket) { socket.on("follow_up_published", announce); }

  var tries = 0;
  function attach() {
    if (window.zhiboLiveSocket) { listen(window.zhiboLiveSocket); return; }
    if (document.getElementById("live-conn") && tries < 20) { tries += 1; window.setTimeout(attach, 250); return; }
    if (!window.io) { return; }
    var socket = window.io("/live", { transports: ["websocket", "polling"] });
    socket.on("connect", function () { socket.emit("join", { episode_id: episodeId }); });
    listen(socket);
  }
  attach();
}());
