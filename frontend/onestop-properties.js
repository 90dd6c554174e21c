// The "OneStop" group of the BPMN properties panel: what OneStop reads from a diagram.
//   process (or its pool) -> business key prefix, start groups, citizen channel, category field, and the
//                        field properties: which field is the citizen's name, e-mail, the answer, ...
//   user/manual task  -> form file, due-date expression, role (intake, follow_up), answered when,
//                        information request when
//                        (all spiffworkflow:properties; docs/routines.md says what OneStop does with them)
//   service task      -> service (operator), result variable, parameter expressions
//   script task       -> the script (Python, run in the sandbox)
//   business rule     -> the decision it calls (spiffworkflow:calledDecisionId)
//   sequence flow     -> the condition (a Python expression)
//   lane              -> which group works on its tasks (group, managers_only; an administrator may override)
//   any named element -> its name and its description (documentation) in Swedish (name_sv, documentation_sv);
//                        a pool also its process's description in Swedish (the start page shows it)
// Timer expressions are edited in the panel's own "Timer" group.
// Every label, description and option goes through the modeler's `translate` (frontend/translate.js): the
// English text is the key of frontend/translations/sv.json.
import { TextFieldEntry, TextAreaEntry, SelectEntry, isTextFieldEntryEdited, isTextAreaEntryEdited, isSelectEntryEdited } from '@bpmn-io/properties-panel';
import { useService } from 'bpmn-js-properties-panel';
import { getBusinessObject, is } from 'bpmn-js/lib/util/ModelUtil';
import { jsx } from '@bpmn-io/properties-panel/preact/jsx-runtime';

import spiffworkflow from './spiffworkflow.json';

export const SERVICES = ['notify_citizen', 'compute_due_date'];

function extension(bo, type) {
  const ext = bo.get('extensionElements');
  return ext ? (ext.get('values') || []).find((v) => is(v, type)) : undefined;
}

/** The object that carries an element's properties: a pool's process, else the element itself. */
function owner(element) {
  const bo = getBusinessObject(element);
  return is(bo, 'bpmn:Participant') && bo.processRef ? bo.processRef : bo;
}

/** Make sure the element's owner has extensionElements with one element of `type`; returns it. */
function ensureExtension(element, type, injector, bo = getBusinessObject(element)) {
  const modeling = injector.get('modeling');
  const factory = injector.get('bpmnFactory');
  let ext = bo.get('extensionElements');
  if (!ext) {
    ext = factory.create('bpmn:ExtensionElements', { values: [] });
    ext.$parent = bo;
    modeling.updateModdleProperties(element, bo, { extensionElements: ext });
  }
  let found = extension(bo, type);
  if (!found) {
    found = factory.create(type, {});
    found.$parent = ext;
    modeling.updateModdleProperties(element, ext, { values: [...(ext.get('values') || []), found] });
  }
  return found;
}

function getProperty(element, name, bo = owner(element)) {
  const props = extension(bo, 'spiffworkflow:Properties');
  const prop = props && (props.get('properties') || []).find((p) => p.name === name);
  return prop ? prop.value || '' : '';
}

function setProperty(element, name, value, injector, bo = owner(element)) {
  const modeling = injector.get('modeling');
  const props = ensureExtension(element, 'spiffworkflow:Properties', injector, bo);
  const list = props.get('properties') || [];
  const prop = list.find((p) => p.name === name);
  if (!value) {
    if (prop) modeling.updateModdleProperties(element, props, { properties: list.filter((p) => p !== prop) });
  } else if (prop) {
    modeling.updateModdleProperties(element, prop, { value });
  } else {
    const created = injector.get('bpmnFactory').create('spiffworkflow:Property', { name, value });
    created.$parent = props;
    modeling.updateModdleProperties(element, props, { properties: [...list, created] });
  }
}

