"""
Test set-up: a private Airflow home, no route to AWS, and helpers shared by the tests.

Everything here runs before Airflow is imported, so Airflow reads this configuration.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from importlib.metadata import version
from pathlib import Path

import pytest

_AIRFLOW_HOME = Path(tempfile.mkdtemp(prefix=f"cleanroomsml-airflow-{version('apache-airflow')}-"))
os.environ.update(
    {
        "AIRFLOW_HOME": str(_AIRFLOW_HOME),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__DAGS_FOLDER": str(Path(__file__).parent / "integration" / "dags"),
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{_AIRFLOW_HOME / 'airflow.db'}",
        "AIRFLOW__LOGGING__LOGGING_LEVEL": "INFO",
        # No test talks to AWS: credentials are fake, instance metadata is off, and any client
        # that is not pointed at the emulator goes to a closed port on loopback.
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_ENDPOINT_URL": "http://127.0.0.1:9",
    }
)
for _name in [name for name in os.environ if name.startswith("AIRFLOW_CONN_")]:
    del os.environ[_name]


@pytest.fixture(scope="session")
def airflow_db() -> Path:
    """An Airflow metadata database, migrated once per session (DAG runs need it)."""
    subprocess.run(
        [sys.executable, "-m", "airflow", "db", "migrate"], check=True, capture_output=True, timeout=600
    )
    return _AIRFLOW_HOME


# The deployment tier starts PostgreSQL and Airflow's components: only `python3 tasks.py deployment` runs it.
collect_ignore = [] if os.environ.get("CLEANROOMSML_DEPLOYMENT") else ["deployment"]
