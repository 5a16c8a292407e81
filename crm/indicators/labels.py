"""Display labels for the strategy's indicators, translated when shown."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from crm.common.labels import label_table
from crm.indicators.models import Indicator

INDICATOR = label_table(
    "indicator",
    {
        Indicator.BUSINESSES: _l("Number of businesses"),
        Indicator.JOBS: _l("Jobs in the municipality"),
        Indicator.IN_COMMUTERS: _l("In-commuters"),
        Indicator.OUT_COMMUTERS: _l("Out-commuters"),
        Indicator.VALUE_PER_EMPLOYEE: _l("Value creation per employee (NOK)"),
        Indicator.NHO_RANK: _l("NHO kommune-NM rank"),
        Indicator.PURCHASING_SHARE: _l("The municipality's purchasing share (%)"),
    },
    enum=Indicator,
    columns=("indicator_values.indicator",),
)