/** `label` and `description`: English templates, or [template, replacements]. */
// `area`: a multi-line field, monospace for code (true or 'code'), proportional for prose ('prose')
function text(id, label, description, getValue, setValue, area = false) {
  function Entry(props) {
    const injector = useService('injector');
    const debounce = useService('debounceInput');
    const translate = useService('translate');
    return jsx(area ? TextAreaEntry : TextFieldEntry, {
      element: props.element, id, debounce, monospace: !!area && area !== 'prose', translate,
      ...(area === 'prose' ? { rows: 3 } : {}),
      label: translated(translate, label), description: translated(translate, description),
      getValue: () => getValue(props.element),
      setValue: (value) => setValue(props.element, value, injector),
    });
  }
  return { id, component: Entry, isEdited: area ? isTextAreaEntryEdited : isTextFieldEntryEdited };
}

function translated(translate, text) {
  return Array.isArray(text) ? translate(...text) : translate(text);
}

function property(id, name, label, description) {
  return text(id, label, description, (el) => getProperty(el, name),
    (el, v, inj) => setProperty(el, name, (v || '').trim(), inj));
}

function choice(id, name, label, options) {
  function Entry(props) {
    const injector = useService('injector');
    const translate = useService('translate');
    return jsx(SelectEntry, {
      element: props.element, id, label: translate(label),
      getValue: () => getProperty(props.element, name),
      setValue: (value) => setProperty(props.element, name, value, injector),
      getOptions: () => options.map(([value, text]) => ({ value, label: translate(text) })),
    });
  }
  return { id, component: Entry, isEdited: isSelectEntryEdited };
}

export const ROLES = [['', '(none)'], ['intake', 'Intake: the starter completes it at once'],
  ['follow_up', "Follow-up: on the manager's follow-ups page"],
  ['citizen_reply', 'Citizen reply: the citizen may answer it on the tracking page']];

function humanTaskEntries() {
  return [
    property('onestop-form', 'form', 'Form file', 'The form-js file shown for this task, e.g. handle_request.form'),
    property('onestop-due', 'due', 'Due date expression', 'Python expression giving an ISO date, e.g. due_at'),
    choice('onestop-role', 'role', 'Role', ROLES),
    property('onestop-answered', 'answered_when', 'Answered when',
      'Python expression over the data this task sends; when true, completing it answers the request, '
      + 'e.g. outcome == "resolved"'),
    property('onestop-info-request', 'info_request_when', 'Information request when',
      'Python expression over the data this task sends; when true, completing it asks the citizen for more '
      + 'information (the tracking page says so), e.g. outcome == "need_info"'),
  ];
}

// Which field of the case's data plays which part (engine/routine.py FIELD_PROPERTIES, docs/routines.md).
// Whole sentences, so that a translation can word each one its own way.
const EMPTY = ' Leave empty when the routine has none.';
export const FIELDS = [
  ['citizen_name_field', 'Citizen name field', "The field (or variable) that holds the citizen's name, e.g. citizen_name."],
  ['citizen_email_field', 'Citizen e-mail field',
    "The field (or variable) that holds the citizen's e-mail address (none: no mails), e.g. citizen_email."],
  ['channel_field', 'Channel field',
    'The field (or variable) that holds the channel the request came in by (its options: the dashboard filter).'],
  ['description_field', 'Description field', "The field (or variable) that holds the citizen's description of the request."],
  ['first_contact_field', 'First-contact field', 'The field (or variable) that holds a checkbox: resolved on first contact.'],
  ['kb_article_field', 'Knowledge-base article field',
    'The field (or variable) that holds the title of the knowledge-base article used at intake.'],
  ['office_field', 'Office field',
    'The field (or variable) that holds the office the case is with, e.g. the routing table output office.'],
  ['due_field', 'Due field', "The field (or variable) that holds the case's reply deadline (an ISO moment), e.g. due_at."],
  ['answer_field', 'Answer field', 'The field (or variable) that holds the answer sent to the citizen.'],
  ['question_field', 'Question field', 'The field (or variable) that holds the question of a request for more information.'],
  ['reply_field', 'Reply field', "The field (or variable) that holds the citizen's reply to that question."],
].map(([name, label, description]) => [name, label, description + EMPTY]);

