// Renders every Plotly figure on the page: <div class="chart" data-figure="ID"> + json_script ID.
(function () {
  "use strict";
  document.querySelectorAll("[data-figure]").forEach((el) => {
    const source = document.getElementById(el.dataset.figure);
    if (!source || typeof Plotly === "undefined") return;
    const figure = JSON.parse(source.textContent);
    Plotly.newPlot(el, figure.data, figure.layout, { displaylogo: false, responsive: true });
  });
})();
