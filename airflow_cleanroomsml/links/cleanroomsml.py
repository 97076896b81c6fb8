"""Console links for AWS Clean Rooms ML."""

from __future__ import annotations

from airflow.providers.amazon.aws.links.base_aws import BASE_AWS_CONSOLE_LINK, BaseAwsLink


class CleanRoomsMLMembershipLink(BaseAwsLink):
    """
    Open the job's membership in the AWS Clean Rooms console, in the job's region and partition.

    The console's address is the one the AWS Clean Rooms User Guide gives
    (``https://console.aws.amazon.com/cleanrooms/``, on ``console.amazonaws.cn`` and
    ``console.amazonaws-us-gov.com`` in the China and GovCloud partitions) with the region as a
    query parameter. The ``#/memberships/<membership id>`` fragment is the console's own route to
    a membership's page, which AWS does not document; should it change, the link still opens the
    Clean Rooms console in the right region.
    """

    name = "AWS Clean Rooms Membership"
    key = "cleanroomsml_membership"
    format_str = BASE_AWS_CONSOLE_LINK + "/cleanrooms/home?region={region_name}#/memberships/{membership_id}"


class CleanRoomsMLConsoleLink(BaseAwsLink):
    """
    Open the AWS Clean Rooms console in the resource's region and partition.

    For resources that belong to the account rather than to a membership (lookalike audience
    models, generation and export jobs); it opens the console's home page in the right region, the
    one address AWS documents.
    """

    name = "AWS Clean Rooms Console"
    key = "cleanroomsml_console"
    format_str = BASE_AWS_CONSOLE_LINK + "/cleanrooms/home?region={region_name}"
