// A small, independent reader of Caffe deploy prototxts (text format), enough to describe CMU's OpenPose
// networks: every convolution's signature, the activation that follows it, the parameter total and the
// channels of `net_output`. It shares no code with posec: the tests compare posec's ONNX against it.

export interface CaffeLayer {
  name: string;
  type: string;
  bottoms: string[];
  tops: string[];
  /** key -> values of the layer's convolution_param (or pooling_param, ...), flattened */
  params: Map<string, string[]>;
}

/** The `layer { ... }` blocks of a prototxt, in order. */
export function readLayers(text: string): CaffeLayer[] {
  const src = text.replace(/#[^\n]*/g, "");
  const layers: CaffeLayer[] = [];
  const start = /\blayer\s*\{/g;
  for (let m = start.exec(src); m; m = start.exec(src)) {
    let depth = 1;
    let i = m.index + m[0].length;
    const from = i;
    while (depth > 0 && i < src.length) {
      if (src[i] === "{") depth++;
      else if (src[i] === "}") depth--;
      i++;
    }
    const body = src.slice(from, i - 1);
    start.lastIndex = i;
    const top: Record<string, string[]> = {};
    const params = new Map<string, string[]>();
    // top-level fields are at depth 0 of the body; nested `*_param { }` fields go to `params`
    let d = 0;
    for (const tok of body.matchAll(/([A-Za-z_]+)\s*:\s*("[^"]*"|[^\s{}]+)|([A-Za-z_]+)\s*\{|\}/g)) {
      if (tok[3]) d++;
      else if (tok[0] === "}") d--;
      else {
        const value = tok[2].replace(/^"|"$/g, "");
        if (d === 0) (top[tok[1]] ??= []).push(value);
        else params.set(tok[1], [...(params.get(tok[1]) ?? []), value]);
      }
    }
    layers.push({ name: top.name?.[0] ?? "", type: top.type?.[0] ?? "", bottoms: top.bottom ?? [], tops: top.top ?? [], params });
  }
  return layers;
}

export interface ConvSignature {
  in: number;
  out: number;
  kernel: number;
  stride: number;
  pad: number;
  dilation: number;
  group: number;
  bias: boolean;
  activation: string;
}

export function signatureText(s: ConvSignature): string {
  return `in=${s.in} out=${s.out} k=${s.kernel} s=${s.stride} p=${s.pad} d=${s.dilation} g=${s.group} bias=${s.bias} act=${s.activation}`;
}

export interface NetworkFacts {
  convs: { name: string; signature: ConvSignature }[];
  params: number;
  /** channels of the blobs concatenated into net_output, in order (one entry when it is a single blob) */
  outputChannels: number[];
  /** the conv layers whose tops make up net_output, in order */
  outputLayers: string[];
}

const num = (l: CaffeLayer, key: string, fallback: number) => Number(l.params.get(key)?.[0] ?? fallback);

/** Channel counts by blob (in-place layers keep them), conv signatures, parameters and outputs. */
export function networkFacts(text: string, inputChannels = 3): NetworkFacts {
  const layers = readLayers(text);
  const input = /^\s*input\s*:\s*"([^"]+)"/m.exec(text)?.[1] ?? "image";
  const channels = new Map<string, number>([[input, inputChannels]]);
  const producer = new Map<string, string>();
  const convs: NetworkFacts["convs"] = [];
  let params = 0;
  layers.forEach((l, idx) => {
    const cin = channels.get(l.bottoms[0]) ?? NaN;
    let cout = cin;
    if (l.type === "Convolution") {
      const out = num(l, "num_output", NaN);
      const k = num(l, "kernel_size", NaN);
      const group = num(l, "group", 1);
      const bias = (l.params.get("bias_term")?.[0] ?? "true") !== "false";
      cout = out;
      params += out * (cin / group) * k * k + (bias ? out : 0);
      // the activation: the next layer reading this conv's output in place
      const next = layers.slice(idx + 1).find((n) => n.bottoms.includes(l.tops[0]));
      const act = next && ["ReLU", "PReLU", "ELU"].includes(next.type) ? next.type.toLowerCase() : "none";
      convs.push({ name: l.name, signature: { in: cin, out, kernel: k, stride: num(l, "stride", 1), pad: num(l, "pad", 0), dilation: num(l, "dilation", 1), group, bias, activation: act } });
    } else if (l.type === "PReLU") {
      params += (l.params.get("channel_shared")?.[0] ?? "false") === "true" ? 1 : cin;
    } else if (l.type === "Concat") {
      cout = l.bottoms.reduce((a, b) => a + (channels.get(b) ?? NaN), 0);
    }
    for (const t of l.tops) {
      channels.set(t, cout);
      if (l.type === "Convolution" || l.type === "Concat") producer.set(t, l.name);
    }
  });
  // net_output: a Concat of the final maps, or a conv writing it directly
  const outLayer = layers.find((l) => l.tops.includes("net_output"))!;
  const outBlobs = outLayer.type === "Concat" ? outLayer.bottoms : [outLayer.tops[0]];
  return {
    convs,
    params,
    outputChannels: outBlobs.map((b) => (outLayer.type === "Concat" ? channels.get(b)! : channels.get("net_output")!)),
    outputLayers: outLayer.type === "Concat" ? outBlobs.map((b) => producer.get(b)!) : [outLayer.name],
  };
}
