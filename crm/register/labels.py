"""Labels of the register's changes and flag rules, and how a register field's value reads."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from crm.common.labels import label, label_table
from crm.register.models import RuleKey
from crm.register.rules import Category

FLAG_RULE = label_table(
    "register_flag_rule",
    {
        RuleKey.BANKRUPTCY: _l("Bankruptcy"),
        RuleKey.LIQUIDATION: _l("Liquidation"),
        RuleKey.DELETED: _l("Deleted from the register"),
        RuleKey.MOVED_OUT: _l("Moved out of the municipality"),
        RuleKey.EMPLOYEES_DOWN: _l("Fewer employees"),
        RuleKey.ACCOUNTS_NOT_FILED: _l("Annual accounts not filed for the last year"),
        RuleKey.NEW_SUB_UNIT: _l("New sub-unit in the municipality"),
    },
    enum=RuleKey,
    columns=("register_flag_rules.rule",),
)

CHANGE_CATEGORY = label_table(
    "register_change",
    {
        Category.NEW: _l("New"),
        Category.MOVED_IN: _l("Moved in"),
        Category.MOVED_OUT: _l("Moved out"),
        Category.CLOSED: _l("Closed"),
        Category.CHANGED: _l("Changed"),
    },
    enum=Category,
    columns=("import_changes.category",),
)

# The register fields the change page and the flags name (Company columns → the register's word).
REGISTER_FIELD = label_table(
    "register_field",
    {
        "name": _l("Name"),
        "org_form": _l("Organisation form"),
        "industry_code": _l("Industry code"),
        "industry_standard": _l("Industry standard"),
        "industry_description": _l("Industry"),
        "employees": _l("Employees"),
        "address": _l("Business address"),
        "postcode": _l("Postcode"),
        "post_town": _l("Post town"),
        "municipality_number": _l("Municipality number"),
        "website": _l("Website"),
        "register_status": _l("Status in the register"),
        "last_accounts_year": _l("Last annual accounts filed"),
        "organisasjonsnummer": _l("Organisation number"),
        "parent_id": _l("Main unit"),
    },
)


def rule_label(rule: str) -> str:
    """A rule's name in the reader's language."""
    return FLAG_RULE.label(rule)


def field_label(name: str) -> str:
    """A register field's name in the reader's language."""
    return REGISTER_FIELD.label(name)


def show_value(name: str, value: Any) -> str:
    """A register field's value as a reader reads it ("—" for none)."""
    if value is None or value == "":
        return "—"
    if name == "register_status":
        return label(value, "register_status")
    return str(value)
