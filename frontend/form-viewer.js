// dist/form-viewer.js + dist/form-viewer.css
//
//   OneStop.renderForm(container, schema, data, errors, options) -> Promise<Form>
//
// Renders a form-js form (bpmn.io format) inside an ordinary HTML <form method="post">.
// On submit of that HTML form the form-js data is validated in the browser and written as
// JSON into <input type="hidden" name="payload">; the HTML form then submits normally
// (so the CSRF token input and the clicked button's name/value go along with it).
// `errors` are the server's per-field messages, {key: message | [messages]}; they are
// shown on the fields whose `key` (or dotted value path) matches, the rest above the form.
import { Form } from '@bpmn-io/form-js';

import '@bpmn-io/form-js/dist/assets/form-js.css';
import './onestop-form.css';

import { parseJSON, resolveElement } from './util.js';

/** Map field keys (and dotted value paths) to form-js field ids. */
function keyToIdMap(form) {
  const map = new Map();
  const registry = form.get('formFieldRegistry');
  const paths = form.get('pathRegistry');
  for (const field of registry.getAll()) {
    if (!field.key) continue;
    let path = null;
    try {
      path = paths.getValuePath(field);
    } catch (e) {
      path = null;
    }
    if (Array.isArray(path) && path.length) map.set(path.join('.'), field.id);
    if (!map.has(field.key)) map.set(field.key, field.id);
  }
  return map;
}

function labelFor(form, id) {
  const field = form.get('formFieldRegistry').get(id);
  return (field && (field.label || field.key)) || id;
}

function sameValue(a, b) {
  return JSON.stringify(a === undefined ? null : a) === JSON.stringify(b === undefined ? null : b);
}

function valueAt(data, path) {
  return (path || []).reduce((node, part) => (node === null || node === undefined ? undefined : node[part]), data);
}

/** A function turning one of form-js's English messages into the page's language; null if it is another. */
function messageRule(english, local) {
  const parts = english.split(/\{(\w+)\}/); // odd indices name the values, e.g. {n}
  const names = [];
  let source = '^';
  parts.forEach((part, i) => {
    if (i % 2) {
      names.push(part);
      source += '(.*?)';
    } else {
      source += part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    }
  });
  const regex = new RegExp(`${source}$`);
  return (message) => {
    const match = regex.exec(message);
    return match ? names.reduce((text, name, i) => text.split(`{${name}}`).join(match[i + 1]), local) : null;
  };
}

/**
 * form-js writes its own validation messages in English and has no way to translate them: map each
 * one through `messages` ({english template: translation}, values as {name}) as it is produced.
 */
function translateMessages(form, messages) {
  const rules = Object.entries(messages || {}).map(([english, local]) => messageRule(english, local));
  if (!rules.length) return;
  const validator = form.get('validator');
  const validateFieldInstance = validator.validateFieldInstance.bind(validator);
  validator.validateFieldInstance = (fieldInstance, value) => validateFieldInstance(fieldInstance, value)
    .map((message) => rules.reduce((found, rule) => (found === null ? rule(message) : found), null) ?? message);
}

/**
 * Show server-side errors on the fields; return the messages that match no field.
 *
 * form-js keeps per-field errors in its state, keyed by field id, and has no public setter;
 * it also re-validates every pre-filled field right after rendering, which would drop the
 * server's messages. So the server's messages are (1) put into the state with the same
 * internal call its own validate() uses, and (2) added by a wrapped validator for as long as
 * the field still holds the value the server rejected. Editing the field clears them; they
 * never block the next submission (the server checks again).
 */
