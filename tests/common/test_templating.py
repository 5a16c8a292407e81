"""The app's Jinja environment calls and looks up exactly as Jinja's own does."""

from __future__ import annotations

import pytest
from jinja2 import Environment, pass_context, pass_environment, pass_eval_context
from jinja2.runtime import Context

from crm.common.templating import QuickCallContext, TemplateEnvironment


@pass_context
def context_name(context, suffix):
    return f"{context.get('name')}{suffix}"


@pass_context
def loop_value(context):
    """Sees the loop's and the block's variables (a derived context)."""
    return f"{context.get('n')}/{context.get('inner')}"


@pass_eval_context
def escaping(eval_ctx, text):
    return f"{text}:{eval_ctx.autoescape}"


@pass_environment
def environment_trim(environment, text):
    return f"{text}:{environment.trim_blocks}"


def plain(text, *, upper=False):
    return text.upper() if upper else text


def stops():
    raise StopIteration


class Greeter:
    """A callable object whose __call__ wants the context."""

    @pass_context
    def __call__(self, context, greeting):
        return f"{greeting} {context.get('name')}"

    def method(self, text):
        return f"<{text}>"


TEMPLATE = """
{%- macro row(label, value='-') -%}
[{{ label }}={{ value }}{% if caller %}/{{ caller() }}{% endif %}]
{%- endmacro -%}
{%- for n in [1, 2] -%}
{{ context_name(n) }}|{{ escaping('<b>') }}|{{ environment_trim('t') }}
|{{ plain('a', upper=True) }}|{{ greeter('hei') }}|{{ greeter.method('m') }}
|{{ labels.get('x', 'none') }}|{{ ', '.join(['a', 'b']) }}
|{{ row('one') }}|{{ row('two', value=n) }}|{% call row('three') %}inner {{ n }}{% endcall %}
|{{ stops() is undefined }}|{{ '%s-%s' | format(n, name) }}
|{% autoescape false %}{{ row('<i>').__html__ is defined }}{% endautoescape %}
|{{ loop_value() }}|{% set inner = n * 10 %}{{ loop_value() }}
{% endfor -%}
{% block tail %}{% set inner = 7 %}{{ loop_value() }}{% endblock %}
"""


@pytest.mark.parametrize("autoescape", [True, False])
def test_every_kind_of_callable_gives_what_jinja_gives(autoescape):
    rendered = {}
    for context_class in (Context, QuickCallContext):
        # Both ways: a macro is told by its caller's evaluation context whether to escape.
        environment = Environment(autoescape=autoescape)  # noqa: S701  # nosec B701
        environment.context_class = context_class
        environment.globals.update(
            context_name=context_name,
            loop_value=loop_value,
            escaping=escaping,
            environment_trim=environment_trim,
            plain=plain,
            stops=stops,
            greeter=Greeter(),
            labels={"x": "<x>"},
        )
        rendered[context_class] = environment.from_string(TEMPLATE).render(name="Kari & Ola")
    assert rendered[QuickCallContext] == rendered[Context]
    # And the page says what each callable was asked to give.
    text = rendered[QuickCallContext]
    assert "Kari &amp; Ola1" in text if autoescape else "Kari & Ola1" in text
    assert f"<b>:{autoescape}" in text.replace("&lt;b&gt;", "<b>")
    assert "[three=-/inner 2]" in text
    assert "|True|" in text
    # A variable set in the block reaches a pass_context function (a derived context).
    assert "|None/None|None/20" in text
    assert text.endswith("None/7\n") or text.endswith("None/7")


DICTIONARIES = """
{%- set words = {"overdue": "Forfalt", "items": "mine", "get": 1} -%}
{{ words.overdue }}|{{ words.missing is undefined }}|{{ words.missing | default("-") }}
|{{ words.items is not string }}|{{ words.get("overdue") }}|{{ words["items"] }}
|{{ plain.key }}|{{ row.name }}
{%- for key, value in words.items() | sort %}|{{ key }}={{ value }}{% endfor %}
"""


class Row:
    name = "rad"


class Words(dict):
    """A dict subclass may have attributes of its own: Jinja's order holds for it."""

    key = "attribute"


@pytest.mark.parametrize("undefined", ["default", "strict"])
def test_dictionaries_read_as_jinja_reads_them(undefined):
    from jinja2 import StrictUndefined, Undefined

    rendered = {}
    for environment_class in (Environment, TemplateEnvironment):
        # Flask's environment wants an app; the lookup does not use it.
        environment = Environment.__new__(environment_class)
        Environment.__init__(
            environment, undefined=StrictUndefined if undefined == "strict" else Undefined
        )
        rendered[environment_class] = environment.from_string(DICTIONARIES).render(
            plain=Words(key="item"), row=Row()
        )
    assert rendered[TemplateEnvironment] == rendered[Environment]
    # A dict method wins over a key of the same name (words.items), as in Jinja.
    assert "Forfalt|True|-\n|True|Forfalt|mine\n" in rendered[TemplateEnvironment]
    assert "|attribute|rad" in rendered[TemplateEnvironment].replace("\n", "")


