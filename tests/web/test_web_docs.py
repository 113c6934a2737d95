"""GET /docs: Swagger UI served by the app itself, from this origin only, with its assets cached safely."""

import re
from urllib.parse import urlsplit

import pytest
from vecdot_web import docs
from web_oracle import error_of

CONTENT_TYPES = {".js": "text/javascript", ".css": "text/css", ".png": "image/png"}


def referenced(html):
    """Every URL the page's markup loads."""
    return re.findall(r'(?:src|href)="([^"]+)"', html)


def test_page_is_html_that_loads_only_its_own_assets(client):
    response = client.get("/docs")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    urls = referenced(response.get_data(as_text=True))
    assert set(urls) == {"/docs/assets/swagger-ui.css", "/docs/assets/favicon-32x32.png",
                         "/docs/assets/swagger-ui-bundle.js", "/docs/init.js"}


def test_every_referenced_asset_answers_with_its_content_type(client):
    for url in referenced(client.get("/docs").get_data(as_text=True)):
        response = client.get(url)
        assert response.status_code == 200, url
        suffix = url[url.rindex("."):]
        assert response.mimetype == CONTENT_TYPES[suffix], url
        assert response.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("url", ["/docs", "/docs/init.js", "/docs/assets/swagger-ui-bundle.js"])
def test_content_security_policy_admits_only_this_origin(client, url):
    policy = dict(part.strip().split(" ", 1) for part in client.get(url).headers["Content-Security-Policy"].split(";"))
    assert policy["default-src"] == "'self'"
    assert "'unsafe-inline'" not in policy.get("script-src", policy["default-src"])
    assert policy["frame-ancestors"] == "'none'"
    for sources in policy.values():
        # Nothing but this origin, and data: images (the stylesheet's icons).
        assert set(sources.split()) <= {"'self'", "'none'", "data:"}, sources


def test_nothing_the_page_loads_comes_from_another_host(client):
    # The page and our script: no absolute URL at all. The stylesheet: every url() it
    # loads is relative or a data: URI (its SVG icons name the SVG namespace, which is
    # not a fetch). The bundle mentions hosts in strings (namespaces, licence text); what
    # it fetches is set by init.js: only this service's document, and no validator.
    for url in ("/docs", "/docs/init.js"):
        text = client.get(url).get_data(as_text=True)
        assert re.findall(r"https?://[^\s\"')]+", text) == [], url
    css = client.get("/docs/assets/swagger-ui.css").get_data(as_text=True)
    loads = re.findall(r"url\(\s*['\"]?([^'\")]+)", css) + re.findall(r"@import\s+['\"]([^'\"]+)", css)
    assert loads and all(not urlsplit(u).netloc for u in loads), {u for u in loads if urlsplit(u).netloc}
    init = client.get("/docs/init.js").get_data(as_text=True)
    assert 'url: "/openapi.json"' in init and "validatorUrl: null" in init


def test_assets_are_revalidated_not_kept_blindly(client):
    # Their names do not change between Swagger UI releases: a cached copy must be checked.
    first = client.get("/docs/assets/swagger-ui.css")
    assert first.headers["Cache-Control"] == "no-cache"
    again = client.get("/docs/assets/swagger-ui.css", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304


@pytest.mark.parametrize("name", ["swagger-editor-bundle.js", "swagger-ui-bundle.js.map", "..%2f__init__.py",
                                  "index.html"])
def test_only_the_pages_own_assets_are_served(client, name):
    response = client.get(f"/docs/assets/{name}")
    assert response.status_code == 404
    error_of(response)


def test_without_the_assets_the_page_is_a_json_503(client, monkeypatch):
    monkeypatch.setattr(docs, "assets_dir", lambda: None)
    response = client.get("/docs")
    assert response.status_code == 503
    assert "documentation assets" in error_of(response)["message"]
