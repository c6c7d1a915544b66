/**
 * What the status bar shows for a `coderLsp/status` notification
 * ({state: loading|ready|busy|unloaded|error, model, device, message}); "unloaded" is the model
 * freed after coderLsp.model.keepAliveMinutes idle, reloaded on the next request. Pure, unit-tested.
 */
export type ServerState = "starting" | "loading" | "ready" | "busy" | "unloaded" | "error" | "stopped" | "missing";

export interface StatusParams {
  state: ServerState;
  model?: string;
  device?: string;
  message?: string;
}

export interface StatusView {
  text: string;
  tooltip: string;
  isError: boolean;
}

/** "cuda", "metal", "gpu:0" -> GPU; "cpu" or unknown -> CPU; remote backends keep their name. */
export function deviceLabel(device: string | undefined): string {
  const value = (device ?? "").toLowerCase();
  if (!value) {
    return "";
  }
  if (value.includes("cpu")) {
    return "CPU";
  }
  if (/(gpu|cuda|metal|vulkan|rocm|hip|sycl)/.test(value)) {
    return "GPU";
  }
  return device ?? "";
}

/** A model path or repo file shown as its file name, without .gguf. */
export function modelLabel(model: string | undefined): string {
  if (!model) {
    return "";
  }
  const name = model.split(/[\\/]/).pop() ?? model;
  return name.replace(/\.gguf$/i, "");
}

export function statusView(status: StatusParams): StatusView {
  const model = modelLabel(status.model);
  const device = deviceLabel(status.device);
  const detail = [model, device].filter(Boolean).join(" · ");
  const message = status.message ? `\n${status.message}` : "";
  switch (status.state) {
    case "starting":
      return { text: "$(loading~spin) coder-lsp", tooltip: "coder-lsp: starting the server", isError: false };
    case "loading":
      return { text: `$(loading~spin) coder-lsp: loading${model ? " " + model : ""}`, tooltip: `coder-lsp: loading the model${message}`, isError: false };
    case "ready":
      return { text: `$(sparkle) ${detail || "coder-lsp"}`, tooltip: `coder-lsp ready: ${detail || "model loaded"}${message}\nClick for status and logs`, isError: false };
    case "busy":
      return { text: `$(sync~spin) ${detail || "coder-lsp"}`, tooltip: `coder-lsp: working${message}`, isError: false };
    case "unloaded":
      return { text: "$(debug-pause) coder-lsp: idle", tooltip: `coder-lsp: model unloaded to free memory; the next request reloads it${message}`, isError: false };
    case "stopped":
      return { text: "$(circle-slash) coder-lsp", tooltip: `coder-lsp: server stopped${message}\nClick for status and logs`, isError: true };
    case "missing":
      return { text: "$(error) coder-lsp: not installed", tooltip: "coder-lsp: server executable not found\nClick for install instructions", isError: true };
    default:
      return { text: "$(error) coder-lsp", tooltip: `coder-lsp error${message}\nClick for status and logs`, isError: true };
  }
}
