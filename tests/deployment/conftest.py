"""A failing deployment test's report ends with what each Airflow component printed."""

from __future__ import annotations

import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "local_executor: the deployment tier's LocalExecutor leg")
    config.addinivalue_line("markers", "celery: the deployment tier's Celery leg (MWAA's engine)")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> object:
    outcome = yield
    report = outcome.get_result()
    airflow = getattr(item, "funcargs", {}).get("deployment")
    if report.failed and airflow is not None:
        report.sections.append(
            ("Airflow components' output (the last 3,000 characters of each)", airflow.logs())
        )
