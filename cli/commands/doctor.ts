import { cpus, totalmem } from "node:os";
import { backendList, isBackendPreference } from "../../core/backends.js";
import { UsageError, type CommandSpec } from "../flags.js";

export const doctor: CommandSpec = {
  name: "doctor",
  summary: "which tfjs backend would run, and why the better ones were skipped",
  usage: "posec doctor [--backend B] [--threads N]",
  positionals: { min: 0, max: 0, name: "no positional arguments" },
  flags: {
    backend: { type: "string", value: "B", help: backendList(), default: "auto" },
    threads: { type: "int", value: "N", help: "wasm threads" },
  },
  async run({ flags }) {
    if (!isBackendPreference(String(flags.backend))) throw new UsageError(`--backend must be ${backendList()}, got \`${String(flags.backend)}\``);
    const { selectBackend, formatBackendReport } = await import("../../runtime/backends/select.js");
    const report = await selectBackend({ prefer: flags.backend as "auto", threads: flags.threads as number | undefined });
    process.stdout.write(`node ${process.version}, ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(1)} GiB\n`);
    process.stdout.write(formatBackendReport(report) + "\n");
    try {
      const ort = await import("onnxruntime-node");
      process.stdout.write(`onnxruntime-node: available (${(ort as { env?: { versions?: { common?: string } } }).env?.versions?.common ?? "version unknown"})\n`);
    } catch (e) {
      process.stdout.write(`onnxruntime-node: not available (${(e as Error).message.split("\n")[0]})\n`);
    }
    return 0;
  },
};
