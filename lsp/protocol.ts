// The one place the server loads vscode-languageserver. It is a CommonJS package that requires Node
// built-ins at run time, which an ESM bundle cannot do; loading it with Node's own `require` keeps it
// out of the bundle (dist/) and behaves the same from source, from tests and from the built CLI.
import { createRequire } from "node:module";

type Lsp = typeof import("vscode-languageserver/node");
const lsp = createRequire(import.meta.url)("vscode-languageserver/node") as Lsp;

export const { CodeActionKind, CompletionItemKind, DiagnosticSeverity, InsertTextFormat, ProposedFeatures, SymbolKind, TextDocumentSyncKind, createConnection } = lsp;
export type SymbolKind = import("vscode-languageserver/node").SymbolKind;
export type CompletionItemKind = import("vscode-languageserver/node").CompletionItemKind;
