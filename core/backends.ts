// The tfjs backends posec can train and infer on, named once. Everything that lists them (the spec's
// `backend` setting, the IR schema, `posec train --backend`, `posec doctor`, the generated tfjs program,
// the runtime's selection order) takes them from here.

/** Fastest first: the order `auto` tries them in. */
export const BACKENDS = ["tensorflow-gpu", "tensorflow", "wasm", "cpu"] as const;
export type BackendName = (typeof BACKENDS)[number];

/** What a user may ask for: a backend, or `auto` (the first of BACKENDS that loads). */
export const BACKEND_PREFERENCES = ["auto", ...BACKENDS] as const;
export type BackendPreference = (typeof BACKEND_PREFERENCES)[number];

export function isBackendPreference(name: string): name is BackendPreference {
  return (BACKEND_PREFERENCES as readonly string[]).includes(name);
}

/** "auto, tensorflow-gpu, tensorflow, wasm or cpu" */
export function backendList(): string {
  return `${BACKEND_PREFERENCES.slice(0, -1).join(", ")} or ${BACKEND_PREFERENCES[BACKEND_PREFERENCES.length - 1]}`;
}
