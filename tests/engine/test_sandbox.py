"""The script sandbox: what analysts' scripts may do, and every way out that must fail cleanly."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import threading
import time
from datetime import datetime
from typing import Any
from xml.sax.saxutils import escape

import pytest
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser

from engine.sandbox import RestrictedEnvironment, ScriptLimitExceeded, ScriptRejected, check_syntax

SCRIPT = """
total = sum(items)
items.append(3)
case['office'] = 'waste'
squares = [i * i for i in items]
copy = {key: value for key, value in case.items()}
label = f"{len(items)} items, total {total:.2f}"
count = 0
for first, second in [(1, 2), (3, 4)]:
    count += first + second
def plus_one(n):
    return n + 1
bigger = plus_one(count)
due = (date(2024, 1, 1) + timedelta(days=3)).isoformat()
print('debug output does not end up in the data')
"""


def test_script_reads_assigns_and_mutates_task_data() -> None:
    data: dict[str, Any] = {"items": [1, 2], "case": {"category": "missed_collection"}}
    RestrictedEnvironment().execute(SCRIPT, data)
    assert data == {
        "items": [1, 2, 3],
        "case": {"category": "missed_collection", "office": "waste"},
        "total": 3,
        "squares": [1, 4, 9],
        "copy": {"category": "missed_collection", "office": "waste"},
        "label": "3 items, total 3.00",
        "count": 10,
        "first": 3,
        "second": 4,
        "bigger": 11,
        "due": "2024-01-04",
    }


def test_expression_returns_its_value_and_leaves_data_alone() -> None:
    data = {"amount": 150, "category": "pothole"}
    env = RestrictedEnvironment()
    assert env.evaluate("\n  amount > 100 and category in ('pothole', 'streetlight')\n", data) is True
    assert env.evaluate("amount * 2", data) == 300
    assert env.evaluate("office", data, external_context={"office": "streets_parks"}) == "streets_parks"
    assert data == {"amount": 150, "category": "pothole"}


def test_helpers_are_callable_and_not_left_in_task_data() -> None:
    env = RestrictedEnvironment(helpers={"working_days_after": lambda days: days + 2})
    data: dict[str, Any] = {"days": 5}
    env.execute("due_in = working_days_after(days)", data)
    assert data == {"days": 5, "due_in": 7}
    assert env.evaluate("working_days_after(days) == 7", data) is True


def test_task_data_that_hides_a_helper_is_refused() -> None:
    env = RestrictedEnvironment(helpers={"notify": print})
    with pytest.raises(ValueError, match="task data overwrites helper function"):
        env.execute("x = 1", {"notify": "yes"})


@pytest.mark.parametrize(
    ("source", "error", "message"),
    [
        ("import os", ScriptRejected, "Line 1: import is not allowed in scripts"),
        ("x = 1\nfrom os import path", ScriptRejected, "Line 2: import is not allowed in scripts"),
        ("__import__('os')", ScriptRejected, '"__import__" is an invalid variable name'),
        ("open('/etc/passwd')", ScriptRejected, "open() is not allowed in scripts"),
        ("reader = open", NameError, "name 'open' is not defined"),
        ("x = ().__class__.__bases__[0].__subclasses__()", ScriptRejected,
         '"__subclasses__" is an invalid attribute name'),
        ("x = getattr(items, '__class__')", AttributeError, '"__class__" is an invalid attribute name'),
        ("x = getattr(items, '__cl' + 'ass__')", AttributeError, '"__class__" is an invalid attribute name'),
        ("eval('1')", ScriptRejected, "Eval calls are not allowed"),
        ("exec('x = 1')", ScriptRejected, "Exec calls are not allowed"),
        ("compile('1', 'f', 'eval')", ScriptRejected, "compile() is not allowed in scripts"),
        ("g = globals()", ScriptRejected, "globals() is not allowed in scripts"),
        ("t = type('X', (), {})", ScriptRejected, "type() is not allowed in scripts"),
        ("raise SystemExit", NameError, "name 'SystemExit' is not defined"),
        ("try:\n    x = 1\nexcept ValueError:\n    pass", ScriptRejected, "try/except is not allowed"),
        ("class Escape:\n    pass", ScriptRejected, "class definition is not allowed in scripts"),
        ("with items:\n    pass", ScriptRejected, "with is not allowed in scripts"),
        ("s = '{0.__class__}'.format(items)", NotImplementedError, "format*() methods of `str` is not safe"),
        ("s = 'x' * 10**9", ScriptLimitExceeded, "size limit: * would make 1000000000 items"),
        ("n = 10 ** 10 ** 8", ScriptLimitExceeded, "size limit: ** would make a number"),
        ("n = sum(range(10**12))", ScriptLimitExceeded, "size limit: range of 1000000000000 numbers"),
    ],
)
def test_escape_fails_with_a_clear_message(source: str, error: type[Exception], message: str) -> None:
    data: dict[str, Any] = {"items": [1]}
    with pytest.raises(error) as caught:
        RestrictedEnvironment().execute(source, data)
    assert message in str(caught.value)
    assert data == {"items": [1]}


def test_check_syntax_reports_refusals_and_typos_with_their_line() -> None:
    assert check_syntax("x = [i * 2 for i in items]\ny = f'{x}'", "exec") is None
    assert check_syntax("amount > 100", "eval") is None
    assert check_syntax("x = 1\nimport os", "exec") == "Line 2: import is not allowed in scripts"
    assert "Line 1: SyntaxError" in (check_syntax("amount >", "eval") or "")
    assert "Line 1: SyntaxError" in (check_syntax("x = 1", "eval") or "")
    assert "Line 2: IndentationError" in (check_syntax("x = 1\nif x:\n", "exec") or "")


@pytest.mark.parametrize(
    "source",
    ["while True: pass", "x = 1\nwhile x: x += 1", "def spin():\n    while True:\n        pass\nspin()"],
)
def test_endless_loop_stops_at_the_time_limit(source: str) -> None:
    data: dict[str, Any] = {}
    started = time.monotonic()
    with pytest.raises(ScriptLimitExceeded, match=r"script exceeded its time limit of 1 s"):
        RestrictedEnvironment(time_limit=1).execute(source, data)
    assert time.monotonic() - started < 3
    assert not [key for key in data if key.startswith("_")]


def test_endless_comprehension_in_an_expression_stops_at_the_time_limit() -> None:
    with pytest.raises(ScriptLimitExceeded, match="time limit of 0.3 s"):
        RestrictedEnvironment(time_limit=0.3).evaluate("[0 for a in range(10**6) for b in range(10**6)]", {})


def test_endless_loop_stops_in_a_worker_thread() -> None:
    errors: list[BaseException] = []

    def run() -> None:
        try:
            RestrictedEnvironment(time_limit=1).execute("while True: pass", {})
        except BaseException as err:  # noqa: BLE001 - the test inspects whatever escaped the thread
            errors.append(err)

    started = time.monotonic()
    worker = threading.Thread(target=run)
    worker.start()
    worker.join(timeout=5)
    assert not worker.is_alive()
    assert time.monotonic() - started < 3
    assert len(errors) == 1 and isinstance(errors[0], ScriptLimitExceeded)


def test_previous_trace_function_is_restored() -> None:
    def tracer(frame: Any, event: str, arg: Any) -> None:
        return None

    previous = sys.gettrace()
    sys.settrace(tracer)
    try:
        RestrictedEnvironment().execute("x = 1", {})
        with pytest.raises(ScriptLimitExceeded):
            RestrictedEnvironment(time_limit=0.1).execute("while True: pass", {})
        assert sys.gettrace() is tracer
    finally:
        sys.settrace(previous)


BPMN = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="defs"
                  targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="sandboxed" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>to_script</bpmn:outgoing></bpmn:startEvent>
    <bpmn:sequenceFlow id="to_script" sourceRef="start" targetRef="compute" />
    <bpmn:scriptTask id="compute">
      <bpmn:incoming>to_script</bpmn:incoming>
      <bpmn:outgoing>to_gateway</bpmn:outgoing>
      <bpmn:script>{script}</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:sequenceFlow id="to_gateway" sourceRef="compute" targetRef="big" />
    <bpmn:exclusiveGateway id="big" default="to_small">
      <bpmn:incoming>to_gateway</bpmn:incoming>
      <bpmn:outgoing>to_large</bpmn:outgoing>
      <bpmn:outgoing>to_small</bpmn:outgoing>
    </bpmn:exclusiveGateway>
    <bpmn:sequenceFlow id="to_large" sourceRef="big" targetRef="large">
      <bpmn:conditionExpression>total &gt; 5</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="to_small" sourceRef="big" targetRef="small" />
    <bpmn:endEvent id="large"><bpmn:incoming>to_large</bpmn:incoming></bpmn:endEvent>
    <bpmn:endEvent id="small"><bpmn:incoming>to_small</bpmn:incoming></bpmn:endEvent>
  </bpmn:process>
</bpmn:definitions>
"""


