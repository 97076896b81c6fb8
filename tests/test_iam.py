"""The permissions each class needs (derived from its declaration) and the policy of DAG files."""

from __future__ import annotations

import json
import re
import textwrap
from pathlib import Path

import pytest

from airflow_cleanroomsml import iam
from airflow_cleanroomsml.validation import service_model

README = Path(__file__).parents[1] / "README.md"
ACCOUNT = "arn:aws:cleanrooms-ml:us-east-1:123456789012"
MEMBERSHIP_ID = "00000000-0000-4000-8000-000000000001"
M = f"membership/{MEMBERSHIP_ID}"


def test_every_public_class_declares_the_actions_of_its_calls():
    classes = iam.public_classes()
    assert len(classes) >= 25
    operations = set(service_model().operation_names)
    for cls in classes:
        needs = iam.needs_of(cls)
        assert needs, cls.__name__
        for need in needs:
            service, _, name = need.action.partition(":")
            assert (service == "cleanrooms-ml" and name in operations) or need.action in (
                "iam:PassRole",
                "cleanrooms:PassMembership",
                "cleanrooms:PassCollaboration",
            ), need


def test_every_call_that_takes_a_membership_or_collaboration_passes_it_with_the_same_conditions():
    for cls in iam.public_classes():
        needs = iam.needs_of(cls)
        for need in needs:
            if not need.action.startswith("cleanrooms-ml:"):
                continue
            members = service_model().operation_model(need.action.partition(":")[2]).input_shape.members
            for member, (passing, resource_type) in iam.PASSED.items():
                if member in members:
                    on = iam.PASSES_ON[resource_type]
                    assert need._replace(action=passing, on=on) in needs, (cls.__name__, need)
    assert iam.passes_of("GetTrainedModel") == (("cleanrooms:PassMembership", "@membership"),)
    assert iam.passes_of("ListCollaborationTrainedModelExportJobs") == (
        ("cleanrooms:PassCollaboration", "@collaboration"),
    )
    assert iam.passes_of("GetAudienceModel") == ()


def test_a_start_operator_lists_before_it_creates_and_tags_and_passes_roles_as_its_request_does():
    for cls in iam.public_classes():
        if iam.role_of(cls) != "start":
            continue
        needs = iam.needs_of(cls)
        reattach = [need for need in needs if need.when == ("reattach",) and need.essential]
        assert reattach, f"{cls.__name__}: finding an earlier try's is a List, made before the create"
        assert {need.phase for need in reattach} == {"before"}
        creates = [need for need in needs if need.action == iam.action(cls.operation)]
        assert creates
        assert {need.phase for need in creates} == {"create"}
        tags = any(need.action == "cleanrooms-ml:TagResource" for need in needs)
        assert tags == ("tags" in cls.request_members), cls.__name__
        roles = [need.on for need in needs if need.action == "iam:PassRole"]
        assert roles == list(iam.role_paths(cls.operation)), cls.__name__


def test_the_roles_a_request_carries_are_found_in_the_service_model():
    assert iam.role_paths("CreateMLInputChannel") == ("inputChannel.roleArn",)
    assert iam.role_paths("StartAudienceGenerationJob") == ("seedAudience.roleArn",)
    assert iam.role_paths("CreateTrainedModel") == ()
    assert iam.role_paths("StartTrainedModelInferenceJob") == ()


def test_arn_scopes_and_segments_come_from_the_service_model():
    scopes = iam.arn_scopes()
    assert scopes["trained-model"] is True
    assert scopes["configured-model-algorithm-association"] is True
    assert scopes["audience-model"] is False
    assert iam.segment_of("dataSource.mlInputChannelArn") == "ml-input-channel"
    assert (
        iam.segment_of("configuredModelAlgorithmAssociations[]") == "configured-model-algorithm-association"
    )


@pytest.mark.skipif(not README.exists(), reason="the README is the repository's, not the installed wheel's")
def test_the_readme_shows_the_generated_table_of_actions_per_class():
    text = README.read_text()
    start, end = "<!-- iam-table:start -->\n", "<!-- iam-table:end -->"
    assert start in text, "the README's table has its markers"
    assert end in text, "the README's table has its markers"
    shown = text.split(start, 1)[1].split(end, 1)[0].strip()
    assert shown == iam.markdown_table(), (
        "The README's table of actions per class is out of date: replace it with the output of "
        "`python -m airflow_cleanroomsml.iam --table`."
    )


