"""The ledger: every transfer of a resource between two accounts, double-entry.

Every flow in the model (money, equipment, mentor hours, interns, graduates, R&D output) goes
through :meth:`Ledger.transfer` or :meth:`Ledger.transfer_many`, so what leaves one account
always arrives in another. Explicit outside accounts (``treasury`` for public revenue,
``market`` for purchases and costs paid to nobody in the model, ``households`` for graduates'
wages) make sources and sinks visible instead of letting value appear or vanish.
"""

from __future__ import annotations

import math
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
    "knowledge",
    "teacher_secondments",
    "expert_teachers",
)
_RESOURCE_INDEX = {name: i for i, name in enumerate(RESOURCES)}

OUTSIDE_KINDS: tuple[str, ...] = ("treasury", "market", "households")

# Up to this many possible (from kind, to kind, resource, purpose) keys, close_step sums per
# key with one dense bincount instead of sorting the step's rows.


@dataclass(frozen=True)
class Account:
    """An account: its kind (agent type or outside sector) and the owner's id within the kind."""

    kind: str
    owner: int


class Ledger:
    """Double-entry ledger with per-step aggregation by (from kind, to kind, resource, purpose)."""

    def __getstate__(self) -> dict:
        """A copy (``copy.deepcopy``, ``pickle``) holds the balances, not their flat view."""
        return {k: v for k, v in self.__dict__.items() if k != "_cells"}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._cells = _flat_view(self._store)

    def __init__(self) -> None:
        self.accounts: list[Account] = []
        self._kind_codes: dict[str, int] = {}
        self._account_kind: list[int] = []
        self._kind_array = np.zeros(0, dtype=np.int64)  # see _kinds
        self._store = np.zeros((64, len(RESOURCES)))  # balances; rows beyond the accounts unused
        self._cells = _flat_view(self._store)
        self._purposes: dict[str, int] = {}
        # Open step: scalar transfers as plain lists (cheap to append), vector ones as chunks.
        self._scalar: tuple[list[int], list[int], list[int], list[float], list[int]] = (
            [],
            [],
            [],
            [],
            [],
        )
        self._chunks: list[tuple[np.ndarray, ...]] = []
        self._open_cache: tuple | None = None
        self._closed: list[tuple] = []  # per closed step: (step, code arrays..., totals)
        self.outside = {kind: self.open_account(kind, 0) for kind in OUTSIDE_KINDS}

    # -- accounts ------------------------------------------------------------------------------
    def open_account(self, kind: str, owner: int) -> int:
        """Register an account and return its index (agents keep this as ``account``)."""
        self.accounts.append(Account(kind, owner))
        self._account_kind.append(self._kind_codes.setdefault(kind, len(self._kind_codes)))
        if len(self.accounts) > len(self._store):
            grown = np.zeros((max(64, 2 * len(self._store)), len(RESOURCES)))
            grown[: len(self._store)] = self._store
            self._store = grown
            self._cells = _flat_view(grown)
        return len(self.accounts) - 1

    def _kinds(self) -> np.ndarray:
        """Kind code of every account, as an array (rebuilt only after accounts were opened)."""
        if len(self._kind_array) != len(self._account_kind):
            self._kind_array = np.asarray(self._account_kind)
        return self._kind_array

    @property
    def _balances(self) -> np.ndarray:
        return self._store[: len(self.accounts)]

    def balance(self, account: int, resource: str = "money") -> float:
        return self._cells[account * len(RESOURCES) + _RESOURCE_INDEX[resource]]

    def balances(self, accounts: np.ndarray, resource: str = "money") -> np.ndarray:
        """:meth:`balance` of many accounts at once (a copy)."""
        return self._store[accounts, _RESOURCE_INDEX[resource]]

    def total_volume(self) -> float:
        """Sum of absolute balances: the scale against which :meth:`imbalance` is judged."""
        return float(np.abs(self._balances).sum())

    def imbalance(self) -> float:
        """Largest absolute column sum of all balances: zero when every flow is conserved."""
        return float(np.abs(self._balances.sum(axis=0)).max()) if len(self.accounts) else 0.0

    # -- transfers -----------------------------------------------------------------------------
    def transfer(self, src: int, dst: int, resource: str, amount: float, purpose: str) -> None:
        """Move ``amount`` of ``resource`` from ``src`` to ``dst`` (amount must be >= 0)."""
        if amount == 0:
            return
        if not 0 < amount < math.inf:
            raise ValueError(f"transfer amount must be finite and >= 0, got {amount}")
        r = _RESOURCE_INDEX[resource]
        self._open_cache = None
        # The same two float operations as on the array, through the flat view (cheaper).
        cells, width = self._cells, len(RESOURCES)
        cells[src * width + r] -= amount
        cells[dst * width + r] += amount
        srcs, dsts, res, amounts, purposes = self._scalar
        srcs.append(src)
        dsts.append(dst)
        res.append(r)
        amounts.append(amount)
        purposes.append(self._purposes.setdefault(purpose, len(self._purposes)))

    def transfer_many(
        self, src: np.ndarray, dst: np.ndarray, resource: str, amounts: np.ndarray, purpose: str
    ) -> None:
        """Element i moves ``amounts[i]`` from ``src[i]`` to ``dst[i]``."""
        amounts = np.asarray(amounts, dtype=float)
        keep = amounts != 0
        if keep.all():  # the usual case: copies instead of three boolean selections
            src = np.array(_as_accounts(src, amounts.shape))
            dst = np.array(_as_accounts(dst, amounts.shape))
            amounts = amounts.copy()
        elif keep.any():
            src = _as_accounts(src, amounts.shape)[keep]
            dst = _as_accounts(dst, amounts.shape)[keep]
            amounts = amounts[keep]
        else:
            return
        # Zeros are gone: every amount must be positive and finite (NaN fails both tests).
        if not ((amounts > 0) & (amounts < math.inf)).all():
            raise ValueError("transfer amounts must be finite and >= 0")
        r = _RESOURCE_INDEX[resource]
        self._open_cache = None
        balances = self._store[:, r]
        np.add.at(balances, src, -amounts)
        np.add.at(balances, dst, amounts)
        # Resource and purpose as scalars: _collect_open_records spreads them over the rows.
        self._chunks.append((src, dst, r, amounts, self._purpose_id(purpose)))

    def batch(self, *keys: tuple[str, str]) -> TransferBatch:
        """Collect many transfers and commit them as a few vectorised ones (``keys``: the
        (resource, purpose) groups a loop fills, declared up front)."""
        return TransferBatch(self, keys)

    def _purpose_id(self, purpose: str) -> int:
        return self._purposes.setdefault(purpose, len(self._purposes))

    def _open_records(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """This step's transfers as arrays (cached until the next transfer or step close)."""
        if self._open_cache is None:
            self._open_cache = self._collect_open_records()
        return self._open_cache

    def _collect_open_records(
        self,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        scalar = tuple(np.asarray(column) for column in self._scalar)
        chunks = [
            (src, dst, np.full(len(src), r), amounts, np.full(len(src), purpose))
            for src, dst, r, amounts, purpose in self._chunks
        ]
        parts = [scalar, *chunks] if len(scalar[0]) else chunks
        if not parts:
            empty_i, empty_f = np.empty(0, dtype=np.int64), np.empty(0)
            return empty_i, empty_i, empty_i, empty_f, empty_i
        src, dst, res, amt, pur = (np.concatenate(c) for c in zip(*parts, strict=True))
        return (
            src.astype(np.int64),
            dst.astype(np.int64),
            res.astype(np.int64),
            amt.astype(float),
            pur.astype(np.int64),
        )

    def open_total(
        self,
        from_kind: str | None = None,
        to_kind: str | None = None,
        resource: str = "money",
        purposes: tuple[str, ...] | None = None,
    ) -> float:
        """Total moved so far in the open step, filtered by kind, resource and purpose."""
        src, dst, res, amt, pur = self._open_records()
        kinds = self._kinds()
        keep = res == _RESOURCE_INDEX[resource]
        if from_kind is not None:
            keep &= kinds[src] == self._kind_codes.get(from_kind, -1)
        if to_kind is not None:
            keep &= kinds[dst] == self._kind_codes.get(to_kind, -1)
        if purposes is not None:
            # A lookup table by purpose id: what np.isin answers, without its per-call cost.
            wanted = np.zeros(len(self._purposes) + 1, dtype=bool)
            wanted[[self._purposes[p] for p in purposes if p in self._purposes]] = True
            keep &= wanted[pur]
        return float(amt[keep].sum())

    # -- per-step aggregation ------------------------------------------------------------------
    def close_step(self, step: int) -> None:
        """Aggregate this step's transfers by kind pair, resource and purpose; start a new step.

        The aggregate is kept as code arrays; :meth:`flows` names them in one table when asked
        (building a DataFrame per step would cost more than the aggregation itself).
        """
        src, dst, res, amt, pur = self._open_records()
        self._scalar = ([], [], [], [], [])
        self._chunks = []
        self._open_cache = None
        kinds = self._kinds()
        n_kinds, n_purposes = len(self._kind_codes), max(len(self._purposes), 1)
        key = ((kinds[src] * n_kinds + kinds[dst]) * len(RESOURCES) + res) * n_purposes + pur
        # One total per possible key (a few thousand: kinds² × resources × purposes), kept where
        # a transfer occurred: in key order, so the table's order is deterministic.
        n_keys = n_kinds * n_kinds * len(RESOURCES) * n_purposes
        unique = np.flatnonzero(np.bincount(key, minlength=n_keys))
        totals = np.bincount(key, weights=amt, minlength=n_keys)[unique]
        key, p = np.divmod(unique, n_purposes)
        key, r = np.divmod(key, len(RESOURCES))
        from_kind, to_kind = np.divmod(key, n_kinds)
        self._closed.append((step, from_kind, to_kind, r, p, totals))

    def step_transfers(self, step: int) -> pd.DataFrame:
        """Account-level transfers of the current (open) step: who paid what to whom."""
        src, dst, res, amt, pur = self._open_records()
        kind_names = np.array(list(self._kind_codes), dtype=object)
        kinds = np.asarray(self._account_kind, dtype=np.int64)
        owners = np.array([a.owner for a in self.accounts])
        purposes = np.array(list(self._purposes), dtype=object)
        return pd.DataFrame(
            {
                "step": np.full(len(src), step),
                "from_type": kind_names[kinds[src]],
                "from_id": owners[src],
                "to_type": kind_names[kinds[dst]],
                "to_id": owners[dst],
                "resource": np.array(RESOURCES, dtype=object)[res],
                "purpose": purposes[pur] if len(pur) else [],
                "amount": amt,
            }
        )

    def flows(self) -> pd.DataFrame:
        """All closed steps' aggregated flows (the content of ``ledger.csv``)."""
        columns = ["step", "from_type", "to_type", "resource", "purpose", "amount"]
        if not self._closed:
            return pd.DataFrame(columns=columns)
        steps, from_kind, to_kind, r, p, totals = (
            np.concatenate(part)
            for part in zip(
                *(
                    (np.full(len(t), step), f, d, res, pur, t)
                    for step, f, d, res, pur, t in self._closed
                ),
                strict=True,
            )
        )
        kind_names = np.array(list(self._kind_codes), dtype=object)
        purposes = np.array(list(self._purposes) or [""], dtype=object)
        return pd.DataFrame(
            {
                "step": steps.astype(np.int64),
                "from_type": kind_names[from_kind.astype(np.int64)],
                "to_type": kind_names[to_kind.astype(np.int64)],
                "resource": np.array(RESOURCES, dtype=object)[r.astype(np.int64)],
                "purpose": purposes[p.astype(np.int64)],
                "amount": totals.astype(float),
            },
            columns=columns,
        )


class TransferBatch:
    """Transfers gathered in plain lists, one per (resource, purpose), and committed as one
    vectorised transfer per group when the block ends (in the order the groups were declared,
    then first used).

    ``with ledger.batch(("money", "cooperation_funding"), …) as batch``: a loop appends
    ``(src, dst, amount)`` rows straight to ``batch.rows[key]`` (no method call per transfer)
    or calls :meth:`add`. Zero amounts may be appended; they move nothing. Balances read inside
    the block do not see the batch yet.
    """

    def __init__(self, ledger: Ledger, keys: tuple[tuple[str, str], ...] = ()) -> None:
        self.ledger = ledger
        self.rows: dict[tuple[str, str], list[tuple[int, int, float]]] = {key: [] for key in keys}

    def add(self, src: int, dst: int, resource: str, amount: float, purpose: str) -> None:
        group = self.rows.get((resource, purpose))
        if group is None:
            group = self.rows[(resource, purpose)] = []
        group.append((src, dst, amount))

    def commit(self) -> None:
        for (resource, purpose), rows in self.rows.items():
            if rows:
                table = np.array(rows, dtype=np.float64)  # one conversion for the three columns
                self.ledger.transfer_many(
                    table[:, 0].astype(np.int64),
                    table[:, 1].astype(np.int64),
                    resource,
                    table[:, 2],
                    purpose,
                )
        self.rows = {key: [] for key in self.rows}

    def __enter__(self) -> TransferBatch:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.commit()


def _flat_view(store: np.ndarray) -> memoryview:
    """The balances as a flat view of doubles: one cell reads and writes as a Python float,
    several times faster than indexing the array."""
    return memoryview(store).cast("B").cast("d")


def _as_accounts(accounts: np.ndarray | int, shape: tuple[int, ...]) -> np.ndarray:
    """Account indices as an int64 array of ``shape`` (one account is repeated)."""
    accounts = np.asarray(accounts, dtype=np.int64)
    if accounts.shape == shape:
        return accounts
    if accounts.ndim == 0:
        return np.full(shape, accounts)
    return np.broadcast_to(accounts, shape)
