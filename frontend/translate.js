// The editors' words in the page's language: bpmn-js, its properties panel, dmn-js and the OneStop
// group ask a `translate(template, replacements)` service for every text they show (the bpmn-io
// "customTranslate" pattern). The English template is the key; frontend/translations/<language>.json
// holds the translations OneStop ships (docs/translations.md). form-js's editor has no such service
// and stays English.
import sv from './translations/sv.json';

const DICTIONARIES = { sv };

// Templates asked for in a translated language that its dictionary lacks (OneStop.missingTranslations()).
const missing = new Set();

/** The page's language, as <html lang> says: 'sv', 'en', ... */
export function pageLanguage() {
  return (document.documentElement.getAttribute('lang') || 'en').slice(0, 2).toLowerCase();
}

/** A translate function for `language`: the dictionary's text (else the English template), with {name} filled in. */
export function makeTranslate(language = pageLanguage()) {
  const dictionary = DICTIONARIES[language];
  return function translate(template, replacements) {
    let text = template;
    if (dictionary) {
      if (Object.prototype.hasOwnProperty.call(dictionary, template)) text = dictionary[template];
      else missing.add(template);
    }
    const values = replacements || {};
    return text.replace(/{([^}]+)}/g, (match, name) => (values[name] !== undefined && values[name] !== null
      ? String(values[name]) : match));
  };
}

/** A didi module replacing diagram-js's `translate` service, for additionalModules. */
export function translateModule(language = pageLanguage()) {
  return { translate: ['value', makeTranslate(language)] };
}

/** The templates asked for so far that the page language's dictionary lacks, sorted. */
export function missingTranslations() {
  return [...missing].sort();
}
