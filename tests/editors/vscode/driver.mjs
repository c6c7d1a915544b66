// Drives a running code-server in headless Chromium (playwright-core) through what a user
// does with the coder-lsp extension: wait for the status bar to say the model is ready,
// type in a Python file until ghost text shows, accept it with Tab, open the light bulb
// on a diagnostic and run Explain and Fix, and fill the commit box from the Git view.
// Prints one JSON line of results (timings included); on failure saves a screenshot.
//
// Usage: node driver.mjs CONFIG.json   (see test_vscode_e2e.py for the fields)
import fs from "node:fs";
import path from "node:path";
import { chromium } from "playwright-core";

const config = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
const results = { steps: [] };
const isMac = false;
const mod = isMac ? "Meta" : "Control";

function log(message) {
  process.stderr.write(`[driver ${new Date().toISOString().slice(11, 23)}] ${message}\n`);
}

async function shot(page, name) {
  const file = path.join(config.artifacts, `${name}.png`);
  await page.screenshot({ path: file }).catch((error) => log(`screenshot ${name} failed: ${error}`));
  return file;
}

async function step(page, name, run) {
  log(`step: ${name}`);
  const started = Date.now();
  try {
    const value = await run();
    results.steps.push({ name, ms: Date.now() - started });
    return value;
  } catch (error) {
    results.failedStep = name;
    results.error = String(error?.stack ?? error);
    results.screenshot = await shot(page, `failure-${name}`);
    throw error;
  }
}

async function runCommand(page, title) {
  await page.keyboard.press("F1");
  const input = page.locator(".quick-input-widget input");
  await input.waitFor({ state: "visible", timeout: 15000 });
  await input.fill(`>${title}`);
  await page.locator(".quick-input-list .monaco-list-row", { hasText: title }).first().waitFor({ timeout: 15000 });
  await page.keyboard.press("Enter");
}

async function openFile(page, relativePath) {
  await page.keyboard.press(`${mod}+P`);
  const input = page.locator(".quick-input-widget input");
  await input.waitFor({ state: "visible", timeout: 15000 });
  await input.fill(relativePath);
  await page.locator(".quick-input-list .monaco-list-row", { hasText: path.basename(relativePath) }).first().waitFor({ timeout: 30000 });
  await page.keyboard.press("Enter");
  const tab = page.locator(".tabs-container .tab.active", { hasText: path.basename(relativePath) });
  await tab.waitFor({ timeout: 30000 });
  const editor = page.locator(".editor-instance .monaco-editor").first();
  await editor.locator(".view-lines").click();
  return editor;
}

async function goToLine(page, line, column = 1) {
  await page.keyboard.press(`${mod}+G`);
  const input = page.locator(".quick-input-widget input");
  await input.waitFor({ state: "visible", timeout: 15000 });
  await input.fill(`:${line}:${column}`);
  await page.keyboard.press("Enter");
}

/** The text of the active editor's line with the cursor (as Monaco renders it). */
async function currentLineText(page) {
  return page.evaluate(() => {
    const editor = document.querySelector(".editor-instance .monaco-editor");
    const cursorTop = editor?.querySelector(".cursors-layer .cursor")?.getBoundingClientRect().top;
    const lines = [...(editor?.querySelectorAll(".view-lines .view-line") ?? [])];
    const line = lines.find((node) => Math.abs(node.getBoundingClientRect().top - (cursorTop ?? -1)) < 4);
    return (line?.textContent ?? "").replace(/\u00a0/g, " ");
  });
}

const GHOST = ".editor-instance .ghost-text-decoration, .editor-instance .ghost-text-decoration-preview, .editor-instance .ghost-text";

