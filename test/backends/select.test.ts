// Backend selection: the order tried, the report and its text, errors for a forced backend that
// cannot run, and that selecting does not need tfjs at import time.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import * as tf from "@tensorflow/tfjs-core";
import { describe, expect, it } from "vitest";
import { BACKEND_ORDER, formatBackendReport, gpuVisible, selectBackend } from "../../runtime/backends/select.js";
import { isPosecError } from "../../runtime/errors.js";

function installed(pkg: string): boolean {
  try {
    createRequire(import.meta.url).resolve(pkg);
    return true;
  } catch {
    return false;
  }
}

describe("selectBackend", () => {
  it("auto tries the candidates in order, selects the first that works and skips the rest", async () => {
    const report = await selectBackend({ prefer: "auto", threads: 2 });
    expect(report.tried.map((t) => t.name)).toEqual([...BACKEND_ORDER]);
    const at = report.tried.findIndex((t) => t.status === "selected");
    expect(report.tried[at].name).toBe(report.backend);
    report.tried.slice(0, at).forEach((t) => expect(["not installed", "no GPU", "failed"]).toContain(t.status));
    report.tried.slice(at + 1).forEach((t) => expect(t.status).toBe("skipped"));
    // what this machine has decides which one wins
    const gpu = report.tried[0];
    if (!installed("@tensorflow/tfjs-node-gpu")) expect(gpu.status).toBe("not installed");
    else if (!gpuVisible()) expect(gpu.status).toBe("no GPU");
    if (!installed("@tensorflow/tfjs-node-gpu") && !installed("@tensorflow/tfjs-node")) {
      expect(report.backend).toBe("wasm");
      expect(report.threads).toBe(2);
      expect(report.simd).toBe(true);
      expect(tf.getBackend()).toBe("wasm");
    }
  }, 60_000);

  it("a forced backend skips the others and is the one running", async () => {
    const report = await selectBackend({ prefer: "cpu" });
    expect(report.backend).toBe("cpu");
    expect(tf.getBackend()).toBe("cpu");
    expect(report.tried.filter((t) => t.status === "skipped").map((t) => t.name)).toEqual(["tensorflow-gpu", "tensorflow", "wasm"]);
  });

  it("forcing a backend that is not installed is a PosecError naming the reason", async () => {
    const pkg = "@tensorflow/tfjs-node";
    expect(installed(pkg)).toBe(false); // the premise of this test on posec's CI machine
    const e = await selectBackend({ prefer: "tensorflow" }).then(
      () => null,
      (err: unknown) => err,
    );
    expect(isPosecError(e)).toBe(true);
    expect((e as Error).message).toBe(`backend "tensorflow" is not available: ${pkg} is not installed`);
    expect((e as { hint?: string }).hint).toBe(`npm install ${pkg}`);
  });

  it("an unknown backend name is a PosecError listing the choices", async () => {
    const e = await selectBackend({ prefer: "webgpu" as never }).then(
      () => null,
      (err: unknown) => err,
    );
    expect(isPosecError(e)).toBe(true);
    expect((e as { hint?: string }).hint).toContain("auto, tensorflow-gpu, tensorflow, wasm, cpu");
  });
});

describe("formatBackendReport", () => {
  it("says which backend runs and why each better one was not used", () => {
    const text = formatBackendReport({
      backend: "wasm",
      threads: 2,
      simd: true,
      tried: [
        { name: "tensorflow-gpu", status: "not installed", detail: "@tensorflow/tfjs-node-gpu is not installed" },
        { name: "tensorflow", status: "failed", detail: "libtensorflow.so: cannot open shared object file" },
        { name: "wasm", status: "selected", detail: "2 threads, SIMD" },
        { name: "cpu", status: "skipped", detail: "wasm was selected first" },
      ],
    });
    expect(text).toBe(
      [
        "backend: wasm (2 threads, SIMD)",
        "  tensorflow-gpu  not installed  @tensorflow/tfjs-node-gpu is not installed",
        "  tensorflow      failed         libtensorflow.so: cannot open shared object file",
        "  wasm            selected       2 threads, SIMD",
        "  cpu             skipped        wasm was selected first",
        "  faster backends were unavailable: tensorflow-gpu (not installed), tensorflow (failed)",
      ].join("\n"),
    );
  });
});

describe("lazy loading", () => {
  it("index.ts, select.ts and wasm-threads.ts import no tfjs package at top level (the compiler CLI may import them)", () => {
    for (const file of ["runtime/backends/index.ts", "runtime/backends/select.ts", "runtime/backends/wasm-threads.ts"]) {
      const source = readFileSync(file, "utf8");
      const staticImports = source.match(/^(?:import|export)\s+(?!type\b)[^;]*?from\s+"([^"]+)"/gms) ?? [];
      const tfjs = staticImports.filter((s) => s.includes("@tensorflow/"));
      expect(tfjs, file).toEqual([]);
      expect(source.match(/^import\s+"@tensorflow/m), file).toBeNull();
    }
  });
});