def test_the_app_renders_with_the_quick_environment(app):
    assert isinstance(app.jinja_env, TemplateEnvironment)
    assert app.jinja_env.context_class is QuickCallContext


OUTPUT = """
{%- macro box(value) %}<b>{{ value }}</b>{% if caller %}{{ caller() }}{% endif %}{% endmacro -%}
{%- set block_text %}<i>{{ text }}</i>{% endset -%}
{{ text }}|{{ safe }}|{{ number }}|{{ nothing }}|{{ missing }}|{{ lazy }}|{{ html_object }}
|{{ box(text) }}|{% call box(safe) %}{{ text }}{% endcall %}
|{{ block_text }}|{{ block_text | upper }}
|{% filter upper %}{{ text }}{% endfilter %}|{{ text ~ safe }}|{{ text | e }}|{{ safe | safe }}
|{% autoescape false %}{{ text }}{% endautoescape %}|{% include "part" %}
|{% block body %}{{ text }}{% endblock %}
"""


class HtmlObject:
    def __html__(self):
        return "<em>own</em>"


@pytest.mark.parametrize("autoescape", [True, False])
def test_output_is_what_jinjas_escape_writes(autoescape):
    from flask_babel import LazyString
    from jinja2 import DictLoader
    from markupsafe import Markup

    loader = DictLoader({"main": OUTPUT, "part": "[{{ text }}|{{ safe }}|{{ box_free }}]"})
    values = {
        "text": "<script>alert('Kari & Ola')</script>",
        "safe": Markup("<strong>trygg</strong>"),
        "number": 1.5,
        "nothing": None,
        "lazy": LazyString(lambda: "<u>lat</u>"),
        "html_object": HtmlObject(),
        "box_free": 'a "quoted" <tag>',
    }
    rendered, sources = {}, {}
    for environment_class in (Environment, TemplateEnvironment):
        environment = Environment.__new__(environment_class)
        Environment.__init__(environment, loader=loader, autoescape=autoescape)  # nosec B701
        rendered[environment_class] = environment.get_template("main").render(values)
        sources[environment_class] = environment.compile(OUTPUT, raw=True)
    assert rendered[TemplateEnvironment] == rendered[Environment]
    text = rendered[TemplateEnvironment]
    if autoescape:
        # The quick output is in use, escapes, and leaves safe text alone, once.
        assert "environment.html_output(" in sources[TemplateEnvironment]
        assert text.startswith("&lt;script&gt;alert(&#39;Kari &amp; Ola&#39;)&lt;/script&gt;|")
        # (Flask-Babel's lazy strings are translations: safe, as its __html__ says.)
        assert "|<strong>trygg</strong>|1.5|None||<u>lat</u>|<em>own</em>" in text
        assert "|<i>&lt;script&gt;" in text and "&amp;lt;" not in text
        assert "[&lt;script&gt;" in text and "&#34;quoted&#34;" in text
    else:
        assert "html_output" not in sources[TemplateEnvironment]
        assert text.startswith("<script>")


def test_imports_give_what_jinjas_give_and_keep_the_module():
    from jinja2 import DictLoader

    from crm.common.templating import QuickTemplate

    loader = DictLoader(
        {
            "macros": "{% macro who() %}{{ owner | default('nobody') }}{% endmacro %}",
            "page": "{% from 'macros' import who %}{{ who() }}",
        }
    )
    rendered = {}
    for environment_class in (Environment, TemplateEnvironment):
        environment = Environment.__new__(environment_class)
        Environment.__init__(environment, loader=loader)
        # A template with a global of its own: the imported module must see it (a module
        # of its own), and the next plain import must not (the kept module).
        own = environment.get_template("page", globals={"owner": "Kari"}).render()
        plain = environment.from_string("{% from 'macros' import who %}{{ who() }}").render()
        rendered[environment_class] = (own, plain)
    assert rendered[TemplateEnvironment] == rendered[Environment] == ("Kari", "nobody")
    environment = Environment.__new__(TemplateEnvironment)
    Environment.__init__(environment, loader=loader)
    macros = environment.get_template("macros")
    assert isinstance(macros, QuickTemplate)
    context = environment.from_string("").new_context()
    assert macros._get_default_module(context) is macros._get_default_module(context)
