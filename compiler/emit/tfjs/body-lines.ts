// The statements of one function body (or of buildModel) as TypeScript lines, with loops where the spec
// repeats: a run of statements that repeats with a period of 1 to 4 statements, each period reading the
// previous one's result and differing from it only in numbers that count up (`conv 7x7 128 relu x5`:
// `${name}_conv1` .. `${name}_conv5`; resnet's `for k in 2..d { unit ... }`), becomes a `for` loop.
import { num } from "./code.js";
import { mergedName, numbers, plainName, render, type StrPart, type Token } from "./code-tokens.js";

export interface LineStmt {
  /** the values it defines, by index */
  defines: number[];
  tokens: Token[];
}

export interface BodyContext {
  input: (k: number) => string;
  /** the instance name as literal text, or null for the function's `name` argument */
  name: string | null;
  /** the argument taking the body's n-th number, or null where it stays a literal */
  argument: (n: number) => string | null;
  /** value k's name as string parts (the base of its identifier) */
  names: StrPart[][];
  /** makes an identifier unique in the body */
  identifier: (base: string) => string;
  /** whether a name is taken already (a function's, an argument's, a value's) */
  taken: (name: string) => boolean;
  /** the loops' counter: `k`, unless an argument is called so */
  loopVariable: string;
}

const MAX_PERIOD = 4;

interface Run {
  start: number;
  period: number;
  count: number;
  /** the value the first period reads as "the previous result" */
  carryIn: number | { input: number };
  /** per number of one period (in order): its values over the periods */
  counts: number[][];
}

/** Tokens of statement s in a run's terms: refs inside the same period by offset, the carried value as `@carry`. */
function normalise(stmts: LineStmt[], defIndex: Map<number, number>, start: number, period: number, s: number): (string | { abs: number } | { absIn: number })[] {
  const m = Math.floor((s - start) / period);
  return stmts[s].tokens.map((t) => {
    if (t.t === "num") return "#";
    if (t.t === "str") return JSON.stringify(t.parts.map((p) => (p.t === "digits" ? "#" : p)));
    if (t.t === "in") return { absIn: t.k };
    if (t.t === "code") return t.s;
    const d = defIndex.get(t.k)!;
    if (d < start) return { abs: t.k };
    const dm = Math.floor((d - start) / period);
    if (dm === m) return `@in${(d - start) % period}`;
    if (dm === m - 1 && (d - start) % period === period - 1) return "@carry";
    return "@bad";
  });
}

/** A run of `count` periods from `start`, if only its last result is read after it and its numbers fit. */
function checked(stmts: LineStmt[], usedAfter: (v: number, after: number) => boolean, start: number, period: number, count: number, carryIn: Run["carryIn"], ctx: BodyContext, numBase: number[]): Run | null {
  const end = start + count * period;
  const inner = stmts.slice(start, end - 1).flatMap((s) => s.defines);
  if (inner.some((v) => usedAfter(v, end))) return null;
  // numbers: arguments stay as they are in every period; literals are constant or count up by one
  const counts: number[][] = [];
  for (let j = 0; j < period; j++) {
    const per = Array.from({ length: count }, (_, m) => numbers(stmts[start + m * period + j].tokens));
    for (let i = 0; i < per[0].length; i++) {
      const args = per.map((_, m) => ctx.argument(numBase[start + m * period + j] + i));
      const values = per.map((n) => n[i].v);
      if (args.some((a) => a !== args[0])) return null;
      if (args[0] === null && !values.every((v) => v === values[0]) && !values.every((v, m) => v === values[0] + m)) return null;
      counts.push(values);
    }
  }
  if (!counts.some((v) => v[0] !== v[1])) return null;
  return { start, period, count, carryIn, counts };
}

function findRun(stmts: LineStmt[], defIndex: Map<number, number>, usedAfter: (v: number, after: number) => boolean, start: number, ctx: BodyContext, numBase: number[]): Run | null {
  let best: Run | null = null;
  for (let period = 1; period <= MAX_PERIOD; period++) {
    if (!stmts.slice(start, start + period).every((s) => s.defines.length === 1)) break;
    const base = stmts.slice(start, start + period).map((_, j) => normalise(stmts, defIndex, start, period, start + j));
    let carryIn: Run["carryIn"] | undefined;
    let count = 1;
    for (; start + (count + 1) * period <= stmts.length; count++) {
      let ok = true;
      for (let j = 0; j < period && ok; j++) {
        const s = start + count * period + j;
        if (stmts[s].defines.length !== 1) ok = false;
        const tokens = ok ? normalise(stmts, defIndex, start, period, s) : [];
        if (tokens.length !== base[j].length) ok = false;
        for (let i = 0; ok && i < tokens.length; i++) {
          const a = base[j][i];
          const b = tokens[i];
          if (b === "@carry" && typeof a === "object") {
            const c = "abs" in a ? a.abs : { input: a.absIn };
            if (carryIn === undefined) carryIn = c;
            else if (JSON.stringify(carryIn) !== JSON.stringify(c)) ok = false;
          } else if (JSON.stringify(a) !== JSON.stringify(b) || b === "@bad") ok = false;
        }
      }
      if (!ok) break;
    }
    if (count < 2 || carryIn === undefined) continue;
    // the longest run from here whose inner results are not read after it and whose numbers fit
    for (let c = count; c >= 2; c--) {
      const run = checked(stmts, usedAfter, start, period, c, carryIn, ctx, numBase);
      if (run && (!best || c * period > best.count * best.period)) best = run;
      if (run) break;
    }
  }
  return best;
}

