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
"""

from __future__ import annotations

import types
from typing import Any

from flask.templating import Environment
from jinja2.runtime import Context, Macro
from jinja2.utils import _PassArg, internalcode

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


class TemplateEnvironment(Environment):
    """Flask's Jinja environment with the quicker calls and dictionary lookups above."""

    context_class = QuickCallContext

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