def _workflow(script: str) -> BpmnWorkflow:
    parser = SpiffBpmnParser()
    parser.add_bpmn_str(BPMN.format(script=escape(script)).encode())
    engine = PythonScriptEngine(environment=RestrictedEnvironment(helpers={"double": lambda n: n * 2}))
    return BpmnWorkflow(parser.get_spec("sandboxed"), script_engine=engine)


def test_spiffworkflow_runs_a_good_script_and_its_gateway_in_the_sandbox() -> None:
    workflow = _workflow("items = [1, 2]\ntotal = double(sum(items))\nnote = f'total {total}'")
    workflow.do_engine_steps()
    assert workflow.is_completed()
    ends = {task.task_spec.name for task in workflow.get_tasks() if task.task_spec.name in ("large", "small")}
    assert ends == {"large"}
    assert workflow.data == {"items": [1, 2], "total": 6, "note": "total 6"}


def test_spiffworkflow_reports_an_import_as_a_task_error() -> None:
    workflow = _workflow("import os\nos.system('echo owned')")
    with pytest.raises(WorkflowTaskException) as caught:
        workflow.do_engine_steps()
    assert "import is not allowed in scripts" in str(caught.value)
    assert caught.value.task.task_spec.bpmn_id == "compute"
    assert caught.value.line_number == 1


