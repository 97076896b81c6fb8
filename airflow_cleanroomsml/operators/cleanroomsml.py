"""Operators for AWS Clean Rooms ML trained-model inference jobs."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from airflow.providers.amazon.aws.operators.base_aws import AwsBaseOperator
from airflow.providers.amazon.aws.utils.mixins import aws_template_fields

from airflow_cleanroomsml._compat import AirflowException, default_deferrable, mask_secret
from airflow_cleanroomsml.hooks.cleanroomsml import (
    TRAINED_MODEL_INFERENCE_JOB_CANCELLED,
    TRAINED_MODEL_INFERENCE_JOB_COMPLETE,
    CleanRoomsMLHook,
)
from airflow_cleanroomsml.inference_jobs import (
    InvalidArgumentError,
    parse_job_arn,
    resolve_job_reference,
    to_json_safe,
)
from airflow_cleanroomsml.links.cleanroomsml import CleanRoomsMLMembershipLink
from airflow_cleanroomsml.polling import raise_for_event
from airflow_cleanroomsml.start_request import RUN_TAG_KEYS, build_start_request, run_identity_tags

if TYPE_CHECKING:
    from collections.abc import Sequence

    from airflow.sdk import Context

XCOM_JOB_DESCRIPTION_KEY = "trained_model_inference_job"
"""XCom key of the final JSON-safe job description pushed by operators that wait for a job."""
REATTACHABLE_STATES = ("CREATE_PENDING", "CREATE_IN_PROGRESS", "ACTIVE")
"""Statuses of an earlier try's job that a retry waits on instead of starting another job."""
ACTIONS_IF_JOB_EXISTS = ("reattach", "fail", "start_new")
DEFAULT_XCOM_EXCLUSIONS = ("environment",)
"""Description fields left out of XCom unless asked for: the container's variables often hold secrets."""


def xcom_description(job: dict[str, Any], exclude: Sequence[str]) -> dict[str, Any]:
    """The JSON-safe description for XCom, without the ``exclude`` fields."""
    return {key: value for key, value in to_json_safe(job).items() if key not in exclude}


