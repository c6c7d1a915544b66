/**
 * Finding the coder-lsp server executable: the `coderLsp.server.path` setting first,
 * then a virtual environment in a workspace folder (`.venv`, `venv`, `env`), then `PATH`.
 * Pure logic over an injected file-existence check, so it is unit-tested without VS Code.
 */
import * as path from "node:path";

export interface ServerCommand {
  command: string;
  args: string[];
  /** Where it was found, for the log and the status. */
  source: "setting" | "workspace" | "path";
}

export interface DiscoveryInput {
  settingPath: string;
  extraArgs: string[];
  workspaceFolders: string[];
  envPath: string;
  platform: NodeJS.Platform;
  isExecutable: (file: string) => boolean;
}

const VENV_NAMES = [".venv", "venv", "env"];

/** A Python interpreter runs the package as a module; anything else is the console script. */
export function commandFor(executable: string, extraArgs: string[], source: ServerCommand["source"]): ServerCommand {
  const base = (executable.split(/[\\/]/).pop() ?? executable).toLowerCase();
  const isPython = /^python(\d+(\.\d+)?)?(\.exe)?$/.test(base);
  const args = isPython ? ["-m", "lsp_server", "serve", ...extraArgs] : ["serve", ...extraArgs];
  return { command: executable, args, source };
}

function scriptNames(platform: NodeJS.Platform): { binDir: string; names: string[] } {
  return platform === "win32"
    ? { binDir: "Scripts", names: ["coder-lsp.exe", "coder-lsp.cmd", "coder-lsp"] }
    : { binDir: "bin", names: ["coder-lsp"] };
}

export function expandHome(file: string, home: string | undefined): string {
  if (home && (file === "~" || file.startsWith("~/"))) {
    return path.join(home, file.slice(1));
  }
  return file;
}

export function discoverServer(input: DiscoveryInput): ServerCommand | undefined {
  if (input.settingPath.trim()) {
    // A setting that names nothing runnable is "not found", not a start-up crash.
    const file = input.settingPath.trim();
    return input.isExecutable(file) ? commandFor(file, input.extraArgs, "setting") : undefined;
  }
  const { binDir, names } = scriptNames(input.platform);
  for (const folder of input.workspaceFolders) {
    for (const venv of VENV_NAMES) {
      for (const name of names) {
        const candidate = path.join(folder, venv, binDir, name);
        if (input.isExecutable(candidate)) {
          return commandFor(candidate, input.extraArgs, "workspace");
        }
      }
    }
  }
  const separator = input.platform === "win32" ? ";" : ":";
  for (const dir of input.envPath.split(separator).filter(Boolean)) {
    for (const name of names) {
      const candidate = path.join(dir, name);
      if (input.isExecutable(candidate)) {
        return commandFor(candidate, input.extraArgs, "path");
      }
    }
  }
  return undefined;
}

export const INSTALL_HELP = `# Installing the coder-lsp server

The extension needs the \`coder-lsp\` language server (Python 3.11+).

In your project's virtual environment (found automatically):

\`\`\`sh
python3 -m venv .venv
.venv/bin/pip install coder-lsp        # or, from a checkout: .venv/bin/pip install -e .
\`\`\`

Or anywhere on \`PATH\` (\`pipx install coder-lsp\`), or point the setting
**coderLsp.server.path** at the \`coder-lsp\` executable (or at a Python
interpreter that has it installed).

Then run **coder-lsp: Restart server**. \`coder-lsp doctor\` prints what the
server finds: the model, GPU support and grammars.
`;
