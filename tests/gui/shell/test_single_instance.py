"""Single instance with real processes: a second launch reaches the first and exits; a crashed
first instance (socket and lock left behind) does not block the next one."""

from __future__ import annotations

import json
import os
import selectors
import signal
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSysInfo

from desktop_app.ui.shell.single_instance import SingleInstance, instance_key, private_lock_dir

PROBE = """
import json, os, sys
from PySide6.QtCore import QCoreApplication
from desktop_app.ui.shell.single_instance import Claim, SingleInstance

key, lock_dir, *rest = sys.argv[1:]
app = QCoreApplication(sys.argv[:1])
instance = SingleInstance(key, lock_dir, find_primary_ms=int(os.environ.get("FIND_MS", "5000")))
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

    def __init__(
        self, script: Path, key: str, lock_dir: Path, *args: str, find_ms: int = 5000
    ) -> None:
        env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "FIND_MS": str(find_ms)}
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

    def start(*args: str, find_ms: int = 5000) -> Probe:
        probe = Probe(script, key, tmp_path, *args, find_ms=find_ms)
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


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX process names and permissions")
def test_a_planted_lock_naming_a_live_process_does_not_stop_the_app(
    launch: Callable[..., Probe], tmp_path: Path
) -> None:
    """Anyone could once write ``<pid>\n<name>\n<host>`` naming a live process into the shared
    temp folder: QLockFile believes it (the process lives, its name matches) and the app never
    started. A lock nobody answers for is now taken over."""
    sleeper = subprocess.Popen(["sleep", "60"])
    try:
        key = instance_key(str(tmp_path / "settings.ini"), user="tester")
        host = QSysInfo.machineHostName()
        (tmp_path / f"{key}.lock").write_text(f"{sleeper.pid}\nsleep\n{host}\n")
        began = time.monotonic()
        probe = launch(find_ms=800)
        assert probe.line().split(" ", 1)[0] == "primary"
        assert time.monotonic() - began < 8
    finally:
        sleeper.kill()
        sleeper.wait(10)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")
def test_lock_and_socket_live_in_a_private_per_user_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runtime = tmp_path / "runtime"
    runtime.mkdir(mode=0o700)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(runtime))
    instance = SingleInstance(instance_key("/x/settings.ini", user="tester"))
    folder = Path(instance.lock_path).parent
    assert folder == runtime / "backup-status-monitor"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert folder != Path(tempfile.gettempdir())  # not the shared temp folder itself
    if sys.platform != "darwin":
        assert Path(instance.key).parent == folder  # the socket too, not a name in /tmp

    # A runtime folder others can write to is not used: the app's own data folder instead.
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o777)
    data = tmp_path / "data"
    monkeypatch.setattr("desktop_app.logging_setup.default_data_dir", lambda: data)
    assert private_lock_dir([shared, data / "run"]) == data / "run"
    assert stat.S_IMODE((data / "run").stat().st_mode) == 0o700
