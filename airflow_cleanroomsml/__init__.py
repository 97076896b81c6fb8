"""
Apache Airflow provider for AWS Clean Rooms ML: ML input channels, trained models, inference and export
jobs, audience models, audience generation and export jobs, as DAG tasks.
"""

from __future__ import annotations

__version__ = "0.3.0"
