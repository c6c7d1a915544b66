/**
 * "Choose Model": the quick pick items for the server's `coderLsp.listModels` answer (local
 * models found on disk, then every preset, downloaded or not) and what to say about the
 * `coderLsp.useModel` answer. Pure, unit-tested; commands.ts shows them.
 */

export interface ModelItem {
  label: string;
  description: string;
  detail?: string;
  /** What coderLsp.useModel is given: a preset name, a listed model's name, or a path. */
  value: string;
}

interface FoundModel { name?: string; path?: string; source?: string; size_bytes?: number; quantization?: string; fim_format?: string; error?: string; fits?: boolean }
interface HubFile { file?: string; size_bytes?: number; quantization?: string }
interface Preset { name?: string; title?: string; tier?: string; model?: HubFile; downloaded?: string | null }
export interface ModelChoices { models?: FoundModel[]; presets?: Preset[]; preset?: { name?: string } }

/** 1646000000 -> "1.6 GB" (decimal, as the Hub and download sizes are shown). */
export function humanSize(bytes: number | undefined): string {
  if (!bytes) return "";
  const units = ["B", "KB", "MB", "GB", "TB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return `${value >= 10 || unit === 0 ? Math.round(value) : value.toFixed(1)} ${units[unit]}`;
}

export function modelItems(choices: ModelChoices | null | undefined): ModelItem[] {
  const items: ModelItem[] = [];
  const fitting = choices?.preset?.name;
  for (const model of choices?.models ?? []) {
    if (!model.name || model.error) continue; // an unreadable file cannot be used
    const facts = [model.source, humanSize(model.size_bytes), model.quantization, model.fim_format && `FIM: ${model.fim_format}`]
      .filter(Boolean).join(" · ");
    items.push({ label: `$(file) ${model.name}`, description: model.fits === false ? `${facts} · too big for this machine` : facts,
      detail: model.path, value: model.name });
  }
  for (const preset of choices?.presets ?? []) {
    if (!preset.name) continue;
    const size = humanSize(preset.model?.size_bytes);
    const state = preset.downloaded ? "downloaded" : `download ${size}`.trim();
    const fits = preset.name === fitting ? " · fits this machine" : "";
    items.push({ label: `$(cloud-download) ${preset.title ?? preset.name}`, description: `preset ${preset.name} · ${state}${fits}`,
      detail: preset.model?.file, value: preset.name });
  }
  return items;
}

export interface UseMessage { level: "info" | "warning" | "error"; text: string; clearSetting?: boolean }

/** What to tell the user after coderLsp.useModel; `clearSetting` when the editor's own setting outranks the choice. */
export function useModelMessage(name: string, result: unknown): UseMessage {
  const answer = (result && typeof result === "object" ? result : {}) as Record<string, unknown>;
  if (typeof answer.error === "string") return { level: "error", text: `coder-lsp: ${answer.error}` };
  if (typeof answer.downloading === "string") return { level: "info", text: `coder-lsp: downloading ${name}; the server switches to it when done.` };
  if (typeof answer.outrankedBy === "string") {
    const editor = answer.outrankedBy === "coderLsp.model.path";
    return { level: "warning", clearSetting: editor,
      text: `coder-lsp: ${name} is saved as your model, but ${answer.outrankedBy} outranks it${editor ? "; clear that setting to use it." : "."}` };
  }
  return { level: "info", text: `coder-lsp: now using ${typeof answer.path === "string" ? answer.path : name}` };
}
