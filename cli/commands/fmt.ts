import { realpathSync, statSync } from "node:fs";
import { diag } from "../../core/diagnostics.js";
import { readSpecFile } from "../../compiler/host.js";
import { formatFile } from "../../grammar/format.js";
import { parseSource } from "../../grammar/parse.js";
import { writeFileAtomic } from "../../runtime/util/atomic.js";
import type { CommandSpec } from "../flags.js";
import { displayPath, printDiagnosticList } from "../common.js";

/** The AST without positions, to check that formatting changed layout only. */
function shape(text: string, file: string): string {
  const p = parseSource(file, text);
  return JSON.stringify(p.ast, (k, v) => (k === "span" || k === "file" ? undefined : v)) + JSON.stringify(p.comments.map((c) => c.text.trimEnd()));
}

export const fmt: CommandSpec = {
  name: "fmt",
  summary: "format specs canonically (in place; comments kept)",
  usage: "posec fmt FILE... [--check] [--stdout]",
  positionals: { min: 1, max: Infinity, name: "one or more .posenet files" },
  flags: {
    check: { type: "boolean", help: "change nothing; exit 1 if a file is not formatted" },
    stdout: { type: "boolean", help: "print the formatted text instead of rewriting the file" },
  },
  async run({ flags, positionals }) {
    let status = 0;
    for (const file of positionals) {
      // regular files only, at most 1 MiB: a pipe would block, a device would be read without end
      const read = readSpecFile(file);
      if (typeof read !== "string") {
        process.stderr.write(`posec fmt: ${read ? `error ${read.code}: \`${file}\` ${read.problem}` : `cannot read ${file}: ENOENT`}\n`);
        status = 1;
        continue;
      }
      const text = read;
      const name = displayPath(file);
      const parsed = parseSource(name, text);
      if (parsed.errors.length) {
        // Formatting a file that does not parse could drop text: refuse, and say where.
        printDiagnosticList(parsed.errors.map((e) => diag(e.code, e.span, e.message)), () => text, "pretty");
        process.stderr.write(`posec fmt: ${name} has syntax errors; not formatted\n`);
        status = 1;
        continue;
      }
      const out = formatFile(parsed.ast, parsed.comments, text);
      if (shape(out, name) !== shape(text, name)) {
        process.stderr.write(`posec fmt: internal error: formatting ${name} would change its meaning; file left as it is (please report)\n`);
        status = 1;
        continue;
      }
      if (flags.stdout) process.stdout.write(out);
      else if (flags.check) {
        if (out !== text) {
          process.stdout.write(`${name}: not formatted\n`);
          status = 1;
        }
      } else if (out !== text) {
        // a symlink is followed (its target is formatted, the link stays a link) and the mode is kept
        const target = realpathSync(file);
        writeFileAtomic(target, out, { mode: statSync(target).mode & 0o7777 });
        process.stdout.write(`formatted ${name}\n`);
      }
    }
    return status;
  },
};
