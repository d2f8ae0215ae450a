// The `posec` command: parses the command name, loads that command's module (so that `posec check`
// never loads tfjs), runs it, and maps failures to exit codes: 0 ok, 1 errors, 2 usage errors.
// A PosecError is printed as a message; anything else is an internal error, printed with a short trace.
import { isPosecError } from "../runtime/errors.js";
import { commandHelp, parseArgs, UsageError, type CommandSpec } from "./flags.js";
import { didYouMean } from "../compiler/suggest.js";

const COMMANDS: Record<string, { summary: string; load: () => Promise<CommandSpec> }> = {
  check: { summary: "parse and check specs", load: async () => (await import("./commands/check.js")).check },
  inspect: { summary: "shapes, parameters, MACs per layer and part", load: async () => (await import("./commands/inspect.js")).inspect },
  build: { summary: "compile a spec to IR / ONNX / tfjs / PyTorch", load: async () => (await import("./commands/build.js")).build },
  export: { summary: "write a trained checkpoint as an ONNX model", load: async () => (await import("./commands/export.js")).exportCommand },
  import: { summary: "load a caffemodel / PyTorch state dict into a posec checkpoint", load: async () => (await import("./commands/import.js")).importCommand },
  fmt: { summary: "format specs canonically", load: async () => (await import("./commands/fmt.js")).fmt },
  explain: { summary: "explain a diagnostic code", load: async () => (await import("./commands/explain.js")).explain },
  train: { summary: "train a spec (tfjs)", load: async () => (await import("./commands/train.js")).train },
  synth: { summary: "write the built-in synthetic dataset", load: async () => (await import("./commands/data.js")).synth },
  targets: { summary: "picture of a sample's training targets", load: async () => (await import("./commands/data.js")).targets },
  doctor: { summary: "which backend runs, and why", load: async () => (await import("./commands/doctor.js")).doctor },
  infer: { summary: "find people in images", load: async () => (await import("./commands/infer.js")).infer },
  eval: { summary: "COCO keypoint AP/AR", load: async () => (await import("./commands/eval.js")).evaluate },
  lsp: { summary: "language server for editors (LSP over stdio)", load: async () => (await import("./commands/lsp.js")).lsp },
  view: { summary: "draw the network as a self-contained HTML page", load: async () => (await import("./commands/view.js")).view },
};

function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length)) + 2;
  return [
    "posec: a compiler for OpenPose-style pose-estimation networks",
    "",
    "usage: posec COMMAND [options]     (posec COMMAND --help for a command's options)",
    "",
    "commands:",
    ...Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}${c.summary}`),
  ].join("\n");
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === "--help" || name === "-h" || name === "help") {
    process.stdout.write(usage() + "\n");
    return name ? 0 : 2;
  }
  if (name === "--version" || name === "-V") {
    process.stdout.write("posec 0.1.0\n");
    return 0;
  }
  const entry = Object.prototype.hasOwnProperty.call(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!entry) {
    const hint = didYouMean(name, Object.keys(COMMANDS));
    process.stderr.write(`posec: unknown command \`${name}\`${hint ? `: ${hint}` : ""}\n\n${usage()}\n`);
    return 2;
  }
  const spec = await entry.load();
  if (rest.includes("--help") || rest.includes("-h")) {
    process.stdout.write(commandHelp(spec) + "\n");
    return 0;
  }
  try {
    return await spec.run(parseArgs(rest, spec));
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`posec ${name}: ${e.message}\n\n${commandHelp(spec)}\n`);
      return 2;
    }
    throw e;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  async (e: unknown) => {
    // a file-system failure no command anticipated (a disk filling up, a folder made read-only mid-run)
    // is still the user's to fix: said with its path, not as a bug
    if (!isPosecError(e) && e instanceof Error && typeof (e as NodeJS.ErrnoException).syscall === "string") {
      const { fsError, isFsError } = await import("../runtime/util/out-path.js");
      if (isFsError(e)) e = fsError(e);
    }
    if (isPosecError(e)) {
      process.stderr.write(`posec: error ${e.code}: ${e.message}\n${e.hint ? `  help: ${e.hint}\n` : ""}`);
    } else {
      const err = e as Error;
      process.stderr.write(`posec: internal error: ${err?.message ?? String(e)}\n${(err?.stack ?? "").split("\n").slice(1, 6).join("\n")}\n  this is a bug in posec; please report it\n`);
    }
    process.exitCode = 1;
  },
);