async function ghostText(page) {
  await step(page, "open-python", () => openFile(page, config.pythonFile));
  await page.keyboard.press(`${mod}+End`);
  await page.keyboard.press("Enter");
  await page.keyboard.press("Enter");
  // Type all but the last character, then time the last keystroke to visible ghost text.
  const typed = config.pythonTyping;
  await page.keyboard.type(typed.slice(0, -1), { delay: 30 });
  await page.waitForTimeout(300);
  const keystroke = Date.now();
  await page.keyboard.type(typed.slice(-1));
  await step(page, "ghost-text", async () => {
    await page.locator(GHOST).first().waitFor({ state: "visible", timeout: config.ghostTimeoutMs ?? 60000 });
  });
  results.keystrokeToGhostMs = Date.now() - keystroke;
  await shot(page, "ghost-text");
  const before = await currentLineText(page);
  results.ghostText = before.includes(typed) ? before.slice(before.indexOf(typed) + typed.length) : before;
  await step(page, "accept-with-tab", async () => {
    await page.keyboard.press("Tab");
    await page.locator(GHOST).first().waitFor({ state: "detached", timeout: 10000 }).catch(() => undefined);
    await page.keyboard.press(`${mod}+S`);
    await page.locator(".tabs-container .tab.active.dirty").waitFor({ state: "detached", timeout: 15000 });
  });
  results.lineBeforeTab = before;
  results.lineAfterTab = await currentLineText(page);
  results.ghostSamplesMs = [results.keystrokeToGhostMs, ...(await moreGhostSamples(page, config.ghostSamples ?? 4))];
}

/** Open the Python file and type while the model still loads (the server holds the request):
 * the ghost text must appear once the model is ready, with no keystroke after the typing. */
async function ghostWhileLoading(page) {
  const loading = page.locator(".statusbar-item", { hasText: "coder-lsp: loading" }).first();
  const ours = page.locator(".statusbar-item", { hasText: "coder-lsp" }).first();
  // "starting": type before the server has even answered `initialize` (no provider yet).
  const state = config.typeWhile === "starting" ? ours : loading;
  await step(page, `server-${config.typeWhile}`, () => state.waitFor({ timeout: config.readyTimeoutMs ?? 180000 }));
  await step(page, "open-python", () => openFile(page, config.pythonFile));
  await page.keyboard.press(`${mod}+End`);
  await page.keyboard.press("Enter");
  await page.keyboard.press("Enter");
  await page.keyboard.type(config.pythonTyping, { delay: 30 });
  const typedAt = Date.now();
  results.typedWhileLoading = await loading.isVisible();
  results.statusWhenTyped = await ours.getAttribute("aria-label").catch(() => "");
  results.ghostVisibleWhileLoading = await page.locator(GHOST).first().isVisible();
  await step(page, "ghost-text-after-load", async () => {
    await page.locator(GHOST).first().waitFor({ state: "visible", timeout: config.ghostTimeoutMs ?? 60000 });
  });
  results.lastKeystrokeToGhostMs = Date.now() - typedAt;
  results.readyWhenShown = await page.locator(".statusbar-item", { hasText: config.readyText }).first().isVisible();
  await shot(page, "ghost-while-loading");
  const line = await currentLineText(page);
  const typed = config.pythonTyping;
  results.ghostText = line.includes(typed) ? line.slice(line.indexOf(typed) + typed.length) : line;
}

/** Keystroke-to-ghost-text times on fresh comment lines; Escape dismisses each. */
async function moreGhostSamples(page, count) {
  const samples = [];
  for (let index = 0; index < count; index += 1) {
    await page.keyboard.press("Escape");
    await page.keyboard.press("End");
    await page.keyboard.press("Enter");
    const text = `# Sample ${index + 1} of the typing test: `;
    await page.keyboard.type(text.slice(0, -1), { delay: 20 });
    await page.waitForTimeout(300);
    await page.keyboard.press("Escape");
    const keystroke = Date.now();
    await page.keyboard.type(text.slice(-1));
    const shown = await page.locator(GHOST).first().waitFor({ state: "visible", timeout: 30000 }).then(() => true, () => false);
    samples.push(shown ? Date.now() - keystroke : null);
  }
  await page.keyboard.press("Escape");
  await page.keyboard.press(`${mod}+S`);
  return samples;
}

