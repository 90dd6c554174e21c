// The task page: render the task's form-js form inside the page's HTML form (see form-viewer.js).
(function () {
  'use strict';
  function read(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }
  var container = document.getElementById('task-form-container');
  var schema = read('task-form-schema');
  if (!container || !schema || !window.OneStop) return;
  var readOnly = container.getAttribute('data-readonly') === 'true';
  var htmlForm = document.getElementById('task-form');
  window.OneStop.renderForm(container, schema, read('task-form-data') || {}, read('task-form-errors'), {
    readOnly: readOnly,
    payloadName: 'payload',
    form: readOnly ? undefined : htmlForm,
    messages: read('task-form-messages')
  }).then(function () {
    container.setAttribute('data-ready', 'true');
    if (htmlForm && !readOnly) {
      // one submission at a time: a double click must not complete twice
      htmlForm.addEventListener('submit', function (event) {
        if (event.defaultPrevented) return;
        var button = htmlForm.querySelector('button[type="submit"]');
        if (button) button.disabled = true;
      });
    }
  });
})();
