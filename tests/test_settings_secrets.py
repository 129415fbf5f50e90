"""Secrets by reference: file, environment, systemd credential; errors name the source only."""
from __future__ import annotations

from pathlib import Path

import pytest

from edge.settings.fields import SecretRef
from edge.settings.secrets import SecretError, read_secret


def test_file_secret_is_the_first_line_stripped(tmp_path: Path) -> None:
    path = tmp_path / "pw"
    path.write_text("  s3cret \nsecond line\n", encoding="utf-8")
    assert read_secret(SecretRef(file=str(path))) == "s3cret"


def test_env_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GATE_TEST_PW", "from-env\n")
    assert read_secret(SecretRef(env="GATE_TEST_PW")) == "from-env"


def test_credential_secret(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "mqtt-password").write_text("cred-value\n", encoding="utf-8")
    monkeypatch.setenv("CREDENTIALS_DIRECTORY", str(tmp_path))
    assert read_secret(SecretRef(credential="mqtt-password")) == "cred-value"


def test_errors_name_the_source(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    missing = tmp_path / "absent"
    with pytest.raises(SecretError, match=f"file {missing}: cannot read: No such file"):
        read_secret(SecretRef(file=str(missing)))
    monkeypatch.delenv("GATE_TEST_UNSET", raising=False)
    with pytest.raises(SecretError, match="environment variable GATE_TEST_UNSET: the variable is not set"):
        read_secret(SecretRef(env="GATE_TEST_UNSET"))
    monkeypatch.delenv("CREDENTIALS_DIRECTORY", raising=False)
    with pytest.raises(SecretError, match="CREDENTIALS_DIRECTORY is not set"):
        read_secret(SecretRef(credential="x"))
    blank = tmp_path / "blank"
    blank.write_text("\n   \n", encoding="utf-8")
    with pytest.raises(SecretError, match="is empty"):
        read_secret(SecretRef(file=str(blank)))
    (tmp_path / "dir").mkdir()
    with pytest.raises(SecretError, match="cannot read: Is a directory"):
        read_secret(SecretRef(file=str(tmp_path / "dir")))
