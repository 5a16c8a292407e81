"""Domain errors shown on forms are escaped like any other text."""

from flask_babel import lazy_gettext as _l
from markupsafe import escape

from crm.common.errors import DomainError


def test_a_domain_error_with_user_text_is_escaped_on_the_page(app):
    with app.test_request_context():
        error = DomainError("name", _l("Unknown role %(role)s.", role="<b>x</b>"))
        assert isinstance(error.message, str)
        assert "&lt;b&gt;" in str(escape(error.message))
