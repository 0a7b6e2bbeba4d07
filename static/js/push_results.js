// Draws the record page's delivery results with Chart.js: the funnel as bars and the reach
// over the first hours as lines. The same figures are in the tables next to the charts.
(function () {
  "use strict";
  const source = document.getElementById("results-data");
  if (!source || typeof Chart === "undefined") return;
  const data = JSON.parse(source.textContent);
  const reduced = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  Chart.defaults.animation = reduced ? false : Chart.defaults.animation;
  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;

  const funnel = document.getElementById("results-funnel");
  if (funnel) {
    new Chart(funnel, {
      type: "bar",
      data: {
        labels: data.steps.map((s) => s.label),
        datasets: [{
          label: data.labels.devices,
          data: data.steps.map((s) => s.count),
          backgroundColor: ["#1f6feb", "#388bfd", "#2da44e", "#bf8700", "#8c959f"],
        }],
      },
      options: {
        indexAxis: "y",
        maintainAspectRatio: false,
        plugins: { legend: { display: false } },
        scales: { x: { beginAtZero: true, ticks: { precision: 0 } } },
      },
    });
  }

  const line = document.getElementById("results-line");
  if (line && data.line.length > 1) {
    new Chart(line, {
      type: "line",
      data: {
        datasets: [
          { label: data.labels.reached, data: data.line.map((p) => ({ x: p.x, y: p.arrived })), borderColor: "#2da44e", backgroundColor: "#2da44e" },
          { label: data.labels.clicked, data: data.line.map((p) => ({ x: p.x, y: p.clicked })), borderColor: "#bf8700", backgroundColor: "#bf8700" },
        ],
      },
      options: {
        maintainAspectRatio: false,
        scales: {
          x: { type: "linear", beginAtZero: true, title: { display: true, text: data.labels.minutes } },
          y: { beginAtZero: true, ticks: { precision: 0 } },
        },
      },
    });
  }
})();