/**
 * The body's lines, grouped by the statement each group starts with (one statement, or a loop), and every
 * value's identifier; `live`: values the caller reads after the body (its results).
 */
export function bodyLines(stmts: LineStmt[], ctx: BodyContext, live: ReadonlySet<number>, declare: (ids: string[]) => string): { groups: { stmt: number; lines: string[] }[]; ids: string[] } {
  const defIndex = new Map<number, number>();
  stmts.forEach((s, i) => s.defines.forEach((v) => defIndex.set(v, i)));
  const numBase: number[] = [];
  let total = 0;
  for (const s of stmts) {
    numBase.push(total);
    total += numbers(s.tokens).length;
  }
  const readers = new Map<number, number[]>();
  stmts.forEach((s, i) => s.tokens.forEach((t) => t.t === "ref" && readers.set(t.k, [...(readers.get(t.k) ?? []), i])));
  const usedAfter = (v: number, after: number) => live.has(v) || (readers.get(v) ?? []).some((i) => i >= after);

  const ids: string[] = [];
  const groups: { stmt: number; lines: string[] }[] = [];
  const renderStmt = (s: number, number: (n: number, v: number) => string) =>
    render(stmts[s].tokens, { ref: (k) => ids[k], input: ctx.input, name: ctx.name, number });
  const plainNumber = (s: number) => (n: number, v: number) => ctx.argument(numBase[s] + n) ?? num(v);

  for (let s = 0; s < stmts.length; ) {
    const run = findRun(stmts, defIndex, usedAfter, s, ctx, numBase);
    if (!run) {
      for (const v of stmts[s].defines) ids[v] = ctx.identifier(plainName(ctx.names[v]) || "x");
      groups.push({ stmt: s, lines: [`${declare(stmts[s].defines.map((v) => ids[v]))} = ${renderStmt(s, plainNumber(s))};`] });
      s++;
      continue;
    }
    const { period, count, counts } = run;
    const valuesOf = (j: number) => Array.from({ length: count }, (_, m) => stmts[s + m * period + j].defines[0]);
    // the loop's result: named like the values it stands for, or `out` where that names a function
    const carryName = mergedName(valuesOf(period - 1).map((v) => ctx.names[v]), "first-without-digits");
    const carry = ctx.identifier(carryName && !ctx.taken(carryName) ? carryName : "out");
    const inner = Array.from({ length: period - 1 }, (_, j) => ctx.identifier(mergedName(valuesOf(j).map((v) => ctx.names[v]), "first-without-digits") || "x"));
    // the loop variable counts like the first number that counts up
    const counting = counts.find((v) => v[0] !== v[1])!;
    // loops never nest here, so every loop can count with the same name
    const k = ctx.loopVariable;
    const from = counting[0];
    const expr = (values: number[]) => {
      if (values[0] === values[1]) return num(values[0]);
      const d = values[0] - from;
      return d === 0 ? k : `${k} ${d > 0 ? "+" : "-"} ${Math.abs(d)}`;
    };
    const carryIn = typeof run.carryIn === "number" ? ids[run.carryIn] : ctx.input(run.carryIn.input);
    const lines = [`let ${carry} = ${carryIn};`];
    const body: string[] = [];
    let c = 0;
    for (let j = 0; j < period; j++) {
      const st = s + j;
      // inside the loop, the first period's values stand for every period's
      for (let m = 0; m < count; m++) ids[stmts[s + m * period + j].defines[0]] = j === period - 1 ? carry : inner[j];
      const numbered = counts.slice(c, (c += numbers(stmts[st].tokens).length));
      // where the next period reads the carried value, the first period reads the loop's variable too
      const next = normalise(stmts, defIndex, s, period, st + period);
      const tokens = stmts[st].tokens.map((t, i): Token => (next[i] === "@carry" ? { t: "code", s: carry } : t));
      const code = render(tokens, {
        ref: (v) => ids[v],
        input: ctx.input,
        name: ctx.name,
        number: (n, v) => ctx.argument(numBase[st] + n) ?? (numbered[n] ? expr(numbered[n]) : num(v)),
      });
      body.push(j === period - 1 ? `${carry} = ${code};` : `const ${inner[j]} = ${code};`);
    }
    const head = `for (let ${k} = ${from}; ${k} <= ${from + count - 1}; ${k}++)`;
    lines.push(...(period === 1 ? [`${head} ${body[0]}`] : [`${head} {`, ...body, "}"]));
    groups.push({ stmt: s, lines });
    s += period * count;
  }
  return { groups, ids };
}
