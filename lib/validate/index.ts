// Strict reading of hand-written JSON (run configs, grid files, adapter fields): an object's keys must be among the
// fields it knows, or the error names the path and the nearest known field. A typo such as `lora_aplha` would
// otherwise fall back to a default and train with a changed meaning, without a word.

/** The known name nearest to `key` (edit distance at most a third of its length, and ≤ 3), if any. */
export function nearestName(key: string, known: readonly string[]): string | undefined {
  let best: { name: string; distance: number } | undefined;
  for (const name of known) {
    const distance = editDistance(key.toLowerCase(), name.toLowerCase());
    if (best === undefined || distance < best.distance) best = { name, distance };
  }
  return best !== undefined && best.distance <= Math.min(3, Math.max(1, Math.floor(key.length / 3)))
    ? best.name
    : undefined;
}

/** Edits (insert, delete, substitute, swap two neighbours) from a to b: "stpes" is one swap from "steps". */
function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.length][b.length];
}

/** "adapter.lora_aplha: unknown field; did you mean lora_alpha?" for the first key of `value` not in `known`. */
export function unknownFieldMessage(
  value: Record<string, unknown>, known: readonly string[], where: string,
): string | undefined {
  for (const key of Object.keys(value)) {
    if (known.includes(key)) continue;
    const near = nearestName(key, known);
    return `${where ? `${where}.` : ""}${key}: unknown field; ` +
      `${near !== undefined ? `did you mean ${near}?` : `the fields are ${known.join(", ")}`}`;
  }
  return undefined;
}

/** Throws `makeError(message)` unless `value` is a plain object whose keys are all in `known`. */
export function checkObject(
  value: unknown, known: readonly string[], where: string, makeError: (message: string) => Error = (m) => new Error(m),
): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw makeError(`${where || "(top level)"}: must be a JSON object, got ${JSON.stringify(value)}`);
  }
  const message = unknownFieldMessage(value as Record<string, unknown>, known, where);
  if (message !== undefined) throw makeError(message);
  return value as Record<string, unknown>;
}

/**
 * The number checks of a folder whose errors are `make(message)` (BoundsError, DynamicsError, …): one home for
 * "field must be a positive integer, got …", each returning the value it checked.
 */
export function numberChecks(make: (message: string) => Error) {
  const check = (ok: (v: number) => boolean, rule: string) => (value: unknown, field: string): number => {
    if (typeof value !== "number" || !ok(value)) throw make(`${field} must be ${rule}, got ${JSON.stringify(value)}`);
    return value;
  };
  return {
    positiveInteger: check((v) => Number.isSafeInteger(v) && v > 0, "a positive integer"),
    positiveFinite: check((v) => Number.isFinite(v) && v > 0, "a positive finite number"),
    finiteNumber: check((v) => Number.isFinite(v), "a finite number"),
  };
}
