"""The ledger: every transfer of a resource between two accounts, double-entry.

Every flow in the model (money, equipment, mentor hours, interns, graduates, R&D output) goes
through :meth:`Ledger.transfer` or :meth:`Ledger.transfer_many`, so what leaves one account
always arrives in another. Explicit outside accounts (``treasury`` for public revenue,
``market`` for purchases and costs paid to nobody in the model, ``households`` for graduates'
wages) make sources and sinks visible instead of letting value appear or vanish.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

RESOURCES: tuple[str, ...] = (
    "money",
    "equipment",
    "mentor_hours",
    "interns",
    "graduates",
    "rnd_output",
)
_RESOURCE_INDEX = {name: i for i, name in enumerate(RESOURCES)}

OUTSIDE_KINDS: tuple[str, ...] = ("treasury", "market", "households")


@dataclass(frozen=True)
class Account:
    """An account: its kind (agent type or outside sector) and the owner's id within the kind."""

    kind: str
    owner: int


class Ledger:
    """Double-entry ledger with per-step aggregation by (from kind, to kind, resource, purpose)."""

    def __init__(self) -> None:
        self.accounts: list[Account] = []
        self._kinds: list[str] = []
        self._store = np.zeros((0, len(RESOURCES)))
        self._purposes: dict[str, int] = {}
        self._step_records: list[tuple[np.ndarray, ...]] = []
        self._closed: list[pd.DataFrame] = []
        self.outside = {kind: self.open_account(kind, 0) for kind in OUTSIDE_KINDS}

    # -- accounts ------------------------------------------------------------------------------
    def open_account(self, kind: str, owner: int) -> int:
        """Register an account and return its index (agents keep this as ``account``)."""
        self.accounts.append(Account(kind, owner))
        self._kinds.append(kind)
        if len(self.accounts) > len(self._store):
            grown = np.zeros((max(64, 2 * len(self._store)), len(RESOURCES)))
            grown[: len(self._store)] = self._store
            self._store = grown
        return len(self.accounts) - 1

    @property
    def _balances(self) -> np.ndarray:
        return self._store[: len(self.accounts)]

    def balance(self, account: int, resource: str = "money") -> float:
        return float(self._balances[account, _RESOURCE_INDEX[resource]])

    def balances(self, accounts: np.ndarray, resource: str = "money") -> np.ndarray:
        return self._balances[accounts, _RESOURCE_INDEX[resource]]

    def imbalance(self) -> float:
        """Largest absolute column sum of all balances: zero when every flow is conserved."""
        return float(np.abs(self._balances.sum(axis=0)).max()) if len(self.accounts) else 0.0

    # -- transfers -----------------------------------------------------------------------------
    def transfer(self, src: int, dst: int, resource: str, amount: float, purpose: str) -> None:
        """Move ``amount`` of ``resource`` from ``src`` to ``dst`` (amount must be >= 0)."""
        if amount == 0:
            return
        if amount < 0 or not np.isfinite(amount):
            raise ValueError(f"transfer amount must be finite and >= 0, got {amount}")
        r = _RESOURCE_INDEX[resource]
        self._balances[src, r] -= amount
        self._balances[dst, r] += amount
        self._step_records.append(
            (
                np.array([src]),
                np.array([dst]),
                np.array([r]),
                np.array([amount]),
                np.array([self._purpose_id(purpose)]),
            )
        )

    def transfer_many(
        self, src: np.ndarray, dst: np.ndarray, resource: str, amounts: np.ndarray, purpose: str
    ) -> None:
        """Element i moves ``amounts[i]`` from ``src[i]`` to ``dst[i]``."""
        amounts = np.asarray(amounts, dtype=float)
        src = np.broadcast_to(np.asarray(src, dtype=np.int64), amounts.shape)
        dst = np.broadcast_to(np.asarray(dst, dtype=np.int64), amounts.shape)
        keep = amounts != 0
        if not keep.any():
            return
        amounts, src, dst = amounts[keep], src[keep], dst[keep]
        if (amounts < 0).any() or not np.isfinite(amounts).all():
            raise ValueError("transfer amounts must be finite and >= 0")
        r = _RESOURCE_INDEX[resource]
        np.add.at(self._balances[:, r], src, -amounts)
        np.add.at(self._balances[:, r], dst, amounts)
        self._step_records.append(
            (
                src.copy(),
                dst.copy(),
                np.full(len(amounts), r),
                amounts.copy(),
                np.full(len(amounts), self._purpose_id(purpose)),
            )
        )

    def open_total(
        self,
        from_kind: str | None = None,
        to_kind: str | None = None,
        resource: str = "money",
        purposes: tuple[str, ...] | None = None,
    ) -> float:
        """Total moved so far in the open step, filtered by kind, resource and purpose."""
        if not self._step_records:
            return 0.0
        src, dst, res, amt, pur = (np.concatenate(p) for p in zip(*self._step_records, strict=True))
        kinds = np.array(self._kinds, dtype=object)
        keep = res == _RESOURCE_INDEX[resource]
        if from_kind is not None:
            keep &= kinds[src] == from_kind
        if to_kind is not None:
            keep &= kinds[dst] == to_kind
        if purposes is not None:
            wanted = [self._purposes[p] for p in purposes if p in self._purposes]
            keep &= np.isin(pur, wanted)
        return float(amt[keep].sum())

    def _purpose_id(self, purpose: str) -> int:
        return self._purposes.setdefault(purpose, len(self._purposes))

    # -- per-step aggregation ------------------------------------------------------------------
    def close_step(self, step: int) -> pd.DataFrame:
        """Aggregate this step's transfers by kind pair, resource and purpose; start a new step."""
        frame = self.step_transfers(step)
        self._step_records = []
        if frame.empty:
            return frame
        grouped = (
            frame.groupby(["step", "from_type", "to_type", "resource", "purpose"], sort=True)[
                "amount"
            ]
            .sum()
            .reset_index()
        )
        self._closed.append(grouped)
        return grouped

    def step_transfers(self, step: int) -> pd.DataFrame:
        """Account-level transfers of the current (open) step: who paid what to whom."""
        if not self._step_records:
            return pd.DataFrame(
                columns=[
                    "step",
                    "from_type",
                    "from_id",
                    "to_type",
                    "to_id",
                    "resource",
                    "purpose",
                    "amount",
                ]
            )
        src, dst, res, amt, pur = (
            np.concatenate(parts) for parts in zip(*self._step_records, strict=True)
        )
        kinds = np.array(self._kinds, dtype=object)
        owners = np.array([a.owner for a in self.accounts])
        purposes = np.array(list(self._purposes), dtype=object)
        return pd.DataFrame(
            {
                "step": step,
                "from_type": kinds[src],
                "from_id": owners[src],
                "to_type": kinds[dst],
                "to_id": owners[dst],
                "resource": np.array(RESOURCES, dtype=object)[res],
                "purpose": purposes[pur],
                "amount": amt,
            }
        )

    def flows(self) -> pd.DataFrame:
        """All closed steps' aggregated flows (the content of ``ledger.csv``)."""
        if not self._closed:
            return pd.DataFrame(
                columns=["step", "from_type", "to_type", "resource", "purpose", "amount"]
            )
        return pd.concat(self._closed, ignore_index=True)
