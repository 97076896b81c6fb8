"""
What every task about one existing Clean Rooms ML resource shares (sensors, describe, cancel).

Its kind's identifying arguments (``trained_model_inference_job_arn``, ``membership_identifier``...)
are templated, checked after rendering and before any call
(:meth:`~airflow_cleanroomsml.kinds.ResourceKind.reference`); and when the task gives no
``region_name``, its calls go to the region in the resource's ARN rather than the connection's
(resolved explicitly, before the task's hook is made: :meth:`ResourceTaskMixin.keep_reference`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from airflow.providers.amazon.aws.utils.mixins import aws_template_fields

from airflow_cleanroomsml.kinds import snake_case
from airflow_cleanroomsml.validation import InvalidArgumentError

if TYPE_CHECKING:
    from airflow_cleanroomsml.kinds import ResourceKind


def check_region(region_name: str | None, arn_region: str | None, arn_argument: str) -> None:
    """
    Refuse a ``region_name`` that contradicts the region of the ARN a task's calls are about.

    A regional service cannot see another region's resources, so calls go to the ARN's region; a
    task that names another region is a mistake, named before any call rather than found as "not
    found" after several.
    """
    if region_name is not None and arn_region is not None and region_name != arn_region:
        raise InvalidArgumentError(
            f"region_name={region_name!r} contradicts the region of {arn_argument} ({arn_region!r}); "
            f"expected {arn_region!r}, or no region_name (calls then go to the ARN's region)."
        )


def settle_region(task: Any, region: str | None, arn_argument: str) -> None:
    """
    Resolve where a task's calls go, before its hook is made: its ``region_name``, or else ``region``
    (the ARN's); a ``region_name`` that contradicts it is refused.
    """
    check_region(task.region_name, region, arn_argument)
    task.region_name = task.region_name or region


class ResourceTaskMixin:
    """
    Mixed into an Amazon provider operator or sensor base, before it, for tasks about one resource.

    Subclasses set :attr:`kind`; their constructors pass the kind's identifying arguments through,
    and they are templated.
    """

    kind: ClassVar[ResourceKind]
    """The kind of resource the task is about."""
    region_name: str | None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """A class that declares its kind templates the identifying arguments, unless it says otherwise."""
        super().__init_subclass__(**kwargs)
        kind = cls.__dict__.get("kind")
        if kind is not None and "template_fields" not in cls.__dict__:
            cls.template_fields = aws_template_fields(*kind.arguments.values())  # type: ignore[attr-defined]

    @classmethod
    def pop_identity(cls, arguments: dict[str, Any]) -> dict[str, Any]:
        """Take the kind's identifying arguments out of a constructor's keyword arguments."""
        return {name: arguments.pop(name, None) for name in cls.kind.arguments.values()}

    def keep_identity(self, identity: dict[str, Any]) -> None:
        """Keep the identifying arguments as (templated) attributes: call after the base constructor."""
        for name, value in identity.items():
            setattr(self, name, value)
        self.reference: dict[str, Any] | None = None

    def resolve_reference(self) -> dict[str, Any]:
        """
        Check the rendered identifying arguments and keep the resource's reference: call in ``execute``.

        :raises InvalidArgumentError: When an argument is not valid, or ``region_name`` contradicts
            the region in the resource's ARN.
        """
        return self.keep_reference(
            self.kind.reference(**{name: getattr(self, name) for name in self.kind.arguments.values()})
        )

    def keep_reference(self, reference: dict[str, Any]) -> dict[str, Any]:
        """
        Keep a resource's checked reference (from the arguments, or a trigger's event), and resolve
        where calls go: ``region_name``, or else the region in the resource's ARN. Call it before
        the hook is first used: the hook is made once, with the region resolved here.
        """
        settle_region(self, self.kind.locate(reference).region, snake_case(self.kind.arn_member))
        self.reference = reference
        return reference
