"""Dataset rules: what a Pydantic model cannot say about a whole file.

They are declared next to the model so a schema module stays plain Pydantic::

    class Order(BaseModel):
        dvh_rules: ClassVar[DatasetRules] = DatasetRules(min_rows=1, warn=("row_count",))
        order_id: Annotated[int, Unique()]
        note: Annotated[str | None, Warn()] = None

``Unique()`` marks one column; ``DatasetRules(primary_key=(...))`` a composite key.

Severity: a failed check is an error unless the schema says it is only a warning. ``Warn()`` in
``Annotated`` makes every failure of that column a warning (its values, its absence, its
``Unique()`` duplicates); ``DatasetRules(warn=(...))`` names whole-file rules that only warn
(``WARN_RULES``). Warnings are reported but do not fail a run unless ``--fail-on warning``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

# Dataset rules that can be declared as warnings: duplicates of Unique() columns, duplicates of
# the primary key, min_rows/max_rows, and the header (missing or forbidden extra columns).
WARN_RULES = ("unique", "primary_key", "row_count", "columns")


@dataclass(frozen=True)
class Unique:
    """Marker in ``Annotated[...]``: every non-null value of the column must be unique."""


@dataclass(frozen=True)
class Warn:
    """Marker in ``Annotated[...]``: failures of this column are warnings, not errors."""


@dataclass(frozen=True)
class DatasetRules:
    """Whole-file rules of a schema (uniqueness beyond single columns, row-count bounds)."""

    primary_key: tuple[str, ...] = ()
    unique: tuple[str, ...] = ()
    min_rows: int | None = None
    max_rows: int | None = None
    null_tokens: tuple[str, ...] = field(default=())
    warn: tuple[str, ...] = ()  # names from WARN_RULES
    warn_columns: tuple[str, ...] = ()  # field names (Warn() markers are added here)

    def __post_init__(self) -> None:
        unknown = [name for name in self.warn if name not in WARN_RULES]
        if unknown:
            raise ValueError(f"DatasetRules(warn=...): unknown rule(s) {unknown}; "
                             f"known: {', '.join(WARN_RULES)}")

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        # Severity keys only when declared, so schemas without warnings keep their fingerprint.
        for optional in ("warn", "warn_columns"):
            if not data[optional]:
                del data[optional]
        return {k: list(v) if isinstance(v, tuple) else v for k, v in data.items()}
