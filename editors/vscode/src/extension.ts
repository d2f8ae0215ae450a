// The VS Code client: starts `posec lsp` over stdio for .posenet files. Everything the editor shows
// (diagnostics, hover, definitions, completion, formatting, quick fixes) comes from the server; the
// colouring comes from syntaxes/posenet.tmLanguage.json.
import { workspace, type ExtensionContext } from "vscode";
import { LanguageClient, TransportKind, type LanguageClientOptions, type ServerOptions } from "vscode-languageclient/node";

let client: LanguageClient | undefined;

export async function activate(context: ExtensionContext): Promise<void> {
  const config = workspace.getConfiguration("posenet");
  const command = config.get<string>("server.command", "posec");
  const args = [...config.get<string[]>("server.args", []), "lsp", "--stdio"];
  const serverOptions: ServerOptions = {
    run: { command, args, transport: TransportKind.stdio },
    debug: { command, args, transport: TransportKind.stdio },
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [{ scheme: "file", language: "posenet" }],
    // specs read the specs they extend and import from disk: tell the server when those change
    synchronize: { fileEvents: workspace.createFileSystemWatcher("**/*.posenet") },
  };
  client = new LanguageClient("posenet", "posenet (posec lsp)", serverOptions, clientOptions);
  context.subscriptions.push({ dispose: () => void client?.stop() });
  await client.start();
}

export async function deactivate(): Promise<void> {
  await client?.stop();
  client = undefined;
}
