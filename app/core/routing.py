"""URL converters: `<int:…>` ids bounded to what the database can store."""
from __future__ import annotations

from werkzeug.exceptions import NotFound
from werkzeug.routing import IntegerConverter

#: Largest id an INTEGER primary key holds (PostgreSQL's int4).
MAX_ID = 2**31 - 1


class IdConverter(IntegerConverter):
    """`<int:…>` with an upper bound: an absurd id is "not found", never a database overflow (500)."""

    def __init__(self, map, fixed_digits: int = 0, min: int | None = None, max: int | None = MAX_ID,
                 signed: bool = False) -> None:
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)

    def to_python(self, value: str) -> int:
        """The id; a 404 (not a 405 from a sibling rule) when it is out of range."""
        number = int(value)
        if (self.min is not None and number < self.min) or (self.max is not None and number > self.max):
            raise NotFound()
        return number
