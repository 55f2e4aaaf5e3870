/* The live room: player, batched comments over Socket.IO (/live), likes, Q&A, notes, replay sync.
   Protocol: docs/live-protocol.md. Configuration comes from data- attributes (strict CSP). */
(function () {
  "use strict";
  var room = document.getElementById("live-room");
  if (!room) { return; }
  var d = room.dataset;
  var episodeId = parseInt(d.episodeId, 10);
  var replay = d.mode === "replay";
  var lists = {
    comments: document.getElementById("live-comments"),
    questions: document.getElementById("live-questions"),
    notes: document.getElementById("live-notes")
  };
  var seen = {};          // comment id → its <li>
  var lastSeq = 0;
  var focusOnly = false;
  var KINDS = d.observerKinds ? JSON.parse(d.observerKinds) : {};  // observer kind → badge text
  var STAFF = { coordinator: d.msgHost, admin: d.msgHost, agency_staff: d.msgStaff, observer: d.msgObserver };

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) { node.className = cls; }
    if (text !== undefined && text !== null) { node.textContent = text; }
    return node;
  }

  /* ---------- rendering ---------- */
  function commentNode(c) {
    var li = el("li", "live-item live-" + c.kind);
    li.dataset.id = c.id;
    li.dataset.role = c.author_role || "public";
    var head = el("p", "live-meta");
    head.appendChild(el("span", "live-author", c.author));
    if (c.observer_kind && KINDS[c.observer_kind]) { head.appendChild(el("span", "badge badge-info live-observer-kind", KINDS[c.observer_kind])); }
    else if (STAFF[c.author_role]) { head.appendChild(el("span", "badge badge-info", STAFF[c.author_role])); }
    if (c.kind === "question") { head.appendChild(el("span", "badge badge-warn", d.msgQuestion)); }
    li.appendChild(head);
    li.appendChild(el("p", "live-body", c.body));
    if (c.answer) { setAnswer(li, c.answer); }
    return li;
  }
  function setAnswer(li, text) {
    li.classList.add("is-answered");
    var old = li.querySelector(".live-answer");
    if (old) { old.remove(); }
    var p = el("p", "live-answer");
    p.appendChild(el("strong", null, d.msgAnswer + ": "));
    p.appendChild(document.createTextNode(text));
    li.appendChild(p);
  }
  function applyFilter(li) {
    li.hidden = focusOnly && !(STAFF[li.dataset.role] || li.classList.contains("is-answered"));
  }
  function addComment(c) {
    if (seen[c.id]) { return; }
    if (c.seq > lastSeq) { lastSeq = c.seq; }
    var li = commentNode(c);
    seen[c.id] = li;
    applyFilter(li);
    lists.comments.appendChild(li);
    while (lists.comments.children.length > 500) {
      var first = lists.comments.firstElementChild;
      delete seen[first.dataset.id];
      first.remove();
    }
    if (c.kind === "question") { addQuestion(c); }
  }
  function questionNode(c) {
    var li = commentNode(c);
    li.dataset.upvotes = c.upvotes || 0;
    var btn = el("button", "btn btn-small btn-outline live-upvote");
    btn.type = "button";
    setUpvotes(btn, c.upvotes || 0);
    btn.disabled = replay || d.loggedIn !== "true";
    btn.addEventListener("click", function () {
      btn.disabled = true;
      socket && socket.emit("upvote", { comment_id: c.id }, function () {});
    });
    li.appendChild(btn);
    return li;
  }
  function setUpvotes(btn, count) {
    /* The visible "▲ 3" is part of the accessible name ("Upvote 3"): no aria-label that hides it. */
    btn.textContent = "";
    btn.appendChild(el("span", null, "▲")).setAttribute("aria-hidden", "true");
    btn.appendChild(el("span", "visually-hidden", d.msgUpvote));
    btn.appendChild(document.createTextNode(" " + count));
  }
  function addQuestion(c) {
    if (lists.questions.querySelector('[data-id="' + c.id + '"]')) { return; }
    lists.questions.appendChild(questionNode(c));
  }
  function sortQuestions() {
    var items = Array.prototype.slice.call(lists.questions.children);
    items.sort(function (a, b) { return (b.dataset.upvotes | 0) - (a.dataset.upvotes | 0); });
    items.forEach(function (li) { lists.questions.appendChild(li); });
  }
  function addNote(n) {
    if (lists.notes.querySelector('[data-id="' + n.id + '"]')) { return; }
    var li = el("li", "live-item live-note");
    li.dataset.id = n.id;
    li.appendChild(el("p", "live-meta", n.author));
    li.appendChild(el("p", "live-body", n.body));
    if (n.image || n.image_url) {
      var img = el("img", "live-note-image");
      img.src = n.image || n.image_url; img.alt = ""; img.loading = "lazy";
      li.appendChild(img);
    }
    if (n.legal_basis) {
      var cite = el("p", "live-citation", n.legal_basis.citation || (n.legal_basis.statute + n.legal_basis.article));
      li.appendChild(cite);
    }
    lists.notes.appendChild(li);
  }
  function showPinned(item) {
    var box = document.getElementById("live-pinned");
    if (!item) { box.hidden = true; return; }
    document.getElementById("live-pinned-body").textContent = (item.author ? item.author + ": " : "") + item.body;
    box.hidden = false;
  }
  function removeComment(id) {
    var li = seen[id];
    if (li) { li.remove(); delete seen[id]; }
    var q = lists.questions.querySelector('[data-id="' + id + '"]');
    if (q) { q.remove(); }
  }
  function applyItem(item) {
    if (item.type === "comment") { addComment(item); }
    else if (item.type === "hidden") { removeComment(item.id); }
    else if (item.type === "answer") {
      if (seen[item.id]) { setAnswer(seen[item.id], item.answer); applyFilter(seen[item.id]); }
      var q = lists.questions.querySelector('[data-id="' + item.id + '"]');
      if (q) { setAnswer(q, item.answer); }
    } else if (item.type === "upvote") {
      var li = lists.questions.querySelector('[data-id="' + item.id + '"]');
      if (li) {
        li.dataset.upvotes = item.upvotes;
        setUpvotes(li.querySelector(".live-upvote"), item.upvotes);
        sortQuestions();
      }
    } else if (item.type === "note") { addNote(item); }
    else if (item.type === "pin") { showPinned(item.item); }
  }
  function setCount(id, value) {
    var node = document.getElementById(id);
    if (node && typeof value === "number") { node.textContent = value; }
  }

  /* ---------- player ---------- */
  function startPlayer() {
    var video = document.getElementById("live-video");
    var url = d.streamUrl;
    if (!video || !url) { return video; }
    var error = document.getElementById("live-player-error");
    function failed() { error.textContent = d.msgStreamFailed; error.hidden = false; }
    video.addEventListener("error", failed);
    if (/\.m3u8(\?|$)/.test(url) && window.Hls && window.Hls.isSupported()) {
      var hls = new window.Hls();
      hls.on(window.Hls.Events.ERROR, function (_e, data) { if (data.fatal) { failed(); hls.destroy(); } });
      hls.loadSource(url);
      hls.attachMedia(video);
    } else {
      video.src = url;
    }
    return video;
  }

  /* ---------- tabs and filter ---------- */
  var tabs = Array.prototype.slice.call(room.querySelectorAll('[role="tab"]'));
  function select(tab) {
    tabs.forEach(function (t) {
      var on = t === tab;
      t.setAttribute("aria-selected", on ? "true" : "false");
      t.tabIndex = on ? 0 : -1;
      document.getElementById(t.getAttribute("aria-controls")).hidden = !on;
    });
  }
  tabs.forEach(function (tab, i) {
    tab.addEventListener("click", function () { select(tab); });
    tab.addEventListener("keydown", function (e) {
      var next = e.key === "ArrowRight" ? tabs[(i + 1) % tabs.length] : e.key === "ArrowLeft" ? tabs[(i + tabs.length - 1) % tabs.length] : null;
      if (next) { e.preventDefault(); select(next); next.focus(); }
    });
  });
  room.querySelectorAll('input[name="live-filter"]').forEach(function (radio) {
    radio.addEventListener("change", function () {
      focusOnly = radio.value === "focus" && radio.checked;
      Object.keys(seen).forEach(function (id) { applyFilter(seen[id]); });
    });
  });

  /* ---------- replay: items appear as the video reaches their offset ---------- */
  function clock(seconds) {
    var m = Math.floor(seconds / 60), sec = Math.floor(seconds % 60);
    return (m < 10 ? "0" : "") + m + ":" + (sec < 10 ? "0" : "") + sec;
  }
  function startReplay(video) {
    var comments = [], notes = [], more = true, loading = false, loadedSeq = 0;
    var shownComments = 0, shownNotes = 0, shownAt = -1;
    function fetchJSON(url) { return fetch(url, { headers: { Accept: "application/json" } }).then(function (r) { return r.json(); }); }
    function byOffset(a, b) { return (a.offset_seconds || 0) - (b.offset_seconds || 0); }
    function loadMore(until) {
      if (!more || loading) { return; }
      var last = comments.length ? comments[comments.length - 1] : null;
      if (last && last.offset_seconds !== null && last.offset_seconds > until + 120) { return; }
      loading = true;
      fetchJSON(d.api + "?limit=500&since_seq=" + loadedSeq).then(function (body) {
        loading = false;
        if (!body.ok) { more = false; return; }
        body.data.forEach(function (c) { if (c.seq > loadedSeq) { loadedSeq = c.seq; } });
        comments = comments.concat(body.data).sort(byOffset);
        more = body.meta.more;
        render(true);
      }).catch(function () { loading = false; });
    }
    fetchJSON(d.notesApi).then(function (body) { if (body.ok) { notes = body.data.slice().sort(byOffset); render(true); } });
    fetchJSON(d.questionsApi).then(function (body) { if (body.ok) { body.data.forEach(addQuestion); sortQuestions(); } });
    /* The moment an item was posted, as a button that plays the recording from there. */
    function withMoment(li, item) {
      if (!video || item.offset_seconds === null || item.offset_seconds === undefined) { return li; }
      var at = el("button", "live-moment", clock(item.offset_seconds));
      at.type = "button";
      at.setAttribute("aria-label", d.msgPlayFrom.replace("{t}", clock(item.offset_seconds)));
      at.addEventListener("click", function () {
        video.currentTime = item.offset_seconds;
        var playing = video.play();
        /* A pause or another seek before playback starts rejects play() (AbortError): the
           viewer changed their mind, nothing to report. */
        if (playing && playing.catch) { playing.catch(function () {}); }
      });
      li.querySelector(".live-meta").appendChild(at);
      return li;
    }
    function due(item, t) { return item.offset_seconds === null || item.offset_seconds <= t; }
    /* Moving forward appends what became due; a jump back starts the lists again. */
    function render(reset) {
      var t = video ? video.currentTime : Infinity;
      if (reset || t < shownAt) {
        lists.comments.textContent = ""; lists.notes.textContent = ""; seen = {};
        shownComments = 0; shownNotes = 0;
      }
      while (shownComments < comments.length && due(comments[shownComments], t)) {
        addComment(comments[shownComments]);
        var li = seen[comments[shownComments].id];
        if (li) { withMoment(li, comments[shownComments]); }
        shownComments += 1;
      }
      while (shownNotes < notes.length && due(notes[shownNotes], t)) {
        addNote(notes[shownNotes]);
        withMoment(lists.notes.lastElementChild, notes[shownNotes]);
        shownNotes += 1;
      }
      shownAt = t;
      loadMore(t);
    }
    if (video) {
      // A replay moment linked from the library or a finding: …/episodes/7#t=754 starts there.
      var moment = /(?:^|[#&])t=(\d+)/.exec(window.location.hash);
      if (moment) {
        var seek = function () { video.currentTime = parseInt(moment[1], 10); };
        if (video.readyState >= 1) { seek(); } else { video.addEventListener("loadedmetadata", seek, { once: true }); }
      }
      video.addEventListener("timeupdate", function () { if (Math.floor(video.currentTime) !== Math.floor(shownAt)) { render(false); } });
      video.addEventListener("seeked", function () { render(false); });
    }
    render(true);
  }

  /* ---------- live: Socket.IO ---------- */
  var socket = null;
  function startLive() {
    if (!window.io) { return; }
    var conn = document.getElementById("live-conn");
    var browserKey = null;
    try {
      browserKey = window.localStorage.getItem("zhibo-viewer");
      if (!browserKey) { browserKey = Math.random().toString(36).slice(2) + Date.now().toString(36); window.localStorage.setItem("zhibo-viewer", browserKey); }
    } catch (e) { browserKey = null; }
    // Reconnect with backoff and jitter (socket.io-client's defaults, spelled out so they stay): when a
    // server process restarts, its viewers come back spread over seconds, not all in the same instant
    // (bench/live/joinstorm.py --restart uses the same numbers). Each reconnect joins again with
    // last_seq and gets exactly what it missed.
    socket = window.io("/live", { transports: ["websocket", "polling"], reconnection: true,
                                  reconnectionDelay: 1000, reconnectionDelayMax: 5000, randomizationFactor: 0.5 });
    window.zhiboLiveSocket = socket;  // shared with followups.js: one connection per page
    socket.on("connect", function () {
      conn.textContent = "";
      var payload = { episode_id: episodeId, viewer_key: browserKey };
      if (lastSeq) { payload.last_seq = lastSeq; }
      socket.emit("join", payload, function (ack) {
        if (!ack || !ack.ok) { return; }
        (ack.hidden || []).forEach(removeComment);
        ack.comments.forEach(addComment);
        setCount("live-likes", ack.likes);
        setCount("live-viewers", ack.viewers);
        showPinned(ack.pinned);
        if (ack.more) { catchUp(); }
      });
    });
    socket.on("disconnect", function () { conn.textContent = d.msgReconnecting; });
    socket.on("batch", function (batch) {
      (batch.items || []).forEach(applyItem);
      setCount("live-likes", batch.likes);
      setCount("live-viewers", batch.viewers);
    });
    socket.on("state", function (msg) { if (msg.state !== d.state) { window.location.reload(); } });
    fetch(d.notesApi).then(function (r) { return r.json(); }).then(function (b) { if (b.ok) { b.data.forEach(addNote); } });
    fetch(d.questionsApi).then(function (r) { return r.json(); }).then(function (b) { if (b.ok) { b.data.forEach(addQuestion); sortQuestions(); } });
  }
  function catchUp() {
    fetch(d.api + "?limit=500&since_seq=" + lastSeq).then(function (r) { return r.json(); }).then(function (body) {
      if (!body.ok) { return; }
      body.data.forEach(function (c) { addComment({ type: "comment", id: c.id, seq: c.seq, kind: c.kind, body: c.body, author: c.author, author_role: c.author_role, answer: c.answer, upvotes: c.upvotes }); });
      if (body.meta.more) { catchUp(); }
    });
  }

  /* ---------- composing and liking ---------- */
  var form = document.getElementById("live-compose");
  if (form) {
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var box = document.getElementById("live-body");
      var status = document.getElementById("live-status");
      var body = box.value.trim();
      if (!body || !socket) { return; }
      var kind = document.getElementById("live-ask").checked ? "question" : "comment";
      status.textContent = d.msgSending;
      socket.emit("comment", { episode_id: episodeId, body: body, kind: kind }, function (ack) {
        if (ack && ack.ok) {
          box.value = "";
          status.textContent = ack.state === "held" ? d.msgHeld : d.msgSent;
        } else {
          status.textContent = d.msgFailed + " " + ((ack && ack.error && ack.error.message) || "");
        }
      });
    });
  }
  var like = document.getElementById("live-like");
  var pendingLikes = 0;
  if (like) {
    like.addEventListener("click", function () {
      pendingLikes += 1;
      var el2 = document.getElementById("live-likes");
      el2.textContent = (parseInt(el2.textContent, 10) || 0) + 1;
    });
    window.setInterval(function () {
      if (!pendingLikes || !socket || !socket.connected) { return; }
      var count = Math.min(pendingLikes, 20);
      pendingLikes -= count;
      socket.emit("like", { episode_id: episodeId, count: count }, function () {});
    }, 1000);
  }

  var video = startPlayer();
  if (replay) { startReplay(video); } else if (d.state === "live" || d.state === "scheduled") { startLive(); }
})();
