import { join } from "node:path";
import type { CommandSpec } from "../flags.js";
import { PACKAGE_ROOT, STD_DIR } from "../common.js";

export const lsp: CommandSpec = {
  name: "lsp",
  summary: "language server for editors (Language Server Protocol over stdin/stdout)",
  usage: "posec lsp [--stdio]",
  positionals: { min: 0, max: 0, name: "no arguments" },
  flags: {
    // editors' clients pass --stdio by convention; stdio is the only transport
    stdio: { type: "boolean", help: "speak over stdin/stdout (the default and only transport)" },
  },
  async run() {
    const { startServer } = await import("../../lsp/server.js");
    const { Workspace } = await import("../../lsp/workspace.js");
    const connection = startServer(new Workspace(STD_DIR, join(PACKAGE_ROOT, "dist", "stdlib.parsed.json")));
    // the server runs until the client sends `exit`; the connection closes the process then
    await new Promise<void>((resolve) => connection.onExit(() => resolve()));
    return 0;
  },
};
