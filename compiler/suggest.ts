// "Did you mean ...?": the closest candidate by optimal-string-alignment edit distance, if it is close
// enough to be a plausible typo (at most a third of the word, and at least one edit allowed). Bounded:
// a candidate whose length differs by more than the allowed distance is never compared, and words
// longer than MAX_SUGGEST_LENGTH get no suggestion, so a hostile megabyte-long name costs nothing.

/** No candidate is this long; a longer word is not a typo of one. */
export const MAX_SUGGEST_LENGTH = 64;

export function editDistance(a: string, b: string): number {
  const m = a.length;
  const n = b.length;
  // three rows of the dynamic programme (the transposition looks two rows back)
  let before = new Array<number>(n + 1).fill(0);
  let prev = Array.from({ length: n + 1 }, (_, j) => j);
  let cur = new Array<number>(n + 1).fill(0);
  for (let i = 1; i <= m; i++) {
    cur[0] = i;
    for (let j = 1; j <= n; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) cur[j] = Math.min(cur[j], before[j - 2] + 1);
    }
    [before, prev, cur] = [prev, cur, before];
  }
  return prev[n];
}

export function closest(word: string, candidates: Iterable<string>): string | undefined {
  if (word.length > MAX_SUGGEST_LENGTH) return undefined;
  const allowed = Math.max(1, Math.floor(word.length / 3));
  let best: string | undefined;
  let bestDistance = Infinity;
  const lower = word.toLowerCase();
  for (const c of [...new Set(candidates)].sort()) {
    if (Math.abs(c.length - word.length) > allowed) continue;
    const dist = editDistance(lower, c.toLowerCase());
    if (dist < bestDistance) {
      best = c;
      bestDistance = dist;
    }
  }
  return best !== undefined && bestDistance <= allowed && bestDistance > 0 ? best : undefined;
}

/** Names people bring from other frameworks, mapped to ours (only offered when that name exists). */
const SYNONYMS: Record<string, string> = {
  batchnorm: "bn",
  batch_norm: "bn",
  batchnorm2d: "bn",
  conv2d: "conv",
  convolution: "conv",
  linear: "dense",
  fc: "dense",
  fully_connected: "dense",
  max_pool: "maxpool",
  pool: "maxpool",
  avg_pool: "avgpool",
  global_avg_pool: "gap",
  globalaveragepool: "gap",
  adaptiveavgpool: "gap",
  interpolate: "upsample",
  resize: "upsample",
  cat: "concat",
  sum: "add",
  multiply: "mul",
  squeeze_excitation: "se",
  leaky_relu: "leakyrelu",
  // block parameter types
  integer: "int",
  number: "float",
  boolean: "bool",
  str: "string",
  tensor_size: "dims",
  size: "dims",
  vgg: "vgg19",
  resnet: "resnet50",
};

export function didYouMean(word: string, candidates: Iterable<string>): string | undefined {
  if (word.length > MAX_SUGGEST_LENGTH) return undefined;
  const list = [...candidates];
  const synonym = SYNONYMS[word.toLowerCase().replace(/[-\s]/g, "_")] ?? SYNONYMS[word.toLowerCase().replace(/[-_\s]/g, "")];
  // Typos of a synonym count too ("batchnrom" -> batchnorm -> bn).
  const viaSynonym = closest(word, Object.keys(SYNONYMS).filter((k) => list.includes(SYNONYMS[k])));
  const c = synonym && list.includes(synonym) ? synonym : (closest(word, list) ?? (viaSynonym && SYNONYMS[viaSynonym]));
  return c ? `did you mean \`${c}\`?` : undefined;
}

/** Own-property lookup in a name table (so that `constructor` or `toString` are never found). */
export function lookup<T>(table: Record<string, T>, key: string): T | undefined {
  return Object.prototype.hasOwnProperty.call(table, key) ? table[key] : undefined;
}
