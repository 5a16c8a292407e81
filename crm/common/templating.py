"""The app's Jinja environment: what a template calls and the dictionaries it reads, without
Jinja's probes where the object's type decides the answer.

Calls (`QuickCallContext`):

Every call in a template (`{{ kinds.get(kind) }}`, `{{ pick_cell(id, name) }}`, a macro, `_()`)
goes through `Context.call`, which asks the callable, and then its `__call__`, whether it wants
the context, the evaluation context or the environment passed first (`jinja_pass_arg`), and
drops Jinja's own keyword arguments. Those probes cost about 1.2 µs a call against 0.06 µs for
the call itself; a list page makes hundreds of calls (py-spy: a tenth of the organisation
list's time was spent in `Context.call` itself).

The answer depends only on the callable's type for functions, methods and builtins (their
`__call__` never carries the mark; only the object itself can: `_()` is marked pass_context)
and for Jinja's macros (their `__call__` always takes the evaluation context): for those the
mark is read once and Jinja's own steps follow; anything else goes through Jinja's `call`.

Dictionaries (`TemplateEnvironment.getattr`): `words.overdue` on a dictionary made in a
template (`{% set words = {...} %}`, texts translated once for many rows) asks the dictionary
for an attribute first, as Jinja reads `a.b`; the AttributeError raised and caught costs more
than the lookup itself, on every row (the tasks list made 250 of them a page, the organisation
page 130). A plain dict's attributes are its type's methods: for any other name the key is
looked up first here, which is where Jinja's own lookup ends up.

Output (`OutputCodeGenerator`): in an autoescaped template every `{{ value }}` is written as
`escape(value)`, and markupsafe's `escape` wraps its result in a new `Markup`: a str subclass
made by a Python `__new__` (and a copy of the text, when the value was Markup already, such as
a macro's or a translated string's output). What a `{{ }}` writes is only ever joined into
the template's text (Jinja collects the pieces in a list, or yields them, and joins them with
`"".join`; a macro's, a block's and a `{% set %}` block's text is wrapped in Markup once, there),
so `html_output` gives the escaped text as a plain string and Markup as it is: the same text,
without the wrapper. That was a twentieth of the organisation list's time (py-spy: a thousand
`Markup.__new__` a page).

Imports (`QuickTemplate`): each `{% from "…" import macro %}` (dozens a page: the included
parts import their macros, some inside loops) asks whether the importing template has globals
the imported one lacks, as a set minus a dict's keys view, which Python works out element by
element in `collections.abc` code (2 % of the organisation page). The same question, asked of
the dict itself, is answered in C.
"""

from __future__ import annotations

import types
from collections.abc import Callable
from typing import Any

import markupsafe
from flask.templating import Environment
from jinja2 import Template
from jinja2.compiler import CodeGenerator, Frame
from jinja2.environment import TemplateModule
from jinja2.nodes import Expr
from jinja2.runtime import Context, Macro
from jinja2.utils import _PassArg, internalcode

# The C function behind markupsafe.escape: the text escaped, as a plain str (markupsafe's own
# escape, unwrapped, where a release lacks it). For HTML written in Python from pieces, where a
# Markup per piece would only be joined.
escape_text: Callable[[str], str] = getattr(markupsafe, "_escape_inner", None) or (
    lambda text: str(markupsafe.escape(text))
)

# Types whose `__call__` never carries `jinja_pass_arg`: the mark, if any, is on the object.
_PLAIN = frozenset(
    {
        types.FunctionType,
        types.MethodType,
        types.BuiltinFunctionType,
        types.MethodWrapperType,
    }
)


class QuickCallContext(Context):
    """`Context.call` with the mark looked up by the callable's type where that decides it."""

    @internalcode
    def call(self, obj: Any, /, *args: Any, **kwargs: Any) -> Any:
        kind = type(obj)
        if kind is Macro:
            # Macro.__call__ is marked pass_eval_context.
            pass_arg = _PassArg.eval_context
        elif kind in _PLAIN:
            pass_arg = getattr(obj, "jinja_pass_arg", None)
        else:
            return super().call(obj, *args, **kwargs)
        # From here on, Jinja's own steps.
        if pass_arg is _PassArg.context:
            # The active context, with the variables set in loops and blocks.
            context = self
            if kwargs.get("_loop_vars"):
                context = context.derived(kwargs["_loop_vars"])
            if kwargs.get("_block_vars"):
                context = context.derived(kwargs["_block_vars"])
            args = (context, *args)
        elif pass_arg is _PassArg.eval_context:
            args = (self.eval_ctx, *args)
        elif pass_arg is _PassArg.environment:
            args = (self.environment, *args)
        kwargs.pop("_block_vars", None)
        kwargs.pop("_loop_vars", None)
        try:
            return obj(*args, **kwargs)
        except StopIteration:
            return self.environment.undefined(
                "value was undefined because a callable raised a StopIteration exception"
            )


# What getattr finds on a plain dict: its type's attributes (a dict has no instance attributes).
_DICT_ATTRIBUTES = frozenset(dir(dict))


def html_output(value: Any) -> str:
    """What `{{ value }}` writes in an autoescaped template, as `markupsafe.escape` does it but
    as a plain string: the text escaped, or an object's own HTML (`__html__`) unescaped."""
    if type(value) is str:
        return escape_text(value)
    html = getattr(value, "__html__", None)
    if html is not None:
        text = html()
        return text if isinstance(text, str) else str(text)
    return escape_text(str(value))


class OutputCodeGenerator(CodeGenerator):
    """Jinja's compiler, writing `{{ value }}` in an autoescaped template as html_output."""

    def _output_child_pre(self, node: Expr, frame: Frame, finalize: Any) -> None:
        if frame.eval_ctx.volatile or not frame.eval_ctx.autoescape:
            # `{% autoescape %}` decides at run time, or no escaping: Jinja's own.
            super()._output_child_pre(node, frame, finalize)
            return
        # A template's module has `environment` among its globals; the function is a class
        # attribute, so the lookup binds nothing.
        self.write("environment.html_output(")
        if finalize.src is not None:
            self.write(finalize.src)


class QuickTemplate(Template):
    """A template whose imports compare globals in C (`_get_default_module`, Jinja 3.1's
    steps with `set.difference` for the keys view's `-`)."""

    def _get_default_module(self, ctx: Context | None = None) -> TemplateModule:
        if self.environment.is_async:
            return super()._get_default_module(ctx)  # (Jinja's refusal)
        if ctx is not None:
            keys = ctx.globals_keys.difference(self.globals)
            if keys:
                # Globals of the importer's own: a module of its own, not kept (Jinja's).
                return super()._get_default_module(ctx)
        if self._module is None:
            self._module = self.make_module()
        return self._module


class TemplateEnvironment(Environment):
    """Flask's Jinja environment with the quicker calls, dictionary lookups and output above."""

    context_class = QuickCallContext
    code_generator_class = OutputCodeGenerator
    template_class = QuickTemplate
    html_output = staticmethod(html_output)

    def getattr(self, obj: Any, attribute: str) -> Any:
        if type(obj) is dict and attribute not in _DICT_ATTRIBUTES:
            try:
                return obj[attribute]
            except KeyError:
                return self.undefined(obj=obj, name=attribute)
        # Jinja's own order, written out: a call to the parent's would cost as much as the
        # lookup, and every `row.name` in every template comes here.
        try:
            return getattr(obj, attribute)
        except AttributeError:
            pass
        try:
            return obj[attribute]
        except (TypeError, LookupError, AttributeError):
            return self.undefined(obj=obj, name=attribute)