function processEntries() {
  return [
    property('onestop-prefix', 'business_key_prefix', 'Business key prefix',
      'Upper-case letters before the year and number of each case, e.g. CR (default: the initials of the id)'),
    property('onestop-start-groups', 'start_groups', 'Start groups',
      'Comma-separated groups whose members may start a case on the start page, e.g. csu'),
    choice('onestop-citizen-channel', 'citizen_channel', "Takes citizens' requests",
      [['', 'no'], ['true', 'yes: the public portal and Open311 start this process']]),
    property('onestop-category-field', 'category_field', 'Category field',
      'The field of the intake form whose options are the request types, e.g. category'),
    ...FIELDS.map(([name, label, description]) => property(`onestop-${name.replace(/_/g, '-')}`, name, label,
      description)),
  ];
}

function laneEntries() {
  return [
    property('onestop-lane-group', 'group', 'Group',
      'The group that works on tasks in this lane, e.g. csu, or =office for the group a case variable names'),
    choice('onestop-managers-only', 'managers_only', 'Managers only',
      [['', 'no'], ['true', "yes: only the group's managers"]]),
    { id: 'onestop-lane', component: LaneNote },
  ];
}

function operator(element) {
  return extension(getBusinessObject(element), 'spiffworkflow:ServiceTaskOperator');
}

function ServiceEntry(props) {
  const injector = useService('injector');
  const translate = useService('translate');
  return jsx(SelectEntry, {
    element: props.element, id: 'onestop-service', label: translate('Service'),
    getValue: () => (operator(props.element) || {}).id || '',
    setValue: (value) => {
      const op = ensureExtension(props.element, 'spiffworkflow:ServiceTaskOperator', injector);
      injector.get('modeling').updateModdleProperties(props.element, op, { id: value });
    },
    getOptions: () => [{ value: '', label: translate('(choose)') }, ...SERVICES.map((s) => ({ value: s, label: s }))],
  });
}

function parameterEntries(element) {
  const op = operator(element);
  const list = op && op.get('parameterList');
  const params = list ? list.get('parameters') || [] : [];
  return params.map((param, index) => text(`onestop-param-${index}`, ['Parameter {name}', { name: param.id }],
    ['Python expression ({type})', { type: param.type || 'any' }], () => param.value || '',
    (el, v, inj) => inj.get('modeling').updateModdleProperties(el, param, { value: v })));
}

function serviceEntries(element) {
  return [
    { id: 'onestop-service', component: ServiceEntry, isEdited: isSelectEntryEdited },
    text('onestop-result', 'Result variable', 'The case variable that receives the result',
      (el) => (operator(el) || {}).resultVariable || '',
      (el, v, inj) => inj.get('modeling').updateModdleProperties(
        el, ensureExtension(el, 'spiffworkflow:ServiceTaskOperator', inj), { resultVariable: v.trim() })),
    ...parameterEntries(element),
  ];
}

function decisionEntries() {
  return [text('onestop-decision', 'Decision id', 'The id of the DMN decision this task calls',
    (el) => (extension(getBusinessObject(el), 'spiffworkflow:CalledDecisionId') || {}).value || '',
    (el, v, inj) => inj.get('modeling').updateModdleProperties(
      el, ensureExtension(el, 'spiffworkflow:CalledDecisionId', inj), { value: v.trim() }))];
}

function scriptEntries() {
  return [text('onestop-script', 'Script', 'Python, run in the sandbox; assignments become case variables',
    (el) => getBusinessObject(el).script || '',
    (el, v, inj) => inj.get('modeling').updateProperties(el, { scriptFormat: 'python', script: v }), true)];
}

function conditionEntries(element) {
  const bo = getBusinessObject(element);
  if (!bo.sourceRef || !is(bo.sourceRef, 'bpmn:Gateway')) return [];
  return [text('onestop-condition', 'Condition', 'Python expression, e.g. outcome == "resolved"',
    (el) => (getBusinessObject(el).conditionExpression || {}).body || '',
    (el, v, inj) => {
      const expression = v.trim()
        ? inj.get('bpmnFactory').create('bpmn:FormalExpression', { body: v.trim() }) : undefined;
      inj.get('modeling').updateProperties(el, { conditionExpression: expression });
    })];
}

