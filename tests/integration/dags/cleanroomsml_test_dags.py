"""
DAGs the integration tests run with ``dag.test()``: get a job, wait on it in each sensor mode, use it.

Each run takes ``job_arn`` and ``out`` as run conf, so one parse serves every test: the last task
writes what it read from XCom to ``out``, and a failing wait writes its exception to ``out.error``.
"""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

import pendulum

try:
    from airflow.sdk import DAG, task
except ImportError:  # Airflow 2
    from airflow import DAG  # type: ignore[assignment]
    from airflow.decorators import task  # type: ignore[no-redef]

from airflow_cleanroomsml.operators.cleanroomsml import (
    XCOM_JOB_DESCRIPTION_KEY,
    CleanRoomsMLCancelTrainedModelInferenceJobOperator,
    CleanRoomsMLGetTrainedModelInferenceJobOperator,
    CleanRoomsMLStartTrainedModelInferenceJobOperator,
)
from airflow_cleanroomsml.sensors.cleanroomsml import CleanRoomsMLTrainedModelInferenceJobSensor

PREFIX = "arn:aws:cleanrooms-ml:us-east-1:123456789012:membership/00000000-0000-4000-8000-000000000001"
MODES = {
    "poke": {"mode": "poke", "deferrable": False},
    "reschedule": {"mode": "reschedule", "deferrable": False},
    "deferrable": {"mode": "poke", "deferrable": True},
}


class RecordingSensor(CleanRoomsMLTrainedModelInferenceJobSensor):
    """
    The sensor, writing the exception that fails it to ``<out>.error`` for the test to read.

    Failure callbacks would be the natural place, but Airflow 3.0 gives them no ``exception``, and
    where task logs go in ``dag.test()`` differs between versions.
    """

    def execute(self, context):
        with self._recorded(context):
            return super().execute(context)

    def execute_complete(self, context, event=None):
        with self._recorded(context):
            return super().execute_complete(context, event)

    @contextlib.contextmanager
    def _recorded(self, context):
        try:
            yield
        except BaseException as error:  # AirflowTaskTimeout is a BaseException on Airflow 3
            if type(error).__name__ not in ("AirflowRescheduleException", "TaskDeferred"):  # not an end
                Path(context["params"]["out"] + ".error").write_text(f"{type(error).__name__}: {error}")
            raise


@task
def record(value, templated_status: str, out: str) -> None:
    Path(out).write_text(json.dumps({"value": value, "templated_status": templated_status}))


for _name, _mode in {
    **MODES,
    "poke_timeout": MODES["poke"],
    "deferrable_timeout": MODES["deferrable"],
}.items():
    with DAG(
        f"cleanroomsml_sensor_{_name}",
        schedule=None,
        start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
        catchup=False,
        params={"job_arn": "", "out": ""},
    ) as _dag:
        get_job = CleanRoomsMLGetTrainedModelInferenceJobOperator(
            task_id="get_job", trained_model_inference_job_arn="{{ params.job_arn }}"
        )
        wait = RecordingSensor(
            task_id="wait",
            trained_model_inference_job_arn="{{ params.job_arn }}",
            poke_interval=1,
            timeout=3 if _name.endswith("timeout") else 30,
            **_mode,
        )
        final = CleanRoomsMLGetTrainedModelInferenceJobOperator(
            task_id="final_job", trained_model_inference_job_arn="{{ params.job_arn }}"
        )
        get_job >> wait >> final
        final >> record(
            final.output, "{{ ti.xcom_pull(task_ids='final_job')['status'] }}", "{{ params.out }}"
        )
    globals()[_dag.dag_id] = _dag


class CrashOnceStartOperator(CleanRoomsMLStartTrainedModelInferenceJobOperator):
    """The start operator on a worker that dies right after its first try started the job."""

    def create(self, request):
        created = super().create(request)
        if Path(self.crash_marker).exists():
            return created
        Path(self.crash_marker).write_text(created["trainedModelInferenceJobArn"])
        raise SystemExit("simulated worker death just after StartTrainedModelInferenceJob")


for _deferrable in (False, True):
    with DAG(
        f"cleanroomsml_start_{'deferrable' if _deferrable else 'worker'}",
        schedule=None,
        start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
        catchup=False,
        params={"out": ""},
    ) as _dag:
        start = CrashOnceStartOperator(
            task_id="start",
            membership_identifier="00000000-0000-4000-8000-000000000001",
            name="scoring-{{ run_id | replace(':', '-') | truncate(40, True, '') }}",
            trained_model_arn=f"{PREFIX}/trained-model/m1",
            resource_config={"instanceType": "ml.m5.xlarge", "instanceCount": 1},
            output_configuration={"members": [{"accountId": "123456789012"}]},
            data_source={"mlInputChannelArn": f"{PREFIX}/ml-input-channel/c1"},
            environment={"SCORING_INPUT": "{{ var.value.get('scoring_value', 'none') }}"},
            mask_environment_keys=("SCORING_INPUT",),
            deferrable=_deferrable,
            waiter_delay=1,
            retries=1,
            retry_delay=pendulum.duration(seconds=0),
        )
        start.crash_marker = "{{ params.out }}.crashed"
        start.template_fields = (*start.template_fields, "crash_marker")
        record(
            start.output,
            f"{{{{ ti.xcom_pull(task_ids='start', key='{XCOM_JOB_DESCRIPTION_KEY}')['status'] }}}}",
            "{{ params.out }}",
        )
    globals()[_dag.dag_id] = _dag


