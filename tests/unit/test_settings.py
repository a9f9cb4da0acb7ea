"""Settings from the environment: GUIYAN_<NAME> in any case, checked, constructor values first."""

import pydantic
import pytest

from shared.settings import FinanceSettings, GatewaySettings, ServiceSettings


def test_variables_are_read_in_any_case_and_converted_to_the_fields_type(monkeypatch):
    monkeypatch.setenv("GUIYAN_DB_POOL_SIZE", "7")
    monkeypatch.setenv("guiyan_sweep_interval_seconds", "60")
    monkeypatch.setenv("GUIYAN_SECRET_KEY", "a-secret-key-of-sixteen+")
    monkeypatch.setenv("GUIYAN_DEMO_MODE", "true")
    finance = FinanceSettings()
    assert (finance.db_pool_size, finance.sweep_interval_seconds) == (7, 60.0)
    assert GatewaySettings().demo_mode is True
    assert GatewaySettings(demo_mode=False).demo_mode is False  # what the caller gives wins


def test_a_bad_or_missing_value_stops_the_start_naming_the_field(monkeypatch):
    monkeypatch.setenv("GUIYAN_DB_POOL_SIZE", "0")
    with pytest.raises(pydantic.ValidationError, match="db_pool_size"):
        ServiceSettings()
    monkeypatch.delenv("GUIYAN_DB_POOL_SIZE")
    monkeypatch.delenv("GUIYAN_SECRET_KEY", raising=False)
    with pytest.raises(pydantic.ValidationError, match="secret_key"):
        GatewaySettings()
