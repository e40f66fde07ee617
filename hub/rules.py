"""Dataset rules: what a Pydantic model cannot say about a whole file.

They are declared next to the model so a schema module stays plain Pydantic::

    class Order(BaseModel):
        dvh_rules: ClassVar[DatasetRules] = DatasetRules(min_rows=1)
        order_id: Annotated[int, Unique()]

``Unique()`` marks one column; ``DatasetRules(primary_key=(...))`` a composite key.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Unique:
    """Marker in ``Annotated[...]``: every non-null value of the column must be unique."""


@dataclass(frozen=True)
class DatasetRules:
    """Whole-file rules of a schema (uniqueness beyond single columns, row-count bounds)."""

    primary_key: tuple[str, ...] = ()
    unique: tuple[str, ...] = ()
    min_rows: int | None = None
    max_rows: int | None = None
    null_tokens: tuple[str, ...] = field(default=())

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        return {k: list(v) if isinstance(v, tuple) else v for k, v in data.items()}
