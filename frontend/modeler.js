// dist/modeler.js + dist/modeler.css
//
//   OneStop.bpmnModeler(container, propertiesContainer, xml) -> Promise<BpmnModeler>
//   OneStop.dmnModeler(container, xml)                      -> Promise<DmnModeler>
//   OneStop.formEditor(container, schema)                   -> Promise<FormEditor>
//   OneStop.markProblems(modeler, problems)                 -> problems not placed on the diagram
//   OneStop.missingTranslations()                           -> texts the editors asked for that the page
//                                                              language's dictionary lacks (frontend/translate.js)
//
// Save with `await modeler.saveXML({format: true})` -> {xml}; `editor.saveSchema()` -> schema.
import BpmnModeler from 'bpmn-js/lib/Modeler';
import DmnModeler from 'dmn-js/lib/Modeler';
import { BpmnPropertiesPanelModule, BpmnPropertiesProviderModule } from 'bpmn-js-properties-panel';
import { FormEditor } from '@bpmn-io/form-js';

import 'bpmn-js/dist/assets/diagram-js.css';
import 'bpmn-js/dist/assets/bpmn-js.css';
import 'bpmn-js/dist/assets/bpmn-font/css/bpmn.css';
import '@bpmn-io/properties-panel/dist/assets/properties-panel.css';
import 'dmn-js/dist/assets/dmn-js-shared.css';
import 'dmn-js/dist/assets/dmn-js-drd.css';
import 'dmn-js/dist/assets/dmn-js-decision-table.css';
import 'dmn-js/dist/assets/dmn-js-decision-table-controls.css';
import 'dmn-js/dist/assets/dmn-js-literal-expression.css';
import 'dmn-js/dist/assets/dmn-js-boxed-expression.css';
import 'dmn-js/dist/assets/dmn-js-boxed-expression-controls.css';
import 'dmn-js/dist/assets/dmn-font/css/dmn.css';
import '@bpmn-io/form-js/dist/assets/form-js.css';
import '@bpmn-io/form-js/dist/assets/form-js-editor.css';
import './onestop-diagram.css';
import './onestop-form.css';
import './onestop-modeler.css';

import { parseJSON, resolveElement, showFailure } from './util.js';
import { OneStopPropertiesModule, moddleExtensions } from './onestop-properties.js';
import { makeTranslate, missingTranslations, translateModule } from './translate.js';

// The page's own words here (tabs, failures) go through the same dictionary as the editors'.
const translate = makeTranslate();

const EMPTY_DMN = `<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" xmlns:dmndi="https://www.omg.org/spec/DMN/20191111/DMNDI/" xmlns:dc="http://www.omg.org/spec/DMN/20180521/DC/" id="definitions" name="Decisions" namespace="http://onestop.local/dmn">
  <decision id="decision" name="Decision">
    <decisionTable id="decision_table" hitPolicy="FIRST">
      <input id="input_1" label="Input">
        <inputExpression id="input_expression_1" typeRef="string"><text>value</text></inputExpression>
      </input>
      <output id="output_1" label="Output" name="result" typeRef="string" />
    </decisionTable>
  </decision>
  <dmndi:DMNDI>
    <dmndi:DMNDiagram id="diagram">
      <dmndi:DMNShape id="decision_di" dmnElementRef="decision">
        <dc:Bounds height="80" width="180" x="160" y="100" />
      </dmndi:DMNShape>
    </dmndi:DMNDiagram>
  </dmndi:DMNDI>
</definitions>`;

const EMPTY_FORM = { type: 'default', components: [], schemaVersion: 19 };

/**
 * BPMN modeler with the bpmn-js properties panel rendered into `propertiesContainer`, including the
 * "OneStop" group (form, service, script, decision, condition: see onestop-properties.js).
 * Without `xml` a new blank diagram is created.
 */
export async function bpmnModeler(container, propertiesContainer, xml) {
  container = resolveElement(container);
  const options = {
    container,
    additionalModules: [translateModule()],
    // spiffworkflow:* extension elements become typed, so the OneStop group can edit them
    moddleExtensions,
  };
  if (propertiesContainer) {
    options.propertiesPanel = {
      parent: resolveElement(propertiesContainer, 'properties container'),
      layout: { groups: { onestop: { open: true } } },
    };
    options.additionalModules.push(BpmnPropertiesPanelModule, BpmnPropertiesProviderModule, OneStopPropertiesModule);
  }
  const modeler = new BpmnModeler(options);
  try {
    if (xml) await modeler.importXML(xml);
    else await modeler.createDiagram();
  } catch (error) {
    error.modeler = modeler;
    showFailure(container, translate('Could not open the BPMN file'), error);
  }
  fitBesidePalette(modeler, container);
  return modeler;
}

/**
 * Fit the whole diagram into the part of the canvas right of the palette: 'fit-viewport' would put the
 * start event, where a diagram is read from, under the palette.
 */