# Each doubles a value until something stops it: before the size checks on `+`, f-strings, `%`, unpacking,
# .extend() and slice assignment, `s = s + s` made 128 MB strings within the time limit.
DOUBLING = [
    ("s = 'x' * 1000\nwhile True:\n    s = s + s", "+ would make 1024000 items"),
    ("s = 'x' * 1000\nwhile True:\n    s += s", "+ would make 1024000 items"),
    ("b = 'x'.encode() * 1000\nwhile True:\n    b = b + b", "+ would make 1024000 items"),
    ("l = [1] * 1000\nwhile True:\n    l += l", "+= would make 1024000 items"),
    ("l = []\nwhile True:\n    l += range(10**5)", "+= would make 1100000 items"),
    ("t = (1,) * 1000\nwhile True:\n    t = t + t", "+ would make 1024000 items"),
    ("l = [1] * 1000\nwhile True:\n    l.extend(l)", ".extend() would make 1024000 items"),
    ("l = [1] * 1000\nwhile True:\n    list.extend(l, l)", ".extend() would make 1024000 items"),
    ("l = [1] * 1000\nwhile True:\n    l[:0] = l", "slice assignment would make 1024000 items"),
    ("l = [1] * 1000\nwhile True:\n    l = [*l, *l]", "unpacking with * would make 1024000 items"),
    ("t = (1,) * 1000\nwhile True:\n    t = (*t, *t)", "unpacking with * would make 1024000 items"),
    ("s = 'x' * 1000\nwhile True:\n    s = f'{s}{s}'", "an f-string would make 1024000 items"),
    ("s = 'x' * 1000\nwhile True:\n    s = '%s%s' % (s, s)", "% would make 1024025 items"),
    ("s = 'x' * 1000\nwhile True:\n    s = ''.join([s, s])", ".join() would make 1024000 items"),
    ("s = 'x' * 1000\nwhile True:\n    s = s.replace('x', 'xx')", ".replace() would make 1024000 items"),
    ("s = 'x' * 1000\nwhile True:\n    s = [s * 2 for i in [1]][0]", "* would make 1024000 items"),
    ("s = 'x' * 10**6\nt = str([s] * 1000)", "str() would make 1002005 items"),
    ("s = 'x' * 10**6\nt = f'{[s] * 1000}'", "an f-string field would make 1002005 items"),
    ("s = 'x' * 10**6\nprint([s] * 1000)", "print() would make"),
    ("s = 'x' * 10**6\nprint(*range(1000), sep=s)", "print() would make"),
    ("s = 'x' * 10**6\nt = '%s' % ([s] * 1000,)", "% would make"),
    ("x = sum([[0] * 1000] * 1000, [])", "sum() adds numbers"),
    ("b = (1).to_bytes(10**9, 'big')", ".to_bytes() would make 1000000000 items"),
    ("t = ('a' * 10**5).translate({97: 'b' * 10**5})", ".translate() would make 10000000000 items"),
]


