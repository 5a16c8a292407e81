"""Jinja's template context with a quicker way to call what a template calls.

Every call in a template (`{{ kinds.get(kind) }}`, `{{ pick_cell(id, name) }}`, a macro, `_()`)
goes through `Context.call`, which asks the callable, and then its `__call__`, whether it wants
the context, the evaluation context or the environment passed first (`jinja_pass_arg`), and
drops Jinja's own keyword arguments. Those probes cost about 1.2 µs a call against 0.06 µs for
the call itself; a list page makes hundreds of calls (py-spy: a tenth of the organisation
list's time was spent in `Context.call` itself).

The answer depends only on the callable's type for functions, methods and builtins (their
`__call__` never carries the mark; only the object itself can) and for Jinja's macros (their
`__call__` always takes the evaluation context): those are called here directly, everything
else as Jinja does.
"""

from __future__ import annotations

import types
from typing import Any

from jinja2.runtime import Context, Macro
from jinja2.utils import internalcode

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
            args = (self.eval_ctx, *args)
        elif kind not in _PLAIN or getattr(obj, "jinja_pass_arg", None) is not None:
            return super().call(obj, *args, **kwargs)
        kwargs.pop("_block_vars", None)
        kwargs.pop("_loop_vars", None)
        try:
            return obj(*args, **kwargs)
        except StopIteration:
            return self.environment.undefined(
                "value was undefined because a callable raised a StopIteration exception"
            )
