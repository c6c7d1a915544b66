"""What this machine can run: GPU and its memory, system memory, cores, Apple unified memory.

`probe()` returns a frozen `Hardware` from cheap, local sources only: the
`nvidia-smi` query (2 s timeout, absent is fine), llama.cpp's
`llama_supports_gpu_offload`, /proc/meminfo or sysconf for RAM, the CPU
affinity mask for cores, and the platform for Apple silicon (whose GPU shares
system memory). Nothing here raises: an unknown value is 0 or False, so the
preset choice degrades to the CPU tier instead of failing.
"""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
from dataclasses import dataclass

GIB = 1024**3


@dataclass(frozen=True)
class Hardware:
    gpu_name: str = ""
    vram_bytes: int = 0  # the largest GPU's memory; 0 = no discrete GPU found
    gpu_offload: bool = False  # this llama.cpp build can offload to a GPU
    ram_bytes: int = 0
    cores: int = 1
    apple_silicon: bool = False  # GPU memory is system memory

    @property
    def accelerator(self) -> str:
        if self.apple_silicon and self.gpu_offload:
            return "apple"
        return "gpu" if self.vram_bytes and self.gpu_offload else "cpu"

    def describe(self) -> str:
        ram = f"{self.ram_bytes / GIB:.0f} GiB RAM, {self.cores} cores"
        if self.accelerator == "apple":
            return f"Apple silicon, {ram} (unified memory)"
        if self.vram_bytes:
            offload = "" if self.gpu_offload else " (this llama.cpp build cannot offload to it)"
            return f"{self.gpu_name or 'GPU'} {self.vram_bytes / GIB:.0f} GiB{offload}, {ram}"
        return f"no GPU, {ram}"

    def to_json(self) -> dict:
        return {"gpu": self.gpu_name, "vram_bytes": self.vram_bytes, "gpu_offload": self.gpu_offload,
                "ram_bytes": self.ram_bytes, "cores": self.cores, "apple_silicon": self.apple_silicon,
                "accelerator": self.accelerator}


def nvidia_gpus(timeout_s: float = 2.0) -> list[tuple[str, int]]:
    """(name, memory bytes) per NVIDIA GPU from nvidia-smi; [] when there is none or it fails."""
    exe = shutil.which("nvidia-smi")
    if not exe:
        return []
    try:
        out = subprocess.run([exe, "--query-gpu=name,memory.total", "--format=csv,noheader,nounits"],
                             capture_output=True, text=True, timeout=timeout_s, check=False).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    gpus = []
    for line in out.splitlines():
        name, _, mib = line.rpartition(",")
        try:
            gpus.append((name.strip(), int(float(mib.strip())) * 1024**2))
        except ValueError:
            continue
    return gpus


def gpu_offload_supported() -> bool:
    try:
        import llama_cpp

        return bool(llama_cpp.llama_supports_gpu_offload())
    except Exception:  # noqa: BLE001 - no llama.cpp, or a broken build: no offload
        return False


def ram_bytes() -> int:
    try:
        with open("/proc/meminfo", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("MemTotal:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return 0


def cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def probe() -> Hardware:
    gpus = nvidia_gpus()
    name, vram = max(gpus, key=lambda gpu: gpu[1]) if gpus else ("", 0)
    apple = platform.system() == "Darwin" and platform.machine() == "arm64"
    return Hardware(gpu_name=name, vram_bytes=vram, gpu_offload=gpu_offload_supported(), ram_bytes=ram_bytes(),
                    cores=cores(), apple_silicon=apple)