# One DAG per mode, soft_fail and cancel_on_kill: the same situation must end the same way in each.
# The "patient" ones time out long after the reads a missing job is given, so that reschedule's
# per-reschedule overhead on a loaded machine cannot turn "never found" into a timeout; the "exec"
# ones end on the task's execution_timeout (3 s) long before their own timeout.
for _name, _mode in MODES.items():
    for _soft_fail in (False, True):
        for _cancel, _timeout, _suffix in (
            (False, 4, ""),
            (True, 4, ""),
            (False, 60, "_patient"),
            (False, 60, "_exec"),
            (True, 60, "_exec"),
        ):
            _dag_id = f"cleanroomsml_outcome_{_name}_{'soft' if _soft_fail else 'hard'}"
            with DAG(
                f"{_dag_id}_{'cancel' if _cancel else 'keep'}{_suffix}",
                schedule=None,
                start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
                catchup=False,
                params={"job_arn": "", "out": ""},
            ) as _dag:
                RecordingSensor(
                    task_id="wait",
                    trained_model_inference_job_arn="{{ params.job_arn }}",
                    poke_interval=1,
                    timeout=_timeout,
                    soft_fail=_soft_fail,
                    cancel_on_kill=_cancel,
                    execution_timeout=pendulum.duration(seconds=3) if _suffix == "_exec" else None,
                    **_mode,
                )
            globals()[_dag.dag_id] = _dag


class RecordingStartOperator(CleanRoomsMLStartTrainedModelInferenceJobOperator):
    """The start operator, writing the exception that fails it to ``<out>.error`` (see RecordingSensor)."""

    def execute(self, context):
        with RecordingSensor._recorded(self, context):
            return super().execute(context)


def start_task(**arguments):
    return RecordingStartOperator(
        task_id="start",
        membership_identifier="00000000-0000-4000-8000-000000000001",
        trained_model_arn=f"{PREFIX}/trained-model/m1",
        resource_config={"instanceType": "ml.m5.xlarge", "instanceCount": 1},
        output_configuration={"members": [{"accountId": "123456789012"}]},
        data_source={"mlInputChannelArn": f"{PREFIX}/ml-input-channel/c1"},
        waiter_delay=0.2,
        **arguments,
    )


# Ordinary values reach AWS, logs and the rendered-template view as written; a sensitive one is masked.
with DAG(
    "cleanroomsml_start_as_written",
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    params={"out": ""},
) as _dag:
    start_task(
        name="batch-scoring-false",
        environment={
            "MODE": "batch",
            "FLAG": "false",
            "AWS_REGION": "us-east-1",
            "BATCH_SIZE": "12345",
            "API_TOKEN": "{{ var.value.get('scoring_token', 'none') }}",
        },
        tags={"team": "batch"},
    )
globals()[_dag.dag_id] = _dag

# Native rendering turns digit strings into numbers, and a name may carry a newline.
for _name, _arguments in {"native": {}, "newline": {"name": "{{ params.job_name }}"}}.items():
    with DAG(
        f"cleanroomsml_start_{_name}",
        schedule=None,
        start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
        catchup=False,
        params={"out": "", "job_name": "scoring\n"},
        render_template_as_native_obj=_name == "native",
    ) as _dag:
        start_task(**{"name": "scoring", **_arguments})
    globals()[_dag.dag_id] = _dag

# A mapped start: Airflow renders mapped tasks through the unmapped operator's _do_render_template_fields.
with DAG(
    "cleanroomsml_start_mapped",
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    params={"out": ""},
) as _dag:
    CleanRoomsMLStartTrainedModelInferenceJobOperator.partial(
        task_id="start",
        membership_identifier="00000000-0000-4000-8000-000000000001",
        trained_model_arn=f"{PREFIX}/trained-model/m1",
        resource_config={"instanceType": "ml.m5.xlarge", "instanceCount": 1},
        output_configuration={"members": [{"accountId": "123456789012"}]},
        data_source={"mlInputChannelArn": f"{PREFIX}/ml-input-channel/c1"},
        environment={"SCORING_INPUT": "{{ var.value.get('scoring_value', 'none') }}", "MODE": "batch"},
        mask_environment_keys=("SCORING_INPUT",),
        waiter_delay=0.2,
    ).expand(name=["mapped-scoring-a", "mapped-scoring-b"])
globals()[_dag.dag_id] = _dag

# Plain classes (no recording subclass, which would itself call execute from execute): Airflow
# refuses an operator's execute called from another's when allow_nested_operators=False.
with DAG(
    "cleanroomsml_plain",
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    params={"job_arn": ""},
) as _dag:
    _poke = CleanRoomsMLTrainedModelInferenceJobSensor(
        task_id="wait_poke",
        trained_model_inference_job_arn="{{ params.job_arn }}",
        poke_interval=0.2,
        timeout=10,
        allow_nested_operators=False,
    )
    _deferred = CleanRoomsMLTrainedModelInferenceJobSensor(
        task_id="wait_deferred",
        trained_model_inference_job_arn="{{ params.job_arn }}",
        poke_interval=0.2,
        timeout=10,
        deferrable=True,
        allow_nested_operators=False,
    )
    _cancel = CleanRoomsMLCancelTrainedModelInferenceJobOperator(
        task_id="cancel",
        trained_model_inference_job_arn="{{ params.job_arn }}",
        wait_for_completion=True,
        waiter_delay=0.2,
        deferrable=True,
        allow_nested_operators=False,
    )
    _poke >> _deferred >> _cancel
globals()[_dag.dag_id] = _dag
