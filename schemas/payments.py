"""Card payments captured for orders: one row per attempt, keyed by (order_id, attempt)."""

from datetime import time
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, ClassVar
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from hub.rules import DatasetRules, Unique

__version__ = "1.0"


class Currency(StrEnum):
    EUR = "EUR"
    USD = "USD"
    GBP = "GBP"
    JPY = "JPY"


class Payment(BaseModel):
    """A payment attempt; ``Payment ID`` is the processor's UUID."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)
    dvh_rules: ClassVar[DatasetRules] = DatasetRules(primary_key=("order_id", "attempt"))

    payment_id: Annotated[UUID, Unique()] = Field(alias="Payment ID")
    order_id: Annotated[int, Field(gt=0)]
    attempt: Annotated[int, Field(ge=1, le=5)]
    amount: Annotated[Decimal, Field(gt=0, max_digits=12, decimal_places=2)]
    currency: Currency
    captured: bool
    captured_time: time | None = None
    refunded: bool = False
    reference: Annotated[str, Field(min_length=4, max_length=32)] | None = None