function applyServerErrors(form, errors, state) {
  const byId = {};
  const unplaced = [];
  if (!errors) return unplaced;
  const ids = keyToIdMap(form);
  for (const [key, value] of Object.entries(errors)) {
    const messages = (Array.isArray(value) ? value : [value])
      .filter((m) => m !== null && m !== undefined && m !== '')
      .map(String);
    if (!messages.length) continue;
    const id = ids.get(key);
    if (id) {
      byId[id] = (byId[id] || []).concat(messages);
    } else {
      for (const message of messages) {
        unplaced.push(key && key !== '__all__' && key !== '_form' ? `${key}: ${message}` : message);
      }
    }
  }
  if (!Object.keys(byId).length) return unplaced;

  const validator = form.get('validator');
  const validateFieldInstance = validator.validateFieldInstance.bind(validator);
  validator.validateFieldInstance = (fieldInstance, value) => {
    const clientErrors = validateFieldInstance(fieldInstance, value);
    const serverErrors = state.serverErrorsActive && fieldInstance && byId[fieldInstance.id];
    if (!serverErrors || !sameValue(value, valueAt(form._getState().initialData, fieldInstance.valuePath))) {
      return clientErrors;
    }
    // the server ran the same rules on this value: its wording replaces the browser's
    return serverErrors;
  };
  form._setState({ errors: { ...form._getState().errors, ...byId } });
  return unplaced;
}

function renderSummary(container, messages) {
  let summary = container.querySelector(':scope > .os-form-errors');
  if (!messages.length) {
    if (summary) summary.remove();
    return;
  }
  if (!summary) {
    summary = document.createElement('div');
    summary.className = 'os-form-errors';
    summary.setAttribute('role', 'alert');
    container.insertBefore(summary, container.firstChild);
  }
  const list = document.createElement('ul');
  for (const message of messages) {
    const item = document.createElement('li');
    item.textContent = message;
    list.appendChild(item);
  }
  summary.replaceChildren(list);
}

function focusFirstError(container) {
  const invalid = container.querySelector('[aria-invalid="true"]');
  if (invalid && typeof invalid.focus === 'function') invalid.focus();
}

function payloadInput(htmlForm, name) {
  let input = htmlForm.querySelector(`input[name="${name}"]`);
  if (!input) {
    input = document.createElement('input');
    input.type = 'hidden';
    input.name = name;
    htmlForm.appendChild(input);
  }
  return input;
}

/**
 * @param {Element|string} container  element (or selector) to render into
 * @param {object|string} schema      form-js schema (object or JSON text)
 * @param {object|string} [data]      initial data
 * @param {object|string} [errors]    server errors {key: message | [messages]}
 * @param {object} [options]          {readOnly: false, payloadName: 'payload', form: HTMLFormElement,
 *                                     messages: {form-js message: translation}}
 * @returns {Promise<Form>}
 */
export async function renderForm(container, schema, data, errors, options = {}) {
  container = resolveElement(container);
  const readOnly = !!options.readOnly;
  const form = new Form({ container, properties: { readOnly } });
  await form.importSchema(parseJSON(schema), parseJSON(data, {}) || {});

  translateMessages(form, options.messages);
  const state = { serverErrorsActive: true };
  const unplaced = applyServerErrors(form, parseJSON(errors, null), state);
  renderSummary(container, unplaced);
  if (Object.keys(form._getState().errors).length) {
    // let the browser paint the messages first, then move focus to the first one
    requestAnimationFrame(() => focusFirstError(container));
  }

  const htmlForm = options.form ? resolveElement(options.form, 'form') : container.closest('form');
  if (readOnly || !htmlForm) return form;

  const input = payloadInput(htmlForm, options.payloadName || 'payload');
  input.value = JSON.stringify(form._getState().data || {});

  let submitting = false;
  htmlForm.addEventListener('submit', (event) => {
    submitting = true;
    state.serverErrorsActive = false;
    let result;
    try {
      result = form.submit();
    } finally {
      submitting = false;
    }
    input.value = JSON.stringify(result.data);
    const skipValidation = event.submitter && event.submitter.formNoValidate;
    if (!skipValidation && Object.keys(result.errors).length) {
      event.preventDefault();
      requestAnimationFrame(() => focusFirstError(container));
    }
  });

  // form-js renders its own (nested) <form>: Enter in a field or a submit button from the
  // schema submits that one; pass it on to the HTML form so the server gets it.
  form.on('submit', (result) => {
    if (submitting) return;
    if (typeof htmlForm.requestSubmit === 'function') {
      htmlForm.requestSubmit(); // fires the submit handler above
    } else if (!Object.keys(result.errors).length) {
      input.value = JSON.stringify(result.data);
      htmlForm.submit();
    }
  });

  return form;
}

window.OneStop = Object.assign(window.OneStop || {}, { renderForm });
