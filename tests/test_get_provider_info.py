from __future__ import annotations

import json
from importlib.metadata import entry_points
from pathlib import Path

import airflow
import jsonschema

from airflow_cleanroomsml.get_provider_info import get_provider_info


def test_provider_info_validates_against_installed_airflow_schema():
    schema = json.loads((Path(airflow.__file__).parent / "provider_info.schema.json").read_text())
    jsonschema.validate(get_provider_info(), schema)


def test_entry_point_is_registered():
    (entry_point,) = [
        ep
        for ep in entry_points(group="apache_airflow_provider")
        if ep.value.startswith("airflow_cleanroomsml")
    ]
    assert entry_point.load() is get_provider_info


def test_every_module_named_in_provider_info_imports():
    import importlib

    info = get_provider_info()
    modules = [
        module
        for kind in ("hooks", "operators", "sensors", "triggers")
        for entry in info[kind]
        for module in entry["python-modules"]
    ]
    for module in modules:
        importlib.import_module(module)
    for connection_type in info["connection-types"]:
        module, _, name = connection_type["hook-class-name"].rpartition(".")
        hook_class = getattr(importlib.import_module(module), name)
        assert hook_class.conn_type == connection_type["connection-type"]


def test_providers_manager_lists_package_hook_and_trigger():
    from airflow.providers_manager import ProvidersManager

    manager = ProvidersManager()
    assert "airflow-provider-cleanroomsml" in manager.providers
    assert (
        manager.hooks["aws_cleanroomsml"].hook_class_name
        == "airflow_cleanroomsml.hooks.cleanroomsml.CleanRoomsMLHook"
    )
    triggers = {trigger.package_name: trigger.trigger_class_name for trigger in manager.trigger}
    assert triggers["airflow-provider-cleanroomsml"] == "airflow_cleanroomsml.triggers.cleanroomsml"
