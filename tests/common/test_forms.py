"""Domain errors shown on forms are escaped like any other text."""

from flask import render_template_string
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField

from crm.common.errors import DomainError
from crm.common.forms import show_domain_error


class _Form(FlaskForm):
    name = StringField("Name")


def test_a_domain_error_with_user_text_is_escaped_on_the_page(app):
    with app.test_request_context():
        form = _Form(meta={"csrf": False})
        show_domain_error(form, DomainError("name", _l("Unknown role %(role)s.", role="<b>x</b>")))
        show_domain_error(form, DomainError(None, _l("Unknown role %(role)s.", role="<i>y</i>")))
        html = render_template_string(
            "{{ form.name.errors[0] }} {{ form.form_errors[0] }}", form=form
        )
    assert "&lt;b&gt;x&lt;/b&gt;" in html and "<b>" not in html
    assert "&lt;i&gt;y&lt;/i&gt;" in html and "<i>" not in html
