// dist/bpmn-viewer.js + dist/bpmn-viewer.css
//
//   OneStop.showDiagram(container, xml, {active, done, heat, label}) -> Promise<NavigatedViewer>
//
// Shows a BPMN diagram (pan + zoom), fitted to the container, with
//   active: [elementId]          current tasks, marker class `os-active`
//   done:   [elementId]          the path taken, marker class `os-done`
//   heat:   {elementId: number}  a badge with the number and a fill by intensity
import NavigatedViewer from 'bpmn-js/lib/NavigatedViewer';

import 'bpmn-js/dist/assets/diagram-js.css';
import 'bpmn-js/dist/assets/bpmn-js.css';
import 'bpmn-js/dist/assets/bpmn-font/css/bpmn.css';
import './onestop-diagram.css';
import './onestop-form.css';

import { resolveElement, showFailure } from './util.js';

/** Light yellow (low) to red (high) for a 0..1 intensity. */
export function heatColor(t) {
  const x = Math.max(0, Math.min(1, t));
  const hue = 55 - 55 * x; // 55 = yellow, 0 = red
  const light = 88 - 33 * x; // 88% .. 55%
  return `hsl(${hue.toFixed(0)}, 95%, ${light.toFixed(0)}%)`;
}

function has(registry, id) {
  return !!registry.get(id);
}

/** Apply the markers and heat overlays to a viewer that has a diagram loaded. */
export function decorate(viewer, { active = [], done = [], heat = {} } = {}) {
  const canvas = viewer.get('canvas');
  const registry = viewer.get('elementRegistry');
  const overlays = viewer.get('overlays');

  for (const id of done) {
    if (has(registry, id)) canvas.addMarker(id, 'os-done');
  }
  for (const id of active) {
    if (has(registry, id)) canvas.addMarker(id, 'os-active');
  }

  const entries = Object.entries(heat || {}).filter(([id, n]) => has(registry, id) && Number(n) > 0);
  const max = Math.max(1, ...entries.map(([, n]) => Number(n)));
  for (const [id, n] of entries) {
    const element = registry.get(id);
    const color = heatColor(Number(n) / max);
    canvas.addMarker(id, 'os-heat');
    if (!element.waypoints) {
      const visual = registry.getGraphics(id).querySelector('.djs-visual > :first-child');
      if (visual) visual.style.setProperty('fill', color, 'important');
    }
    const badge = document.createElement('div');
    badge.className = 'os-heat-badge';
    badge.textContent = String(n);
    badge.title = `${element.businessObject && element.businessObject.name || id}: ${n}`;
    badge.style.background = color;
    overlays.add(id, 'os-heat', {
      position: element.waypoints ? { top: -10, left: -10 } : { top: -10, right: 14 },
      html: badge,
    });
  }
}

/**
 * @param {Element|string} container  element (or selector) with a height set in CSS
 * @param {string} xml                BPMN 2.0 XML
 * @param {object} [options]          {active, done, heat, label}
 * @returns {Promise<NavigatedViewer>}
 */
export async function showDiagram(container, xml, options = {}) {
  container = resolveElement(container);
  container.classList.add('os-diagram');
  if (options.label) {
    // a landmark with a name; not role=img: the canvas inside is focusable (keyboard pan/zoom)
    if (!container.hasAttribute('role')) container.setAttribute('role', 'region');
    container.setAttribute('aria-label', options.label);
  }
  const viewer = new NavigatedViewer({ container });
  try {
    await viewer.importXML(xml);
  } catch (error) {
    showFailure(container, 'Could not show the diagram', error);
  }
  viewer.get('canvas').zoom('fit-viewport', 'auto');
  decorate(viewer, options);
  addZoomControls(container, viewer);
  return viewer;
}

// The page's language picks the buttons' names; the buttons themselves show symbols only.
const ZOOM_LABELS = {
  en: { in: 'Zoom in', out: 'Zoom out', fit: 'Fit the diagram' },
  sv: { in: 'Zooma in', out: 'Zooma ut', fit: 'Visa hela diagrammet' },
};

/** +, - and fit buttons over the diagram: wheel and drag work too, but nobody finds them unaided. */
export function addZoomControls(container, viewer) {
  const canvas = viewer.get('canvas');
  const lang = (document.documentElement.lang || 'en').slice(0, 2);
  const labels = ZOOM_LABELS[lang] || ZOOM_LABELS.en;
  const bar = document.createElement('div');
  bar.className = 'os-zoom';
  const actions = [
    ['+', labels.in, () => canvas.zoom(canvas.zoom() * 1.25)],
    ['\u2212', labels.out, () => canvas.zoom(canvas.zoom() / 1.25)],
    ['\u2922', labels.fit, () => canvas.zoom('fit-viewport', 'auto')],
  ];
  for (const [symbol, label, action] of actions) {
    const button = document.createElement('button');
    button.type = 'button';
    button.textContent = symbol;
    button.title = label;
    button.setAttribute('aria-label', label);
    button.addEventListener('click', action);
    bar.appendChild(button);
  }
  container.appendChild(bar);
  return bar;
}

window.OneStop = Object.assign(window.OneStop || {}, { showDiagram });
