"""Presets by hardware tier: the table's shape, and the preset `choose` names for each kind of machine."""

from __future__ import annotations

import pytest

from lsp_server.model import hardware, presets
from lsp_server.model.hardware import GIB, Hardware


def test_the_table_covers_every_tier_with_fim_and_chat_models():
    assert {p.tier for p in presets.PRESETS} == {"cpu", "gpu", "apple"}
    assert len(presets.BY_NAME) == len(presets.PRESETS)
    for preset in presets.PRESETS:
        assert preset.fim.file.endswith(".gguf") and preset.fim.size_bytes > 0 and preset.fim.licence
        assert preset.chat is None or preset.chat.file.endswith(".gguf")
        assert preset.fim.sha256 is None or len(preset.fim.sha256) == 64


@pytest.mark.parametrize("machine, name", [
    (Hardware(ram_bytes=4 * GIB, cores=2), "cpu-small"),
    (Hardware(ram_bytes=16 * GIB, cores=8), "cpu"),
    (Hardware(gpu_name="RTX 3060", vram_bytes=8 * GIB, gpu_offload=True, ram_bytes=32 * GIB), "gpu-8gb"),
    (Hardware(vram_bytes=16 * GIB, gpu_offload=True, ram_bytes=32 * GIB), "gpu-16gb"),
    (Hardware(vram_bytes=24 * GIB, gpu_offload=True, ram_bytes=64 * GIB), "gpu-24gb"),
    (Hardware(vram_bytes=141 * GIB, gpu_offload=True, ram_bytes=128 * GIB), "gpu-24gb"),
    (Hardware(vram_bytes=4 * GIB, gpu_offload=True, ram_bytes=16 * GIB), "cpu"),  # too small a GPU: CPU tier
    (Hardware(vram_bytes=24 * GIB, gpu_offload=False, ram_bytes=16 * GIB), "cpu"),  # a CPU-only llama.cpp build
    (Hardware(ram_bytes=8 * GIB, gpu_offload=True, apple_silicon=True), "apple-8gb"),
    (Hardware(ram_bytes=16 * GIB, gpu_offload=True, apple_silicon=True), "apple-16gb"),
    (Hardware(ram_bytes=64 * GIB, gpu_offload=True, apple_silicon=True), "apple-32gb"),
])
def test_choose_names_the_preset_that_fits(machine, name):
    assert presets.choose(machine).name == name


def test_fits_leaves_room_for_the_kv_cache():
    gpu = Hardware(vram_bytes=8 * GIB, gpu_offload=True, ram_bytes=64 * GIB)
    assert presets.fits(3_300 * presets.MB, gpu) and not presets.fits(8_100 * presets.MB, gpu)
    assert not presets.fits(20 * GIB, Hardware(ram_bytes=16 * GIB))


def test_probe_never_raises_and_reads_this_machine(monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")  # no nvidia-smi
    found = hardware.probe()
    assert found.vram_bytes == 0 and found.cores >= 1 and found.ram_bytes > 0
    assert found.accelerator in ("cpu", "apple")
    assert "RAM" in found.describe()


def test_nvidia_smi_output_is_parsed(tmp_path, monkeypatch):
    fake = tmp_path / "nvidia-smi"
    fake.write_text("#!/bin/sh\necho 'NVIDIA H200, 143771'\necho 'NVIDIA T4, 15360'\necho 'garbage'\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    assert hardware.nvidia_gpus() == [("NVIDIA H200", 143771 * 1024**2), ("NVIDIA T4", 15360 * 1024**2)]
