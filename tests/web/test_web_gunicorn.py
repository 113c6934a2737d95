"""The real server: gunicorn started with web/gunicorn.conf.py, called over HTTP, stopped by SIGTERM."""

import datetime
import http.client
import json
import os
import runpy
import signal
import socket
from types import SimpleNamespace

import gunicorn_process
import pytest
from gunicorn import glogging, util
from gunicorn.config import Config
from gunicorn.http import message, wsgi
from gunicorn.workers import gthread
from gunicorn_process import CONFIG, START_TIMEOUT, WEB_DIR, request
from vecdot_web.settings import DEFAULTS
from web_oracle import packed


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """gunicorn on a free loopback port, started from an unrelated directory."""
    try:
        gunicorn = gunicorn_process.start(tmp_path_factory.mktemp("gunicorn"))
    except RuntimeError as exc:
        pytest.fail(str(exc))
    yield gunicorn.process, gunicorn.port, gunicorn.log
    gunicorn.stop()  # whatever is left if the shutdown test did not run, or failed


def test_serves_every_kind_of_request(server):
    _, port, _ = server
    greeting = b'{"message":"Hello, world, from C!","docs":"/docs","openapi":"/openapi.json"}'
    assert request(port, "GET", "/")[2] == greeting
    assert json.loads(request(port, "GET", "/dot?a=1,2,3&b=4,5,6")[2]) == {"result": 32.0, "n": 3}
    body = json.dumps({"a": [1, 2], "b": [3, 4]}).encode()
    status, _, answer = request(port, "POST", "/dot", body, {"Content-Type": "application/json"})
    assert (status, json.loads(answer)) == (200, {"result": 11.0, "n": 2})
    status, _, answer = request(port, "POST", "/dot", packed([1.0, 2.0], [3.0, 4.0]),
                                {"Content-Type": "application/octet-stream"})
    assert (status, json.loads(answer)) == (200, {"result": 11.0, "n": 2})


def test_query_longer_than_gunicorns_usual_8190_byte_cap_is_served(server):
    _, port, _ = server
    values = ",".join(["0.5"] * 3000)  # a 9 KB query string
    status, _, answer = request(port, "GET", f"/dot?a={values}&b={values}")
    assert (status, json.loads(answer)) == (200, {"result": 750.0, "n": 3000})


def test_query_over_the_app_limit_is_the_apps_json_413(server):
    _, port, _ = server
    status, content_type, _ = request(port, "GET", "/?pad=" + "x" * DEFAULTS["MAX_QUERY_BYTES"])
    assert (status, content_type) == (413, "application/json")


@pytest.mark.parametrize("path, headers, status", [
    ("/?pad=" + "x" * (DEFAULTS["MAX_QUERY_BYTES"] + 2048), {}, 414),  # line over gunicorn's limit
    ("/", {"X-Big": "x" * 5000}, 431),  # header over limit_request_field_size
    ("/", {f"X-{i}": "1" for i in range(40)}, 431),  # more than limit_request_fields
])
def test_requests_gunicorn_rejects_itself_get_json_errors_too(server, path, headers, status):
    _, port, _ = server
    code, content_type, body = request(port, "GET", path, headers=headers)
    assert (code, content_type) == (status, "application/json")
    assert json.loads(body)["error"]["status"] == status


def test_oversized_body_is_refused_from_its_header_alone(server):
    # The client announces 1 GB and sends none of it: the 413 must not wait for the body.
    _, port, _ = server
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.putrequest("POST", "/dot")
        connection.putheader("Content-Type", "application/json")
        connection.putheader("Content-Length", "1000000000")
        connection.endheaders()
        response = connection.getresponse()
        assert response.status == 413
        assert json.loads(response.read())["error"]["message"].startswith(
            "the body is 1000000000 bytes")
    finally:
        connection.close()


def test_clients_stalled_mid_request_do_not_block_others(server):
    # Each stalled client holds one gthread thread; a sync worker would be held whole,
    # and two of them would stop this two-worker server until the worker timeout.
    _, port, _ = server
    stalled = [socket.create_connection(("127.0.0.1", port), timeout=10) for _ in range(4)]
    try:
        for sock in stalled:
            sock.sendall(b"GET /dot?a=1")  # and nothing more
        assert request(port, "GET", "/healthz")[0] == 200
    finally:
        for sock in stalled:
            sock.close()


def test_sigterm_stops_it_cleanly(server):
    process, port, log = server
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=START_TIMEOUT) == 0
    text = log.read_text()
    assert "Shutting down" in text and "Traceback" not in text


