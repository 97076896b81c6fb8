"""
The operators for AWS Clean Rooms ML, by the import path users know; each loaded when first used.

A DAG file that imports one operator pays for its kind's module alone (PEP 562): the classes live
in ``inference_jobs``, ``ml_input_channels``, ``trained_models`` and ``lookalike``, beside the
bases in ``base`` and ``starting``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from airflow_cleanroomsml._lazy import lazy_names

if TYPE_CHECKING:
    from airflow_cleanroomsml.operators.inference_jobs import (
        DEFAULT_XCOM_EXCLUSIONS,
        XCOM_JOB_DESCRIPTION_KEY,
        CleanRoomsMLCancelTrainedModelInferenceJobOperator,
        CleanRoomsMLGetTrainedModelInferenceJobOperator,
        CleanRoomsMLStartTrainedModelInferenceJobOperator,
    )
    from airflow_cleanroomsml.operators.lookalike import (
        CleanRoomsMLCreateAudienceModelOperator,
        CleanRoomsMLDeleteAudienceGenerationJobOperator,
        CleanRoomsMLDeleteAudienceModelOperator,
        CleanRoomsMLGetAudienceGenerationJobOperator,
        CleanRoomsMLGetAudienceModelOperator,
        CleanRoomsMLStartAudienceExportJobOperator,
        CleanRoomsMLStartAudienceGenerationJobOperator,
    )
    from airflow_cleanroomsml.operators.ml_input_channels import (
        CleanRoomsMLCreateMLInputChannelOperator,
        CleanRoomsMLDeleteMLInputChannelDataOperator,
        CleanRoomsMLGetMLInputChannelOperator,
    )
    from airflow_cleanroomsml.operators.starting import (
        ACTIONS_IF_EXISTS,
        RUN_TAG_KEYS,
    )
    from airflow_cleanroomsml.operators.trained_models import (
        CleanRoomsMLCancelTrainedModelOperator,
        CleanRoomsMLCreateTrainedModelOperator,
        CleanRoomsMLDeleteTrainedModelOutputOperator,
        CleanRoomsMLGetLatestTrainedModelOperator,
        CleanRoomsMLGetTrainedModelOperator,
        CleanRoomsMLStartTrainedModelExportJobOperator,
    )

__all__ = [
    "ACTIONS_IF_EXISTS",
    "DEFAULT_XCOM_EXCLUSIONS",
    "RUN_TAG_KEYS",
    "XCOM_JOB_DESCRIPTION_KEY",
    "CleanRoomsMLCancelTrainedModelInferenceJobOperator",
    "CleanRoomsMLCancelTrainedModelOperator",
    "CleanRoomsMLCreateAudienceModelOperator",
    "CleanRoomsMLCreateMLInputChannelOperator",
    "CleanRoomsMLCreateTrainedModelOperator",
    "CleanRoomsMLDeleteAudienceGenerationJobOperator",
    "CleanRoomsMLDeleteAudienceModelOperator",
    "CleanRoomsMLDeleteMLInputChannelDataOperator",
    "CleanRoomsMLDeleteTrainedModelOutputOperator",
    "CleanRoomsMLGetAudienceGenerationJobOperator",
    "CleanRoomsMLGetAudienceModelOperator",
    "CleanRoomsMLGetLatestTrainedModelOperator",
    "CleanRoomsMLGetMLInputChannelOperator",
    "CleanRoomsMLGetTrainedModelInferenceJobOperator",
    "CleanRoomsMLGetTrainedModelOperator",
    "CleanRoomsMLStartAudienceExportJobOperator",
    "CleanRoomsMLStartAudienceGenerationJobOperator",
    "CleanRoomsMLStartTrainedModelExportJobOperator",
    "CleanRoomsMLStartTrainedModelInferenceJobOperator",
]

_WHERE = {
    name: module
    for module, names in {
        "inference_jobs": (
            "CleanRoomsMLCancelTrainedModelInferenceJobOperator",
            "CleanRoomsMLGetTrainedModelInferenceJobOperator",
            "CleanRoomsMLStartTrainedModelInferenceJobOperator",
            "DEFAULT_XCOM_EXCLUSIONS",
            "XCOM_JOB_DESCRIPTION_KEY",
        ),
        "ml_input_channels": (
            "CleanRoomsMLCreateMLInputChannelOperator",
            "CleanRoomsMLDeleteMLInputChannelDataOperator",
            "CleanRoomsMLGetMLInputChannelOperator",
        ),
        "trained_models": (
            "CleanRoomsMLCancelTrainedModelOperator",
            "CleanRoomsMLCreateTrainedModelOperator",
            "CleanRoomsMLDeleteTrainedModelOutputOperator",
            "CleanRoomsMLGetLatestTrainedModelOperator",
            "CleanRoomsMLGetTrainedModelOperator",
            "CleanRoomsMLStartTrainedModelExportJobOperator",
        ),
        "lookalike": (
            "CleanRoomsMLCreateAudienceModelOperator",
            "CleanRoomsMLDeleteAudienceGenerationJobOperator",
            "CleanRoomsMLDeleteAudienceModelOperator",
            "CleanRoomsMLGetAudienceGenerationJobOperator",
            "CleanRoomsMLGetAudienceModelOperator",
            "CleanRoomsMLStartAudienceExportJobOperator",
            "CleanRoomsMLStartAudienceGenerationJobOperator",
        ),
        "starting": (
            "ACTIONS_IF_EXISTS",
            "RUN_TAG_KEYS",
        ),
    }.items()
    for name in names
}

if not TYPE_CHECKING:  # mypy and IDEs see the imports above
    __getattr__, __dir__ = lazy_names(
        __name__, _WHERE, {"ACTIONS_IF_JOB_EXISTS": "ACTIONS_IF_EXISTS"}, globals()
    )
