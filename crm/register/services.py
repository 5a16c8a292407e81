"""Register changes into early-warning flags; the flag rules; register imports from the web."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session

from crm.common.errors import DomainError
from crm.common.versioning import ensure_version
from crm.companies.models import Company
from crm.establishments.models import FlagKind, FlagSeverity, WarningFlag
from crm.imports.brreg_columns import SUB_UNIT_FORMS
from crm.imports.models import ImportKind, ImportRun, ImportStatus
from crm.register import rules
from crm.register.models import FlagRule

MAX_PERCENT = 100
MAX_PEOPLE = 100_000


# --- the rules --------------------------------------------------------------------------------


def ensure_flag_rules(session: Session) -> list[FlagRule]:
    """Add the default rules that are missing (never changes one an admin set); all, in order."""
    existing = {rule.rule: rule for rule in session.scalars(select(FlagRule))}
    for default in rules.DEFAULT_RULES:
        if default.rule not in existing:
            existing[default.rule] = FlagRule(
                rule=default.rule,
                kind=default.kind,
                severity=default.severity,
                enabled=default.enabled,
                threshold_percent=default.threshold_percent,
                threshold_people=default.threshold_people,
            )
            session.add(existing[default.rule])
    session.flush()
    order = [default.rule for default in rules.DEFAULT_RULES]
    return sorted(existing.values(), key=lambda rule: order.index(rule.rule))


def update_flag_rule(
    session: Session,
    *,
    rule: FlagRule,
    version: str | int | None,
    kind: str,
    severity: str,
    enabled: bool,
    threshold_percent: int | None,
    threshold_people: int | None,
) -> FlagRule:
    """Change what a rule raises, whether it is on, and (employees) its thresholds."""
    ensure_version(rule, version)
    if kind not in {k.value for k in FlagKind}:
        raise DomainError("kind", _l("Choose what the warning is about from the list."))
    if severity not in {s.value for s in FlagSeverity}:
        raise DomainError("severity", _l("Choose red or yellow."))
    if rule.rule == rules.RuleKey.EMPLOYEES_DOWN:
        if threshold_percent is None or not 1 <= threshold_percent <= MAX_PERCENT:
            raise DomainError("threshold_percent", _l("Give a share between 1 and 100 per cent."))
        if threshold_people is None or not 1 <= threshold_people <= MAX_PEOPLE:
            raise DomainError("threshold_people", _l("Give a number of people of at least 1."))
    else:
        threshold_percent = threshold_people = None
    rule.kind, rule.severity, rule.enabled = kind, severity, enabled
    rule.threshold_percent, rule.threshold_people = threshold_percent, threshold_people
    session.flush()
    return rule


# --- from an import's observations to flags ----------------------------------------------------


@dataclass
class RegisterWatcher:
    """One register run's eye on the changes: categories for its change rows, flags at the end.

    The first register import is the baseline: it describes its changes but raises no flags
    (everything would be "new"). So is the first import of sub-units for the "new sub-unit"
    rule: the register's main units and its sub-units come in separate files, and the first
    file of sub-units would otherwise flag every branch in the municipality as expanding
    (534,159 flags for the whole country, held in memory at once).
    """

    session: Session
    run: ImportRun
    # None: the whole country (a national import), every unit of the file is wanted.
    municipalities: frozenset[str] | None
    wanted: frozenset[str] | None
    residents: frozenset[str]
    settings: list[rules.RuleSettings]
    today: date
    baseline: bool
    # No sub-unit from the register is in the database yet: none of this run's is "new".
    sub_unit_baseline: bool
    found: list[rules.Finding] = field(default_factory=list)
    raised: int = 0

    @classmethod
    def start(
        cls, session: Session, *, run: ImportRun, kommuner: Iterable[str] | None, today: date
    ) -> RegisterWatcher:
        """Read the rules and the municipality's organisation numbers before the file.

        `kommuner` None is the whole country: every unit is read, so no resident needs to be
        kept by number (and reading 1.7 million numbers first would cost memory for nothing).
        """
        wanted = None if kommuner is None else rules.with_former_numbers(kommuner)
        residents: frozenset[str] = frozenset()
        if wanted is not None:
            residents = frozenset(
                session.scalars(
                    select(Company.org_number).where(
                        Company.org_number.is_not(None), Company.municipality_number.in_(wanted)
                    )
                )
            )
        earlier = session.scalar(
            select(ImportRun.id)
            .where(
                ImportRun.kind == ImportKind.BRREG.value,
                ImportRun.status == ImportStatus.FINISHED.value,
                ImportRun.id != run.id,
            )
            .limit(1)
        )
        settings = [
            rules.RuleSettings(
                r.rule, r.kind, r.severity, r.enabled, r.threshold_percent, r.threshold_people
            )
            for r in ensure_flag_rules(session)
        ]
        return cls(
            session=session,
            run=run,
            municipalities=None if kommuner is None else rules.area(kommuner),
            wanted=wanted,
            residents=residents,
            settings=settings,
            today=today,
            baseline=earlier is None,
            sub_unit_baseline=session.scalar(
                select(Company.id)
                .where(
                    Company.org_number.is_not(None),
                    Company.org_form.in_(sorted(SUB_UNIT_FORMS)),
                )
                .limit(1)
            )
            is None,
        )

    def observe(self, observations: Iterable[rules.Observation]) -> None:
        """Keep the findings of a batch of organisations (none on the baseline run)."""
        if self.baseline:
            return
        for observation in observations:
            self.found.extend(
                finding
                for finding in rules.findings(
                    observation,
                    self.settings,
                    municipalities=self.municipalities,
                    today=self.today,
                )
                if not (self.sub_unit_baseline and finding.rule == rules.RuleKey.NEW_SUB_UNIT)
            )

    def raise_flags(self) -> int:
        """Write the findings as flags, leaving out those raised before for the same change."""
        by_rule = {setting.rule: setting for setting in self.settings}
        unique = {(f.company_id, f.rule, f.key): f for f in self.found}
        seen: set[tuple[int, str, str]] = set()
        keys = list(unique)
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            seen.update(
                tuple(row)
                for row in self.session.execute(
                    select(
                        WarningFlag.company_id, WarningFlag.register_rule, WarningFlag.register_key
                    ).where(
                        tuple_(
                            WarningFlag.company_id,
                            WarningFlag.register_rule,
                            WarningFlag.register_key,
                        ).in_(chunk)
                    )
                )
            )
        flags = []
        for key, finding in unique.items():
            if key in seen:
                continue
            setting = by_rule[finding.rule]
            flags.append(
                WarningFlag(
                    company_id=finding.company_id,
                    severity=setting.severity,
                    kind=setting.kind,
                    note=flag_note(finding, run_id=self.run.id),
                    raised_on=self.today,
                    run_id=self.run.id,
                    register_rule=finding.rule,
                    register_key=finding.key,
                    register_fields=finding.fields,
                )
            )
        self.session.add_all(flags)
        self.session.flush()
        self.raised = len(flags)
        self.found = []
        return self.raised

    def summary(self) -> dict[str, Any]:
        """What the run's summary says of the flags."""
        return {"flags_raised": self.raised, "baseline": self.baseline}


def flag_note(finding: rules.Finding, *, run_id: int) -> str:
    """The flag's note, in the department's language: what the register says, and from where."""
    from crm.register.labels import field_label, rule_label, show_value

    with force_locale("nb"):
        parts = [
            f"{field_label(name)}: {show_value(name, before)} → {show_value(name, after)}"
            for name, (before, after) in finding.fields.items()
        ]
        head = str(_l("Register import %(id)s", id=run_id))
        return f"{head}: {rule_label(finding.rule)}. " + "; ".join(parts)


# --- register imports started from the web ----------------------------------------------------


def record_web_import(
    session: Session, *, filename: str, stored_as: str, kommuner: list[str], user_id: int
) -> ImportRun:
    """Record a register import an admin started; the job (jobs.run_register_import) runs it."""
    run = ImportRun(
        kind=ImportKind.BRREG.value,
        filename=filename[:300],
        status=ImportStatus.RUNNING.value,
        user_id=user_id,
        summary={"stored_as": stored_as, "kommuner": kommuner},
        rows_read=0,
        percent_done=0,
    )
    session.add(run)
    session.flush()
    return run
