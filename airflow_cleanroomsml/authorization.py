"""
What AWS authorizes a Clean Rooms ML call on, where the service model does not say: facts of the
service from its Service Authorization Reference (the resource types of each action) and the Clean
Rooms user guide ("IAM behaviors for Clean Rooms ML Custom Models"). One place for both that read
them: the least-privilege policy (:mod:`airflow_cleanroomsml.iam`) and the emulator's IAM
(:mod:`airflow_cleanroomsml.testing.policy`), which derive the rest from the service model.
"""

from __future__ import annotations

SERVICE = "cleanrooms-ml"
PASSED_TO_SERVICE = "cleanrooms-ml.amazonaws.com"
"""What ``iam:PassedToService`` is for a role a request carries."""

PASSED: dict[str, tuple[str, str]] = {
    "membershipIdentifier": ("cleanrooms:PassMembership", "membership"),
    "collaborationIdentifier": ("cleanrooms:PassCollaboration", "collaboration"),
}
"""Request members that pass an AWS Clean Rooms resource to the call: the action it needs on it, and
the resource type of the ``cleanrooms`` ARN it is authorized on."""

AUTHORIZED_ON: dict[str, tuple[str, ...]] = {
    # Creates and starts: the resources their request names (required resource types).
    "CreateMLInputChannel": ("configuredModelAlgorithmAssociations[]",),
    "CreateTrainedModel": ("configuredModelAlgorithmAssociationArn",),
    "StartTrainedModelInferenceJob": (
        "configuredModelAlgorithmAssociationArn",
        "dataSource.mlInputChannelArn",
        "trainedModelArn",
    ),
    "StartTrainedModelExportJob": ("trainedModelArn",),
    "CreateAudienceModel": ("trainingDatasetArn",),
    "CreateConfiguredAudienceModel": ("audienceModelArn",),
    "StartAudienceGenerationJob": ("configuredAudienceModelArn",),
    "StartAudienceExportJob": ("audienceGenerationJobArn",),
    "CreateConfiguredModelAlgorithmAssociation": ("configuredModelAlgorithmArn",),
    "CreateConfiguredModelAlgorithm": (),
    "CreateTrainingDataset": (),
    # Lists with a resource type: the resource the request names (all others: "*").
    "ListCollaborationTrainedModelExportJobs": ("trainedModelArn",),
    "ListAudienceExportJobs": ("audienceGenerationJobArn",),
    "ListAudienceGenerationJobs": ("configuredAudienceModelArn",),
    # An update names the audience model it points at, besides its own ARN.
    "UpdateConfiguredAudienceModel": ("configuredAudienceModelArn", "audienceModelArn"),
}
"""The request members holding the resources each operation is authorized against, where that is
not simply the resource's own ARN (Get, Cancel, Delete) or ``*`` (List): from the Service
Authorization Reference's resource types of each action."""
