"""
References checked as the service checks them, and names that must be unique.

A create (or update) request that names another resource
(:class:`~airflow_cleanroomsml.testing.kinds.Reference`) is accepted only if that resource exists
in the caller's region, is not deleted, and shows a status that allows the call: one that does not
exist answers ``ResourceNotFoundException`` (HTTP 404), one in another status
``ValidationException`` (HTTP 400) saying which status it has. A kind
whose names are unique (:attr:`~airflow_cleanroomsml.testing.kinds.EmulatedKind.unique_name_within`)
refuses a second one of the same name with ``ConflictException`` (HTTP 409).
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from airflow_cleanroomsml.kinds import snake_case
from airflow_cleanroomsml.testing.errors import conflict, not_found, validation_error

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from airflow_cleanroomsml.testing.kinds import EmulatedKind, Reference
    from airflow_cleanroomsml.testing.lifecycle import Resource, State


class Finder:
    """Finds the resources a request names, in the caller's region, as the service would see them."""

    def __init__(self, state: State, region: str) -> None:
        self.state, self.region, self.now = state, region, time.time()

    def find_any(
        self, emulated: EmulatedKind, arn: object, version: object = None, *, member: str | None = None
    ) -> Resource | None:
        """The resource of a kind named by ``arn`` (a version, or the newest), live in this region."""
        member = member or emulated.kind.arn_member
        version_member = emulated.version_member
        found = [
            resource
            for resource in self.state.resources.values()
            if resource.emulated is emulated
            and resource.fields.get(member) == arn
            and resource.region == self.region
            and (version is None or version_member is None or resource.fields.get(version_member) == version)
            and not resource.gone(self.now)
        ]
        return self.state.newest(found)

    def find(self, emulated: EmulatedKind, arn: object, version: object = None) -> Resource:
        """The resource a request names; ``ResourceNotFoundException`` if there is none."""
        resource = self.find_any(emulated, arn, version)
        if resource is None:
            named = f"{arn} (version {version})" if version is not None else str(arn)
            raise not_found(f"{emulated.kind.title} {named} not found in {self.region}.")
        return resource

    def refuse(self, message: str) -> None:
        """Refuse the request: ``ValidationException``."""
        raise validation_error(message)

    def check_references(self, emulated: EmulatedKind, request: Mapping[str, Any]) -> None:
        """Every resource the request names exists here and is in a status that allows the call."""
        for reference in emulated.references:
            self._check(reference, reference.kind or emulated, request)
        for rule in emulated.rules:
            rule(self, request)

    def _check(self, reference: Reference, named: EmulatedKind, request: Mapping[str, Any]) -> None:
        for arn, holder in reference.values(request):
            version = holder.get(reference.version) if reference.version else None
            resource = self.find(named, arn, version)
            status = resource.status(self.now)
            if reference.statuses and status not in reference.statuses:
                member = reference.path.replace("[]", "")
                raise validation_error(
                    f"{named.kind.title} {arn} named by {member} is {status}; expected "
                    f"{' or '.join(reference.statuses)}."
                )

    def check_unique_name(self, emulated: EmulatedKind, request: Mapping[str, Any]) -> None:
        """A second live resource of a kind with unique names, of the same name and scope, conflicts."""
        scope = emulated.unique_name_within
        if scope is None:
            return
        wanted = {member: request.get(member) for member in (*scope, "name")}
        for resource in self.state.resources.values():
            if (
                resource.emulated is emulated
                and resource.region == self.region
                and all(resource.fields.get(member) == value for member, value in wanted.items())
                and not resource.gone(self.now)
            ):
                within = ", ".join(
                    f"{snake_case(member)} {request[member]}" for member in scope if request.get(member)
                )
                raise conflict(
                    f"A {emulated.kind.name} named {request.get('name')!r} already exists"
                    + (f" for {within}." if within else f" in {self.region}.")
                )

    def check_unused(self, emulated: EmulatedKind, resource: Resource, kinds: Iterable[EmulatedKind]) -> None:
        """A kind deleted only when unused: refuse while a live resource of another kind names it."""
        if not emulated.deleted_only_unused:
            return
        arn = resource.fields.get(emulated.kind.arn_member)
        for other in kinds:
            for reference in other.references:
                if reference.kind is not emulated:
                    continue
                for user in self.state.resources.values():
                    if (
                        user.emulated is other
                        and not user.gone(self.now)
                        and any(value == arn for value, _ in reference.values(user.fields))
                    ):
                        raise conflict(
                            f"{emulated.kind.title} {arn} is used by {other.kind.name} {user.key}: "
                            f"delete that first."
                        )
