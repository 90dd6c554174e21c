// The case page's diagram: the process with the current tasks and the path taken (dist/bpmn-viewer.js).
(function () {
  'use strict';
  const data = JSON.parse(document.getElementById('case-diagram-data').textContent);
  const container = document.getElementById('case-diagram');
  OneStop.showDiagram(container, data.xml, { active: data.active, done: data.done }).then(function () {
    container.setAttribute('data-ready', 'true');
  });
})();
