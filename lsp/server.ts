// `posec lsp`: the Language Server Protocol over stdio. Documents are kept by the workspace (open
// text over disk); after each change every open spec is re-checked (compilations whose files did not
// change are reused) and its diagnostics published. Requests are answered from the same compilations.
import type { Connection, InitializeResult } from "vscode-languageserver/node";
import { createConnection, ProposedFeatures, TextDocumentSyncKind } from "./protocol.js";
import { TextDocument } from "vscode-languageserver-textdocument";
import { formatFile } from "../grammar/format.js";
import { parseSource } from "../grammar/parse.js";
import { completions } from "./complete.js";
import { quickFixes, toLspDiagnostics } from "./diagnostics.js";
import { hover } from "./hover.js";
import { offsetAt } from "./locate.js";
import { definition, documentSymbols, references } from "./navigate.js";
import { SEMANTIC_LEGEND, semanticTokens } from "./semantic.js";
import { Workspace } from "./workspace.js";

/** Milliseconds to wait after an edit before re-checking, so that typing a word checks it once. */
const RECHECK_DELAY_MS = 40;

export function formatEdits(doc: { path: string; text: string }) {
  const parsed = parseSource(doc.path, doc.text);
  // A file that does not parse could lose text when reprinted: leave it alone (as `posec fmt` does).
  if (parsed.errors.length) return [];
  const out = formatFile(parsed.ast, parsed.comments, doc.text);
  if (out === doc.text) return [];
  const end = TextDocument.create("x", "posenet", 0, doc.text).positionAt(doc.text.length);
  return [{ range: { start: { line: 0, character: 0 }, end }, newText: out }];
}

export function startServer(ws: Workspace, connection: Connection = createConnection(ProposedFeatures.all, process.stdin, process.stdout)): Connection {
  let timer: NodeJS.Timeout | undefined;

  const recheck = () => {
    timer = undefined;
    for (const doc of ws.documents()) {
      const result = ws.compile(doc.path);
      void connection.sendDiagnostics({ uri: doc.uri, version: doc.version, diagnostics: toLspDiagnostics(result, doc, ws) });
    }
  };
  const schedule = () => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(recheck, RECHECK_DELAY_MS);
  };
  const at = (uri: string, position: { line: number; character: number }) => {
    const doc = ws.document(uri);
    return doc ? { doc, offset: offsetAt(doc.text, position.line, position.character) } : undefined;
  };

  connection.onInitialize(
    (): InitializeResult => ({
      capabilities: {
        textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental, save: false },
        hoverProvider: true,
        definitionProvider: true,
        referencesProvider: true,
        documentSymbolProvider: true,
        completionProvider: { triggerCharacters: [" ", "="] },
        documentFormattingProvider: true,
        codeActionProvider: { codeActionKinds: ["quickfix"] },
        semanticTokensProvider: { legend: SEMANTIC_LEGEND, full: true },
      },
      serverInfo: { name: "posec", version: "0.1.0" },
    }),
  );

  connection.onDidOpenTextDocument(({ textDocument: t }) => {
    ws.open(t.uri, t.version, t.text);
    schedule();
  });
  connection.onDidChangeTextDocument(({ textDocument: t, contentChanges }) => {
    const doc = ws.document(t.uri);
    if (!doc) return;
    const td = TextDocument.create(t.uri, "posenet", doc.version, doc.text);
    TextDocument.update(td, contentChanges, t.version);
    ws.open(t.uri, t.version, td.getText());
    schedule();
  });
  connection.onDidCloseTextDocument(({ textDocument: t }) => {
    ws.close(t.uri);
    void connection.sendDiagnostics({ uri: t.uri, diagnostics: [] });
    schedule();
  });
  // files changed on disk (a parent spec saved elsewhere): compilations notice by comparing texts
  connection.onDidChangeWatchedFiles(schedule);

  connection.onHover(({ textDocument, position }) => {
    const p = at(textDocument.uri, position);
    return p ? hover(ws, p.doc, p.offset) : null;
  });
  connection.onDefinition(({ textDocument, position }) => {
    const p = at(textDocument.uri, position);
    return p ? definition(ws, p.doc, p.offset) : null;
  });
  connection.onReferences(({ textDocument, position, context }) => {
    const p = at(textDocument.uri, position);
    return p ? references(ws, p.doc, p.offset, context.includeDeclaration) : [];
  });
  connection.onDocumentSymbol(({ textDocument }) => {
    const doc = ws.document(textDocument.uri);
    return doc ? documentSymbols(ws, doc) : [];
  });
  connection.onCompletion(({ textDocument, position }) => {
    const p = at(textDocument.uri, position);
    return p ? completions(ws, p.doc, p.offset) : [];
  });
  connection.onDocumentFormatting(({ textDocument }) => {
    const doc = ws.document(textDocument.uri);
    return doc ? formatEdits(doc) : [];
  });
  connection.languages.semanticTokens.on(({ textDocument }) => {
    const doc = ws.document(textDocument.uri);
    return doc ? semanticTokens(ws, doc) : { data: [] };
  });
  connection.onCodeAction(({ textDocument, context }) => {
    const doc = ws.document(textDocument.uri);
    return doc ? quickFixes(doc, context.diagnostics) : [];
  });

  connection.listen();
  return connection;
}
