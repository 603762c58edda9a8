"""The one shape every mechanism has: built with the model, set up once, then its yearly phases.

A mechanism (ODD §7) is a class with

- ``name``: its name in the schedule, in ``mechanisms.<name>`` (its on/off switch), in its
  random streams (``<name>.<decision>``) and in ablations;
- ``section``: the scenario section that holds its parameters;
- ``odd``: the ODD section that describes it;
- ``setup()``: once, after the populations exist (initial state, derived tables);
- ``step()``: its phase of the year; a mechanism acting twice a year has a second phase named
  in the schedule (``close_year()`` for the end of the year, ``broker()``, …).

The year's order is :data:`iei_sim.schedule.SCHEDULE`, not the classes: a mechanism never calls
another's phase. A mechanism switched off runs no phase; what it offers other mechanisms
(expectations, incentives) is then neutral, as its class documents.

Each mechanism draws its random numbers from its own keyed streams (:meth:`stream`): the draws
for one decision are a function of the seed, the year and the ids concerned, so one
mechanism's choices never shift another's luck (:mod:`iei_sim.random_streams`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:
    from iei_sim.model import IEIModel
    from iei_sim.random_streams import Stream


class Mechanism:
    """Base class of the model's mechanisms (see the module docstring for the contract)."""

    name: ClassVar[str]
    section: ClassVar[str]
    odd: ClassVar[str]

    def __init__(self, model: IEIModel) -> None:
        self.model = model
        self.enabled = bool(getattr(model.config.mechanisms, self.name)) and self.switched_on()

    def switched_on(self) -> bool:
        """Further switches of this mechanism's own section (``risk.enabled``, …); on by
        default."""
        return True

    def stream(self, decision: str) -> Stream:
        """The keyed random stream of one of this mechanism's decisions."""
        streams = self.__dict__.setdefault("_streams", {})
        stream = streams.get(decision)
        if stream is None:
            stream = streams[decision] = self.model.streams(self.name + "." + decision)
        return stream

    def setup(self) -> None:
        """Once, after the populations exist."""

    def read_policy(self) -> None:
        """Take the policy levers from ``model.config``: at build, and again when the
        scenario's policy comes into force after a spin-up (``Scenario.policy_start``). A
        mechanism that keeps levers of its own reads them here, never only in ``__init__``."""

    def step(self) -> None:
        """This mechanism's phase of the year."""

    def close_year(self) -> None:
        """This mechanism's end-of-year phase, if the schedule names one."""
