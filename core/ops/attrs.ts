// A small typed builder for op attributes: each attribute kind carries its JSON-Schema fragment and, as a
// phantom type, the TypeScript type of its value. An op declares its attributes once (`attrs({...})`);
// the IR's `OpAttrs` type (core/ir/types.ts) and its JSON Schema (core/ir/schema.ts) are both read off
// that one declaration, so they cannot drift apart.
import type { Padding, Pair, WeightInit } from "../ir/basic-types.js";

/** One attribute: its JSON Schema and (type only) its value's TypeScript type. */
export interface Attr<T> {
  readonly schema: Record<string, unknown>;
  /** never set: carries T for type inference */
  readonly __type?: T;
}

const int = (minimum: number) => ({ type: "integer", minimum });

export const attr = {
  int: (minimum = 0): Attr<number> => ({ schema: int(minimum) }),
  number: (): Attr<number> => ({ schema: { type: "number" } }),
  positive: (): Attr<number> => ({ schema: { type: "number", exclusiveMinimum: 0 } }),
  range: (minimum: number, maximum: number): Attr<number> => ({ schema: { type: "number", minimum, maximum } }),
  bool: (): Attr<boolean> => ({ schema: { type: "boolean" } }),
  pair: (minimum = 1): Attr<Pair> => ({ schema: { type: "array", items: int(minimum), minItems: 2, maxItems: 2 } }),
  padding: (): Attr<Padding> => ({ schema: { type: "array", items: int(0), minItems: 4, maxItems: 4 } }),
  oneOf: <T extends string>(...values: T[]): Attr<T> => ({ schema: { enum: values } }),
  /** shared definition in the IR schema (referenced, not inlined, to keep the generated validator small) */
  weightInit: (): Attr<WeightInit> => ({ schema: { $ref: "#/definitions/weightInit" } }),
};

type ValueOf<S> = { [K in keyof S]: S[K] extends Attr<infer T> ? T : never };
/** An op's attributes: `Record<string, never>` for an op without any, so that nothing else fits there. */
export type AttrsOf<S> = [keyof S] extends [never] ? Record<string, never> : ValueOf<S>;

/** The attributes of one op: every one required, nothing else allowed. */
export interface AttrSpec<A> {
  readonly schema: Record<string, unknown>;
  readonly __type?: A;
}

export function attrs<S extends Record<string, Attr<unknown>>>(spec: S): AttrSpec<AttrsOf<S>> {
  const properties = Object.fromEntries(Object.entries(spec).map(([k, a]) => [k, a.schema]));
  return { schema: { type: "object", properties, required: Object.keys(spec), additionalProperties: false } };
}

export const NO_ATTRS = attrs({});
