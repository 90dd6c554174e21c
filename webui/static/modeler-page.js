// The draft editor page: opens one file in bpmn-js, dmn-js or form-js (dist/modeler.js),
// saves it to the server, and shows the server's validation problems on the diagram.
// window.onestopEditor exposes {kind, file, modeler, content(), save(), validate()}.
(function () {
  'use strict';

  const config = JSON.parse(document.getElementById('os-editor-config').textContent);
  const text = JSON.parse(document.getElementById('os-editor-text').textContent);
  const status = document.getElementById('os-status');
  const problemsBox = document.getElementById('os-problems');
  const csrf = document.querySelector('input[name="csrf_token"]').value;
  let dirty = false;
  let lastProblems = config.problems;

  function say(message, kind) {
    status.textContent = message;
    status.className = kind ? 'os-' + kind : '';
  }

  function setDirty(value) {
    dirty = value;
    if (value) say(text.unsaved, 'changed');
  }

  function showProblems(problems) {
    lastProblems = problems;
    problemsBox.replaceChildren();
    if (!problems.length) {
      const ok = document.createElement('p');
      ok.className = 'os-ok';
      ok.textContent = text.noProblems;
      problemsBox.appendChild(ok);
    } else {
      const list = document.createElement('ul');
      list.className = 'os-problems';
      for (const p of problems) {
        const item = document.createElement('li');
        const where = document.createElement('code');
        where.textContent = p.file + (p.element_id ? ':' + p.element_id : '');
        item.append(where, ' ' + p.message);
        list.appendChild(item);
      }
      problemsBox.appendChild(list);
    }
    if (editor.modeler && config.kind !== 'form') {
      OneStop.markProblems(editor.modeler, problems.filter((p) => p.file === config.file));
    }
  }

  async function content() {
    if (config.kind === 'form') {
      return JSON.stringify(editor.modeler.saveSchema(), null, 2) + '\n';
    }
    const result = await editor.modeler.saveXML({ format: true });
    return result.xml;
  }

  async function save() {
    say(text.saving);
    const response = await fetch(config.saveUrl, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-CSRFToken': csrf, Accept: 'application/json' },
      body: JSON.stringify({ content: await content() }),
    });
    const body = await response.json().catch(() => ({}));
    if (!response.ok) {
      const details = body.errors ? Object.values(body.errors).join('; ') : (body.error || response.statusText);
      say(text.notSaved + ': ' + details, 'removed');
      return body;
    }
    dirty = false;
    say(text.saved + (body.problems.length ? ' ' + text.problemsFound.replace('{n}', body.problems.length) : ''),
      body.problems.length ? 'changed' : 'added');
    showProblems(body.problems);
    return body;
  }

  async function validate() {
    say(text.validating);
    const response = await fetch(config.validateUrl, { headers: { Accept: 'application/json' } });
    const body = await response.json();
    showProblems(body.problems);
    say(body.problems.length ? text.problemsFound.replace('{n}', body.problems.length) : text.noProblems,
      body.problems.length ? 'changed' : 'added');
    return body;
  }

  async function open() {
    const canvas = document.getElementById('os-canvas');
    if (config.kind === 'bpmn') {
      editor.modeler = await OneStop.bpmnModeler(canvas, document.getElementById('os-properties'), config.content);
      editor.modeler.on('commandStack.changed', () => setDirty(true));
    } else if (config.kind === 'dmn') {
      editor.modeler = await OneStop.dmnModeler(canvas, config.content);
      const hook = () => {
        const viewer = editor.modeler.getActiveViewer();
        if (viewer && !viewer.osHooked) {
          viewer.osHooked = true;
          viewer.on('commandStack.changed', () => setDirty(true));
        }
      };
      const table = editor.modeler.getViews().find((view) => view.type === 'decisionTable');
      if (table) await editor.modeler.open(table);
      hook();
      editor.modeler.on('views.changed', () => { hook(); showProblems(lastProblems); });
    } else {
      editor.modeler = await OneStop.formEditor(canvas, config.content);
      editor.modeler.on('changed', () => setDirty(true));
    }
    showProblems(config.problems);
    dirty = false;
    editor.ready = true;
  }

  const editor = { kind: config.kind, file: config.file, modeler: null, ready: false, content, save, validate };
  window.onestopEditor = editor;

  document.getElementById('os-save').addEventListener('click', () => save());
  document.getElementById('os-validate').addEventListener('click', () => validate());
  document.addEventListener('keydown', (event) => {
    if ((event.ctrlKey || event.metaKey) && event.key === 's') {
      event.preventDefault();
      save();
    }
  });
  window.addEventListener('beforeunload', (event) => {
    if (dirty) event.preventDefault();
  });
  editor.opened = open().catch((error) => say(String(error && error.message ? error.message : error), 'removed'));
})();
