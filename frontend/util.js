// Small helpers shared by the entry files (bundled into each of them).

/** Accept an element or a CSS selector. */
export function resolveElement(target, what = 'container') {
  const el = typeof target === 'string' ? document.querySelector(target) : target;
  if (!el) {
    throw new Error(`OneStop: ${what} not found: ${target}`);
  }
  return el;
}

/** Accept a parsed JSON object or a JSON string. */
export function parseJSON(value, fallback) {
  if (value === undefined || value === null || value === '') return fallback;
  return typeof value === 'string' ? JSON.parse(value) : value;
}

/** Show an import failure in place of the diagram/form, then re-throw it. */
export function showFailure(container, prefix, error) {
  const box = document.createElement('div');
  box.className = 'os-render-error';
  box.setAttribute('role', 'alert');
  box.textContent = `${prefix}: ${error && error.message ? error.message : error}`;
  container.appendChild(box);
  throw error;
}