@pytest.mark.parametrize(("source", "message"), DOUBLING)
def test_doubling_is_refused_quickly_with_a_clear_message(source: str, message: str) -> None:
    started = time.monotonic()
    with pytest.raises((ScriptLimitExceeded, TypeError)) as caught:
        RestrictedEnvironment(time_limit=1).execute(source, {})
    assert message in str(caught.value)
    assert time.monotonic() - started < 2


# Each keeps many values that every single operation may build: only the memory budget stops them.
HOARDING = {
    "copies": "keep = []\nl = [0] * 10**6\nwhile True:\n    keep.append(list(l))",
    "strings": "keep = []\nwhile True:\n    keep.append('x' * 10**5 + str(len(keep)))",
    "comprehension": "x = [[0] * 10**6 for i in range(10000)]",
    "zip of many lists": "l = list(range(10**5))\nx = list(zip(*[l] * 1000))",
    "set.update from zip": "l = list(range(10**5))\ns = set()\ns.update(zip(*[l] * 1000))",
    "map(list)": "l = [0] * 10**6\nx = list(map(list, [l] * 10000))",
}
MEASURE = """
import json, resource, sys
from engine.sandbox import RestrictedEnvironment
resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))  # a safety net should the budget ever fail
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
try:
    RestrictedEnvironment(time_limit=5, memory_limit=32 << 20).execute(sys.argv[1], {})
    error = None
except Exception as err:
    error = str(err)
grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) // 1024
print(json.dumps({"error": error, "grown_mb": grown}))
"""


@pytest.mark.parametrize("name", HOARDING)
def test_memory_a_script_keeps_is_capped_by_its_budget(name: str) -> None:
    """Peak memory of a fresh interpreter running the script: the 32 MB budget, plus what the script built
    before its first measure and one operation past the budget."""
    ran = subprocess.run([sys.executable, "-c", MEASURE, HOARDING[name]], capture_output=True, text=True,
                         timeout=60, check=True)
    outcome = json.loads(ran.stdout)
    assert outcome["error"] is not None and "memory limit" in outcome["error"], outcome
    assert outcome["grown_mb"] < 32 + 48, outcome  # unbounded, it would be gigabytes in the 5 s


