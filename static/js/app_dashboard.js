// Draws the app dashboard's charts with Chart.js: pushes sent per day as bars (with the
// accounts they targeted as a line), and the reach and click rates per day as lines.
// The same figures are in the tables under the charts; every label comes translated.
(function () {
  "use strict";
  const source = document.getElementById("dashboard-data");
  if (!source || typeof Chart === "undefined") return;
  const data = JSON.parse(source.textContent);
  if (window.matchMedia("(prefers-reduced-motion: reduce)").matches) {
    Chart.defaults.animation = false;
  }
  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  const ticks = { maxRotation: 0, autoSkip: true, autoSkipPadding: 12 };

  const pushes = document.getElementById("dashboard-pushes");
  if (pushes) {
    new Chart(pushes, {
      data: {
        labels: data.days,
        datasets: [
          { type: "bar", label: data.labels.pushes, data: data.pushes, backgroundColor: "#2563eb", yAxisID: "y", order: 2 },
          {
            type: "line", label: data.labels.accounts, data: data.accounts, yAxisID: "accounts", order: 1,
            borderColor: "#bf8700", backgroundColor: "#bf8700", pointRadius: 2, borderWidth: 2,
          },
        ],
      },
      options: {
        maintainAspectRatio: false,
        interaction: { mode: "index", intersect: false },
        // The line is drawn over the bars, yet the legend names the bars first.
        plugins: { legend: { labels: { sort: (a, b) => a.datasetIndex - b.datasetIndex } } },
        scales: {
          x: { ticks: ticks, grid: { display: false } },
          y: { beginAtZero: true, ticks: { precision: 0 }, title: { display: true, text: data.labels.pushes } },
          accounts: {
            position: "right", beginAtZero: true, ticks: { precision: 0 },
            grid: { drawOnChartArea: false }, title: { display: true, text: data.labels.accounts },
          },
        },
      },
    });
  }

  const rates = document.getElementById("dashboard-rates");
  if (rates) {
    // Days with nothing sent have no rate (not a zero): the line crosses them dashed.
    const across = (ctx) => (ctx.p0.skip || ctx.p1.skip ? [4, 4] : undefined);
    const line = (label, values, colour) => ({
      label: label, data: values, borderColor: colour, backgroundColor: colour,
      pointRadius: 3, borderWidth: 2, spanGaps: true, segment: { borderDash: across },
    });
    new Chart(rates, {
      type: "line",
      data: {
        labels: data.days,
        datasets: [line(data.labels.reach, data.reach, "#2da44e"), line(data.labels.click, data.click, "#8250df")],
      },
      options: {
        maintainAspectRatio: false,
        interaction: { mode: "index", intersect: false },
        plugins: { tooltip: { callbacks: { label: (c) => `${c.dataset.label}: ${c.parsed.y}%` } } },
        scales: {
          x: { ticks: ticks, grid: { display: false } },
          y: { beginAtZero: true, suggestedMax: 100, max: 100, title: { display: true, text: data.labels.percent } },
        },
      },
    });
  }
})();
