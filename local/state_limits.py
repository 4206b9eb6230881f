"""Step Functions' payload quota, enforced locally where moto forgets it.

AWS fails a Map state with States.DataLimitExceeded when the results it gathers from its
iterations exceed 256 KiB, even when its ResultPath is null and would discard them. moto checks
only what a state passes on after ResultPath, so a Map that would fail in AWS succeeds
locally. This module makes moto's Map check its gathered result too, with moto's own check.
It leans on moto internals (StateMap._eval_execution, CommonStateField._verify_size_quota), so
moto's version is pinned and tests/integration/test_state_limits.py pins this down.
"""

from __future__ import annotations

from typing import Any

from moto.stepfunctions.parser.asl.component.state.exec.state_map.state_map import StateMap
from moto.stepfunctions.parser.asl.eval.environment import Environment

_gather_results = StateMap._eval_execution


def _gather_results_within_quota(self: StateMap, env: Environment) -> None:
    _gather_results(self, env)
    # The iterations' results, or what a ResultWriter answered instead of them.
    gathered: Any = env.stack[-1]
    self._verify_size_quota(env=env, value=gathered)


def fail_maps_whose_result_is_too_large() -> None:
    """From now on, a Map whose gathered result exceeds the quota fails as it does in AWS."""
    StateMap._eval_execution = _gather_results_within_quota  # type: ignore[method-assign]
