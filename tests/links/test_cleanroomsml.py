from __future__ import annotations

import pytest
from airflow.providers.amazon.aws.links.base_aws import BaseAwsLink

from airflow_cleanroomsml.get_provider_info import get_provider_info
from airflow_cleanroomsml.links.cleanroomsml import CleanRoomsMLMembershipLink

MEMBERSHIP = "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d"


@pytest.mark.parametrize(
    ("partition", "region", "url"),
    [
        (
            "aws",
            "eu-west-2",
            f"https://console.aws.amazon.com/cleanrooms/home?region=eu-west-2#/memberships/{MEMBERSHIP}",
        ),
        (
            "aws-us-gov",
            "us-gov-west-1",
            f"https://console.amazonaws-us-gov.com/cleanrooms/home?region=us-gov-west-1#/memberships/{MEMBERSHIP}",
        ),
        (
            "aws-cn",
            "cn-north-1",
            f"https://console.amazonaws.cn/cleanrooms/home?region=cn-north-1#/memberships/{MEMBERSHIP}",
        ),
    ],
    ids=["commercial", "govcloud", "china"],
)
def test_membership_link_for_each_partition(partition, region, url):
    link = CleanRoomsMLMembershipLink().format_link(
        region_name=region, aws_domain=BaseAwsLink.get_aws_domain(partition), membership_id=MEMBERSHIP
    )
    assert link == url


def test_links_are_registered_in_provider_info():
    assert get_provider_info()["extra-links"] == [
        "airflow_cleanroomsml.links.cleanroomsml.CleanRoomsMLMembershipLink",
        "airflow_cleanroomsml.links.cleanroomsml.CleanRoomsMLConsoleLink",
    ]


def test_account_scoped_resources_link_to_the_console_in_their_region():
    from airflow_cleanroomsml.links.cleanroomsml import CleanRoomsMLConsoleLink
    from airflow_cleanroomsml.operators.cleanroomsml import (
        CleanRoomsMLCreateAudienceModelOperator,
        CleanRoomsMLCreateTrainedModelOperator,
    )

    link = CleanRoomsMLConsoleLink().format_link(
        region_name="eu-west-1", aws_domain=BaseAwsLink.get_aws_domain("aws")
    )
    assert link == "https://console.aws.amazon.com/cleanrooms/home?region=eu-west-1"
    assert [type(link) for link in CleanRoomsMLCreateAudienceModelOperator.operator_extra_links] == [
        CleanRoomsMLConsoleLink
    ]
    assert [type(link) for link in CleanRoomsMLCreateTrainedModelOperator.operator_extra_links] == [
        CleanRoomsMLMembershipLink
    ]
