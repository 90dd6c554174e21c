"""Known ways out of Python sandboxes (RestrictedPython's issue tracker, CTF write-ups, the classic
`().__class__.__bases__[0].__subclasses__()` family), as an analyst could type them into a script task
or a gateway condition. Each one, if it worked, would reach the operating system, the interpreter's
internals, or unbounded memory. CANARY is replaced by a path the test checks afterwards.

(name, script statement(s), the same attempt as one expression for a condition, or None)
"""

from __future__ import annotations

SUBCLASSES = "().__class__.__bases__[0].__subclasses__()"

ESCAPES: list[tuple[str, str, str | None]] = [
    # imports, in every spelling
    ("import", "import os\nos.system('touch CANARY')", None),
    ("from-import", "from os import system\nsystem('touch CANARY')", None),
    ("__import__", "__import__('os').system('touch CANARY')", "__import__('os').system('touch CANARY')"),
    ("importlib via builtins dict", "b = __builtins__\nb['__import__']('os')", "__builtins__['__import__']('os')"),
    ("builtins via globals()", "globals()['__builtins__']", "globals()['__builtins__']"),
    ("builtins via vars()", "vars()", "vars()"),
    ("locals()", "locals()", "locals()"),
    ("dir()", "dir(items)", "dir(items)"),
    # the subclasses walk and its disguises
    ("__subclasses__", f"x = {SUBCLASSES}", SUBCLASSES),
    ("__mro__", "x = ''.__class__.__mro__[1].__subclasses__()", "''.__class__.__mro__[1].__subclasses__()"),
    ("str.mro()", "o = str.mro()[1]\nx = o.__subclasses__()", "str.mro()[1].__subclasses__()"),
    ("getattr dunder", "x = getattr((), '__class__')", "getattr((), '__class__')"),
    ("getattr built name", "x = getattr((), '__cl' + 'ass__')", "getattr((), '__cl' + 'ass__')"),
    ("getattr on str.mro()", "x = getattr(str.mro()[1], '__subclasses__')()",
     "getattr(str.mro()[1], '__subclasses__')()"),
    ("type.__subclasses__ via getattr", "t = getattr(1, '__class__')\nx = getattr(t, '__subclasses__')()",
     "getattr(getattr(1, '__class__'), '__subclasses__')()"),
    ("map(getattr)", "x = list(map(getattr, [()], ['__class__']))", "list(map(getattr, [()], ['__class__']))"),
    ("sorted key=getattr", "x = sorted([()], key=lambda o: getattr(o, '__class__'))",
     "sorted([()], key=lambda o: getattr(o, '__class__'))"),
    ("type()", "t = type(())\nx = t.__subclasses__()", "type(())"),
    ("type by name", "t = type\nx = t(())", None),
    ("object()", "o = object", "object"),
    ("super()", "x = super()", "super()"),
    ("__reduce__", "x = [].__reduce__()", "[].__reduce__()"),
    ("__reduce_ex__", "x = [].__reduce_ex__(2)", "[].__reduce_ex__(2)"),
    ("__getattribute__", "x = ().__getattribute__('__class__')", "().__getattribute__('__class__')"),
    ("__dict__", "x = datetime.__dict__", "datetime.__dict__"),
    ("__globals__ of a function", "def f():\n    return 1\nx = f.__globals__", "(lambda: 1).__globals__"),
    ("__code__ of a lambda", "x = (lambda: 1).__code__", "(lambda: 1).__code__"),
    ("lambda default", "f = lambda x=().__class__: x\ny = f()", "(lambda x=().__class__: x)()"),
    ("decorator", "def grab(f):\n    return f.__globals__\n@grab\ndef g():\n    pass", None),
    ("decorator with getattr", "def grab(f):\n    return getattr(f, '__globals__')\n@grab\ndef g():\n    pass", None),
    ("bound method __self__", "x = max.__self__", "max.__self__"),
    ("datetime module through a method", "x = datetime.now.__self__.__module__", "datetime.now.__module__"),
    # format strings reach attributes without an attribute node
    ("str.format attribute", "x = '{0.__class__.__mro__}'.format(())", "'{0.__class__.__mro__}'.format(())"),
    ("str.format through the type", "x = str.format('{0.__class__}', ())", "str.format('{0.__class__}', ())"),
    ("str.format_map", "x = '{a.__class__}'.format_map({'a': ()})", "'{a.__class__}'.format_map({'a': ()})"),
    ("format via getattr", "f = getattr('{0.__class__}', 'format')\nx = f(())",
     "getattr('{0.__class__}', 'format')(())"),
    ("format via map", "x = list(map(str.format, ['{0.__class__}'], [()]))",
     "list(map(str.format, ['{0.__class__}'], [()]))"),
    ("f-string dunder", "x = f'{().__class__}'", "f'{().__class__}'"),
    ("f-string !r on an object", "x = f'{max!r} {datetime.now!r}'\ny = x.__class__", "f'{max!r}'.__class__"),
    # generator, coroutine and traceback frames
    ("generator gi_frame", "g = (i for i in [1])\nx = g.gi_frame.f_back.f_globals",
     "(i for i in [1]).gi_frame.f_back.f_globals"),
    ("generator gi_frame via getattr", "g = (i for i in [1])\nx = getattr(g, 'gi_frame')",
     "getattr((i for i in [1]), 'gi_frame')"),
    ("generator gi_code", "g = (i for i in [1])\nx = g.gi_code", "(i for i in [1]).gi_code"),
    ("frame f_builtins via getattr", "g = (i for i in [1])\nf = getattr(g, 'gi_fr' + 'ame')\nx = f.f_builtins",
     None),
    ("traceback frame", "try:\n    1 / 0\nexcept Exception as e:\n    x = e.__traceback__.tb_frame", None),
    ("async coroutine frame", "async def f():\n    pass\nx = f().cr_frame", None),
    ("yield in a function", "def gen():\n    yield 1\nx = gen().gi_frame", None),
    # exec, eval, compile, open, exit
    ("eval", "eval('1')", "eval('1')"),
    ("exec", "exec('import os')", "exec('import os')"),
    ("compile", "compile('1', 'f', 'eval')", "compile('1', 'f', 'eval')"),
    ("open", "open('/etc/passwd').read()", "open('/etc/passwd').read()"),
    ("open by another name", "reader = open\nreader('/etc/passwd')", None),
    ("exit", "exit()", "exit()"),
    ("SystemExit", "raise SystemExit", None),
    ("KeyboardInterrupt", "raise KeyboardInterrupt", None),
    ("GeneratorExit", "raise GeneratorExit", None),
    ("help()", "help()", "help()"),
    ("input()", "input()", "input()"),
    # writing where scripts may not write
    ("setattr builtin", "setattr(datetime, 'now', 1)", "setattr(datetime, 'now', 1)"),
    ("attribute write", "datetime.max = 1", None),
    ("delattr", "delattr(datetime, 'max')", "delattr(datetime, 'max')"),
    ("class definition", "class X:\n    pass", None),
    ("with statement", "with items:\n    pass", None),
    ("guard overwrite", "_getattr_ = getattr", None),
    ("name with underscore", "_x = 1", "_x"),
    ("printed collector", "print('a')\nx = _print.__class__", "_print_"),
    # resource bombs: memory in one C call, and time
    ("string repeat bomb", "x = 'x' * 10**9", "'x' * 10**9"),
    ("power bomb", "x = 10 ** 10 ** 8", "10 ** 10 ** 8"),
    ("shift bomb", "x = 1 << 10**10", "1 << 10**10"),
    ("range bomb", "x = sum(range(10**12))", "sum(range(10**12))"),
    ("ljust bomb", "x = 'x'.ljust(10**9)", "'x'.ljust(10**9)"),
    ("zfill bomb", "x = '1'.zfill(10**9)", "'1'.zfill(10**9)"),
    ("percent-width bomb", "x = '%*d' % (10**9, 1)", "'%*d' % (10**9, 1)"),
    ("percent mapping-width bomb", "x = '%(a)1000000000s' % {'a': 1}", "'%(a)1000000000s' % {'a': 1}"),
    ("f-string width bomb", "x = f\"{'x':>1000000000}\"", "f\"{'x':>1000000000}\""),
    ("f-string nested width bomb", "n = 10**9\nx = f'{1:0{n}d}'", None),
    ("str.ljust through the type", "x = str.ljust('x', 10**9)", "str.ljust('x', 10**9)"),
    ("replace bomb", "s = 'a' * 10**6\nx = s.replace('a', 'a' * 10**4)", None),
    ("join bomb", "s = 'a' * 10**6\nx = s.join(['', ''] * 10**3)", None),
    ("endless loop", "while True:\n    pass", "[0 for a in range(10**6) for b in range(10**6)]"),
    ("endless recursion", "def f(n):\n    return f(n + 1)\nx = f(0)", None),
]
