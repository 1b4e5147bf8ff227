"""deferred_recompute(): many small commits recompute the cases they touch once, at the end."""

from __future__ import annotations

from typing import Any

import pytest

from finclear.workqueue import services as workqueue_services
from finclear.workqueue.receivers import deferred_recompute
from tests.integration.model_builders import Clinic

pytestmark = pytest.mark.django_db(transaction=True)


def test_commits_inside_the_block_recompute_once_at_its_end(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clinic = Clinic()
    encounters = [clinic.encounter(reason=f"visit {n}") for n in range(3)]
    calls: list[list[int]] = []
    real = workqueue_services.do_recompute_cases

    def spy(case_ids: Any) -> int:
        calls.append(sorted(case_ids))
        return real(case_ids)

    monkeypatch.setattr(workqueue_services, "do_recompute_cases", spy)
    with deferred_recompute():
        for encounter in encounters:
            encounter.reason = "changed"
            encounter.save()  # each save commits on its own (autocommit)
        assert calls == []
    assert len(calls) == 1
    assert calls[0] == sorted(e.clearance_case.pk for e in encounters)


def test_without_the_block_each_commit_recomputes(monkeypatch: pytest.MonkeyPatch) -> None:
    clinic = Clinic()
    encounters = [clinic.encounter(reason=f"visit {n}") for n in range(2)]
    calls: list[list[int]] = []
    monkeypatch.setattr(
        workqueue_services, "do_recompute_cases", lambda ids: calls.append(sorted(ids)) or 0
    )
    for encounter in encounters:
        encounter.reason = "changed"
        encounter.save()
    assert len(calls) == 2


def test_a_failing_block_leaves_its_cases_pending(monkeypatch: pytest.MonkeyPatch) -> None:
    clinic = Clinic()
    encounter = clinic.encounter()
    calls: list[list[int]] = []
    monkeypatch.setattr(
        workqueue_services, "do_recompute_cases", lambda ids: calls.append(sorted(ids)) or 0
    )
    with pytest.raises(RuntimeError), deferred_recompute():
        encounter.reason = "changed"
        encounter.save()
        raise RuntimeError("stop")
    assert calls == []
    other = clinic.encounter()  # the next commit outside the block flushes both
    assert calls and set(calls[-1]) >= {encounter.clearance_case.pk, other.clearance_case.pk}
