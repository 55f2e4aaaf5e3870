"""Helpers every page route shares: a service run in a unit of work, its refusal as a form error."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from app.core.db import unit_of_work
from app.core.errors import DomainError


def run_service(form, call: Callable[[], Any]) -> tuple[Any, int]:
    """Run a service in a unit of work; a DomainError becomes a form error and its status."""
    try:
        with unit_of_work():
            return call(), 200
    except DomainError as error:
        form.form_errors.append(str(error.message))
        return None, error.status


def form_error(form, error: DomainError) -> None:
    """Attach a refused action's message to the named field, else to the form."""
    fields = (error.details or {}).get("fields") or {}
    for name in fields:
        if name in form:
            form[name].errors = [*form[name].errors, str(error.message)]
            return
    form.form_errors.append(str(error.message))
