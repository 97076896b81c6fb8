"""Sensor that waits for a Clean Rooms ML trained-model inference job to finish."""

from __future__ import annotations

import math
import time
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from airflow.providers.amazon.aws.sensors.base_aws import AwsBaseSensor
from airflow.providers.amazon.aws.utils.mixins import aws_template_fields

from airflow_cleanroomsml._compat import AirflowException, AirflowSensorTimeout, default_deferrable
from airflow_cleanroomsml.hooks.cleanroomsml import CleanRoomsMLHook
from airflow_cleanroomsml.inference_jobs import (
    FAILURE_STATES,
    INTERMEDIATE_STATES,
    NOT_FOUND_READS_TOLERATED,
    SUCCESS_STATES,
    describe_status,
    not_found_message,
    resolve_job_reference,
)
from airflow_cleanroomsml.polling import raise_for_event

if TYPE_CHECKING:
    from collections.abc import Sequence

    from airflow.sdk import Context


class CleanRoomsMLTrainedModelInferenceJobSensor(AwsBaseSensor[CleanRoomsMLHook]):
    """
    Wait until a trained model inference job is ``ACTIVE``; fail if it fails.

    ``ACTIVE`` is success. ``CREATE_FAILED``, ``CANCEL_FAILED`` and ``INACTIVE`` fail the task with
    the job's ARN, status and ``statusDetails``. Every other status keeps waiting.

    A job that is not found is taken to be not visible yet (eventual consistency right after it was
    started) for up to ``NOT_FOUND_READS_TOLERATED`` (3) consecutive reads, then fails the task.
    In ``reschedule`` mode the count starts again at each reschedule; ``timeout`` bounds it.

    Works in ``poke``, ``reschedule`` and deferrable mode. Deferred, it checks the job once first and
    finishes without deferring when the job is already done; otherwise the trigger polls every
    ``poke_interval`` seconds until ``timeout`` seconds have passed, as in the other modes.

    .. seealso::
        For more information on how to use this sensor, take a look at the README.

    :param trained_model_inference_job_arn: The job's ARN. (templated)
    :param membership_identifier: The id of the membership holding the job; taken from the ARN
        when omitted, and checked against it when given. (templated)
    :param deferrable: Wait in the triggerer instead of a worker slot. This mode requires the
        aiobotocore module, which this provider installs.
        (default: ``[operators] default_deferrable``, False unless configured)
    :param cancel_on_kill: In deferrable mode, cancel the job when a user kills the task (marks
        it failed, clears it) or when ``timeout`` passes. While deferred, only Airflow 3.3 and
        later tell the trigger of a kill, so earlier versions leave the job running then;
        ``poke`` and ``reschedule`` mode never cancel.
        (default: True)
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

    SUCCESS_STATES = SUCCESS_STATES
    FAILURE_STATES = FAILURE_STATES
    INTERMEDIATE_STATES = INTERMEDIATE_STATES

    def __init__(
        self,
        *,
        trained_model_inference_job_arn: str,
        membership_identifier: str | None = None,
        deferrable: bool = default_deferrable(),
        cancel_on_kill: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.trained_model_inference_job_arn = trained_model_inference_job_arn
        self.membership_identifier = membership_identifier
        self.deferrable = deferrable
        self.cancel_on_kill = cancel_on_kill
        self._not_found_reads = 0
        self._last_status: str | None = None

    def execute(self, context: Context) -> Any:
        resolve_job_reference(self.trained_model_inference_job_arn, self.membership_identifier)
        if not self.deferrable:
            try:
                return super().execute(context)
            except AirflowSensorTimeout as error:
                raise AirflowSensorTimeout(
                    f"{error} The job's last status was {self._last_status}."
                ) from error
        if self.poke(context):
            return None
        from airflow_cleanroomsml.triggers.cleanroomsml import (
            CleanRoomsMLTrainedModelInferenceJobCompleteTrigger,
        )

        delay = max(1, round(self.poke_interval))
        self.defer(
            trigger=CleanRoomsMLTrainedModelInferenceJobCompleteTrigger(
                trained_model_inference_job_arn=self.trained_model_inference_job_arn,
                membership_identifier=self.membership_identifier,
                waiter_delay=delay,
                waiter_max_attempts=max(1, math.ceil(self.timeout / delay)),
                deadline=time.time() + self.timeout,
                cancel_on_kill=self.cancel_on_kill,
                aws_conn_id=self.aws_conn_id,
                region_name=self.region_name,
                verify=self.verify,
                botocore_config=self.botocore_config,
            ),
            method_name="execute_complete",
            # A backstop only: the trigger's own deadline fires first and says what it saw.
            timeout=timedelta(seconds=self.timeout + delay + 60),
        )

    def poke(self, context: Context) -> bool:
        from botocore.exceptions import ClientError

        try:
            job = self.hook.get_trained_model_inference_job(
                self.trained_model_inference_job_arn, self.membership_identifier
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "ResourceNotFoundException":
                raise
            self._not_found_reads += 1
            if self._not_found_reads > NOT_FOUND_READS_TOLERATED:
                raise AirflowException(
                    not_found_message(self.trained_model_inference_job_arn, self._not_found_reads)
                ) from error
            self.log.warning("Job not found yet (read %d); it may not be visible yet.", self._not_found_reads)
            return False
        self._not_found_reads = 0
        status = self._last_status = job["status"]
        if status in self.FAILURE_STATES:
            raise AirflowException(describe_status(job))
        self.log.info("%s", describe_status(job))
        return status in self.SUCCESS_STATES

    def on_kill(self) -> None:
        """In deferrable mode, cancel the job when the task is killed before it deferred."""
        if self.deferrable and self.cancel_on_kill:
            self.hook.cancel_trained_model_inference_job(
                self.trained_model_inference_job_arn, self.membership_identifier
            )

    def execute_complete(self, context: Context, event: dict[str, Any] | None = None) -> None:
        """Finish after the trigger fired: succeed only on a ``success`` event."""
        if event and event.get("status") == "timeout" and self.cancel_on_kill:
            self.log.warning("The wait gave up; cancelling job %s.", self.trained_model_inference_job_arn)
            self.hook.cancel_trained_model_inference_job(
                self.trained_model_inference_job_arn, self.membership_identifier
            )
        self.log.info("%s", raise_for_event(event, timeout_error=AirflowSensorTimeout)["message"])