def load_config(monkeypatch, **env):
    """Run gunicorn.conf.py in this process with only `env` set, and undo what it changes."""
    monkeypatch.setenv("VECDOT_NUM_THREADS", "")  # recorded, so the config's setdefault is undone
    for name in list(os.environ):
        if name.startswith(("GUNICORN_", "VECDOT_")):
            monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(util, "write_error", util.write_error)
    monkeypatch.setattr(message, "MAX_REQUEST_LINE", message.MAX_REQUEST_LINE)
    monkeypatch.setattr(gthread, "DEFAULT_WORKER_DATA_TIMEOUT", gthread.DEFAULT_WORKER_DATA_TIMEOUT)
    monkeypatch.setattr(wsgi.Response, "write", wsgi.Response.write)
    return runpy.run_path(str(CONFIG))


def test_config_defaults(monkeypatch):
    config = load_config(monkeypatch)
    assert config["wsgi_app"] == "vecdot_web:create_app()"
    assert config["pythonpath"] == str(WEB_DIR)
    assert config["bind"] == ["0.0.0.0:8000"]
    assert config["limit_request_line"] > DEFAULTS["MAX_QUERY_BYTES"]
    assert message.MAX_REQUEST_LINE >= config["limit_request_line"]
    # A connection that has sent nothing gives its thread back within a fraction of a second.
    assert gthread.DEFAULT_WORKER_DATA_TIMEOUT < 1
    # The extension runs one thread per call unless the environment says otherwise.
    assert os.environ["VECDOT_NUM_THREADS"] == "1"


def test_config_reads_the_environment(monkeypatch):
    config = load_config(monkeypatch, GUNICORN_BIND="127.0.0.1:9000,[::1]:9000",
                         GUNICORN_WORKERS="3", VECDOT_MAX_QUERY_BYTES="100000",
                         VECDOT_NUM_THREADS="4")
    assert config["bind"] == ["127.0.0.1:9000", "[::1]:9000"]
    assert config["workers"] == 3
    assert config["limit_request_line"] > 100000
    assert os.environ["VECDOT_NUM_THREADS"] == "4"


def test_an_empty_vecdot_variable_counts_as_unset(tmp_path):
    # As a Swarm stack file passes a setting its user left unset (deploy/swarm/stack.yml).
    server = gunicorn_process.start(tmp_path, VECDOT_MAX_BODY_BYTES="")
    try:
        assert gunicorn_process.request(server.port, "GET", "/dot?a=1&b=2")[0] == 200
    finally:
        server.stop()


class RecordingSocket:
    def __init__(self):
        self.calls = []

    def sendall(self, data):
        self.calls.append(bytes(data))


def test_a_response_head_and_body_leave_in_one_write(monkeypatch):
    # A worker killed between two writes would leave the proxy a head without a body,
    # which it cannot replay (web/gunicorn.conf.py, adjustment 4).
    load_config(monkeypatch)

    req = type("Req", (), {"version": (1, 1), "method": "GET", "headers": [], "should_close": lambda self: False})()
    sock = RecordingSocket()
    response = wsgi.Response(req, sock, Config())
    response.start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", "21")])
    response.write(b'{"result":11.0,"n":2}')
    assert len(sock.calls) == 1
    head, _, body = sock.calls[0].partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 OK") and body == b'{"result":11.0,"n":2}'


@pytest.mark.parametrize("headers", [
    [("HOST", "t"), ("USER-AGENT", 'curl/8 "quoted"')],
    [("HOST", "t"), ("X-FORWARDED-FOR", "192.0.2.1"), ("X-FORWARDED-FOR", "192.0.2.2")],
    [],
])
def test_access_log_line_is_gunicorns_own(monkeypatch, headers):
    # The config's logger computes only the fields its format names; the line it writes
    # must be the one gunicorn's full atoms() would give, quotes escaped alike.
    config = load_config(monkeypatch)
    cfg = Config()
    cfg.set("access_log_format", config["access_log_format"])
    environ = {"REMOTE_ADDR": "127.0.0.1", "REQUEST_METHOD": "GET", "PATH_INFO": "/dot",
               "QUERY_STRING": "a=1&b=2", "RAW_URI": "/dot?a=1&b=2", "SERVER_PROTOCOL": "HTTP/1.1",
               **{"HTTP_" + name.replace("-", "_"): value for name, value in headers}}
    req = SimpleNamespace(headers=headers)
    resp = SimpleNamespace(status="200 OK", sent=76, headers=[("Content-Type", "application/json")])
    took = datetime.timedelta(microseconds=1234)
    lines = []
    for logger in (glogging.Logger(cfg), config["logger_class"](cfg)):
        monkeypatch.setattr(logger, "now", lambda: "[04/Dec/2026:18:00:00 +0000]")
        atoms = logger.atoms_wrapper_class(logger.atoms(resp, req, environ, took))
        lines.append(cfg.access_log_format % atoms)
    assert lines[0] == lines[1]
    assert f"<{os.getpid()}>" in lines[1]