/** Ctrl+. on the error; retried because the actions arrive after the diagnostic. */
async function openLightBulb(page) {
  await goToLine(page, config.errorLine, config.errorColumn);
  const menu = page.locator(".context-view .action-widget").first();
  const ours = menu.locator(".monaco-list-row", { hasText: "Explain this error" }).first();
  for (let attempt = 1; ; attempt += 1) {
    await page.waitForTimeout(1000);
    await page.keyboard.press(`${mod}+.`);
    if (await ours.waitFor({ timeout: 10000 }).then(() => true, () => false)) return menu;
    if (attempt === 3) throw new Error("the light bulb offered no Explain this error");
    await page.keyboard.press("Escape");
  }
}

async function explainAndFix(page) {
  await step(page, "open-error-file", () => openFile(page, config.errorFile));
  await step(page, "diagnostic", () => page.locator(".editor-instance .squiggly-error").first().waitFor({ timeout: 90000 }));
  const menu = await step(page, "light-bulb", async () => {
    const widget = await openLightBulb(page);
    await widget.locator(".monaco-list-row", { hasText: "Fix this error" }).first().waitFor({ timeout: 5000 });
    return widget;
  });
  results.lightBulbActions = await menu.locator(".monaco-list-row").allTextContents();
  await shot(page, "light-bulb");
  await step(page, "explain", async () => {
    await menu.locator(".monaco-list-row", { hasText: "Explain this error" }).first().click();
    await page.locator(".tabs-container .tab", { hasText: "Explanation" }).first().waitFor({ timeout: 120000 });
    results.explanation = await previewText(page);
  });
  await shot(page, "explain");
  await step(page, "explain-command", async () => {
    await page.locator(".tabs-container .tab", { hasText: path.basename(config.errorFile) }).first().click();
    await goToLine(page, config.errorLine, config.errorColumn);
    await runCommand(page, "coder-lsp: Explain this error");
    await page.locator(".tabs-container .tab", { hasText: "Explanation-2" }).first().waitFor({ timeout: 120000 });
  });
  await step(page, "show-status", async () => {
    await runCommand(page, "coder-lsp: Show status and logs");
    const output = page.locator(".part.panel .monaco-editor", { hasText: "coderLsp.status" }).first();
    await output.waitFor({ timeout: 30000 });
    results.statusLog = (await output.textContent())?.slice(0, 400);
    // The log's last line says what the model thread did; the view renders only the lines in sight.
    await output.click();
    await page.keyboard.press(`${mod}+End`);
    const outcomes = page.locator(".part.panel .monaco-editor", { hasText: "job outcomes:" }).first();
    await outcomes.waitFor({ timeout: 30000 });
    const logText = ((await outcomes.textContent()) ?? "").replace(/\u00a0/g, " "); // the view draws spaces as nbsp
    results.jobOutcomes = logText.slice(logText.lastIndexOf("job outcomes:")).slice(0, 600);
    await shot(page, "show-status");
  });
  await step(page, "fix", async () => {
    await page.locator(".tabs-container .tab", { hasText: path.basename(config.errorFile) }).first().click();
    const widget = await openLightBulb(page);
    await widget.locator(".monaco-list-row", { hasText: "Fix this error" }).first().click();
    // The edit arrives through codeAction/resolve; the tab turns dirty when it is applied.
    const dirty = page.locator(".tabs-container .tab.active.dirty");
    results.fixApplied = await dirty.waitFor({ timeout: config.fixTimeoutMs ?? 120000 }).then(() => true, () => false);
    if (results.fixApplied) {
      await page.keyboard.press(`${mod}+S`);
      await dirty.waitFor({ state: "detached", timeout: 15000 });
    }
  });
  await shot(page, "fix");
}

/** The rendered markdown preview's text: it lives in a webview iframe. */
async function previewText(page) {
  const deadline = Date.now() + 30000;
  while (Date.now() < deadline) {
    for (const frame of page.frames()) {
      const text = await frame.evaluate(() => document.querySelector(".markdown-body")?.textContent ?? "").catch(() => "");
      if (text.trim()) return text.trim();
    }
    await page.waitForTimeout(250);
  }
  throw new Error("the explanation preview stayed empty");
}

