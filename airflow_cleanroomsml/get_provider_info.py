"""Provider metadata, found by Airflow through the ``apache_airflow_provider`` entry point."""

from __future__ import annotations

from typing import Any


def get_provider_info() -> dict[str, Any]:
    """Describe this provider to Airflow (validated against Airflow's ``provider_info.schema.json``)."""
    from airflow_cleanroomsml import __version__

    return {
        "package-name": "airflow-provider-cleanroomsml",
        "name": "AWS Clean Rooms ML",
        "description": (
            "Hooks, operators, sensors and triggers for every AWS Clean Rooms ML resource with a lifecycle: "
            "ML input channels, trained models, inference and export jobs, audience models, audience "
            "generation and export jobs."
        ),
        "versions": [__version__],
        "integrations": [
            {
                "integration-name": "AWS Clean Rooms ML",
                "external-doc-url": "https://docs.aws.amazon.com/clean-rooms/latest/userguide/machine-learning.html",
                "tags": ["aws"],
            }
        ],
        "hooks": [
            {
                "integration-name": "AWS Clean Rooms ML",
                "python-modules": ["airflow_cleanroomsml.hooks.cleanroomsml"],
            }
        ],
        "operators": [
            {
                "integration-name": "AWS Clean Rooms ML",
                "python-modules": ["airflow_cleanroomsml.operators.cleanroomsml"],
            }
        ],
        "sensors": [
            {
                "integration-name": "AWS Clean Rooms ML",
                "python-modules": ["airflow_cleanroomsml.sensors.cleanroomsml"],
            }
        ],
        # A connection type of its own is how Airflow lists a hook (`airflow providers hooks`); use an
        # ordinary "aws" connection with this hook all the same.
        "connection-types": [
            {
                "connection-type": "aws_cleanroomsml",
                "hook-class-name": "airflow_cleanroomsml.hooks.cleanroomsml.CleanRoomsMLHook",
                "hook-name": "AWS Clean Rooms ML",
            }
        ],
        "extra-links": [
            "airflow_cleanroomsml.links.cleanroomsml.CleanRoomsMLMembershipLink",
            "airflow_cleanroomsml.links.cleanroomsml.CleanRoomsMLConsoleLink",
        ],
        "triggers": [
            {
                "integration-name": "AWS Clean Rooms ML",
                "python-modules": ["airflow_cleanroomsml.triggers.cleanroomsml"],
            }
        ],
    }
