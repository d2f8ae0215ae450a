// Every JSON artefact posec writes or reads has a schema here; scripts/build.mjs compiles them all
// into standalone validators (core/ir/schema-validators.generated.js), keyed by these names.
import { IR_SCHEMA } from "../core/ir/schema.js";
import { INSPECT_SCHEMA } from "./report/inspect.js";

export const SCHEMAS = {
  ir: IR_SCHEMA,
  inspect: INSPECT_SCHEMA,
} as const;