class CleanRoomsMLGetTrainedModelInferenceJobOperator(AwsBaseOperator[CleanRoomsMLHook]):
    """
    Describe a trained model inference job and return the description as XCom ``return_value``.

    The value is JSON-safe: timestamps are ISO-8601 strings with a timezone, and botocore's
    ``ResponseMetadata`` is left out, so downstream tasks can read
    ``ti.xcom_pull(task_ids=...)["status"]`` or template on it. The task log gets one line (name,
    status, ARN); the job's ``environment`` values are never logged.

    :param trained_model_inference_job_arn: The job's ARN. (templated)
    :param membership_identifier: The id of the membership holding the job; taken from the ARN
        when omitted, and checked against it when given. (templated)
    :param exclude_from_xcom: Top-level fields of the description to leave out of the XCom value.
        (default: ``("environment",)``: the inference container's variables often hold secrets;
        pass ``()`` to keep them)
    :param aws_conn_id: The Airflow connection used for AWS credentials.
        If this is ``None`` or empty then the default boto3 behaviour is used.
    :param region_name: AWS region_name. If not specified then the default boto3 behaviour is used.
    :param verify: Whether or not to verify SSL certificates. See:
        https://boto3.amazonaws.com/v1/documentation/api/latest/reference/core/session.html
    :param botocore_config: Configuration dictionary (key-values) for botocore client. See:
        https://botocore.amazonaws.com/v1/documentation/api/latest/reference/config.html
    """

    aws_hook_class = CleanRoomsMLHook
    template_fields: Sequence[str] = aws_template_fields(
        "trained_model_inference_job_arn", "membership_identifier"
    )
    ui_color = "#66c3ff"

    def __init__(
        self,
        *,
        trained_model_inference_job_arn: str,
        membership_identifier: str | None = None,
        exclude_from_xcom: Sequence[str] = DEFAULT_XCOM_EXCLUSIONS,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.trained_model_inference_job_arn = trained_model_inference_job_arn
        self.membership_identifier = membership_identifier
        self.exclude_from_xcom = tuple(exclude_from_xcom)

    def execute(self, context: Context) -> dict[str, Any]:
        resolve_job_reference(self.trained_model_inference_job_arn, self.membership_identifier)
        job = self.hook.get_trained_model_inference_job(
            self.trained_model_inference_job_arn, self.membership_identifier
        )
        self.log.info(
            "Trained model inference job %r is %s: %s",
            job.get("name"),
            job.get("status"),
            job.get("trainedModelInferenceJobArn"),
        )
        return xcom_description(job, self.exclude_from_xcom)


class _WaitsForJob(AwsBaseOperator[CleanRoomsMLHook]):
    """What the operators that can wait for a job share: the wait itself, deferred or not, and its end."""

    aws_hook_class = CleanRoomsMLHook
    operator_extra_links = (CleanRoomsMLMembershipLink(),)
    ui_color = "#66c3ff"

    def __init__(
        self,
        *,
        wait_for_completion: bool,
        waiter_delay: int,
        waiter_max_attempts: int,
        deferrable: bool,
        exclude_from_xcom: Sequence[str] = DEFAULT_XCOM_EXCLUSIONS,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.exclude_from_xcom = tuple(exclude_from_xcom)
        if isinstance(waiter_delay, bool) or not isinstance(waiter_delay, (int, float)) or waiter_delay <= 0:
            raise InvalidArgumentError(f"waiter_delay={waiter_delay!r} is not valid; expected seconds > 0.")
        if (
            isinstance(waiter_max_attempts, bool)
            or not isinstance(waiter_max_attempts, int)
            or waiter_max_attempts < 1
        ):
            raise InvalidArgumentError(
                f"waiter_max_attempts={waiter_max_attempts!r} is not valid; expected a whole number >= 1."
            )
        self.wait_for_completion = wait_for_completion
        self.waiter_delay = waiter_delay
        self.waiter_max_attempts = waiter_max_attempts
        self.deferrable = deferrable
        self.job_arn: str | None = None

    def _persist_link(self, context: Context, arn: str) -> None:
        job = parse_job_arn(arn)
        CleanRoomsMLMembershipLink.persist(
            context=context,
            operator=self,
            region_name=job.region,
            aws_partition=job.partition,
            membership_id=job.membership_id,
        )

    def _wait(self, context: Context, arn: str, waiter_name: str, cancel_on_kill: bool) -> str:
        """Wait for the job, in this worker or deferred to the triggerer; return its ARN."""
        from airflow_cleanroomsml.triggers.cleanroomsml import (
            CleanRoomsMLTrainedModelInferenceJobCancelledTrigger,
            CleanRoomsMLTrainedModelInferenceJobCompleteTrigger,
        )

        budget = self.waiter_delay * self.waiter_max_attempts
        if self.deferrable:
            trigger_class = (
                CleanRoomsMLTrainedModelInferenceJobCompleteTrigger
                if waiter_name == TRAINED_MODEL_INFERENCE_JOB_COMPLETE
                else CleanRoomsMLTrainedModelInferenceJobCancelledTrigger
            )
            self.defer(
                trigger=trigger_class(
                    trained_model_inference_job_arn=arn,
                    # The trigger polls in whole seconds; never 0, which would poll without pause.
                    waiter_delay=max(1, round(self.waiter_delay)),
                    waiter_max_attempts=self.waiter_max_attempts,
                    deadline=time.time() + budget,
                    cancel_on_kill=cancel_on_kill,
                    aws_conn_id=self.aws_conn_id,
                    region_name=self.region_name,
                    verify=self.verify,
                    botocore_config=self.botocore_config,
                ),
                method_name="execute_complete",
                # A backstop only: the trigger's own deadline fires first and says what it saw.
                timeout=timedelta(seconds=budget + self.waiter_delay + 60),
            )
        event = self.hook.wait_for_trained_model_inference_job(
            arn,
            waiter_name=waiter_name,
            waiter_delay=self.waiter_delay,
            waiter_max_attempts=self.waiter_max_attempts,
        )
        return self._finish(context, event)

    def execute_complete(self, context: Context, event: dict[str, Any] | None = None) -> str:
        """Finish after the trigger fired: succeed only on a ``success`` event."""
        return self._finish(context, event)

    def _finish(self, context: Context, event: dict[str, Any] | None) -> str:
        arn = (event or {}).get("trained_model_inference_job_arn") or self.job_arn
        if arn and (event or {}).get("job_status"):
            job = self.hook.get_trained_model_inference_job(arn)
            context["ti"].xcom_push(
                key=XCOM_JOB_DESCRIPTION_KEY, value=xcom_description(job, self.exclude_from_xcom)
            )
        if (event or {}).get("status") == "timeout":
            self._on_timeout(arn)
        raise_for_event(event)
        self.log.info("%s", (event or {}).get("message"))
        return arn  # type: ignore[return-value]  # raise_for_event passed, so the event named it

    def _on_timeout(self, arn: str | None) -> None:
        """What to do with a job still running when the wait gives up (nothing, by default)."""


class CleanRoomsMLStartTrainedModelInferenceJobOperator(_WaitsForJob):
    """
    Start a trained model inference job, optionally wait until it is ``ACTIVE``, return its ARN.

    Every parameter of ``StartTrainedModelInferenceJob`` is an argument in snake_case, checked
    after templates are rendered and before any API call. The job's ARN is the XCom
    ``return_value``; when the operator waits, the final JSON-safe description is also pushed
    under the XCom key ``trained_model_inference_job`` (:data:`XCOM_JOB_DESCRIPTION_KEY`).

    **Retries never start a second job.** Every job started here is tagged with the DAG id, task
    id, run id and map index of the task instance that started it (``airflow:dag-id``,
    ``airflow:task-id``, ``airflow:run-id``, ``airflow:map-index``). Before starting, the operator
    lists the membership's jobs of the same trained model and name, and looks for one carrying
    those tags that is ``CREATE_PENDING``, ``CREATE_IN_PROGRESS`` or ``ACTIVE``: a job an earlier
    try of this same task instance started. ``action_if_job_exists`` says what to do with it:
    ``reattach`` waits on it instead of starting another, ``fail`` fails the task naming it, and
    ``start_new`` starts another job all the same. A job of an earlier try that failed or was
    cancelled is never reattached: the retry starts a new one.

    :param membership_identifier: The membership to run the job in. (templated)
    :param name: The job's name, 1 to 63 characters. (templated)
    :param trained_model_arn: The trained model to run. (templated)
    :param resource_config: ``{"instanceType": ..., "instanceCount": ...}``. (templated)
    :param output_configuration: ``{"members": [{"accountId": ...}], "accept": ...}``. (templated)
    :param data_source: ``{"mlInputChannelArn": ...}``. (templated)
    :param trained_model_version_identifier: The trained model's version (needs botocore with
        that member, 1.38 or later). (templated)
    :param configured_model_algorithm_association_arn: The configured model algorithm
        association. (templated)
    :param description: At most 255 characters. (templated)
    :param container_execution_parameters: ``{"maxPayloadInMB": ...}``. (templated)
    :param environment: Environment variables for the inference container, at most 16. Their
        values are registered with Airflow's secrets masker as soon as they are rendered, so they
        are masked in task logs and in the rendered-template view. (templated)
    :param kms_key_arn: KMS key for the job's output. (templated)
    :param tags: Tags for the job; the ``airflow:*`` keys above are reserved. (templated)
    :param exclude_from_xcom: Top-level fields of the description to leave out of the XCom
        ``trained_model_inference_job``. (default: ``("environment",)``)
    :param action_if_job_exists: ``reattach``, ``fail`` or ``start_new``; see above.
        (default: ``reattach``)
    :param wait_for_completion: Wait until the job is ``ACTIVE``; fail if it fails
        (``CREATE_FAILED``, ``CANCEL_FAILED``, ``INACTIVE``). (default: True)
    :param waiter_delay: Seconds between checks. (default: 60)
    :param waiter_max_attempts: The most checks; the wait gives up after
        ``waiter_delay * waiter_max_attempts`` seconds. (default: 720, twelve hours)
    :param deferrable: Wait in the triggerer instead of a worker slot.
        (default: ``[operators] default_deferrable``, False unless configured)
    :param cancel_on_kill: Cancel the job when the task is killed, marked failed or cleared, or
        when the wait gives up. While deferred, only Airflow 3.3 and later tell the trigger, so
        earlier versions leave the job running. (default: True)
    :param aws_conn_id: The Airflow connection used for AWS credentials.
    :param region_name: AWS region_name. If not specified then the default boto3 behaviour is used.
    :param verify: Whether or not to verify SSL certificates.
    :param botocore_config: Configuration dictionary (key-values) for botocore client, for example
        ``{"retries": {"mode": "standard", "max_attempts": 10}}``.
    """

    template_fields: Sequence[str] = aws_template_fields(
        "membership_identifier",
        "name",
        "trained_model_arn",
        "trained_model_version_identifier",
        "configured_model_algorithm_association_arn",
        "resource_config",
        "output_configuration",
        "data_source",
        "description",
        "container_execution_parameters",
        "environment",
        "kms_key_arn",
        "tags",
    )
    template_fields_renderers = {
        "resource_config": "json",
        "output_configuration": "json",
        "data_source": "json",
        "container_execution_parameters": "json",
        "environment": "json",
        "tags": "json",
    }

    def __init__(
        self,
        *,
        membership_identifier: str,
        name: str,
        trained_model_arn: str,
        resource_config: dict[str, Any] | str,
        output_configuration: dict[str, Any] | str,
        data_source: dict[str, Any] | str,
        trained_model_version_identifier: str | None = None,
        configured_model_algorithm_association_arn: str | None = None,
        description: str | None = None,
        container_execution_parameters: dict[str, Any] | str | None = None,
        environment: dict[str, str] | str | None = None,
        kms_key_arn: str | None = None,
        tags: dict[str, str] | str | None = None,
        action_if_job_exists: str = "reattach",
        wait_for_completion: bool = True,
        waiter_delay: int = 60,
        waiter_max_attempts: int = 720,
        deferrable: bool = default_deferrable(),
        cancel_on_kill: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            wait_for_completion=wait_for_completion,
            waiter_delay=waiter_delay,
            waiter_max_attempts=waiter_max_attempts,
            deferrable=deferrable,
            **kwargs,
        )
        if action_if_job_exists not in ACTIONS_IF_JOB_EXISTS:
            raise InvalidArgumentError(
                f"action_if_job_exists={action_if_job_exists!r} is not valid; expected one of "
                f"{', '.join(ACTIONS_IF_JOB_EXISTS)}."
            )
        self.membership_identifier = membership_identifier
        self.name = name
        self.trained_model_arn = trained_model_arn
        self.trained_model_version_identifier = trained_model_version_identifier
        self.configured_model_algorithm_association_arn = configured_model_algorithm_association_arn
        self.resource_config = resource_config
        self.output_configuration = output_configuration
        self.data_source = data_source
        self.description = description
        self.container_execution_parameters = container_execution_parameters
        self.environment = environment
        self.kms_key_arn = kms_key_arn
        self.tags = tags
        self.action_if_job_exists = action_if_job_exists
        self.cancel_on_kill = cancel_on_kill

    def render_template_fields(self, context: Context, jinja_env: Any = None) -> None:
        """Render, then register the environment values with the secrets masker before anything logs them."""
        super().render_template_fields(context, jinja_env)
        if isinstance(self.environment, dict):
            for value in self.environment.values():
                if isinstance(value, str) and value:
                    mask_secret(value)

    def execute(self, context: Context) -> str:
        ti = context["ti"]
        identity = run_identity_tags(
            ti.dag_id, ti.task_id, ti.run_id, ti.map_index if ti.map_index is not None else -1
        )
        request = build_start_request(
            membership_identifier=self.membership_identifier,
            name=self.name,
            trained_model_arn=self.trained_model_arn,
            resource_config=self.resource_config,
            output_configuration=self.output_configuration,
            data_source=self.data_source,
            trained_model_version_identifier=self.trained_model_version_identifier,
            configured_model_algorithm_association_arn=self.configured_model_algorithm_association_arn,
            description=self.description,
            container_execution_parameters=self.container_execution_parameters,
            environment=self.environment,
            kms_key_arn=self.kms_key_arn,
            tags=self.tags,
            extra_tags=identity,
        )
        earlier = None if self.action_if_job_exists == "start_new" else self._job_of_earlier_try(identity)
        if earlier and self.action_if_job_exists == "fail":
            raise AirflowException(
                f"An earlier try of this task already started trained model inference job {earlier} and it "
                "has not failed; action_if_job_exists='fail' forbids reattaching to it or starting another."
            )
        if earlier:
            self.log.info(
                "Reattaching to trained model inference job %s, started by an earlier try.", earlier
            )
            self.job_arn = earlier
        else:
            self.job_arn = self._start(request)
        self._persist_link(context, self.job_arn)
        if not self.wait_for_completion:
            return self.job_arn
        return self._wait(context, self.job_arn, TRAINED_MODEL_INFERENCE_JOB_COMPLETE, self.cancel_on_kill)

    def _job_of_earlier_try(self, identity: dict[str, str]) -> str | None:
        """The job an earlier try of this task instance started and that may still succeed, if any."""
        for summary in self.hook.list_trained_model_inference_jobs(
            self.membership_identifier, self.trained_model_arn, self.trained_model_version_identifier
        ):
            if summary["name"] != self.name or summary["status"] not in REATTACHABLE_STATES:
                continue
            job = self.hook.get_trained_model_inference_job(summary["trainedModelInferenceJobArn"])
            if all((job.get("tags") or {}).get(key) == identity[key] for key in RUN_TAG_KEYS):
                return job["trainedModelInferenceJobArn"]
        return None

    def _start(self, request: dict[str, Any]) -> str:
        client = self.hook.client
        try:
            arn = self.hook.start_trained_model_inference_job(**request)
        except client.exceptions.ConflictException as error:
            raise AirflowException(
                f"AWS Clean Rooms ML refused to start {self.name!r} ({error}). Another job or a change in "
                "progress conflicts with it: wait for it to finish or cancel it, then retry the task."
            ) from error
        except client.exceptions.ServiceQuotaExceededException as error:
            raise AirflowException(
                f"AWS Clean Rooms ML refused to start {self.name!r}: a service quota is reached ({error}). "
                "Wait for running inference jobs to finish, or ask for a higher quota in Service Quotas, "
                "then retry the task."
            ) from error
        self.log.info("Started trained model inference job %r: %s", self.name, arn)
        return arn

    def _on_timeout(self, arn: str | None) -> None:
        if self.cancel_on_kill and arn:
            self.log.warning("The wait gave up; cancelling trained model inference job %s.", arn)
            self.hook.cancel_trained_model_inference_job(arn)

    def on_kill(self) -> None:
        """Cancel the job this task started or reattached to, if ``cancel_on_kill``."""
        if self.cancel_on_kill and self.job_arn:
            self.hook.cancel_trained_model_inference_job(self.job_arn)


class CleanRoomsMLCancelTrainedModelInferenceJobOperator(_WaitsForJob):
    """
    Cancel a trained model inference job; optionally wait until it is ``INACTIVE``.

    Cancelling a job that has already finished (``ACTIVE``, ``CREATE_FAILED``, ``INACTIVE``,
    ``CANCEL_FAILED``) or is already being cancelled is not an error: the task succeeds and says
    so. Returns the job's ARN.

    :param trained_model_inference_job_arn: The job's ARN. (templated)
    :param membership_identifier: The membership holding the job; taken from the ARN when
        omitted, and checked against it when given. (templated)
    :param wait_for_completion: Wait until the job is ``INACTIVE``; fail if the cancellation
        fails (``CANCEL_FAILED``) or the job finishes first. (default: False)
    :param waiter_delay: Seconds between checks. (default: 30)
    :param waiter_max_attempts: The most checks. (default: 60)
    :param deferrable: Wait in the triggerer instead of a worker slot.
        (default: ``[operators] default_deferrable``, False unless configured)
    :param aws_conn_id: The Airflow connection used for AWS credentials.
    :param region_name: AWS region_name. If not specified then the default boto3 behaviour is used.
    :param verify: Whether or not to verify SSL certificates.
    :param botocore_config: Configuration dictionary (key-values) for botocore client.
    """

    template_fields: Sequence[str] = aws_template_fields(
        "trained_model_inference_job_arn", "membership_identifier"
    )

    def __init__(
        self,
        *,
        trained_model_inference_job_arn: str,
        membership_identifier: str | None = None,
        wait_for_completion: bool = False,
        waiter_delay: int = 30,
        waiter_max_attempts: int = 60,
        deferrable: bool = default_deferrable(),
        **kwargs: Any,
    ) -> None:
        super().__init__(
            wait_for_completion=wait_for_completion,
            waiter_delay=waiter_delay,
            waiter_max_attempts=waiter_max_attempts,
            deferrable=deferrable,
            **kwargs,
        )
        self.trained_model_inference_job_arn = trained_model_inference_job_arn
        self.membership_identifier = membership_identifier

    def execute(self, context: Context) -> str:
        job = resolve_job_reference(self.trained_model_inference_job_arn, self.membership_identifier)
        self.job_arn = job.arn
        self._persist_link(context, job.arn)
        asked = self.hook.cancel_trained_model_inference_job(job.arn, self.membership_identifier)
        if not (asked and self.wait_for_completion):
            return job.arn
        return self._wait(context, job.arn, TRAINED_MODEL_INFERENCE_JOB_CANCELLED, cancel_on_kill=False)
