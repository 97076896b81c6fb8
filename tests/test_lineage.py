"""What each create or start operation reads and makes, in OpenLineage's naming (``lineage.py``)."""

from __future__ import annotations

import json

import pytest

from airflow_cleanroomsml import kinds
from airflow_cleanroomsml.lineage import (
    LINEAGE,
    RUN_FACET,
    Named,
    clean_rooms_dataset,
    export_dataset,
    glue_table_dataset,
    lineage_of,
    s3_dataset,
)

ACCOUNT = "arn:aws:cleanrooms-ml:us-east-1:123456789012"
M = "membership/00000000-0000-4000-8000-000000000001"
MODEL = f"{ACCOUNT}:{M}/trained-model/m1"
CHANNEL = f"{ACCOUNT}:{M}/ml-input-channel/c1"
JOB = f"{ACCOUNT}:{M}/trained-model-inference-job/j1"
DATASET = f"{ACCOUNT}:training-dataset/t1"
CONFIGURED = f"{ACCOUNT}:configured-audience-model/c1"
AUDIENCE_MODEL = f"{ACCOUNT}:audience-model/a1"
GENERATION_JOB = f"{ACCOUNT}:audience-generation-job/g1"


def reads(answers):
    """A read that answers from ``answers`` (operation -> response) and records what it was asked."""
    asked = []

    def read(operation, **request):
        asked.append((operation, request))
        answer = answers[operation]
        if isinstance(answer, Exception):
            raise answer
        return answer

    read.asked = asked
    return read


def test_names_follow_openlineage_naming():
    assert clean_rooms_dataset(MODEL) == Named(ACCOUNT, f"{M}/trained-model/m1")
    assert clean_rooms_dataset(AUDIENCE_MODEL) == Named(ACCOUNT, "audience-model/a1")
    assert clean_rooms_dataset("arn:aws-cn:cleanrooms-ml:cn-north-1:123456789012:audience-model/a") == Named(
        "arn:aws-cn:cleanrooms-ml:cn-north-1:123456789012", "audience-model/a"
    )
    assert export_dataset(MODEL, "to-partner") == Named(ACCOUNT, f"{M}/trained-model/m1/export/to-partner")
    assert glue_table_dataset("aws", "us-east-1", "123456789012", "db", "purchases") == Named(
        "arn:aws:glue:us-east-1:123456789012", "table/db/purchases"
    )
    assert s3_dataset("s3://bucket/seeds/seed.csv") == Named("s3://bucket", "seeds/seed.csv")
    assert s3_dataset("s3://bucket/exports/") == Named("s3://bucket", "exports")
    assert s3_dataset("s3://bucket") == Named("s3://bucket", "/")


def test_every_create_or_start_operation_of_the_provider_is_declared():
    from airflow_cleanroomsml.iam import public_classes, role_of

    operations = {cls.operation for cls in public_classes() if role_of(cls) == "start"}
    assert operations == set(LINEAGE)


@pytest.mark.parametrize(
    ("operation", "kind", "request_", "reference", "inputs", "outputs"),
    [
        (
            "CreateTrainedModel",
            kinds.TRAINED_MODEL,
            {
                "dataChannels": [{"mlInputChannelArn": CHANNEL, "channelName": "train"}],
                "incrementalTrainingDataChannels": [{"trainedModelArn": f"{ACCOUNT}:{M}/trained-model/old"}],
                "hyperparameters": {"learning_rate": "0.1"},
            },
            {"trainedModelArn": MODEL},
            [CHANNEL, f"{ACCOUNT}:{M}/trained-model/old"],
            [MODEL],
        ),
        (
            "StartTrainedModelInferenceJob",
            kinds.TRAINED_MODEL_INFERENCE_JOB,
            {
                "trainedModelArn": MODEL,
                "dataSource": {"mlInputChannelArn": CHANNEL},
                "environment": {"K": "v"},
            },
            {"trainedModelInferenceJobArn": JOB},
            [MODEL, CHANNEL],
            [JOB],
        ),
        (
            "CreateMLInputChannel",
            kinds.ML_INPUT_CHANNEL,
            {"inputChannel": {"dataSource": {}, "roleArn": "arn:aws:iam::123456789012:role/r"}},
            {"mlInputChannelArn": CHANNEL},
            [],
            [CHANNEL],
        ),
    ],
)
def test_inputs_are_the_resources_a_request_names_outputs_what_it_made(
    operation, kind, request_, reference, inputs, outputs
):
    got = lineage_of(operation, kind, request_, reference, reads({}))
    assert got == (
        [clean_rooms_dataset(arn) for arn in inputs],
        [clean_rooms_dataset(arn) for arn in outputs],
    )


