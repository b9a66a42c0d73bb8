"""A process's start does what its first request paid for (issue 15: the first request
within 10x the log-in page): web.warm_templates loads every page template, so a first
request reads no template source; compiled templates are kept in Jinja's bytecode cache."""
from __future__ import annotations

from jinja2 import FileSystemBytecodeCache

from tests.fixtures.web import login
from tracker.web import warm_templates


# Each test takes a new app (other_app): the `app` fixture's is reused between tests, so its
# templates are already loaded.
def test_after_the_warm_start_a_first_request_loads_no_template(other_app, make_user):
    make_user("team_lead", "lead", department=None)
    app = other_app()
    assert isinstance(app.jinja_env.bytecode_cache, FileSystemBytecodeCache)
    loaded = warm_templates(app)
    assert loaded >= 30  # the core's and the features' pages
    read = []
    loader = app.jinja_env.loader
    original = loader.get_source

    def get_source(environment, name):
        read.append(name)
        return original(environment, name)

    loader.get_source = get_source
    try:
        client = app.test_client()
        assert login(client, "lead").status_code == 302
        for url in ("/dashboard", "/work", "/applications", "/callbacks", "/problems"):
            assert client.get(url).status_code == 200, url
    finally:
        loader.get_source = original
    assert read == []


def test_without_it_the_first_request_loads_its_templates(other_app, make_user):
    """The check above can fail: a fresh app reads the templates a page needs."""
    make_user("team_lead", "lead", department=None)
    app = other_app()
    read = []
    loader = app.jinja_env.loader
    original = loader.get_source
    loader.get_source = lambda environment, name: read.append(name) or original(environment,
                                                                                 name)
    try:
        client = app.test_client()
        assert login(client, "lead").status_code == 302
        assert client.get("/applications").status_code == 200
    finally:
        loader.get_source = original
    assert "applications/list.html" in read
