"""Camera and time filters of a search, one definition for both engines.

The in-memory exact search applies a filter as a mask inside the blocked
search (:meth:`SearchFilter.excluded`); a database search applies the
same filter as a boolean expression (:meth:`SearchFilter.milvus_expr`).
An entry of unknown time (NaN) is left out by any time bound, in both.
"""
import math
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Optional, Sequence, Tuple, Union

import torch

# The camera of an entry whose camera was not given.
UNKNOWN_CAMERA = -1


def parse_time(value: Union[str, float, int, None], what: str = 'time'
               ) -> float:
    """A time as seconds since the Unix epoch (UTC).

    Args:
        value (str | float | int | None): Seconds, or an ISO 8601 text
            (``2024-05-01T12:30:00``; without a zone it is UTC); None or
            '' for an unknown time.
        what (str): The field's name, for the error.

    Returns:
        float: Seconds since the epoch; NaN when unknown.

    Raises:
        ValueError: Neither a number nor an ISO 8601 time (names the field
            and the value).
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return math.nan
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        seconds = float(value)
    else:
        text = str(value).strip()
        try:
            seconds = float(text)
        except ValueError:
            try:
                moment = datetime.fromisoformat(text.replace('Z', '+00:00'))
            except ValueError:
                raise ValueError(
                    f'{what} {text!r} is neither seconds since 1970 nor an '
                    'ISO 8601 time such as 2024-05-01T12:30:00') from None
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=timezone.utc)
            seconds = moment.timestamp()
    if not math.isfinite(seconds):
        raise ValueError(f'{what} must be a finite time, got {value!r}')
    return seconds


def format_time(seconds: float) -> Optional[str]:
    """ISO 8601 (UTC) of seconds since the epoch; None when unknown."""
    if seconds is None or math.isnan(seconds):
        return None
    return datetime.fromtimestamp(seconds, timezone.utc).isoformat()


@dataclass(frozen=True)
class SearchFilter:
    """Which gallery entries a search may return.

    Args:
        cameras (tuple[int], optional): Keep only these cameras; None for
            all.
        time_from (float, optional): Keep entries at or after this time
            (seconds since the epoch).
        time_to (float, optional): Keep entries at or before this time.
    """
    cameras: Optional[Tuple[int, ...]] = None
    time_from: Optional[float] = None
    time_to: Optional[float] = None

    def __post_init__(self):
        if self.cameras is not None:
            object.__setattr__(self, 'cameras',
                               tuple(sorted({int(c) for c in self.cameras})))
        if (self.time_from is not None and self.time_to is not None
                and self.time_from > self.time_to):
            raise ValueError(f'time_from ({format_time(self.time_from)}) '
                             f'is after time_to ({format_time(self.time_to)})')

    @classmethod
    def parse(cls, cameras: Union[str, Sequence[int], None] = None,
              time_from=None, time_to=None) -> 'SearchFilter':
        """A filter from request fields: ``cameras`` as ``'1,3'`` (or a
        list), times as :func:`parse_time` reads them ('' = no bound)."""
        if isinstance(cameras, str):
            parts = [p.strip() for p in cameras.split(',') if p.strip()]
            try:
                cameras = [int(p) for p in parts] if parts else None
            except ValueError:
                raise ValueError(f'cameras must be integers separated by '
                                 f'commas (e.g. 1,3), got {cameras!r}'
                                 ) from None
        start = parse_time(time_from, 'time_from')
        end = parse_time(time_to, 'time_to')
        return cls(cameras, None if math.isnan(start) else start,
                   None if math.isnan(end) else end)

    @property
    def is_empty(self) -> bool:
        """Whether the filter keeps every entry."""
        return (self.cameras is None and self.time_from is None
                and self.time_to is None)

    def excluded(self, cameras: torch.Tensor,
                 times: torch.Tensor) -> Optional[torch.Tensor]:
        """G bool, True where an entry is filtered out; None when none is.

        Args:
            cameras (Tensor): G int64 cameras.
            times (Tensor): G float64 times (NaN = unknown).
        """
        if self.is_empty:
            return None
        keep = torch.ones(len(cameras), dtype=torch.bool)
        if self.cameras is not None:
            keep &= torch.isin(cameras, torch.tensor(self.cameras,
                                                     dtype=cameras.dtype))
        # NaN compares False: an unknown time fails any bound.
        if self.time_from is not None:
            keep &= times >= self.time_from
        if self.time_to is not None:
            keep &= times <= self.time_to
        return ~keep

    def milvus_expr(self) -> str:
        """The same filter as a Milvus boolean expression ('' for none)."""
        terms = []
        if self.cameras is not None:
            terms.append(f'camera in {list(self.cameras)}')
        if self.time_from is not None:
            terms.append(f'time >= {self.time_from!r}')
        if self.time_to is not None:
            terms.append(f'time <= {self.time_to!r}')
        return ' and '.join(terms)

    def to_dict(self) -> dict:
        """For responses: cameras and ISO times (None = no bound)."""
        return dict(cameras=None if self.cameras is None else list(
            self.cameras), time_from=format_time(self.time_from),
                    time_to=format_time(self.time_to))