DAG_FILE = f'''
from __future__ import annotations

import pendulum

try:
    from airflow.sdk import DAG, task
except ImportError:
    from airflow import DAG
    from airflow.decorators import task

from airflow_cleanroomsml.hooks.cleanroomsml import CleanRoomsMLHook
from airflow_cleanroomsml.operators.cleanroomsml import (
    CleanRoomsMLGetAudienceModelOperator,
    CleanRoomsMLGetTrainedModelOperator,
    CleanRoomsMLStartAudienceExportJobOperator,
    CleanRoomsMLStartTrainedModelInferenceJobOperator,
)
from airflow_cleanroomsml.sensors.cleanroomsml import CleanRoomsMLMLInputChannelSensor


@task
def read_generically():
    CleanRoomsMLHook().call("GetTrainedModel", membershipIdentifier="m", trainedModelArn="x")


@task
def repoint():
    CleanRoomsMLHook().update_configured_audience_model(
        configured_audience_model_arn="{ACCOUNT}:configured-audience-model/c", audience_model_arn="x"
    )


with DAG("policy_of_a_file", schedule=None, start_date=pendulum.datetime(2026, 1, 1, tz="UTC")):
    CleanRoomsMLStartTrainedModelInferenceJobOperator(
        task_id="score",
        membership_identifier="{MEMBERSHIP_ID}",
        name="s",
        trained_model_arn="{ACCOUNT}:{M}/trained-model/m1",
        resource_config={{"instanceType": "ml.m5.xlarge", "instanceCount": 1}},
        output_configuration={{"members": [{{"accountId": "123456789012"}}]}},
        data_source={{"mlInputChannelArn": "{{{{ params.channel }}}}"}},
        action_if_exists="start_new",
        cancel_on_kill=False,
    )
    CleanRoomsMLMLInputChannelSensor(
        task_id="wait_channel",
        ml_input_channel_arn="{{{{ params.channel }}}}",
        membership_identifier="{MEMBERSHIP_ID}",
        deferrable=True,
    )
    CleanRoomsMLGetAudienceModelOperator(task_id="describe", audience_model_arn="{ACCOUNT}:audience-model/a1")
    CleanRoomsMLStartAudienceExportJobOperator.partial(
        task_id="exports",
        audience_generation_job_arn="{ACCOUNT}:audience-generation-job/g1",
        audience_size={{"type": "ABSOLUTE", "value": 1000}},
    ).expand(name=["a", "b"])
    CleanRoomsMLStartAudienceExportJobOperator.partial(task_id="exports_of_a_list").expand_kwargs(
        [{{"name": "c", "audience_generation_job_arn": "{ACCOUNT}:audience-generation-job/g2",
           "audience_size": {{"type": "ABSOLUTE", "value": 1}}}}]
    )
    CleanRoomsMLGetTrainedModelOperator.partial(
        task_id="describe_each", membership_identifier="{MEMBERSHIP_ID}"
    ).expand_kwargs(repoint())
    repoint()
    read_generically()
'''


@pytest.fixture(scope="module")
def found(tmp_path_factory):
    folder = tmp_path_factory.mktemp("dags")
    (folder / "policy_of_a_file.py").write_text(textwrap.dedent(DAG_FILE))
    return iam.policy_for([str(folder)], lineage=False)


def statement_for(policy, action):
    matching = [
        s
        for s in policy["Statement"]
        if action in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
    ]
    assert len(matching) == 1, (action, policy)
    resources = matching[0]["Resource"]
    return [resources] if isinstance(resources, str) else resources


def test_literal_arns_are_named_and_run_time_values_get_their_types_pattern_with_a_note(found):
    policy = found.policy()
    assert statement_for(policy, "cleanrooms-ml:StartTrainedModelInferenceJob") == [
        "arn:aws:cleanrooms-ml:us-east-1:*:membership/*/ml-input-channel/*",
        f"{ACCOUNT}:{M}/trained-model/m1",
    ]
    # What it creates, in its membership and (a literal ARN of that membership says) account.
    assert statement_for(policy, "cleanrooms-ml:GetTrainedModelInferenceJob") == [
        f"{ACCOUNT}:{M}/trained-model-inference-job/*"
    ]
    assert statement_for(policy, "cleanrooms-ml:GetAudienceModel") == [f"{ACCOUNT}:audience-model/a1"]
    assert statement_for(policy, "cleanrooms-ml:GetMLInputChannel") == [
        f"arn:*:cleanrooms-ml:*:*:{M}/ml-input-channel/*"
    ]
    notes = "\n".join(found.notes)
    assert "policy_of_a_file.score: cleanrooms-ml:StartTrainedModelInferenceJob on " in notes
    assert "data_source is a template" in notes
    assert "ml_input_channel_arn is a template" in notes


def test_arguments_that_switch_calls_off_leave_their_actions_out(found):
    actions = found.actions()
    assert "cleanrooms-ml:ListTrainedModelInferenceJobs" not in actions, "action_if_exists='start_new'"
    assert "cleanrooms-ml:CancelTrainedModelInferenceJob" not in actions, "cancel_on_kill=False"
    assert "cleanrooms-ml:ListMLInputChannels" in actions, "a deferrable sensor's waits share List calls"
    assert "cleanrooms-ml:ListMLInputChannels" not in found.actions(essential_only=True)


