"""The strict parameter container.

Every parameter is declared once, in :mod:`model.parameter_table`, with a unit, a default, hard
bounds, a prior range for calibration and a source or rationale. :class:`Parameters` accepts only
declared names; an unknown name is an error that lists the valid ones.
"""

from __future__ import annotations

import numbers
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import numpy as np

from model.errors import ParameterError
from model.suggest import unknown


@dataclass(frozen=True, slots=True)
class ParamSpec:
    """Declaration of one model parameter.

    Attributes:
        name: Identifier used in configs and code.
        default: Default value.
        unit: Physical or conceptual unit.
        bounds: Hard validity bounds ``(low, high)``; values outside are rejected.
        prior: Prior range ``(low, high)`` for calibration, or None if not calibrated.
        source: Source or stated rationale for the default and prior.
        description: What the parameter controls.
        kind: ``"float"`` or ``"int"``.
        spatial: True if a dated intervention may set it for a subset of provinces.
    """

    name: str
    default: float
    unit: str
    bounds: tuple[float, float]
    prior: tuple[float, float] | None
    source: str
    description: str
    kind: str = "float"
    spatial: bool = False

    def from_prior(self, u: float) -> float | int:
        """The value at ``u`` (in [0, 1]) of the uniform prior range; ints rounded."""
        lo, hi = self.prior
        value = lo + (hi - lo) * float(u)
        return round(value) if self.kind == "int" else value

    def check(self, value: Any, origin: str = "parameters") -> float | int:
        """Validate one value against type and bounds.

        Args:
            value: Candidate value.
            origin: Where the value came from, for the error message.

        Returns:
            The value converted to ``int`` or ``float``.

        Raises:
            ParameterError: On a wrong type or an out-of-range value.
        """
        ok_types = (numbers.Integral,) if self.kind == "int" else (numbers.Real,)
        if isinstance(value, bool | np.bool_) or not isinstance(value, ok_types):
            raise ParameterError(
                f"{origin}: key '{self.name}' must be {self.kind} "
                f"(got {type(value).__name__} {value!r})"
            )
        lo, hi = self.bounds
        if not lo <= value <= hi:  # also rejects NaN
            raise ParameterError(
                f"{origin}: key '{self.name}' = {value} is out of range; allowed [{lo}, {hi}] "
                f"{self.unit}"
            )
        return int(value) if self.kind == "int" else float(value)


def _specs() -> dict[str, ParamSpec]:
    from model.parameter_table import PARAMETER_TABLE

    return {row[0]: ParamSpec(*row) for row in PARAMETER_TABLE}


SPECS: Mapping[str, ParamSpec] = MappingProxyType(_specs())


def check_name(name: str, origin: str = "parameters") -> ParamSpec:
    """Return the spec of ``name`` or raise an error that lists the valid names.

    Args:
        name: Parameter name.
        origin: Where the name came from, for the error message.

    Returns:
        The parameter's spec.

    Raises:
        ParameterError: If the name is not declared.
    """
    try:
        return SPECS[name]
    except KeyError:
        raise ParameterError(f"{origin}: unknown key '{name}'; {unknown(name, SPECS)}") from None


class Parameters(Mapping[str, float]):
    """An immutable, validated set of parameter values (defaults plus overrides).

    Values are read by attribute (``p.clash_rate``) or by key (``p["clash_rate"]``).

    Args:
        overrides: Parameter values that replace the defaults.
        origin: Where the overrides came from, for error messages.

    Raises:
        ParameterError: On an unknown name, a wrong type or an out-of-range value.
    """

    __slots__ = ("_values",)

    def __init__(self, overrides: Mapping[str, Any] | None = None, origin: str = "parameters"):
        values = {name: spec.default for name, spec in SPECS.items()}
        for name, value in (overrides or {}).items():
            values[name] = check_name(name, origin).check(value, origin)
        object.__setattr__(self, "_values", values)

    def __getattr__(self, name: str) -> float:
        values = object.__getattribute__(self, "_values") if name != "_values" else {}
        if name in values:
            return values[name]
        raise AttributeError(f"Parameters has no parameter '{name}'; {unknown(name, SPECS)}")

    def __reduce__(self):
        return (Parameters, (self._values,))

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("Parameters are immutable; use replace()")

    def __getitem__(self, name: str) -> float:
        if name not in self._values:
            check_name(name)
        return self._values[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __repr__(self) -> str:
        changed = {k: v for k, v in self._values.items() if v != SPECS[k].default}
        return f"Parameters({changed})"

    def replace(self, **changes: Any) -> Parameters:
        """Return a copy with some values changed (validated).

        Args:
            **changes: Parameter values to change.

        Returns:
            A new :class:`Parameters`.
        """
        return Parameters({**self._values, **changes})

    def to_dict(self) -> dict[str, float]:
        """Return all values as a plain dict."""
        return dict(self._values)


def calibrated_names() -> list[str]:
    """Names of the parameters that have a prior range, in declaration order."""
    return [name for name, spec in SPECS.items() if spec.prior is not None]
