"""When every database connection is busy, a request gets a clear 503, not a 500 or a hang."""
from __future__ import annotations

from app import create_app
from app.extensions import db
from config import TestConfig
from tests.conftest import database_url


def _tiny_pool_app():
    return create_app(TestConfig, SQLALCHEMY_DATABASE_URI=database_url(),
                      SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 1, "max_overflow": 0, "pool_timeout": 0.2})


def test_an_exhausted_pool_answers_503_busy_in_the_api_and_on_pages(app):
    busy_app = _tiny_pool_app()
    with busy_app.app_context():
        held = db.engine.connect()  # the only connection
        try:
            client = busy_app.test_client()
            api = client.get("/api/v1/episodes")
            page = client.get("/", headers={"Accept": "text/html"})
        finally:
            held.close()
            db.engine.dispose()
    assert api.status_code == 503
    assert api.json["error"]["code"] == "busy"
    assert api.headers["Retry-After"] == "5"
    assert page.status_code == 503
    assert "稍后" in page.get_data(as_text=True) or "try again" in page.get_data(as_text=True)