def test_an_export_is_named_after_its_parent_and_reads_it():
    reference = {"membershipIdentifier": M.split("/")[1], "trainedModelArn": MODEL, "name": "to-partner"}
    inputs, outputs = lineage_of(
        "StartTrainedModelExportJob",
        kinds.TRAINED_MODEL_EXPORT_JOB,
        {"trainedModelArn": MODEL},
        reference,
        reads({}),
    )
    assert (inputs, outputs) == ([clean_rooms_dataset(MODEL)], [export_dataset(MODEL, "to-partner")])


def test_an_audience_model_reads_its_training_dataset_and_its_glue_tables():
    read = reads(
        {
            "GetTrainingDataset": {
                "trainingData": [
                    {
                        "inputConfig": {
                            "dataSource": {"glueDataSource": {"databaseName": "db", "tableName": "t"}}
                        }
                    },
                    {
                        "inputConfig": {
                            "dataSource": {
                                "glueDataSource": {
                                    "databaseName": "shared",
                                    "tableName": "u",
                                    "catalogId": "999999999999",
                                }
                            }
                        }
                    },
                ]
            }
        }
    )
    inputs, outputs = lineage_of(
        "CreateAudienceModel",
        kinds.AUDIENCE_MODEL,
        {"trainingDatasetArn": DATASET},
        {"audienceModelArn": AUDIENCE_MODEL},
        read,
    )
    assert inputs == [
        clean_rooms_dataset(DATASET),
        Named("arn:aws:glue:us-east-1:123456789012", "table/db/t"),
        Named("arn:aws:glue:us-east-1:999999999999", "table/shared/u"),
    ]
    assert outputs == [clean_rooms_dataset(AUDIENCE_MODEL)]
    assert read.asked == [("GetTrainingDataset", {"trainingDatasetArn": DATASET})]


def test_a_generation_job_reads_its_configured_model_the_audience_model_it_uses_and_an_s3_seed():
    read = reads({"GetConfiguredAudienceModel": {"audienceModelArn": AUDIENCE_MODEL}})
    request = {
        "configuredAudienceModelArn": CONFIGURED,
        "seedAudience": {
            "dataSource": {"s3Uri": "s3://seeds/2026/seed.csv"},
            "roleArn": "arn:aws:iam::1:role/r",
        },
    }
    inputs, outputs = lineage_of(
        "StartAudienceGenerationJob",
        kinds.AUDIENCE_GENERATION_JOB,
        request,
        {"audienceGenerationJobArn": GENERATION_JOB},
        read,
    )
    assert inputs == [
        clean_rooms_dataset(CONFIGURED),
        Named("s3://seeds", "2026/seed.csv"),
        clean_rooms_dataset(AUDIENCE_MODEL),
    ]
    assert outputs == [clean_rooms_dataset(GENERATION_JOB)]


def test_a_seed_from_sql_adds_no_input_and_never_its_query():
    read = reads({"GetConfiguredAudienceModel": {"audienceModelArn": AUDIENCE_MODEL}})
    request = {
        "configuredAudienceModelArn": CONFIGURED,
        "seedAudience": {"sqlParameters": {"queryString": "SELECT 1"}},
    }
    inputs, _ = lineage_of(
        "StartAudienceGenerationJob",
        kinds.AUDIENCE_GENERATION_JOB,
        request,
        {"audienceGenerationJobArn": GENERATION_JOB},
        read,
    )
    assert inputs == [clean_rooms_dataset(CONFIGURED), clean_rooms_dataset(AUDIENCE_MODEL)]
    assert "SELECT" not in repr(inputs)


def test_an_audience_export_writes_to_its_configured_models_s3_destination():
    read = reads(
        {
            "GetAudienceGenerationJob": {"configuredAudienceModelArn": CONFIGURED},
            "GetConfiguredAudienceModel": {
                "outputConfig": {"destination": {"s3Destination": {"s3Uri": "s3://out/seg/"}}}
            },
        }
    )
    reference = {"audienceGenerationJobArn": GENERATION_JOB, "name": "top-10000"}
    inputs, outputs = lineage_of(
        "StartAudienceExportJob",
        kinds.AUDIENCE_EXPORT_JOB,
        {"audienceGenerationJobArn": GENERATION_JOB},
        reference,
        read,
    )
    assert inputs == [clean_rooms_dataset(GENERATION_JOB)]
    assert outputs == [export_dataset(GENERATION_JOB, "top-10000"), Named("s3://out", "seg")]
    assert [operation for operation, _ in read.asked] == [
        "GetAudienceGenerationJob",
        "GetConfiguredAudienceModel",
    ]


