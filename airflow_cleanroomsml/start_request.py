"""
The ``StartTrainedModelInferenceJob`` request, built from the start operator's arguments.

Every argument is checked after templates are rendered and before any API call, against the
limits of the service model (lengths, counts, ARN forms); an error names the argument, its value
(never an ``environment`` value) and the form expected. The tags that let a retry find the job an
earlier try started (see :func:`run_identity_tags`) are added here too.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from airflow_cleanroomsml.inference_jobs import UUID_PATTERN, InvalidArgumentError, validate_membership_id

_ARN_PREFIX = rf"arn:aws[-a-z]*:cleanrooms-ml:[-a-z0-9]+:[0-9]{{12}}:membership/{UUID_PATTERN}"
_ARN_FORMS = {
    "trained_model_arn": (rf"{_ARN_PREFIX}/trained-model/[-a-zA-Z0-9_/.]+", "trained-model/<id>"),
    "configured_model_algorithm_association_arn": (
        rf"{_ARN_PREFIX}/configured-model-algorithm-association/[-a-zA-Z0-9_/.]+",
        "configured-model-algorithm-association/<id>",
    ),
    "ml_input_channel_arn": (rf"{_ARN_PREFIX}/ml-input-channel/[-a-zA-Z0-9_/.]+", "ml-input-channel/<id>"),
}
_KMS_KEY_ARN = r"arn:aws[-a-z]*:kms:[-a-z0-9]+:[0-9]{12}:key/.+"
_ENVIRONMENT_KEY = r"[a-zA-Z_][a-zA-Z0-9_]*"
_MAX_ENVIRONMENT = 16
_MAX_TAGS = 200

RUN_TAG_KEYS = ("airflow:dag-id", "airflow:task-id", "airflow:run-id", "airflow:map-index")
"""Tags the start operator puts on every job it starts, naming the task instance that started it."""


def run_identity_tags(dag_id: str, task_id: str, run_id: str, map_index: int) -> dict[str, str]:
    """The tags that say which task instance (any try) started a job: the reattach key."""
    return dict(zip(RUN_TAG_KEYS, (dag_id, task_id, run_id, str(map_index)), strict=True))


def _fail(field: str, value: Any, form: str) -> InvalidArgumentError:
    return InvalidArgumentError(f"{field}={value!r} is not valid; expected {form}.")


def _check_arn(field: str, value: Any, pattern: str, form: str) -> str:
    if not isinstance(value, str) or not re.fullmatch(pattern, value):
        raise _fail(field, value, form)
    return value


def _check_cleanrooms_arn(field: str, value: Any, kind: str | None = None) -> str:
    pattern, suffix = _ARN_FORMS[kind or field]
    form = f"arn:<partition>:cleanrooms-ml:<region>:<account>:membership/<membership uuid>/{suffix}"
    return _check_arn(field, value, pattern, form)


def _check_mapping(field: str, value: Any, required: tuple[str, ...] = ()) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise _fail(
            field, value, f"a dict with the API's camelCase keys ({', '.join(required) or 'see the API'})"
        )
    missing = [key for key in required if key not in value]
    if missing:
        raise _fail(field, value, f"a dict with {', '.join(missing)}")
    return value


def _check_positive_int(field: str, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise _fail(field, value, "a whole number of at least 1")


def build_start_request(
    *,
    membership_identifier: Any,
    name: Any,
    trained_model_arn: Any,
    resource_config: Any,
    output_configuration: Any,
    data_source: Any,
    trained_model_version_identifier: Any = None,
    configured_model_algorithm_association_arn: Any = None,
    description: Any = None,
    container_execution_parameters: Any = None,
    environment: Any = None,
    kms_key_arn: Any = None,
    tags: Any = None,
    extra_tags: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """
    Check the start operator's arguments and return the request in the API's camelCase.

    Optional arguments left as None are left out of the request (so botocore versions that
    predate an optional member still work when it is not used).

    :param extra_tags: Tags added to ``tags``, such as :func:`run_identity_tags`.
    """
    validate_membership_id(membership_identifier)
    if not isinstance(name, str) or not name.strip() or len(name) > 63:
        raise _fail("name", name, "a string of 1 to 63 characters, not only white space")
    _check_cleanrooms_arn("trained_model_arn", trained_model_arn)

    resource_config = _check_mapping("resource_config", resource_config, ("instanceType",))
    if not isinstance(resource_config["instanceType"], str) or not resource_config["instanceType"]:
        raise _fail(
            "resource_config['instanceType']",
            resource_config["instanceType"],
            "an instance type such as ml.m5.xlarge",
        )
    if "instanceCount" in resource_config:
        _check_positive_int("resource_config['instanceCount']", resource_config["instanceCount"])

    output_configuration = _check_mapping("output_configuration", output_configuration, ("members",))
    members = output_configuration["members"]
    if (
        not isinstance(members, list)
        or not members
        or not all(
            isinstance(m, Mapping) and re.fullmatch(r"[0-9]{12}", str(m.get("accountId", "")))
            for m in members
        )
    ):
        raise _fail(
            "output_configuration['members']", members, 'a non-empty list of {"accountId": "<12 digits>"}'
        )

    data_source = _check_mapping("data_source", data_source, ("mlInputChannelArn",))
    _check_cleanrooms_arn(
        "data_source['mlInputChannelArn']", data_source["mlInputChannelArn"], "ml_input_channel_arn"
    )

    request: dict[str, Any] = {
        "membershipIdentifier": membership_identifier,
        "name": name,
        "trainedModelArn": trained_model_arn,
        "resourceConfig": dict(resource_config),
        "outputConfiguration": dict(output_configuration),
        "dataSource": dict(data_source),
    }
    if trained_model_version_identifier is not None:
        if not isinstance(trained_model_version_identifier, str) or not re.fullmatch(
            UUID_PATTERN, trained_model_version_identifier
        ):
            raise _fail(
                "trained_model_version_identifier", trained_model_version_identifier, "a lowercase UUID"
            )
        request["trainedModelVersionIdentifier"] = trained_model_version_identifier
    if configured_model_algorithm_association_arn is not None:
        request["configuredModelAlgorithmAssociationArn"] = _check_cleanrooms_arn(
            "configured_model_algorithm_association_arn", configured_model_algorithm_association_arn
        )
    if description is not None:
        if not isinstance(description, str) or len(description) > 255:
            raise _fail("description", description, "a string of at most 255 characters")
        request["description"] = description
    if container_execution_parameters is not None:
        parameters = _check_mapping("container_execution_parameters", container_execution_parameters)
        if "maxPayloadInMB" in parameters:
            _check_positive_int(
                "container_execution_parameters['maxPayloadInMB']", parameters["maxPayloadInMB"]
            )
        request["containerExecutionParameters"] = dict(parameters)
    if environment is not None:
        request["environment"] = _checked_environment(environment)
    if kms_key_arn is not None:
        request["kmsKeyArn"] = _check_arn(
            "kms_key_arn", kms_key_arn, _KMS_KEY_ARN, "arn:<partition>:kms:<region>:<account>:key/<id>"
        )
    all_tags = {**_checked_tags(tags), **(extra_tags or {})}
    if len(all_tags) > _MAX_TAGS:
        raise _fail("tags", f"{len(tags or {})} tags", f"at most {_MAX_TAGS - len(extra_tags or {})} tags")
    if all_tags:
        request["tags"] = all_tags
    return request


def _checked_environment(environment: Any) -> dict[str, str]:
    """Check environment variables without ever putting a value in an error message."""
    if not isinstance(environment, Mapping):
        raise InvalidArgumentError(
            "environment must be a dict of variable names to string values, "
            f"not {type(environment).__name__}."
        )
    if len(environment) > _MAX_ENVIRONMENT:
        raise InvalidArgumentError(
            f"environment has {len(environment)} entries; expected at most {_MAX_ENVIRONMENT}."
        )
    for key, value in environment.items():
        if not isinstance(key, str) or not re.fullmatch(_ENVIRONMENT_KEY, key):
            raise InvalidArgumentError(
                f"environment key {key!r} is not valid; expected a name matching {_ENVIRONMENT_KEY}."
            )
        if not isinstance(value, str) or not value:
            raise InvalidArgumentError(
                f"environment[{key!r}] must be a non-empty string, "
                f"not {type(value).__name__} (the value is not shown)."
            )
    return dict(environment)


def _checked_tags(tags: Any) -> dict[str, str]:
    if tags is None:
        return {}
    if not isinstance(tags, Mapping) or not all(
        isinstance(key, str) and 1 <= len(key) <= 128 and isinstance(value, str) and len(value) <= 256
        for key, value in tags.items()
    ):
        raise _fail("tags", tags, "a dict of string keys (1-128 characters) to string values (at most 256)")
    reserved = sorted(set(tags) & set(RUN_TAG_KEYS))
    if reserved:
        raise _fail("tags", tags, f"no keys reserved by this provider ({', '.join(reserved)})")
    return dict(tags)