def test_a_mapped_task_and_a_python_task_calling_the_hook_are_covered(found):
    policy = found.policy()
    granted = {(g.action, g.resource) for g in found.grants if g.task == "policy_of_a_file.exports"}
    assert ("cleanrooms-ml:StartAudienceExportJob", f"{ACCOUNT}:audience-generation-job/g1") in granted
    assert statement_for(policy, "cleanrooms-ml:UpdateConfiguredAudienceModel") == ["*"]
    assert any("its Python code calls update_configured_audience_model" in note for note in found.notes)
    assert any(
        note.startswith("policy_of_a_file.read_generically: ") and "uses the hook's call" in note
        for note in found.notes
    )


def test_a_task_mapped_over_lists_of_arguments_takes_any_of_them_at_run_time(found):
    notes = found.notes
    expands = "is an argument the mapped task expands"
    assert any(
        note.startswith("policy_of_a_file.exports_of_a_list: ")
        and "cleanrooms-ml:StartAudienceExportJob" in note
        and f"audience_generation_job_arn {expands}" in note
        for note in notes
    )
    assert any(
        note.startswith("policy_of_a_file.describe_each: cleanrooms-ml:GetTrainedModel on ")
        and f"trained_model_arn {expands}" in note
        for note in notes
    )
    assert statement_for(found.policy(), "cleanrooms-ml:StartAudienceExportJob") == [
        "arn:*:cleanrooms-ml:*:*:audience-generation-job/*"
    ]
    # What .partial() gives literally stays literal: an XCom's kwargs may not override it.
    granted = {(g.action, g.resource) for g in found.grants if g.task == "policy_of_a_file.describe_each"}
    assert ("cleanrooms:PassMembership", f"arn:*:cleanrooms:*:*:{M}") in granted


def test_the_membership_a_task_passes_is_its_literal_one_or_a_pattern(found):
    granted = {(g.task, g.resource) for g in found.grants if g.action == "cleanrooms:PassMembership"}
    literal = f"arn:aws:cleanrooms:us-east-1:123456789012:{M}"
    assert ("policy_of_a_file.score", literal) in granted
    assert ("policy_of_a_file.describe_each", f"arn:*:cleanrooms:*:*:{M}") in granted
    assert statement_for(found.policy(), "cleanrooms:PassMembership") == [f"arn:*:cleanrooms:*:*:{M}"]
    assert any(
        note.startswith("policy_of_a_file.describe_each: cleanrooms:PassMembership")
        and "its region or account is known only at run time" in note
        for note in found.notes
    )


def test_pass_role_is_granted_for_cleanrooms_ml_only():
    from tests.integration.least_privilege import least_privilege

    policy = least_privilege("example_cleanroomsml_lookalike.py")
    (statement,) = [s for s in policy["Statement"] if s["Action"] == "iam:PassRole"]
    assert statement["Resource"] == "arn:aws:iam::123456789012:role/cleanrooms-ml-seed-audience"
    assert statement["Condition"] == {"StringEquals": {"iam:PassedToService": "cleanrooms-ml.amazonaws.com"}}


def test_lineage_reads_are_granted_when_lineage_is_on():
    from tests.integration.least_privilege import EXAMPLE_DAGS

    path = [str(EXAMPLE_DAGS / "example_cleanroomsml_lookalike.py")]
    lineage = set(iam.policy_for(path, lineage=True).actions()) - set(
        iam.policy_for(path, lineage=False).actions()
    )
    assert lineage == {"cleanrooms-ml:GetTrainingDataset", "cleanrooms-ml:GetConfiguredAudienceModel"}


def test_a_dag_file_that_fails_to_import_fails_the_command_naming_it(tmp_path, capsys):
    (tmp_path / "broken_dag.py").write_text("from airflow import DAG\nraise RuntimeError('boom')\n")
    assert iam.main([str(tmp_path)]) == 1
    assert re.search(r"broken_dag\.py.*boom", capsys.readouterr().err, re.S)


def test_a_path_or_dag_id_that_names_nothing_fails_the_command_naming_it(tmp_path, capsys):
    assert iam.main([str(tmp_path / "nowhere")]) == 1
    assert "nowhere: no such file or folder" in capsys.readouterr().err
    (tmp_path / "plain_dag.py").write_text(
        "import pendulum\nfrom airflow import DAG\n"
        "DAG('plain', schedule=None, start_date=pendulum.datetime(2026, 1, 1, tz='UTC'))\n"
    )
    assert iam.main([str(tmp_path), "--dag-id", "typo"]) == 1
    assert "--dag-id typo: no such DAG" in capsys.readouterr().err
    assert iam.main([str(tmp_path)]) == 0
    out, err = capsys.readouterr()
    assert json.loads(out)["Statement"] == []
    assert "No task of this provider's in those DAGs" in err


def test_the_table_option_prints_the_table(capsys):
    assert iam.main(["--table"]) == 0
    assert capsys.readouterr().out.strip() == iam.markdown_table()


def test_the_command_prints_json_only_on_stdout(tmp_path, capsys):
    (tmp_path / "dag.py").write_text(textwrap.dedent(DAG_FILE))
    assert iam.main([str(tmp_path), "--no-lineage"]) == 0
    out, err = capsys.readouterr()
    assert json.loads(out)["Version"] == "2012-10-17"
    assert "# Lineage reads left out" in err