def test_a_read_that_fails_leaves_out_what_it_would_find_and_nothing_else(caplog):
    from botocore.exceptions import ClientError

    denied = ClientError(
        {"Error": {"Code": "AccessDeniedException", "Message": "no"}}, "GetAudienceGenerationJob"
    )
    read = reads({"GetAudienceGenerationJob": denied})
    reference = {"audienceGenerationJobArn": GENERATION_JOB, "name": "top-10000"}
    inputs, outputs = lineage_of(
        "StartAudienceExportJob",
        kinds.AUDIENCE_EXPORT_JOB,
        {"audienceGenerationJobArn": GENERATION_JOB},
        reference,
        read,
    )
    assert (inputs, outputs) == (
        [clean_rooms_dataset(GENERATION_JOB)],
        [export_dataset(GENERATION_JOB, "top-10000")],
    )
    assert "GetAudienceGenerationJob" in caplog.text


class FakeHook:
    """The hook's two methods lineage uses, answering from a dict."""

    def __init__(self, answers, description):
        self.answers, self.description = answers, description

    def call(self, operation, **request):
        return self.answers[operation]

    def read(self, kind, reference):
        return self.description


def test_the_operator_reports_what_it_made_its_status_and_nothing_secret():
    pytest.importorskip("airflow.providers.openlineage")
    from openlineage.client.serde import Serde

    from airflow_cleanroomsml.operators.cleanroomsml import CleanRoomsMLStartTrainedModelInferenceJobOperator

    operator = CleanRoomsMLStartTrainedModelInferenceJobOperator(
        task_id="score",
        membership_identifier=M.split("/")[1],
        name="scoring",
        trained_model_arn=MODEL,
        resource_config={"instanceType": "ml.m5.xlarge", "instanceCount": 1},
        output_configuration={"members": [{"accountId": "123456789012"}]},
        data_source={"mlInputChannelArn": CHANNEL},
        environment={"API_TOKEN": "s3cr3t-token"},
    )
    assert operator.get_openlineage_facets_on_complete(None) is None, "nothing made, nothing to say"
    operator.created = {"membershipIdentifier": M.split("/")[1], "trainedModelInferenceJobArn": JOB}
    operator.__dict__["hook"] = FakeHook(
        {}, {"name": "scoring", "status": "ACTIVE", "environment": {"API_TOKEN": "x"}}
    )
    lineage = operator.get_openlineage_facets_on_complete(None)
    assert [(d.namespace, d.name) for d in lineage.inputs] == [
        clean_rooms_dataset(MODEL),
        clean_rooms_dataset(CHANNEL),
    ]
    assert [(d.namespace, d.name) for d in lineage.outputs] == [clean_rooms_dataset(JOB)]
    facet = json.loads(Serde.to_json(lineage.run_facets[RUN_FACET]))
    assert {key: facet[key] for key in ("resourceType", "arn", "name", "status")} == {
        "resourceType": "trained model inference job",
        "arn": JOB,
        "name": "scoring",
        "status": "ACTIVE",
    }
    everything = Serde.to_json(lineage.run_facets) + repr(lineage.inputs) + repr(lineage.outputs)
    assert "s3cr3t-token" not in everything
    assert "API_TOKEN" not in everything


def test_the_status_read_failing_still_reports_what_was_made():
    pytest.importorskip("airflow.providers.openlineage")
    from airflow_cleanroomsml.operators.cleanroomsml import CleanRoomsMLStartAudienceExportJobOperator

    class Failing(FakeHook):
        def read(self, kind, reference):
            raise RuntimeError("throttled")

        def call(self, operation, **request):
            raise RuntimeError("throttled")

    operator = CleanRoomsMLStartAudienceExportJobOperator(
        task_id="export",
        name="top",
        audience_generation_job_arn=GENERATION_JOB,
        audience_size={"type": "ABSOLUTE", "value": 1},
    )
    operator.created = {"audienceGenerationJobArn": GENERATION_JOB, "name": "top"}
    operator.__dict__["hook"] = Failing({}, {})
    lineage = operator.get_openlineage_facets_on_complete(None)
    assert [(d.namespace, d.name) for d in lineage.outputs] == [export_dataset(GENERATION_JOB, "top")]
    facet = lineage.run_facets[RUN_FACET]
    assert (facet.status, facet.parentArn, facet.arn) == (None, GENERATION_JOB, None)
