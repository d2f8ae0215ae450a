// Resolution: loads the spec, what it imports and extends, and the standard-library prelude; reports
// missing files and cycles; and answers "which block does this name mean here" per module, so that a
// block defined in the standard library keeps meaning what the library means even if a user file
// defines another block of the same name.
import type { DeclOf, Span } from "../grammar/ast.js";
import { parseSource, type ParsedFile } from "../grammar/parse.js";
import { diag, type Diagnostic } from "../core/diagnostics.js";

/** Why an existing path was not read (a folder, a pipe, a device, too large, no permission). */
export interface ReadFailure {
  code: "PN1005" | "PN1006";
  /** completes "`PATH` ..." */
  problem: string;
}

/** File access for the compiler. Paths are display paths: POSIX, relative, `std/...` for the library. */
export interface Host {
  /** the file's text; undefined if there is no such file */
  read(path: string): string | undefined | ReadFailure;
  /** an already parsed file for this exact text (the CLI ships the standard library pre-parsed) */
  preparsed?(path: string, text: string): ParsedFile | undefined;
  /** what is at a path, without reading it (weights files named by a spec); hosts without files omit it */
  stat?(path: string): "file" | "folder" | "missing" | string;
}

export const PRELUDE = ["std/vgg.posenet", "std/resnet.posenet", "std/se.posenet"];

export interface BlockRef {
  decl: DeclOf<"Block">;
  module: Module;
}

export interface Module {
  path: string;
  parsed: ParsedFile;
  imports: Module[];
  parent?: Module;
  /** blocks declared in this file */
  own: Map<string, BlockRef>;
  /** blocks this module's code can call (own, imported, inherited, prelude); filled by `link` */
  visible: Map<string, BlockRef>;
}

export function isStd(path: string): boolean {
  return path.startsWith("std/");
}

/** `import`/`extends` targets: `std/NAME` or a path relative to the naming file; `.posenet` optional. */
export function resolveRef(from: string, ref: string): string {
  const withExt = /\.posenet$/.test(ref) ? ref : `${ref}.posenet`;
  if (withExt.startsWith("std/")) return withExt;
  const base = from.includes("/") ? from.slice(0, from.lastIndexOf("/") + 1) : "";
  // absolute if the reference is, or if it is relative to a file named by an absolute path
  const full = withExt.startsWith("/") ? withExt : base + withExt;
  const absolute = full.startsWith("/");
  const parts: string[] = [];
  for (const seg of full.split("/")) {
    if (seg === "..") {
      if (parts.length && parts[parts.length - 1] !== "..") parts.pop();
      else if (!absolute) parts.push(".."); // above the root is the root
    } else if (seg !== "." && seg !== "") parts.push(seg);
  }
  return (absolute ? "/" : "") + parts.join("/");
}

export interface Program {
  root: Module | undefined;
  modules: Map<string, Module>;
  prelude: Module[];
  diagnostics: Diagnostic[];
}

const MAX_FILES = 256;

/** A path as shown in a message: a hostile one can be megabytes long. */
function shortPath(path: string): string {
  return path.length <= 200 ? path : `${path.slice(0, 100)}…${path.slice(-60)} (${path.length.toLocaleString("en-US")} characters)`;
}

// Parsing is pure, and the standard library is parsed for every spec: keep recent parses by text.
const parseCache = new Map<string, ParsedFile>();
function parseCached(path: string, text: string): ParsedFile {
  const key = `${path}\u0000${text}`;
  let parsed = parseCache.get(key);
  if (!parsed) {
    parsed = parseSource(path, text);
    // only files of ordinary size: 64 trees of 1 MiB specs would hold gigabytes (a language server lives long)
    if (text.length > 256 * 1024) return parsed;
    if (parseCache.size >= 64) parseCache.delete(parseCache.keys().next().value!);
    parseCache.set(key, parsed);
  }
  return parsed;
}