/** Rewrites the settings files (VS Code picks the change up) and waits for the new model. */
async function switchModel(page) {
  await step(page, "switch-model", async () => {
    for (const file of config.switchModel.settingsFiles) {
      fs.writeFileSync(file, JSON.stringify(config.switchModel.settings, null, 2));
    }
    const ready = page.locator(".statusbar-item", { hasText: config.switchModel.readyText }).filter({ has: page.locator(".codicon-sparkle") });
    await ready.first().waitFor({ timeout: config.readyTimeoutMs ?? 180000 });
  });
  results.switchedStatusBar = await page.locator(".statusbar-item", { hasText: config.switchModel.readyText }).first().textContent();
}

/** A file that is no model: the status bar turns to an error that names the problem. */
async function brokenModel(page) {
  await step(page, "broken-model", async () => {
    for (const file of config.brokenModel.settingsFiles) {
      fs.writeFileSync(file, JSON.stringify(config.brokenModel.settings, null, 2));
    }
    const failed = page.locator(".statusbar-item", { hasText: "coder-lsp" }).filter({ has: page.locator(".codicon-error") });
    await failed.first().waitFor({ timeout: 120000 });
    results.brokenModelStatus = await failed.first().getAttribute("aria-label");
  });
  await shot(page, "broken-model");
}

async function commitMessage(page) {
  await step(page, "commit-message", async () => {
    await page.keyboard.press(`${mod}+Shift+G`);
    await page.locator(".scm-editor").first().waitFor({ timeout: 30000 });
    await runCommand(page, "coder-lsp: Generate commit message");
    const box = page.locator(".scm-editor .view-lines").first();
    const deadline = Date.now() + (config.commitTimeoutMs ?? 120000);
    while (Date.now() < deadline) {
      const text = (await box.textContent())?.replace(/\u00a0/g, " ").trim() ?? "";
      if (text) {
        results.commitMessage = text;
        return;
      }
      await page.waitForTimeout(250);
    }
    throw new Error("the commit box stayed empty");
  });
  await shot(page, "commit-message");
  await step(page, "install-git-hook", async () => {
    await runCommand(page, "coder-lsp: Install git hook");
    const toast = page.locator(".notification-toast", { hasText: /hook/i }).last();
    await toast.waitFor({ timeout: 60000 });
    results.hookMessage = (await toast.locator(".notification-list-item-message").textContent())?.trim();
  });
}

/** No server and no git: the status bar, the install help and the commit command say why. */
async function badInput(page) {
  await step(page, "missing-server", async () => {
    await page.locator(".statusbar-item", { hasText: "coder-lsp: not installed" }).first().waitFor({ timeout: 120000 });
    const toast = page.locator(".notification-toast", { hasText: "not an executable" }).first();
    await toast.waitFor({ timeout: 30000 });
    results.missingServerMessage = (await toast.locator(".notification-list-item-message").textContent())?.trim();
    await shot(page, "missing-server");
    await toast.getByRole("button", { name: "How to install" }).click();
    await page.locator(".tabs-container .tab", { hasText: "Install" }).first().waitFor({ timeout: 30000 });
    results.installHelp = await previewText(page);
  });
  await step(page, "commit-without-git", async () => {
    await runCommand(page, "coder-lsp: Generate commit message");
    const toast = page.locator(".notification-toast", { hasText: "not a git repository" }).first();
    await toast.waitFor({ timeout: 30000 });
    results.noGitMessage = (await toast.locator(".notification-list-item-message").textContent())?.trim();
  });
  await shot(page, "bad-input");
  await step(page, "crashing-server", async () => {
    // A server that exits at once: restarted up to the limit, then a clear message.
    for (const file of config.crashingServer.settingsFiles) {
      fs.writeFileSync(file, JSON.stringify(config.crashingServer.settings, null, 2));
    }
    // Toasts raised while others are open may only reach the notification center.
    const failed = page.locator(".statusbar-item", { hasText: "coder-lsp" }).filter({ has: page.locator(".codicon-error") });
    await failed.first().waitFor({ timeout: 60000 });
    await runCommand(page, "Notifications: Show Notifications");
    const message = page.locator(".notifications-center .notification-list-item-message", { hasText: "crashed" }).first();
    await message.waitFor({ timeout: 60000 });
    results.crashMessage = (await message.textContent())?.trim();
    results.crashStatus = await failed.first().getAttribute("aria-label");
  });
  await shot(page, "crashing-server");
}

