"""Display labels for API token scopes."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from crm.api.models import TokenScope
from crm.common.labels import label_table

TOKEN_SCOPE = label_table(
    "token_scope",
    {
        TokenScope.READ: _l("Read"),
        TokenScope.WRITE: _l("Read and write"),
    },
    enum=TokenScope,
    columns=("api_tokens.scope",),
)
