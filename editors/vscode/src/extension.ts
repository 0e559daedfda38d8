// The Lattice extension: starts `kubectl-lattice lsp` for YAML files and
// shows the policy preview the server returns in an untitled editor.

import * as fs from "fs";
import * as path from "path";
import * as vscode from "vscode";
import {
  ExecuteCommandRequest,
  LanguageClient,
  LanguageClientOptions,
  ServerOptions,
  TransportKind,
} from "vscode-languageclient/node";

const PREVIEW_COMMAND = "lattice.previewPolicies";
const BINARY = "kubectl-lattice";

let client: LanguageClient | undefined;

/** The server binary: the setting when given, else the first on PATH. */
export function findServer(configured: string, envPath: string | undefined): string | undefined {
  if (configured) {
    return isExecutable(configured) ? configured : undefined;
  }
  for (const dir of (envPath ?? "").split(path.delimiter)) {
    if (!dir) {
      continue;
    }
    const candidate = path.join(dir, process.platform === "win32" ? `${BINARY}.exe` : BINARY);
    if (isExecutable(candidate)) {
      return candidate;
    }
  }
  return undefined;
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

async function missingServer(configured: string): Promise<void> {
  const message = configured
    ? `Lattice: the language server \`${configured}\` (setting lattice.server.path) does not exist or is not executable.`
    : `Lattice: \`${BINARY}\` was not found on PATH. Install kubectl-lattice, or set lattice.server.path to the binary.`;
  const choice = await vscode.window.showErrorMessage(message, "Open Settings");
  if (choice === "Open Settings") {
    await vscode.commands.executeCommand("workbench.action.openSettings", "lattice.server.path");
  }
}

async function showPreview(yaml: unknown): Promise<void> {
  if (typeof yaml !== "string") {
    return;
  }
  const doc = await vscode.workspace.openTextDocument({ language: "yaml", content: yaml });
  await vscode.window.showTextDocument(doc, { preview: true, viewColumn: vscode.ViewColumn.Beside });
}

async function start(context: vscode.ExtensionContext): Promise<void> {
  const config = vscode.workspace.getConfiguration("lattice");
  const configured = config.get<string>("server.path", "").trim();
  const command = findServer(configured, process.env.PATH);
  if (!command) {
    await missingServer(configured);
    return;
  }
  const serverOptions: ServerOptions = {
    run: { command, args: ["lsp"], transport: TransportKind.stdio },
    debug: { command, args: ["lsp"], transport: TransportKind.stdio, options: { env: { ...process.env, LATTICE_LOG: "debug" } } },
  };
  const cluster = config.get<boolean>("cluster.enabled", false)
    ? { context: config.get<string>("cluster.context", "") || undefined }
    : undefined;
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      { scheme: "file", language: "yaml" },
      { scheme: "untitled", language: "yaml" },
    ],
    initializationOptions: {
      defaultNamespace: config.get<string>("defaultNamespace", "default"),
      cluster,
    },
    middleware: {
      // Code lenses and code actions run the server's preview command; its
      // answer is the YAML to show.
      executeCommand: async (cmd, args, next) => {
        const result = await next(cmd, args);
        if (cmd === PREVIEW_COMMAND) {
          await showPreview(result);
        }
        return result;
      },
    },
  };
  client = new LanguageClient("lattice", "Lattice", serverOptions, clientOptions);
  await client.start();
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  context.subscriptions.push(
    vscode.commands.registerCommand("lattice.preview", async () => {
      const editor = vscode.window.activeTextEditor;
      if (!client || !editor) {
        void vscode.window.showWarningMessage("Lattice: open a Lattice spec first.");
        return;
      }
      try {
        const yaml = await client.sendRequest(ExecuteCommandRequest.type, {
          command: PREVIEW_COMMAND,
          arguments: [editor.document.uri.toString()],
        });
        await showPreview(yaml);
      } catch (error) {
        void vscode.window.showErrorMessage(`Lattice: ${error instanceof Error ? error.message : String(error)}`);
      }
    }),
    vscode.commands.registerCommand("lattice.restartServer", async () => {
      await client?.stop();
      client = undefined;
      await start(context);
    }),
    vscode.workspace.onDidChangeConfiguration(async (event) => {
      if (event.affectsConfiguration("lattice.server") || event.affectsConfiguration("lattice.cluster")
        || event.affectsConfiguration("lattice.defaultNamespace")) {
        await vscode.commands.executeCommand("lattice.restartServer");
      }
    }),
    { dispose: () => void client?.stop() },
  );
  await start(context);
}

export function deactivate(): Thenable<void> | undefined {
  return client?.stop();
}
