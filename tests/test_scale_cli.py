"""``python -m domsync serve`` and the proxy configurations it writes (issue 16, running
several workers). The proxies themselves run in test_scale_proxy.py."""

from __future__ import annotations

import os
import re
import signal
import socket
import sys
import time

import pytest
from services import DEPLOY, HOST, ROOT, accepts, free_port, spawn, start_workers

from domsync import DomsyncServer, UsageError
from domsync.proxy_config import Worker, haproxy_config, nginx_config, proxy_config
from domsync.workers import BACKPLANE_VARIABLE, load_server, serve_main

SHIPPED_WORKERS = [Worker(f"w{index}", f"127.0.0.1:{8000 + index}") for index in range(1, 5)]


def test_the_shipped_recipes_are_what_the_command_writes_for_four_workers():
    # examples/deploy/ is what the docs show; the tests run what the command writes.
    assert (DEPLOY / "nginx.conf").read_text() == proxy_config("nginx", SHIPPED_WORKERS, "8000")
    assert (DEPLOY / "haproxy.cfg").read_text() == proxy_config("haproxy", SHIPPED_WORKERS, "8000")


def test_nginx_maps_each_worker_id_to_an_upstream_that_has_the_others_as_backups():
    text = nginx_config(SHIPPED_WORKERS[:2], "80")
    assert "map $arg_worker $domsync_upstream {" in text
    assert "    w1 domsync_w1;\n" in text and "    default domsync_any;\n" in text
    w1 = text.split("upstream domsync_w1 {")[1].split("}")[0]
    assert w1.split() == ["server", "127.0.0.1:8001;", "server", "127.0.0.1:8002", "backup;"]
    assert "proxy_set_header Upgrade $http_upgrade;" in text and "listen 80;" in text


def test_haproxy_sends_each_worker_id_to_its_server():
    text = haproxy_config(SHIPPED_WORKERS[:2], "*:80")
    assert "    use-server w2 if { urlp(worker) -m str w2 }\n" in text
    assert "    server w2 127.0.0.1:8002 check" in text and "bind *:80" in text


def test_a_proxy_configuration_refuses_bad_or_repeated_worker_ids():
    with pytest.raises(UsageError):
        nginx_config([Worker("w1;", "127.0.0.1:1")])
    with pytest.raises(ValueError, match="differ"):
        haproxy_config([Worker("w1", "127.0.0.1:1"), Worker("w1", "127.0.0.1:2")])
    with pytest.raises(ValueError, match="nginx, haproxy"):
        proxy_config("apache", SHIPPED_WORKERS)


# ---------------------------------------------------------------------------- the app

@pytest.fixture
def in_deploy(monkeypatch):
    monkeypatch.chdir(DEPLOY)
    monkeypatch.syspath_prepend(str(DEPLOY))
    monkeypatch.delenv(BACKPLANE_VARIABLE, raising=False)


def test_serve_takes_a_connection_handler(in_deploy):
    server = load_server("app:handler", "127.0.0.1", 9001, allowed_hosts=["example.com"])
    assert isinstance(server, DomsyncServer)
    assert (server.host, server.port, server.allowed_hosts) == ("127.0.0.1", 9001, frozenset({"example.com"}))


def test_serve_takes_a_function_that_returns_a_configured_server_and_says_where_it_listens(in_deploy):
    server = load_server("app:make_server", "127.0.0.1", 9002)
    assert server.title == "domsync on several workers"
    assert (server.host, server.port) == ("127.0.0.1", 9002)


def test_serve_passes_the_backplane_to_a_server_factory_in_the_environment(in_deploy):
    server = load_server("app:make_server", "127.0.0.1", 9002, backplane="redis://127.0.0.1:1/0")
    assert os.environ[BACKPLANE_VARIABLE] == "redis://127.0.0.1:1/0"
    assert server.backplane.url == "redis://127.0.0.1:1/0"


@pytest.fixture(autouse=True)
def backplane_variable_restored(monkeypatch):
    """load_server sets DOMSYNC_BACKPLANE for the worker's process; in the test process it
    must not outlive the test (every later server would read it)."""
    monkeypatch.setenv(BACKPLANE_VARIABLE, "")