/** Next edit: rename a parameter at its definition, wait for the struck-through preview of its
 * use below, accept it with Tab and save (config.nextEdit: file, line, column, from, to). */
async function nextEdit(page) {
  const { file, line, column, from, to } = config.nextEdit;
  await step(page, "open-next-edit-file", () => openFile(page, file));
  await goToLine(page, line, column);
  for (let index = 0; index < from.length; index += 1) await page.keyboard.press("Shift+ArrowRight");
  const edited = Date.now();
  await page.keyboard.type(to);
  await step(page, "next-edit-preview", () => page.waitForFunction(() => {
    const spans = document.querySelectorAll(".editor-instance .view-lines span");
    return [...spans].some((span) => getComputedStyle(span).textDecorationLine.includes("line-through"));
  }, undefined, { timeout: config.nextEditTimeoutMs ?? 60000 }));
  results.editToNextEditMs = Date.now() - edited;
  await shot(page, "next-edit");
  await step(page, "next-edit-accept", async () => {
    await page.keyboard.press("Tab");
    await page.waitForFunction(() => ![...document.querySelectorAll(".editor-instance .view-lines span")]
      .some((span) => getComputedStyle(span).textDecorationLine.includes("line-through")), undefined, { timeout: 10000 });
    await page.keyboard.press(`${mod}+S`);
    await page.locator(".tabs-container .tab.active.dirty").waitFor({ state: "detached", timeout: 15000 });
  });
}

async function main() {
  fs.mkdirSync(config.artifacts, { recursive: true });
  const context = await chromium.launchPersistentContext(config.browserProfile, {
    executablePath: config.chromium,
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-dev-shm-usage"],
    viewport: { width: 1400, height: 860 },
  });
  const page = context.pages()[0] ?? (await context.newPage());
  page.on("pageerror", (error) => log(`page error: ${error}`));
  let exitCode = 0;
  try {
    await step(page, "workbench", () => page.goto(config.url).then(() => page.locator(".monaco-workbench").waitFor({ timeout: 120000 })));
    if (config.expectMissingServer) {
      await badInput(page);
      return finish(context, 0);
    }
    if (config.typeWhile) {
      await ghostWhileLoading(page);
      return finish(context, 0);
    }
    await step(page, "server-ready", async () => {
      const ready = page.locator(".statusbar-item", { hasText: config.readyText }).filter({ has: page.locator(".codicon-sparkle") }).first();
      const failed = page.locator(".statusbar-item", { hasText: /coder-lsp/ }).filter({ has: page.locator(".codicon-error, .codicon-circle-slash") });
      await ready.or(failed).first().waitFor({ timeout: config.readyTimeoutMs ?? 180000 });
      if (!(await ready.isVisible())) throw new Error(`the server did not start: ${await failed.first().getAttribute("aria-label")}`);
    });
    // The device (CPU/GPU) follows the ready notification through coderLsp.status.
    await page.locator(".statusbar-item", { hasText: /· (CPU|GPU)/ }).first().waitFor({ timeout: 15000 }).catch(() => undefined);
    results.statusBar = await page.locator(".statusbar-item", { hasText: config.readyText }).first().textContent();
    await shot(page, "status-ready");
    for (const part of config.parts ?? ["ghost", "switch-model", "explain", "commit", "broken-model"]) {
      if (part === "ghost") await ghostText(page);
      if (part === "switch-model") await switchModel(page);
      if (part === "explain") await explainAndFix(page);
      if (part === "commit") await commitMessage(page);
      if (part === "broken-model") await brokenModel(page);
      if (part === "next-edit") await nextEdit(page);
    }
  } catch (error) {
    log(`FAILED: ${error}`);
    exitCode = 1;
  }
  await finish(context, exitCode);
}

async function finish(context, exitCode) {
  await context.close().catch(() => undefined);
  process.stdout.write(JSON.stringify(results) + "\n");
  process.exit(exitCode);
}

void main();