def test_the_data_a_script_leaves_has_a_size_limit_naming_the_variable() -> None:
    env = RestrictedEnvironment(data_limit=100 * 1024)
    data: dict[str, Any] = {}
    env.execute("small = 'x' * 1000\nnote = 'y' * 60000", data)
    assert len(data["note"]) == 60000
    with pytest.raises(ScriptLimitExceeded, match="variable 'more' takes the case data past its limit of 100 KB"):
        env.execute("more = 'z' * 60000", data)
    with pytest.raises(ScriptLimitExceeded, match="variable 'alias' takes the case data past its limit"):
        env.execute("alias = [[note] * 1000] * 1000", {"note": "n" * 1000})
    with pytest.raises(ScriptLimitExceeded, match="variable 'x' is nested deeper than 64 levels"):
        env.execute("x = []\nfor i in range(100):\n    x = [x]", {})
    with pytest.raises(ScriptLimitExceeded, match="variable 'x' is nested deeper .* contains itself"):
        env.execute("x = []\nx.append(x)", {})


def test_a_condition_that_grows_the_data_is_checked_too() -> None:
    env = RestrictedEnvironment(data_limit=100 * 1024)
    data: dict[str, Any] = {"items": []}
    assert env.evaluate("len(items) == 0", data) is True
    with pytest.raises(ScriptLimitExceeded, match="variable 'items' takes the case data past its limit"):
        env.evaluate("items.extend(['x' * 60000, 'y' * 60000]) is None", data)


def test_ordinary_scripts_keep_working_with_the_guarded_builtins() -> None:
    script = """
kinds = [isinstance(items, list), isinstance('a', (str, tuple)), isinstance(1, dict)]
upper = list(map(str.upper, names))
evens = list(i for i in items if i % 2 == 0)
pairs = dict(zip(names, items))
first, *rest = items
more = [*items, 4]
biggest = max(*items)
label = f"{3.14159:.2f} {names[0]!r:>6} {len(items)}"
pct = '%05.1f|%s' % (3.14159, names)
total = sum(items) + sum([0.5, 0.5])
days = sum([timedelta(days=1), timedelta(days=2)], timedelta()).days
copy = list(items)
copy[1:2] = [7, 8]
text = ''.join(str(i) for i in items) + str.ljust('c', 3, '-')
print('printed', items)
"""
    data: dict[str, Any] = {"items": [1, 2, 3], "names": ["ann", "bo"]}
    RestrictedEnvironment().execute(script, data)
    assert {k: v for k, v in data.items() if k not in ("items", "names")} == {
        "kinds": [True, True, False], "upper": ["ANN", "BO"], "evens": [2], "pairs": {"ann": 1, "bo": 2},
        "first": 1, "rest": [2, 3], "more": [1, 2, 3, 4], "biggest": 3, "label": "3.14  'ann' 3",
        "pct": "003.1|['ann', 'bo']", "total": 7.0, "days": 3, "copy": [1, 7, 8, 3], "text": "123c--",
    }


@pytest.mark.parametrize(("source", "message"), [
    ("x = (i for i in items)", "variable 'x' holds a value of type generator, which case data cannot keep"),
    ("x = zip(items, items)", "variable 'x' holds a value of type _Checked"),
    ("x = [date(2024, 1, 1)]", "variable 'x' holds a value of type date"),
    ("x = {'n': float('nan')}", "variable 'x' holds nan, which case data cannot keep (not a finite number)"),
    ("x = {(1, 2): 3}", "variable 'x' has a key of type tuple; keys of case data are text or numbers"),
])
def test_what_the_stored_case_cannot_hold_is_refused_naming_the_variable(source: str, message: str) -> None:
    """Before, these left the step to fail later with a bare TypeError from the JSON encoder (or NaN,
    which PostgreSQL's jsonb refuses)."""
    with pytest.raises(ScriptLimitExceeded, match=re.escape(message)):
        RestrictedEnvironment().execute(source, {"items": [1]})
    data: dict[str, Any] = {"items": [1]}
    RestrictedEnvironment().execute("x = {1: [datetime(2024, 1, 1), timedelta(days=1), 1.5, None, True]}", data)
    assert data["x"][1][0] == datetime(2024, 1, 1)
