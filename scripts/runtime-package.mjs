// The runtime as a package of its own, `@posec/runtime`, for the tfjs programs `posec build` generates: the
// runtime bundled on its own (runtime.js and the data worker, no compiler, no CLI), its type declarations,
// and a package.json whose dependencies are exactly the packages the bundle leaves external and imports
// (read from esbuild's metafile, so the list cannot drift from the code). A generated program installs
// this instead of all of posec (chevrotain, prettier, onnx-proto, elkjs, the language server...).
// scripts/build.mjs calls it after the type declarations exist; cli/pack.ts packs the folder it writes.
import { build } from "esbuild";
import { cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** = RUNTIME_PACKAGE in compiler/emit/tfjs/project.ts, which generated code imports (test/cli/pack.test.ts checks they agree) */
export const RUNTIME_PACKAGE_NAME = "@posec/runtime";

/**
 * Packages the bundle imports rather than contains: native or large ones the runtime loads (some lazily), and
 * ajv, whose types the runtime's declarations name. Everything else the runtime uses is bundled in.
 */
const EXTERNAL = ["@tensorflow/*", "onnxruntime-node", "sharp", "ajv"];

/** `@scope/name/sub/path` or `name/sub/path` -> the package's name. */
export function packageOf(specifier) {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0];
}

/** The version posec itself declares for a package, else the exact installed one (a dependency of a dependency, e.g. tfjs-core). */
function versionOf(root, pkg, name) {
  const declared = pkg.dependencies?.[name] ?? pkg.optionalDependencies?.[name];
  if (declared) return declared;
  const installed = join(root, "node_modules", name, "package.json");
  if (!existsSync(installed)) throw new Error(`runtime package: the runtime imports ${name}, which is not installed`);
  return JSON.parse(readFileSync(installed, "utf8")).version;
}

/**
 * Writes the package into `outDir` (replaced as a whole). `typesDir` holds the declarations tsc wrote for
 * runtime/index.ts (tsconfig.types.json: dist/types). Returns its package.json.
 */
export async function buildRuntimePackage({ root, outDir, typesDir, minify = true }) {
  const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
  const staging = `${outDir}.tmp-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  const result = await build({
    entryPoints: { runtime: join(root, "runtime/index.ts"), "data-worker": join(root, "runtime/data/worker.ts") },
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    outdir: join(staging, "dist"),
    entryNames: "[name]",
    chunkNames: "chunks/[name]-[hash]",
    splitting: true,
    external: EXTERNAL,
    minify,
    legalComments: "none",
    metafile: true,
    logLevel: "error",
  });
  // the packages the bundle still imports (statically or lazily): its dependencies, and only those
  const imported = new Set();
  for (const output of Object.values(result.metafile.outputs)) {
    for (const i of output.imports) if (i.external && !i.path.startsWith("node:")) imported.add(packageOf(i.path));
  }
  const dependencies = {};
  for (const name of [...imported].sort()) dependencies[name] = versionOf(root, pkg, name);
  // posec's optional dependencies are the native tfjs backends, which runtime/backends/select.ts loads by a
  // name held in a variable (invisible to the metafile), tries, and falls back from: optional here too
  const optionalDependencies = { ...pkg.optionalDependencies };
  cpSync(typesDir, join(staging, "dist", "types"), { recursive: true });
  const manifest = {
    name: RUNTIME_PACKAGE_NAME,
    version: pkg.version,
    description: "posec's runtime (tfjs backends, pose loss, data pipeline, training loop, checkpoints) for the tfjs programs posec generates",
    type: "module",
    license: pkg.license,
    engines: pkg.engines,
    exports: {
      ".": { types: "./dist/types/runtime/index.d.ts", import: "./dist/runtime.js" },
      "./package.json": "./package.json",
    },
    files: ["dist", "README.md"],
    dependencies,
    ...(Object.keys(optionalDependencies).length ? { optionalDependencies } : {}),
  };
  writeFileSync(join(staging, "package.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  writeFileSync(
    join(staging, "README.md"),
    `# ${RUNTIME_PACKAGE_NAME} ${pkg.version}

The runtime of posec ${pkg.version} (the tfjs backends, the pose loss, the data pipeline, the training loop,
checkpoints) without the compiler: what the tfjs programs \`posec build --target tfjs\` writes depend on.
\`posec build\` writes it beside each program as \`posec-runtime-${pkg.version}.tgz\`. The data worker is
\`dist/data-worker.js\`.
`,
  );
  mkdirSync(join(outDir, ".."), { recursive: true });
  rmSync(outDir, { recursive: true, force: true });
  renameSync(staging, outDir);
  return manifest;
}
