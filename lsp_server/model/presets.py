"""The model presets by hardware tier, in one table, and choosing the one that fits a machine.

Each `Preset` names a base (FIM-trained) code model as a Hugging Face GGUF
file, and an optional instruct model for chat work (explain, fix, commit
message), because base models follow instructions poorly. Sizes are the
published file sizes rounded to MB, used only to judge fit; the download
checks the Hub's own size and LFS sha256 (`sha256` here is None unless a
hash is published with the preset, so nothing unverified is pinned).
`choose(hardware)` picks the largest preset whose tier the machine meets.
"""

from __future__ import annotations

from dataclasses import dataclass

from lsp_server.model.hardware import GIB, Hardware

MB = 1000**2
APACHE, QWEN_RESEARCH, DEEPSEEK = "apache-2.0", "qwen-research", "deepseek-license"


@dataclass(frozen=True)
class HubFile:
    repo: str
    file: str
    quantization: str
    size_bytes: int  # approximate (rounded to MB): for fitting; the Hub's X-Linked-Size is authoritative
    licence: str
    sha256: str | None = None  # published hash, when known; else the Hub's LFS sha256 is checked

    @property
    def spec(self) -> str:
        return f"{self.repo}:{self.file}"


@dataclass(frozen=True)
class Preset:
    name: str
    tier: str  # "cpu" | "gpu" | "apple"
    min_memory_gib: int  # VRAM for "gpu", unified memory for "apple", RAM for "cpu"
    title: str
    fim: HubFile
    chat: HubFile | None = None  # optional `chatModel`: an instruct model for explain/fix/commit

    def to_json(self) -> dict:
        def hub(ref: HubFile | None):
            return None if ref is None else {"repo": ref.repo, "file": ref.file, "quantization": ref.quantization,
                                             "size_bytes": ref.size_bytes, "licence": ref.licence,
                                             "sha256": ref.sha256}
        return {"name": self.name, "tier": self.tier, "min_memory_gib": self.min_memory_gib, "title": self.title,
                "model": hub(self.fim), "chat_model": hub(self.chat)}


def _qwen(size: str, mb: int, licence: str = APACHE) -> HubFile:
    return HubFile(f"ggml-org/Qwen2.5-Coder-{size}-Q8_0-GGUF", f"qwen2.5-coder-{size.lower()}-q8_0.gguf", "Q8_0",
                   mb * MB, licence)


def _qwen_chat(size: str, mb: int, licence: str = APACHE) -> HubFile:
    return HubFile(f"bartowski/Qwen2.5-Coder-{size}-Instruct-GGUF", f"Qwen2.5-Coder-{size}-Instruct-Q4_K_M.gguf",
                   "Q4_K_M", mb * MB, licence)


DEEPSEEK_LITE = HubFile("bartowski/DeepSeek-Coder-V2-Lite-Base-GGUF", "DeepSeek-Coder-V2-Lite-Base-Q4_K_M.gguf",
                        "Q4_K_M", 10_360 * MB, DEEPSEEK)
DEEPSEEK_LITE_CHAT = HubFile("bartowski/DeepSeek-Coder-V2-Lite-Instruct-GGUF",
                             "DeepSeek-Coder-V2-Lite-Instruct-Q4_K_M.gguf", "Q4_K_M", 10_360 * MB, DEEPSEEK)

# The one table. Order within a tier: smallest first; `choose` takes the last one that fits.
PRESETS: tuple[Preset, ...] = (
    Preset("cpu-small", "cpu", 0, "Qwen2.5-Coder-0.5B", _qwen("0.5B", 495), _qwen_chat("0.5B", 398)),
    Preset("cpu", "cpu", 8, "Qwen2.5-Coder-1.5B", _qwen("1.5B", 1_646), _qwen_chat("1.5B", 986)),
    Preset("gpu-8gb", "gpu", 8, "Qwen2.5-Coder-3B", _qwen("3B", 3_290, QWEN_RESEARCH),
           _qwen_chat("3B", 1_930, QWEN_RESEARCH)),
    Preset("gpu-16gb", "gpu", 16, "Qwen2.5-Coder-7B", _qwen("7B", 8_100), _qwen_chat("7B", 4_680)),
    Preset("gpu-24gb", "gpu", 24, "DeepSeek-Coder-V2-Lite", DEEPSEEK_LITE, DEEPSEEK_LITE_CHAT),
    Preset("apple-8gb", "apple", 0, "Qwen2.5-Coder-1.5B", _qwen("1.5B", 1_646), _qwen_chat("1.5B", 986)),
    Preset("apple-16gb", "apple", 16, "Qwen2.5-Coder-7B", _qwen("7B", 8_100), _qwen_chat("7B", 4_680)),
    Preset("apple-32gb", "apple", 32, "DeepSeek-Coder-V2-Lite", DEEPSEEK_LITE, DEEPSEEK_LITE_CHAT),
)
BY_NAME = {preset.name: preset for preset in PRESETS}


def memory_for(hardware: Hardware, tier: str) -> int:
    """The memory that tier's models live in, in bytes."""
    return hardware.vram_bytes if tier == "gpu" else hardware.ram_bytes


def choose(hardware: Hardware) -> Preset:
    """The largest preset of the machine's tier whose memory floor it meets (a GPU too small for
    the smallest GPU preset falls back to the CPU tier)."""
    for tier in dict.fromkeys((hardware.accelerator, "cpu")):
        fitting = [p for p in PRESETS if p.tier == tier and memory_for(hardware, tier) >= p.min_memory_gib * GIB]
        if fitting:
            return fitting[-1]
    return PRESETS[0]


def fits(size_bytes: int, hardware: Hardware) -> bool:
    """Whether a model file of this size runs well here: weights plus ~20% for KV cache and buffers
    in GPU memory, or in at most 70% of system memory on CPU / unified memory."""
    if hardware.accelerator == "gpu":
        return size_bytes * 1.2 <= hardware.vram_bytes
    return size_bytes <= hardware.ram_bytes * 0.7


def human_size(size_bytes: int) -> str:
    return f"{size_bytes / 1e9:.1f} GB" if size_bytes >= 1e8 else f"{size_bytes / 1e6:.1f} MB"
