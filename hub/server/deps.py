"""``Annotated`` dependency aliases: routes ask for what they need by type."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from hub.keys import ApiKey, KeyStore
from hub.registry import Registry
from hub.server.jobs import Validations
from hub.server.settings import Settings
from hub.store import ReportStore


def _registry(request: Request) -> Registry:
    return request.app.state.registry


def _store(request: Request) -> ReportStore:
    return request.app.state.store


def _keys(request: Request) -> KeyStore:
    return request.app.state.keys


def _settings(request: Request) -> Settings:
    return request.app.state.settings


def _validations(request: Request) -> Validations:
    return request.app.state.validations


def api_key_of(request: Request) -> ApiKey | None:
    """The key the auth middleware accepted for this request (None when the hub is open)."""
    return getattr(request.state, "api_key", None)


RegistryDep = Annotated[Registry, Depends(_registry)]
StoreDep = Annotated[ReportStore, Depends(_store)]
KeysDep = Annotated[KeyStore, Depends(_keys)]
SettingsDep = Annotated[Settings, Depends(_settings)]
ValidationsDep = Annotated[Validations, Depends(_validations)]
