"""``Annotated`` dependency aliases: routes ask for what they need by type."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from hub.registry import Registry
from hub.server.settings import Settings
from hub.store import ReportStore


def _registry(request: Request) -> Registry:
    return request.app.state.registry


def _store(request: Request) -> ReportStore:
    return request.app.state.store


def _settings(request: Request) -> Settings:
    return request.app.state.settings


RegistryDep = Annotated[Registry, Depends(_registry)]
StoreDep = Annotated[ReportStore, Depends(_store)]
SettingsDep = Annotated[Settings, Depends(_settings)]
