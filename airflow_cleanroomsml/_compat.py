"""
The few names that moved between Airflow 2 and Airflow 3, in one place.

MWAA pins ``apache-airflow-providers-common-compat`` 1.7.x on Airflow 2.11.0 and 3.0.6, which has no
``airflow.providers.common.compat.sdk``; so this module picks the Airflow 3 Task SDK location when
there is one and falls back to Airflow 2's.
"""

from __future__ import annotations

try:
    from airflow.sdk.exceptions import AirflowException, AirflowSensorTimeout
except ImportError:  # Airflow 2
    from airflow.exceptions import AirflowException, AirflowSensorTimeout  # type: ignore[assignment,no-redef]

try:
    from airflow.sdk.configuration import conf
except ImportError:  # Airflow 2 and 3.0
    from airflow.configuration import conf  # type: ignore[assignment,no-redef]

try:
    from airflow.sdk.log import mask_secret
except ImportError:  # Airflow 2
    from airflow.utils.log.secrets_masker import mask_secret  # type: ignore[no-redef]

__all__ = ["AirflowException", "AirflowSensorTimeout", "conf", "default_deferrable", "mask_secret"]


def default_deferrable() -> bool:
    """``[operators] default_deferrable``: the default of every ``deferrable`` argument here."""
    return conf.getboolean("operators", "default_deferrable", fallback=False)
