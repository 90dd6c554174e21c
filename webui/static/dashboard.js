// Dashboard charts and the diagram heatmap. The tables on the page carry the same figures;
// the charts are drawn from JSON blocks next to them (<canvas data-chart="ID"> + <script id="ID">).
(function () {
  'use strict';
  function data(id) {
    const node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }
  document.querySelectorAll('canvas[data-chart]').forEach(function (canvas) {
    const config = data(canvas.dataset.chart);
    if (config && window.OneStop && OneStop.Chart) {
      canvas.chart = new OneStop.Chart(canvas, config);
    }
  });
  const heat = data('heatmap-data');
  const container = document.getElementById('heatmap');
  if (heat && container && window.OneStop && OneStop.showDiagram) {
    OneStop.showDiagram(container, heat.xml, { heat: heat.heat, label: heat.label }).then(function () {
      container.dataset.ready = 'true';
    });
  }
})();
