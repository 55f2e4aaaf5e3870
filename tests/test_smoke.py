def test_login_roundtrip(login_as):
    c = login_as("coordinator")
    r = c.get("/api/v1/me")
    assert r.json["data"]["role"] == "coordinator"
