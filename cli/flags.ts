// Command-line flags: each command declares its flags with a type; unknown flags, missing values and
// bad numbers are usage errors (exit 2) with a "did you mean". No dependency, so start-up stays fast.
import { didYouMean } from "../compiler/suggest.js";

export type FlagType = "string" | "int" | "number" | "boolean";

export interface FlagSpec {
  type: FlagType;
  help: string;
  alias?: string;
  default?: string | number | boolean;
  /** placeholder shown in help, e.g. HxW */
  value?: string;
}

export interface CommandSpec {
  name: string;
  summary: string;
  usage: string;
  flags: Record<string, FlagSpec>;
  /** minimum / maximum number of positional arguments */
  positionals: { min: number; max: number; name: string };
  run(args: ParsedArgs): Promise<number>;
}

export interface ParsedArgs {
  flags: Record<string, string | number | boolean | undefined>;
  positionals: string[];
}

export class UsageError extends Error {}

export function parseArgs(argv: string[], spec: CommandSpec): ParsedArgs {
  const flags: ParsedArgs["flags"] = {};
  const positionals: string[] = [];
  const byAlias = new Map(Object.entries(spec.flags).flatMap(([name, f]) => (f.alias ? [[f.alias, name]] : [])));
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--") {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!a.startsWith("-") || a === "-") {
      positionals.push(a);
      continue;
    }
    const eq = a.indexOf("=");
    const raw = a.startsWith("--") ? a.slice(2, eq > 0 ? eq : undefined) : a.slice(1, eq > 0 ? eq : undefined);
    const name = a.startsWith("--") ? raw : byAlias.get(raw);
    const f = name !== undefined ? spec.flags[name] : undefined;
    if (!name || !f || !Object.prototype.hasOwnProperty.call(spec.flags, name)) {
      const hint = didYouMean(raw, Object.keys(spec.flags));
      throw new UsageError(`unknown option \`${a.slice(0, eq > 0 ? eq : undefined)}\` for \`posec ${spec.name}\`${hint ? `: ${hint.replace("`", "`--")}` : ""}`);
    }
    if (f.type === "boolean") {
      if (eq > 0) {
        const v = a.slice(eq + 1);
        if (v !== "true" && v !== "false") throw new UsageError(`--${name} takes no value (or =true/=false)`);
        flags[name] = v === "true";
      } else flags[name] = true;
      continue;
    }
    const value = eq > 0 ? a.slice(eq + 1) : argv[++i];
    if (value === undefined) throw new UsageError(`--${name} needs a value${f.value ? ` (${f.value})` : ""}`);
    if (f.type === "int" || f.type === "number") {
      const n = Number(value);
      if (value.trim() === "" || !Number.isFinite(n) || (f.type === "int" && !Number.isInteger(n))) {
        throw new UsageError(`--${name} needs ${f.type === "int" ? "an integer" : "a number"}, got \`${value}\``);
      }
      flags[name] = n;
    } else flags[name] = value;
  }
  for (const [name, f] of Object.entries(spec.flags)) if (flags[name] === undefined && f.default !== undefined) flags[name] = f.default;
  if (positionals.length < spec.positionals.min) throw new UsageError(`\`posec ${spec.name}\` needs ${spec.positionals.name}`);
  if (positionals.length > spec.positionals.max) throw new UsageError(`\`posec ${spec.name}\` takes at most ${spec.positionals.max} ${spec.positionals.name}, got ${positionals.length}`);
  return { flags, positionals };
}

export function commandHelp(spec: CommandSpec): string {
  const lines = [`posec ${spec.name}: ${spec.summary}`, "", `usage: ${spec.usage}`, ""];
  const entries = Object.entries(spec.flags);
  if (entries.length) {
    lines.push("options:");
    const heads = entries.map(([n, f]) => `  ${f.alias ? `-${f.alias}, ` : ""}--${n}${f.type === "boolean" ? "" : ` ${f.value ?? f.type.toUpperCase()}`}`);
    const width = Math.max(...heads.map((h) => h.length)) + 2;
    entries.forEach(([, f], i) => lines.push(`${heads[i].padEnd(width)}${f.help}${f.default !== undefined && f.type !== "boolean" ? ` (default: ${f.default})` : ""}`));
  }
  return lines.join("\n");
}

/** `368x656` -> [368, 656] */
export function parseSize(text: string, flag: string): [number, number] {
  const m = /^(\d+)x(\d+)$/.exec(text);
  if (!m) throw new UsageError(`--${flag} needs a size like 368x368 (height x width), got \`${text}\``);
  return [Number(m[1]), Number(m[2])];
}
