"""Messages of services are asserted in English (the catalog translates them on pages)."""
from __future__ import annotations

import pytest
from flask_babel import force_locale


@pytest.fixture(autouse=True)
def _english(request):
    """Evaluate lazy messages in English inside the test function (pages pick their own language)."""
    if "app" not in request.fixturenames:
        yield
        return
    request.getfixturevalue("app")
    with force_locale("en"):
        yield