export function loadProgram(rootPath: string, host: Host): Program {
  const modules = new Map<string, Module>();
  const diagnostics: Diagnostic[] = [];
  const loading: { path: string; via: "import" | "extends" }[] = [];
  // the root's text, read once up front (so that a file that changes meanwhile is read once)
  let rootText: string | undefined;

  const load = (path: string, via: "import" | "extends", ref?: { span: Span }): Module | undefined => {
    const existing = modules.get(path);
    const onStack = loading.findIndex((l) => l.path === path);
    if (onStack >= 0) {
      const chain = [...loading.slice(onStack).map((l) => l.path), path].join(" -> ");
      const code = [...loading.slice(onStack + 1).map((l) => l.via), via].includes("extends") ? "PN2007" : "PN2006";
      diagnostics.push(diag(code, ref!.span, `${code === "PN2007" ? "extends" : "import"} cycle: ${chain}`));
      return undefined;
    }
    if (existing) return existing;
    if (modules.size >= MAX_FILES) {
      diagnostics.push(diag("PN2008", ref!.span, `more than ${MAX_FILES} files are involved; refusing to load \`${path}\``));
      return undefined;
    }
    const text = path === rootPath && rootText !== undefined ? rootText : host.read(path);
    if (typeof text !== "string") {
      const span = ref?.span ?? { file: rootPath, line: 1, col: 1, endLine: 1, endCol: 1 };
      if (text) diagnostics.push(diag(text.code, span, `\`${shortPath(path)}\` ${text.problem}`));
      else if (ref) diagnostics.push(diag("PN2008", ref.span, `cannot find \`${shortPath(path)}\``, { help: isStd(path) ? "the standard library has std/vgg, std/resnet and std/se" : undefined }));
      return undefined;
    }
    const parsed = host.preparsed?.(path, text) ?? parseCached(path, text);
    for (const e of parsed.errors) diagnostics.push(diag(e.code ?? (e.kind === "invalid-character" ? "PN1001" : "PN1002"), e.span, e.message));
    const module: Module = { path, parsed, imports: [], own: new Map(), visible: new Map() };
    modules.set(path, module);
    loading.push({ path, via });
    for (const d of parsed.ast.decls) {
      if (d.kind === "Import" && d.path) {
        const m = load(resolveRef(path, d.path.value), "import", d.path);
        if (m) module.imports.push(m);
      }
      if (d.kind === "Model" && d.extends && !module.parent) {
        module.parent = load(resolveRef(path, d.extends.value), "extends", d.extends);
      }
      if (d.kind === "Block" && d.name) {
        const prev = module.own.get(d.name.name);
        if (prev) {
          diagnostics.push(
            diag("PN2005", d.name.span, `block \`${d.name.name}\` is defined twice in this file`, { labels: [{ span: prev.decl.name!.span, message: "first defined here" }] }),
          );
        } else module.own.set(d.name.name, { decl: d, module });
      }
    }
    loading.pop();
    return module;
  };

  const prelude = PRELUDE.map((p) => load(p, "import")).filter((m): m is Module => !!m);
  if (prelude.length < PRELUDE.length) {
    const missing = PRELUDE.filter((p) => !modules.has(p)).join(", ");
    diagnostics.push(diag("PN2008", { file: rootPath, line: 1, col: 1, endLine: 1, endCol: 1 }, `posec's standard library is incomplete: cannot read ${missing}`, { help: "the installation of posec is broken; reinstall it" }));
  }
  const first = host.read(rootPath);
  rootText = typeof first === "string" ? first : undefined;
  const root = first === undefined ? undefined : load(rootPath, "import");
  if (first === undefined) {
    diagnostics.push(diag("PN2008", { file: rootPath, line: 1, col: 1, endLine: 1, endCol: 1 }, `cannot read \`${shortPath(rootPath)}\`: no such file`));
  }
  for (const m of modules.values()) link(m, prelude, diagnostics);
  return { root, modules, prelude, diagnostics };
}

/** Visible blocks: own > imported > inherited from the spec it extends > prelude. */
function link(m: Module, prelude: Module[], diagnostics: Diagnostic[]): void {
  if (m.visible.size) return;
  const add = (refs: Iterable<BlockRef>, shadowable: boolean) => {
    for (const ref of refs) {
      const name = ref.decl.name!.name;
      const prev = m.visible.get(name);
      if (!prev) m.visible.set(name, ref);
      else if (!shadowable && prev.module !== ref.module && prev.module !== m && !isStd(prev.module.path)) {
        const importDecl = m.parsed.ast.decls.find((d) => d.kind === "Import" && d.path && resolveRef(m.path, d.path.value) === ref.module.path);
        diagnostics.push(
          diag("PN2005", importDecl?.span ?? ref.decl.name!.span, `block \`${name}\` is defined by both \`${prev.module.path}\` and \`${ref.module.path}\``, {
            labels: [{ span: prev.decl.name!.span, message: "one definition" }, { span: ref.decl.name!.span, message: "the other" }],
          }),
        );
      }
    }
  };
  add(m.own.values(), false);
  for (const imp of m.imports) add(imp.own.values(), false);
  if (m.parent) {
    link(m.parent, prelude, diagnostics);
    add(m.parent.visible.values(), true);
  }
  for (const p of prelude) add(p.own.values(), true);
}
