"""A failing deployment test's report ends with what each component printed (and, on Celery, called)."""

from __future__ import annotations

from collections import Counter

import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "local_executor: the deployment tier's LocalExecutor leg")
    config.addinivalue_line("markers", "celery: the deployment tier's Celery leg (MWAA's engine)")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> object:
    outcome = yield
    report = outcome.get_result()
    funcargs = getattr(item, "funcargs", {})
    airflow = funcargs.get("deployment")
    if report.failed and airflow is not None:
        report.sections.append(
            ("Airflow components' output (the last 3,000 characters of each)", airflow.logs())
        )
    recorder = funcargs.get("recorder")
    if report.failed and recorder is not None:
        calls = recorder.calls()
        counts = Counter((call.component, call.operation) for call in calls)
        report.sections.append(
            (
                "Calls to the service, by component (the last 40 in full)",
                "\n".join(
                    [f"{count:5} {component} {operation}" for (component, operation), count in counts.items()]
                    + [f"{call.at:.3f} {call.component} {call.operation} {call.path}" for call in calls[-40:]]
                ),
            )
        )
