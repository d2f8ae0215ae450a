import { CATALOG } from "../../core/diagnostics.js";
import { lookup, didYouMean } from "../../compiler/suggest.js";
import { UsageError, type CommandSpec } from "../flags.js";

export const explain: CommandSpec = {
  name: "explain",
  summary: "the long explanation of a diagnostic code",
  usage: "posec explain CODE        (e.g. posec explain PN3003)",
  positionals: { min: 1, max: 1, name: "a diagnostic code" },
  flags: {},
  async run({ positionals }) {
    const code = positionals[0].toUpperCase();
    const entry = lookup(CATALOG as Record<string, { severity: string; title: string; explanation: string }>, code);
    if (!entry) throw new UsageError(`no diagnostic \`${positionals[0]}\`${didYouMean(code, Object.keys(CATALOG)) ? `; ${didYouMean(code, Object.keys(CATALOG))}` : ""}`);
    process.stdout.write(`${code} (${entry.severity}): ${entry.title}\n\n${entry.explanation}\n`);
    return 0;
  },
};
