/* Statistics page charts: data from the statistics API (no inline script under the strict CSP).
   The same numbers are in the tables below the charts, for screen readers and without JavaScript. */
(function () {
  "use strict";
  var box = document.querySelector("[data-stats-src]");
  if (!box || typeof Chart === "undefined") { return; }
  var blue = "#0b4a8b", orange = "#d9822b", green = "#2e7d32";

  function chart(id, config) {
    var canvas = document.getElementById(id);
    if (canvas) { new Chart(canvas, config); }
  }

  fetch(box.getAttribute("data-stats-src"), { credentials: "same-origin" })
    .then(function (r) { return r.json(); })
    .then(function (body) {
      if (!body.ok) { return; }
      var c = body.data.charts, names = body.data.names || {};
      var label = function (code) { return names[code] || code; };
      chart("chart-over-time", {
        type: "bar",
        data: { labels: c.over_time.labels, datasets: [
          { label: box.dataset.labelEpisodes, data: c.over_time.episodes, backgroundColor: blue },
          { label: box.dataset.labelFindings, data: c.over_time.findings, backgroundColor: orange }] },
        options: { responsive: true, animation: false }
      });
      chart("chart-by-domain", {
        type: "bar",
        data: { labels: c.by_domain.labels.map(label), datasets: [
          { label: box.dataset.labelFindings, data: c.by_domain.findings, backgroundColor: orange }] },
        options: { indexAxis: "y", responsive: true, animation: false }
      });
      chart("chart-by-agency", {
        type: "bar",
        data: { labels: c.by_agency.labels.map(label), datasets: [
          { label: box.dataset.labelFindings, data: c.by_agency.findings, backgroundColor: orange, xAxisID: "x" },
          { label: box.dataset.labelRate, backgroundColor: green, xAxisID: "x2",
            data: c.by_agency.rectification_rate.map(function (r) { return r === null ? null : Math.round(r * 1000) / 10; }) }] },
        options: { indexAxis: "y", responsive: true, animation: false,
                   scales: { x: { position: "bottom" }, x2: { position: "top", min: 0, max: 100 } } }
      });
    })
    .catch(function () { /* the tables still show every number */ });
})();