const LANE_NOTE = 'An administrator may map the lane to another group (Admin → Lanes). Without a group, '
  + 'the tasks go to the group named like the lane (“Waste” → waste).';

function LaneNote(props) {
  const translate = useService('translate');
  return jsx('p', { class: 'bio-properties-panel-description', id: props.id, children: translate(LANE_NOTE) });
}

function kindEntries(element) {
  if (is(element, 'bpmn:UserTask') || is(element, 'bpmn:ManualTask')) return humanTaskEntries();
  if (is(element, 'bpmn:ServiceTask')) return serviceEntries(element);
  if (is(element, 'bpmn:BusinessRuleTask')) return decisionEntries();
  if (is(element, 'bpmn:ScriptTask')) return scriptEntries();
  if (is(element, 'bpmn:SequenceFlow')) return conditionEntries(element);
  if (is(element, 'bpmn:Lane')) return laneEntries();
  if (is(element, 'bpmn:Process') || (is(element, 'bpmn:Participant') && owner(element) !== getBusinessObject(element))) {
    return processEntries();
  }
  return [];
}

// The name and the description (bpmn:documentation) in each translated language, as the properties
// name_<language> and documentation_<language> (docs/translations.md); the element's own name and
// documentation are the English (default) texts.
export const TRANSLATED = [['sv', 'Name in Swedish', 'Description in Swedish', 'Process description in Swedish']];

function translationEntries(element) {
  const named = ['bpmn:FlowElement', 'bpmn:Lane', 'bpmn:Participant', 'bpmn:Process', 'bpmn:DataObjectReference']
    .some((type) => is(element, type));
  if (!named) return [];
  const pool = is(element, 'bpmn:Participant') && owner(element) !== getBusinessObject(element);
  return TRANSLATED.flatMap(([language, nameLabel, descriptionLabel, processLabel]) => [
    text(`onestop-name-${language}`, nameLabel,
      'Shown to readers of the pages in this language; empty: the name above',
      // on the element itself: a pool's name is its own, not its process's
      (el) => getProperty(el, `name_${language}`, getBusinessObject(el)),
      (el, v, inj) => setProperty(el, `name_${language}`, v.trim(), inj, getBusinessObject(el))),
    // a pool's process: its documentation is what the start page shows about the process
    ...(pool ? [description(`onestop-process-documentation-${language}`, processLabel, language, owner,
      'What the process is for, as the start page shows it to readers in this language; empty: the process '
      + 'documentation')] : []),
    description(`onestop-documentation-${language}`, descriptionLabel, language, getBusinessObject,
      'The documentation of this element for readers in this language; empty: the documentation'),
  ]);
}

/** A multi-line field for the documentation_<language> property of the object `carrier(element)`. */
function description(id, label, language, carrier, help) {
  return text(id, label, help,
    (el) => getProperty(el, `documentation_${language}`, carrier(el)),
    (el, v, inj) => setProperty(el, `documentation_${language}`, (v || '').trim(), inj, carrier(el)), 'prose');
}

function entriesFor(element) {
  return [...kindEntries(element), ...translationEntries(element)];
}

class OneStopPropertiesProvider {
  constructor(propertiesPanel, translate) {
    this.translate = translate;
    propertiesPanel.registerProvider(400, this);
  }

  getGroups(element) {
    return (groups) => {
      const entries = entriesFor(element);
      if (entries.length) {
        const at = groups.findIndex((g) => g.id === 'general') + 1;
        groups.splice(at, 0, { id: 'onestop', label: 'OneStop', entries });
      }
      // bpmn-js-properties-panel gives its groups no `translate`: their buttons' titles ("Toggle section",
      // "Section contains edits") would stay English. A group passes it on to its header and list items.
      for (const group of groups) {
        if (!group.translate) group.translate = this.translate;
      }
      return groups;
    };
  }
}
OneStopPropertiesProvider.$inject = ['propertiesPanel', 'translate'];

export const OneStopPropertiesModule = {
  __init__: ['oneStopPropertiesProvider'],
  oneStopPropertiesProvider: ['type', OneStopPropertiesProvider],
};

export const moddleExtensions = { spiffworkflow };
