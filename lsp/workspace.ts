// The language server's view of the files: open documents (served from memory, by version) over the
// disk and the shipped standard library, and the last compilation of every open spec. The compiler is
// pure, so a host that answers from memory is all it takes to check unsaved text. Parses are cached by
// path and text (an edit re-parses only the edited file); compilation of a spec is cached by the text of
// every file it read, so a request that follows an edit (hover, completion) never compiles twice.
import { readFileSync, statSync } from "node:fs";
import { join, relative, sep, isAbsolute } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { compile, type CompileResult } from "../compiler/compile.js";
import type { Host } from "../compiler/modules.js";
import { parseSource, type ParsedFile } from "../grammar/parse.js";

export interface OpenDocument {
  uri: string;
  path: string;
  version: number;
  text: string;
}

const MAX_SPEC_BYTES = 4 * 1024 * 1024;

export class Workspace {
  private readonly docs = new Map<string, OpenDocument>();
  private readonly parsed = new Map<string, ParsedFile>();
  private readonly results = new Map<string, { inputs: Map<string, string | undefined>; result: CompileResult }>();
  private stdPreparsed: Record<string, ParsedFile> | null | undefined;

  constructor(
    /** models/std of the posec installation */
    readonly stdDir: string,
    private readonly stdPreparsedFile?: string,
  ) {}

  /** Display path of a URI: `std/NAME` inside the standard library, else the absolute POSIX path. */
  pathOf(uri: string): string {
    const file = uri.startsWith("file:") ? fileURLToPath(uri) : uri;
    const rel = relative(this.stdDir, file);
    if (!rel.startsWith("..") && !isAbsolute(rel)) return `std/${rel.split(sep).join("/")}`;
    return file.split(sep).join("/");
  }

  uriOf(path: string): string {
    return pathToFileURL(path.startsWith("std/") ? join(this.stdDir, path.slice(4)) : path).href;
  }

  open(uri: string, version: number, text: string): OpenDocument {
    const doc = { uri, path: this.pathOf(uri), version, text };
    this.docs.set(uri, doc);
    return doc;
  }

  close(uri: string): void {
    const doc = this.docs.get(uri);
    this.docs.delete(uri);
    if (doc) this.results.delete(doc.path);
  }

  document(uri: string): OpenDocument | undefined {
    return this.docs.get(uri);
  }

  documents(): OpenDocument[] {
    return [...this.docs.values()];
  }

  /** The text of a display path: the open document's if open, else the file on disk. */
  read(path: string): string | undefined {
    for (const d of this.docs.values()) if (d.path === path) return d.text;
    const real = path.startsWith("std/") ? join(this.stdDir, path.slice(4)) : path;
    try {
      if (statSync(real).size > MAX_SPEC_BYTES) return undefined;
      return readFileSync(real, "utf8");
    } catch {
      return undefined;
    }
  }

  /** The parse of a file's current text (cached by path and text). */
  parse(path: string, text: string): ParsedFile {
    const hit = this.parsed.get(path);
    if (hit && hit.text === text) return hit;
    const parsed = this.preparsedStd(path, text) ?? parseSource(path, text);
    this.parsed.set(path, parsed);
    return parsed;
  }

  private preparsedStd(path: string, text: string): ParsedFile | undefined {
    if (!path.startsWith("std/") || !this.stdPreparsedFile) return undefined;
    if (this.stdPreparsed === undefined) {
      try {
        this.stdPreparsed = JSON.parse(readFileSync(this.stdPreparsedFile, "utf8")) as Record<string, ParsedFile>;
      } catch {
        this.stdPreparsed = null;
      }
    }
    const hit = this.stdPreparsed?.[path];
    return hit && hit.text === text ? hit : undefined;
  }

  /**
   * Compiles a spec with files read through this workspace. The result is reused while every file the
   * compilation read still has the same text (an edit to any of them, or a change on disk, recompiles).
   */
  compile(path: string): CompileResult {
    const cached = this.results.get(path);
    if (cached && [...cached.inputs].every(([p, text]) => this.read(p) === text)) return cached.result;
    const inputs = new Map<string, string | undefined>();
    const host: Host = {
      read: (p) => {
        const text = this.read(p);
        inputs.set(p, text);
        return text;
      },
      preparsed: (p, text) => this.parse(p, text),
    };
    const result = compile(path, host, { validate: false });
    this.results.set(path, { inputs, result });
    return result;
  }
}
