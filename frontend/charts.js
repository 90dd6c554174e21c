// dist/charts.js: Chart.js with every controller, scale and plugin registered.
// Usage: new OneStop.Chart(canvas, config)
import Chart from 'chart.js/auto';

window.OneStop = Object.assign(window.OneStop || {}, { Chart });
