from __future__ import annotations

import logging
import subprocess
from pathlib import Path

from sync_support import (
    collector_seqs,
    failing_attempts,
    filled_store,
    gate_config,
    stored_seqs,
    wait_for,
)

from edge.settings.fields import SecretRef
from edge.sync.collector import Collector
from edge.sync.service import SyncService


def openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True, timeout=60)


def make_ca(d: Path, name: str) -> None:
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", f"/CN={name}",
            "-keyout", f"{name}.key", "-out", f"{name}.crt", cwd=d)


def make_server_cert(d: Path, ca: str) -> None:
    (d / "san.cnf").write_text("subjectAltName=IP:127.0.0.1\n")
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1", "-keyout", "server.key",
            "-out", "server.csr", cwd=d)
    openssl("x509", "-req", "-in", "server.csr", "-CA", f"{ca}.crt", "-CAkey", f"{ca}.key", "-CAcreateserial",
            "-days", "2", "-extfile", "san.cnf", "-out", "server.crt", cwd=d)


def test_tls_right_ca_connects_wrong_ca_refused(mosquitto_factory, tmp_path, caplog):
    make_ca(tmp_path, "schoolca")
    make_ca(tmp_path, "otherca")
    make_server_cert(tmp_path, "schoolca")
    broker = mosquitto_factory(f"cafile {tmp_path}/schoolca.crt\ncertfile {tmp_path}/server.crt\n"
                               f"keyfile {tmp_path}/server.key\n")
    good = gate_config(broker.port, tls_ca=str(tmp_path / "schoolca.crt"))
    store = filled_store(tmp_path / "gate.db", good, 10)
    collector = Collector(f"mqtts://127.0.0.1:{broker.port}", str(tmp_path / "c.db"), client_id="c-tls",
                          ca_file=str(tmp_path / "schoolca.crt"))
    collector.start()
    sync = SyncService(good, store.path)
    try:
        wait_for(collector.subscribed.is_set, 15, "collector subscribed over TLS")
        sync.start()
        wait_for(lambda: store.backlog()["count"] == 0, 15, "drain over TLS")
        # (the broker acknowledges before the collector has stored it: wait for the collector)
        wait_for(lambda: collector_seqs(collector) == stored_seqs(store), 15, "every record collected once")
    finally:
        sync.stop()
        collector.stop()
    bad = gate_config(broker.port, device="g2", tls_ca=str(tmp_path / "otherca.crt"))
    store2 = filled_store(tmp_path / "gate2.db", bad, 5)
    with caplog.at_level(logging.WARNING, logger="edge.sync.service"):
        sync = failing_attempts(bad, store2, 2)  # refused TLS attempts
    assert not sync.connected.is_set() and store2.backlog()["count"] == 5
    assert "certificate verify failed" in caplog.text
    store.close()
    store2.close()


def test_a_missing_ca_file_is_named_once_and_the_records_stay(tmp_path, caplog):
    """The example config names /etc/gate-edge/ca.crt, which the installer cannot make: a
    connect failure that says which file, not a traceback at every reconnect."""
    cfg = gate_config(9, tls_ca=str(tmp_path / "missing-ca.crt"), backoff_min_s=0.05, backoff_max_s=0.1)
    store = filled_store(tmp_path / "gate.db", cfg, 5)
    with caplog.at_level(logging.INFO, logger="edge.sync.service"):
        sync = failing_attempts(cfg, store, 3)
    assert store.backlog()["count"] == 5 and sync.state() == "offline"
    assert f"tls_ca {tmp_path / 'missing-ca.crt'}" in caplog.text
    assert not [r for r in caplog.records if r.exc_info], "no traceback"
    assert len([r for r in caplog.records if "TLS files" in r.getMessage()]) == 1  # said once, not per attempt
    store.close()


def test_wrong_password_clear_log_keeps_buffering(mosquitto_factory, tmp_path, caplog, monkeypatch):
    pw = tmp_path / "passwd"
    subprocess.run(["mosquitto_passwd", "-b", "-c", str(pw), "gate-g1", "right-secret"], check=True, timeout=30)
    broker = mosquitto_factory(f"allow_anonymous false\npassword_file {pw}\n")
    monkeypatch.setenv("GATE_MQTT_PW", "wrong-secret-xyz")
    cfg = gate_config(broker.port, username="gate-g1", password=SecretRef(env="GATE_MQTT_PW"))
    store = filled_store(tmp_path / "gate.db", cfg, 20)
    sync = SyncService(cfg, store.path)
    with caplog.at_level(logging.INFO):
        sync.start()
        try:
            wait_for(lambda: sync.counters["connect_failures"] >= 2, 15, "refused attempts")
            assert store.backlog()["count"] == 20 and not sync.connected.is_set()
        finally:
            sync.stop()
    assert "refused the connection" in caplog.text and "mqtt.username / mqtt.password" in caplog.text
    assert "wrong-secret-xyz" not in caplog.text
    # The right password then delivers everything that was buffered.
    monkeypatch.setenv("GATE_MQTT_PW", "right-secret")
    collector = Collector(broker.url, str(tmp_path / "c.db"), client_id="c1", username="gate-g1", password="right-secret")
    collector.start()
    wait_for(collector.subscribed.is_set, 10, "collector")
    sync = SyncService(cfg, store.path)
    sync.start()
    try:
        wait_for(lambda: len(collector_seqs(collector)) == 20, 15, "buffered records delivered")
    finally:
        sync.stop()
        collector.stop()
        store.close()