function fitBesidePalette(modeler, container) {
  const canvas = modeler.get('canvas');
  const palette = container.querySelector('.djs-palette');
  const { width, height } = canvas.getSize();
  const left = palette ? palette.getBoundingClientRect().right - container.getBoundingClientRect().left + 16 : 0;
  const box = canvas.getActiveLayer().getBBox();
  if (!box.width || !box.height || width <= left + 40) {
    canvas.zoom('fit-viewport', 'auto');
    return;
  }
  const margin = 24;
  const scale = Math.min((width - left - margin) / box.width, (height - 2 * margin) / box.height, 1);
  canvas.viewbox({
    x: box.x - left / scale,
    y: box.y - margin / scale,
    width: width / scale,
    height: height / scale,
  });
}

/** Tabs for the DRD and each decision, so files without a DRD stay navigable. */
function renderDmnTabs(modeler, nav) {
  const views = modeler.getViews();
  const active = modeler.getActiveView();
  nav.replaceChildren();
  for (const view of views) {
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'os-dmn-tab';
    const element = view.element;
    button.textContent = view.type === 'drd' ? translate('Decision requirements') : (element.name || element.id);
    const selected = active && active.element === element;
    button.setAttribute('aria-pressed', selected ? 'true' : 'false');
    button.addEventListener('click', () => modeler.open(view));
    nav.appendChild(button);
  }
}

/** DMN modeler (DRD, decision tables, literal expressions). Without `xml` a one-table file. */
export async function dmnModeler(container, xml) {
  container = resolveElement(container);
  container.classList.add('os-dmn');
  const nav = document.createElement('div');
  nav.className = 'os-dmn-tabs';
  nav.setAttribute('role', 'toolbar');
  nav.setAttribute('aria-label', translate('Views'));
  const canvas = document.createElement('div');
  canvas.className = 'os-dmn-canvas';
  container.append(nav, canvas);

  // each view has its own injector: the translate module goes to each (dmn-js drops `common.additionalModules`)
  const views = ['drd', 'decisionTable', 'literalExpression', 'boxedExpression'];
  const modeler = new DmnModeler({
    container: canvas,
    ...Object.fromEntries(views.map((view) => [view, { additionalModules: [translateModule()] }])),
  });
  modeler.on('views.changed', () => renderDmnTabs(modeler, nav));
  try {
    await modeler.importXML(xml || EMPTY_DMN);
  } catch (error) {
    error.modeler = modeler;
    showFailure(container, translate('Could not open the DMN file'), error);
  }
  const viewer = modeler.getActiveViewer();
  const canvasService = viewer && viewer.get('canvas', false);
  if (canvasService && canvasService.zoom) canvasService.zoom('fit-viewport', 'auto');
  return modeler;
}

/**
 * form-js editor (palette, canvas and its own properties panel). form-js 1.x has no translate service:
 * its words are English whatever the page's language, and its wrapper says so (lang="en") for screen
 * readers, spell checkers and the Swedish walk test (tests/browser/test_swedish_walk.py).
 */
export async function formEditor(container, schema) {
  container = resolveElement(container);
  const wrapper = document.createElement('div');
  wrapper.className = 'os-form-editor';
  wrapper.setAttribute('lang', 'en');
  container.appendChild(wrapper);
  const editor = new FormEditor({ container: wrapper });
  try {
    await editor.importSchema(parseJSON(schema, EMPTY_FORM));
  } catch (error) {
    error.editor = editor;
    showFailure(container, translate('Could not open the form'), error);
  }
  return editor;
}

/** The diagram viewer whose services hold the elements: BPMN modeler or DMN DRD view. */
function diagramOf(modeler) {
  return typeof modeler.getActiveViewer === 'function' ? modeler.getActiveViewer() : modeler;
}

/**
 * Mark validation problems [{element_id, message}] with a red marker and a note.
 * Clears earlier marks first (pass [] to clear). Returns the problems that could not be
 * placed on the current diagram (no element id, unknown id, or a DMN table view).
 */
export function markProblems(modeler, problems = []) {
  const diagram = diagramOf(modeler);
  const registry = diagram && diagram.get('elementRegistry', false);
  const overlays = diagram && diagram.get('overlays', false);
  const canvas = diagram && diagram.get('canvas', false);
  if (!registry || !overlays || !canvas) return problems.slice();

  overlays.remove({ type: 'os-problem' });
  for (const element of registry.getAll()) {
    if (canvas.hasMarker(element, 'os-problem')) canvas.removeMarker(element, 'os-problem');
  }

  const unplaced = [];
  const byElement = new Map();
  for (const problem of problems) {
    const element = problem.element_id && registry.get(problem.element_id);
    if (!element || element === canvas.getRootElement()) {
      unplaced.push(problem);
      continue;
    }
    if (!byElement.has(element)) byElement.set(element, []);
    byElement.get(element).push(problem.message);
  }
  for (const [element, messages] of byElement) {
    canvas.addMarker(element, 'os-problem');
    const note = document.createElement('div');
    note.className = 'os-problem-note';
    note.setAttribute('role', 'note');
    note.textContent = messages.join('\n');
    overlays.add(element, 'os-problem', {
      // below the shape, clear of boundary events
      position: element.waypoints ? { top: 8, left: 8 } : { bottom: -22, left: 0 },
      html: note,
    });
  }
  return unplaced;
}

window.OneStop = Object.assign(window.OneStop || {}, {
  bpmnModeler, dmnModeler, formEditor, markProblems, missingTranslations,
});
