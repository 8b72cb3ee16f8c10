"""Shared by bench_national.py and bench_postgis_join.py: QGIS start-up, timing, peak memory, test server."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def start_qgis():
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    runtime = tempfile.mkdtemp(prefix="xdg-")
    os.chmod(runtime, 0o700)
    os.environ.setdefault("XDG_RUNTIME_DIR", runtime)
    os.environ.setdefault("QGIS_CUSTOM_CONFIG_PATH", tempfile.mkdtemp(prefix="wbe-bench-profile-"))
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO / "scripts"))
        __import__("plugin_link").make_importable()
    if "/usr/share/qgis/python/plugins" not in sys.path:
        sys.path.append("/usr/share/qgis/python/plugins")
    from qgis.core import QgsApplication

    app = QgsApplication([], False)
    app.initQgis()
    from processing.core.Processing import Processing

    Processing.initialize()
    import wbe_surveillance

    plugin = wbe_surveillance.classFactory(None)
    plugin.initProcessing()
    return app, plugin


def reset_peak() -> None:
    """Reset the kernel's peak-RSS counter (VmHWM) of this process, so the next reading is per step."""
    try:
        with open("/proc/self/clear_refs", "w") as handle:
            handle.write("5")
    except OSError:
        pass


def peak_mb() -> float:
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    return float("nan")


def rss_mb() -> float:
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    return float("nan")


def measure(label: str, fn, repeats: int = 3):
    """Run fn ``repeats`` times; print and return (median seconds, peak MB over the runs, last result)."""
    times, peaks, result = [], [], None
    for _ in range(repeats):
        result = None
        reset_peak()
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
        peaks.append(peak_mb())
    median = statistics.median(times)
    spread = f" (runs: {', '.join(f'{t:.2f}' for t in times)})" if repeats > 1 else ""
    print(f"  {label:<58} median {median:8.2f} s{spread}; peak RSS {max(peaks):7.0f} MB")
    return median, max(peaks), result


class TestServer:
    """scripts/pg_test_server.sh as a context manager; yields a psycopg2 DSN and a QGIS URI builder."""

    def __enter__(self):
        done = subprocess.run(["bash", str(REPO / "scripts" / "pg_test_server.sh"), "start"], capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise RuntimeError("the PostgreSQL test server did not start: " + done.stderr.strip())
        self.info = dict(line.split("=", 1) for line in done.stdout.split() if "=" in line)
        return self

    def dsn(self) -> str:
        i = self.info
        return f"host={i['WBE_PG_HOST']} port={i['WBE_PG_PORT']} dbname={i['WBE_PG_DB']} user={i['WBE_PG_USER']}"

    def qgis_uri(self, table: str, geom: str = "geom", key: str = "") -> str:
        i = self.info
        key_part = f" key='{key}'" if key else ""
        return (
            f"dbname='{i['WBE_PG_DB']}' host={i['WBE_PG_HOST']} port={i['WBE_PG_PORT']} user='{i['WBE_PG_USER']}' "
            f"sslmode=disable{key_part} srid=32649 type=Point table={table} ({geom})"
        )

    def __exit__(self, *exc):
        subprocess.run(
            ["bash", str(REPO / "scripts" / "pg_test_server.sh"), "stop", self.info["WBE_PG_DIR"]], capture_output=True, check=False
        )
        return False