def test_serve_gives_a_server_factory_the_backplane_through_the_environment(in_deploy, tmp_path, monkeypatch):
    (tmp_path / "alone.py").write_text("from app import handler\nfrom domsync import DomsyncServer\n\n"
                                       "def make():\n    return DomsyncServer(handler)\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    server = load_server("alone:make", "127.0.0.1", 9003, backplane="redis://127.0.0.1:1/0")
    assert server.backplane.url == "redis://127.0.0.1:1/0"


def test_serve_says_so_when_a_server_made_at_import_has_no_backplane(in_deploy, tmp_path, monkeypatch):
    (tmp_path / "made.py").write_text("from app import handler\nfrom domsync import DomsyncServer\n\n"
                                      "server = DomsyncServer(handler)\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(UsageError, match="has no backplane: make it with DomsyncServer"):
        load_server("made:server", "127.0.0.1", 9005, backplane="redis://127.0.0.1:1/0")


def test_serve_gives_a_handler_the_backplane(in_deploy):
    server = load_server("app:handler", "127.0.0.1", 9004, backplane="redis://127.0.0.1:1/0")
    assert server.backplane.url == "redis://127.0.0.1:1/0"


@pytest.mark.parametrize("target, message", [
    ("app", "name the app as module:attr"),
    ("no_such_module:handler", "no module 'no_such_module' here"),
    ("app:nothing", "module 'app' has no 'nothing'"),
    ("app:__doc__", "neither a connection handler"),
])
def test_serve_says_what_is_wrong_with_the_app_it_was_given(in_deploy, capsys, target, message):
    assert serve_main([target]) == 2
    assert message in capsys.readouterr().err


def test_serve_refuses_workers_without_room_for_their_ports(capsys):
    with pytest.raises(SystemExit):
        serve_main(["app:handler", "--workers", "3", "--port", "65534"])
    assert "--port must leave room for 3 ports" in capsys.readouterr().err


# ---------------------------------------------------------------------------- the workers

def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def _wait(predicate, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline
        time.sleep(0.05)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_ctrl_c_or_sigterm_stops_every_worker(tmp_path, sig):
    workers = start_workers(tmp_path, 2, "haproxy", free_port())
    assert all(accepts(port) for port in workers.ports.values())
    assert workers.supervisor.stop(sig, timeout=30) == 0
    output = workers.supervisor.output()
    assert "Traceback" not in output
    assert f"domsync worker w2 is serving http://127.0.0.1:{workers.ports['w2']}/ (open the proxy's address)" \
        in output
    _wait(lambda: all(_gone(pid) for pid in workers.pids.values()))
    assert output.count("domsync stopped") == 2  # each worker stopped as Ctrl-C stops it


def test_a_worker_that_dies_is_said_so_and_with_restart_started_again(tmp_path):
    workers = start_workers(tmp_path, 2, "nginx", free_port(), extra=("--restart",))
    try:
        old = workers.pids["w2"]
        workers.kill("w2")
        _wait(lambda: "exited with status -9; its sessions are lost" in workers.supervisor.output())
        assert "Starting it again." in workers.supervisor.output()
        serving = re.compile(r"domsync: worker w2 \(pid (\d+)\) serves")
        _wait(lambda: len(serving.findall(workers.supervisor.output())) == 2)
        assert accepts(workers.ports["w2"])
        assert serving.findall(workers.supervisor.output())[0] == str(old)
        assert _gone(old)
    finally:
        assert workers.stop() == 0


def test_the_workers_stop_when_one_cannot_start(tmp_path):
    port = free_port(2)
    with socket.socket() as taken:
        taken.bind((HOST, port + 1))
        taken.listen()

        command = [sys.executable, "-m", "domsync", "serve", "app:handler", "--workers", "2", "--host", HOST,
                   "--port", str(port)]
        environment = dict(os.environ, PYTHONPATH=str(ROOT))
        service = spawn("workers", command, tmp_path, port, cwd=str(DEPLOY), env=environment)
        try:
            assert service.process.wait(60) == 1
        finally:
            service.stop(signal.SIGINT)  # if it did not stop by itself: the test fails, nothing stays behind
    output = service.output()
    assert "cannot listen on" in output
    assert "domsync: worker w2 exited with status 1 before it served (its error is above); stopping the others" \
        in output
    assert not accepts(port)


def test_a_supervisor_killed_outright_takes_its_workers_with_it(tmp_path):
    workers = start_workers(tmp_path, 2, "nginx", free_port())
    workers.supervisor.process.send_signal(signal.SIGKILL)
    workers.supervisor.process.wait()
    _wait(lambda: all(_gone(pid) for pid in workers.pids.values()))


def test_the_redis_fixture_answers_on_a_loopback_port_of_its_own(redis_url):
    host, port = redis_url.removeprefix("redis://").split("/")[0].split(":")
    assert host == "127.0.0.1" and int(port) != 6379
    with socket.create_connection((host, int(port)), timeout=5) as connection:
        connection.sendall(b"PING\r\n")
        assert connection.recv(16) == b"+PONG\r\n"
