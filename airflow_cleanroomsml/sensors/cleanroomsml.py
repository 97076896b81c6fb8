"""
The sensors for AWS Clean Rooms ML, by the import path users know; each loaded when first used.

A DAG file that imports one sensor pays for its kind's module alone (PEP 562): the classes live in
``inference_jobs``, ``ml_input_channels``, ``trained_models`` and ``lookalike``, beside the generic
sensor in ``base``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from airflow_cleanroomsml._lazy import lazy_names

if TYPE_CHECKING:
    from airflow_cleanroomsml.sensors.base import (
        CleanRoomsMLResourceSensor,
    )
    from airflow_cleanroomsml.sensors.inference_jobs import (
        CleanRoomsMLTrainedModelInferenceJobSensor,
    )
    from airflow_cleanroomsml.sensors.lookalike import (
        CleanRoomsMLAudienceExportJobSensor,
        CleanRoomsMLAudienceGenerationJobSensor,
        CleanRoomsMLAudienceModelSensor,
    )
    from airflow_cleanroomsml.sensors.ml_input_channels import (
        CleanRoomsMLMLInputChannelSensor,
    )
    from airflow_cleanroomsml.sensors.trained_models import (
        CleanRoomsMLTrainedModelExportJobSensor,
        CleanRoomsMLTrainedModelSensor,
    )

__all__ = [
    "CleanRoomsMLAudienceExportJobSensor",
    "CleanRoomsMLAudienceGenerationJobSensor",
    "CleanRoomsMLAudienceModelSensor",
    "CleanRoomsMLMLInputChannelSensor",
    "CleanRoomsMLResourceSensor",
    "CleanRoomsMLTrainedModelExportJobSensor",
    "CleanRoomsMLTrainedModelInferenceJobSensor",
    "CleanRoomsMLTrainedModelSensor",
]

_WHERE = {
    "CleanRoomsMLAudienceExportJobSensor": "lookalike",
    "CleanRoomsMLAudienceGenerationJobSensor": "lookalike",
    "CleanRoomsMLAudienceModelSensor": "lookalike",
    "CleanRoomsMLMLInputChannelSensor": "ml_input_channels",
    "CleanRoomsMLResourceSensor": "base",
    "CleanRoomsMLTrainedModelExportJobSensor": "trained_models",
    "CleanRoomsMLTrainedModelInferenceJobSensor": "inference_jobs",
    "CleanRoomsMLTrainedModelSensor": "trained_models",
}

if not TYPE_CHECKING:  # mypy and IDEs see the imports above
    __getattr__, __dir__ = lazy_names(
        __name__, _WHERE, {"CleanRoomsMLJobSensor": "CleanRoomsMLResourceSensor"}, globals()
    )
