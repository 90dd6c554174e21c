// The test-run page's diagram: the path the scenario took and where it waits (dist/bpmn-viewer.js).
(function () {
  'use strict';
  const config = JSON.parse(document.getElementById('os-path-config').textContent);
  window.onestopTestRun = OneStop.showDiagram(document.getElementById('os-path'), config.xml,
    { done: config.done, active: config.active, label: 'Test run' });
})();
