"""Service settings read from the environment (12-factor), one class per service."""

from __future__ import annotations

import ipaddress
import os
from typing import Any, ClassVar

from pydantic import ConfigDict, Field, field_validator

from shared.fields import Model

# how long an event that finds its handler idle waits for company (EVENT_BATCH_WAIT_MS); at 30 ms a
# loan flow's consumers cost 7 ms more CPU, batches being then mostly one event (docs/architecture.md)
BATCH_WAIT_MS = 100


class EnvironmentSettings(Model):
    """Fields read from `GUIYAN_<NAME>` variables (any case), checked by pydantic; values given to
    the constructor win. (pydantic-settings did this with 5 MB of imports in every process, against
    a budget of 80 MB each.)"""

    model_config = ConfigDict(extra="ignore")
    env_prefix: ClassVar[str] = "GUIYAN_"

    def __init__(self, **values: Any) -> None:
        environment = {name.upper(): value for name, value in os.environ.items()}
        found = {name: environment[variable] for name in type(self).model_fields
                 if (variable := f"{self.env_prefix}{name}".upper()) in environment}
        super().__init__(**{**found, **values})


class ServiceSettings(EnvironmentSettings):
    """What every nameko service needs: the broker, its own database, logging, timers."""

    amqp_uri: str = "amqp://guest:guest@127.0.0.1:5672/"
    postgres_url: str = Field(
        default="postgresql://postgres@127.0.0.1:5432",
        description="server URL without a database name; each service appends its own",
    )
    database_prefix: str = "guiyan"
    log_format: str = "console"  # or "json"
    log_level: str = "INFO"
    max_workers: int = 10
    db_pool_size: int = Field(default=5, ge=1, description=(
        "database connections a process keeps for its workers (a worker that finds none free waits up "
        "to 5 s, then answers 503); the relay (in a gateway, the session listener) holds one more. The whole "
        "system: (5 services + the gateway) x (pool + 1) + notifications' 3 = 39 at the defaults, within a budget of 40"))
    db_prepared_statements: bool = Field(default=True, description=(
        "statements a process runs often are prepared on each connection (shared.prepared); false "
        "behind a pooler that shares server sessions between transactions (PgBouncer in transaction mode)"))
    outbox_interval_seconds: float = 30.0
    outbox_amqp_uri: str | None = None  # where the relay publishes; defaults to amqp_uri
    retry_delays_ms: str = "500,2000,10000"  # back-off before each retry, then parking
    event_batch_wait_ms: int = Field(default=BATCH_WAIT_MS, ge=0, description=(
        "how long an event that finds its handler idle waits for others to share its transaction "
        "(0: handled at once, alone unless others arrived while the handler worked)"))
    programme_city: str = Field(default="511000", description="the city whose programme this deployment runs")

    def database_url(self, service: str) -> str:
        return f"{self.postgres_url.rstrip('/')}/{self.database_prefix}_{service}"

    def retry_delays(self) -> list[int]:
        return [int(part) for part in self.retry_delays_ms.split(",") if part.strip()]

    def nameko_config(self) -> dict:
        return {
            "AMQP_URI": self.amqp_uri,
            "max_workers": self.max_workers,
            "serializer": "json",
            "EVENT_BATCH_WAIT_MS": self.event_batch_wait_ms,
        }


class RegistrySettings(ServiceSettings):
    """The entrepreneur registry."""


class FinanceSettings(ServiceSettings):
    """Loans, subsidies, the guarantee fund and the ledger."""

    sweep_interval_seconds: float = 3600.0  # the overdue check is idempotent; hourly keeps it timely


class EscalationSettings(ServiceSettings):
    """Enterprise difficulties and their escalation."""

    sweep_interval_seconds: float = 600.0  # time limits are days; a few checks an hour are plenty


class ProjectsSettings(ServiceSettings):
    """The tiered project library, promotion events and signing."""


class ConsultationSettings(ServiceSettings):
    """The quarterly difficulty consultation and its bulletins. In the bulletin's texts, {place} is the
    region it is for (内江市, 东兴区, 四川省) and {below} the areas it reports on (县（市、区）, 乡镇（街道）)."""

    bulletin_office: str = Field(default="{place}返乡创业工作领导小组办公室", max_length=100,
                                 description="the office that issues the bulletins (印发单位)")
    bulletin_distribution: str = Field(
        default="报：{place}党委、政府分管领导。送：{place}返乡创业工作领导小组各成员单位。"
                "发：各{below}返乡创业工作领导小组办公室。", max_length=500,
        description="the bulletin's distribution list (报送、抄送), printed at its foot")
    bulletin_issue_base: int = Field(default=0, ge=0, description=(
        "the issues printed before this system: a quarter's bulletin is 总第 (base + N) 期"))


class NotificationsSettings(ServiceSettings):
    """Messages to people, in the app and by SMS."""

    db_pool_size: int = Field(default=3, ge=1, description=(
        "its workers are event handlers and two sweeps, not requests: 3 connections, and no relay "
        "(it publishes nothing)"))
    reminder_interval_seconds: float = 3600.0  # time limits are days; the reminders are made once each
    # the text sweep runs within a second of this process queuing texts, and when a retry is due; this look is
    # for texts another instance queued
    sms_interval_seconds: float = 30.0


class GatewaySettings(ServiceSettings):
    """The web gateway: pages and the HTTP API."""

    web_address: str = "127.0.0.1:8000"
    secret_key: str = Field(min_length=16)
    demo_mode: bool = False
    session_hours: int = 12
    cookie_secure: bool = False
    rpc_timeout_seconds: float = 15.0
    # addresses or networks (comma-separated) of reverse proxies whose X-Forwarded-For is believed
    trusted_proxies: str = ""
    login_free_failures: int = Field(default=3, ge=0)  # wrong passwords from one (username, address)
    login_address_free_failures: int = Field(default=30, ge=0)  # from one address, any usernames
    login_first_wait_seconds: float = Field(default=1.0, gt=0)  # then doubled at each failure
    login_max_wait_seconds: float = Field(default=900.0, gt=0)

    @field_validator("trusted_proxies")
    @classmethod
    def _proxies(cls, value: str) -> str:
        for part in value.split(","):
            if part.strip():
                ipaddress.ip_network(part.strip(), strict=False)  # a typo stops the start, loudly
        return value

    def nameko_config(self) -> dict:
        return {**super().nameko_config(), "WEB_SERVER_ADDRESS": self.web_address,
                "RPC_TIMEOUT_SECONDS": self.rpc_timeout_seconds}


SETTINGS_BY_SERVICE: dict[str, type[ServiceSettings]] = {
    "registry": RegistrySettings,
    "finance": FinanceSettings,
    "escalation": EscalationSettings,
    "projects": ProjectsSettings,
    "consultation": ConsultationSettings,
    "notifications": NotificationsSettings,
    "gateway": GatewaySettings,
}


def required_variables(settings_class: type[EnvironmentSettings]) -> list[str]:
    """Environment variables a settings class cannot start without."""
    return [
        f"{settings_class.env_prefix}{name}".upper()
        for name, field in settings_class.model_fields.items()
        if field.is_required()
    ]
