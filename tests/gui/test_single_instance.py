"""Single instance with real processes: a second launch reaches the first and exits; a crashed
first instance (socket and lock left behind) does not block the next one."""

from __future__ import annotations

import json
import os
import selectors
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from desktop_app.ui.single_instance import instance_key

PROBE = """
import json, sys
from PySide6.QtCore import QCoreApplication
from desktop_app.ui.single_instance import Claim, SingleInstance

key, lock_dir, *rest = sys.argv[1:]
app = QCoreApplication(sys.argv[:1])
instance = SingleInstance(key, lock_dir)
claim = instance.claim(rest)
print(claim.value, instance.server_name(), flush=True)
if claim is not Claim.PRIMARY:
    sys.exit(0)

def received(argv):
    print("received " + json.dumps(argv), flush=True)
    if "--quit" in argv:
        app.quit()

instance.message_received.connect(received)
app.exec()
instance.close()
print("closed", flush=True)
"""


class Probe:
    """One probe process and line-by-line reading of its output, with deadlines."""

    def __init__(self, script: Path, key: str, lock_dir: Path, *args: str) -> None:
        env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
        self.proc = subprocess.Popen(
            [sys.executable, str(script), key, str(lock_dir), *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
        )
        assert self.proc.stdout is not None
        self._selector = selectors.DefaultSelector()
        self._selector.register(self.proc.stdout, selectors.EVENT_READ)
        self._buffer = b""

    def line(self, timeout: float = 10.0) -> str:
        deadline = time.monotonic() + timeout
        assert self.proc.stdout is not None
        while b"\n" not in self._buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not self._selector.select(remaining):
                raise AssertionError(f"no output in {timeout} s; buffer {self._buffer!r}")
            chunk = os.read(self.proc.stdout.fileno(), 4096)
            if not chunk:
                raise AssertionError(f"probe ended: {self._buffer!r} {self.stderr()}")
            self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\n", 1)
        return line.decode()

    def stderr(self) -> str:
        if self.proc.poll() is None or self.proc.stderr is None:
            return ""
        return self.proc.stderr.read().decode(errors="replace")

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(10)
        self._selector.close()
        for stream in (self.proc.stdout, self.proc.stderr):
            if stream is not None:
                stream.close()


@pytest.fixture
def launch(tmp_path: Path) -> Iterator[Callable[..., Probe]]:
    script = tmp_path / "probe.py"
    script.write_text(PROBE)
    key = instance_key(str(tmp_path / "settings.ini"), user="tester")
    probes: list[Probe] = []

    def start(*args: str) -> Probe:
        probe = Probe(script, key, tmp_path, *args)
        probes.append(probe)
        return probe

    yield start
    for probe in probes:
        probe.close()
    # Leave no socket file behind in the temp folder.
    from PySide6.QtNetwork import QLocalServer

    QLocalServer.removeServer(key)


def test_second_launch_forwards_its_arguments_and_exits(launch: Callable[..., Probe]) -> None:
    first = launch()
    state, server = first.line().split(" ", 1)
    assert state == "primary" and server
    second = launch("--demo", "a b", "ünïcode")
    assert second.line().startswith("forwarded")
    assert second.proc.wait(10) == 0
    assert json.loads(first.line().removeprefix("received ")) == ["--demo", "a b", "ünïcode"]
    third = launch("--quit")
    assert third.line().startswith("forwarded")
    assert first.line() == 'received ["--quit"]'
    assert first.line() == "closed"
    assert first.proc.wait(10) == 0
    # With the first one gone cleanly, the next launch is the app again.
    fourth = launch()
    assert fourth.line().startswith("primary")


@pytest.mark.skipif(sys.platform == "win32", reason="named pipes vanish with their process")
def test_crash_leaves_socket_and_lock_that_the_next_launch_recovers(
    launch: Callable[..., Probe], tmp_path: Path
) -> None:
    first = launch()
    state, server = first.line().split(" ", 1)
    assert state == "primary"
    first.proc.send_signal(signal.SIGKILL)
    first.proc.wait(10)
    socket_file = Path(server)
    lock_file = next(tmp_path.glob("*.lock"))
    assert socket_file.exists() and lock_file.exists(), "a crash leaves both behind"
    began = time.monotonic()
    second = launch()
    assert second.line().split(" ", 1)[0] == "primary"
    assert time.monotonic() - began < 8
    third = launch("--from-third")
    assert third.line().startswith("forwarded")
    assert second.line() == 'received ["--from-third"]'


def test_keys_differ_per_user_and_settings_location() -> None:
    a = instance_key("/home/a/settings.ini", user="alice")
    assert a == instance_key("/home/a/settings.ini", user="alice")
    assert a != instance_key("/home/a/settings.ini", user="bob")
    assert a != instance_key("/tmp/test/settings.ini", user="alice")
    assert a.startswith("backup-status-monitor-") and len(a) < 60
