// A failure the user can act on (bad data, bad file, bad flag, incompatible checkpoint). The CLI prints
// its message (and hint) without a stack trace and exits non-zero; anything else is a bug in posec.
import type { DiagnosticCode } from "../core/diagnostics.js";

export class PosecError extends Error {
  constructor(
    message: string,
    /** stable code from the diagnostics catalog (core/diagnostics.ts), e.g. "PN5001" */
    readonly code: DiagnosticCode = "PN5000",
    /** what the user can do about it */
    readonly hint?: string,
  ) {
    super(message);
    this.name = "PosecError";
  }
}

export function isPosecError(e: unknown): e is PosecError {
  return e instanceof PosecError;
}
