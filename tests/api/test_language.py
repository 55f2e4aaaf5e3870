"""API messages follow Accept-Language; the default is Chinese."""
from __future__ import annotations

import pytest

from app.extensions import db
from tests import factories


@pytest.mark.parametrize("headers, message", [
    ({}, "请先登录。"),
    ({"Accept-Language": "zh-CN,zh;q=0.9"}, "请先登录。"),
    ({"Accept-Language": "en"}, "Please log in first."),
    ({"Accept-Language": "en-US,en;q=0.9,zh;q=0.5"}, "Please log in first."),
    ({"Accept-Language": "fr"}, "请先登录。"),
])
def test_401_message_language(app, client, headers, message):
    response = client.get("/api/v1/me", headers=headers)

    assert response.status_code == 401
    assert response.json["error"] == {"code": "login_required", "message": message}


@pytest.mark.parametrize("headers, message", [
    ({}, "您访问的页面或内容不存在。"),
    ({"Accept-Language": "en"}, "The page or item was not found."),
])
def test_404_message_language(app, client, headers, message):
    body = client.get("/api/v1/episodes/4242", headers=headers).json

    assert body["error"]["code"] == "episode_not_found"
    assert body["error"]["message"] == message


@pytest.mark.parametrize("headers, message", [
    ({}, "部分填写内容有误。"),
    ({"Accept-Language": "en"}, "Some of the input is not valid."),
])
def test_422_message_language(app, client, headers, message):
    body = client.get("/api/v1/episodes?per_page=1000", headers=headers).json

    assert body["error"]["code"] == "validation_failed"
    assert body["error"]["message"] == message


def test_names_follow_the_language(app, client):
    factories.agency("market", domains=[factories.domain("food_safety")])
    db.session.commit()

    zh = client.get("/api/v1/agencies").json["data"][0]
    en = client.get("/api/v1/agencies", headers={"Accept-Language": "en"}).json["data"][0]

    assert zh["name"].startswith("执法单位") and zh["domains"][0]["name"].startswith("领域")
    assert en["name"].startswith("Agency ") and en["domains"][0]["name"].startswith("Domain ")


def test_lang_query_parameter_wins(app, client):
    body = client.get("/api/v1/me?lang=en", headers={"Accept-Language": "zh"}).json

    assert body["error"]["message"] == "Please log in first."
