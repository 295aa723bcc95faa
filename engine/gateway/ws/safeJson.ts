/**
 * A JSON-safe copy of any value, for inspection frames: actor snapshots and
 * events may hold functions, cycles, Maps, bigints or deep structures that
 * JSON.stringify would reject or expand without end. Like the
 * @statelyai/inspect serialiser: `toJSON` is honoured, a function becomes
 * `{type: name}`, a cycle "[Circular]", anything deeper than `depthLimit`
 * "[Object]" or "[Array]".
 */
export function toSafeJson(value: unknown, depthLimit: number): unknown {
  const ancestors: object[] = [];
  const walk = (v: unknown, depth: number): unknown => {
    switch (typeof v) {
      case 'string':
      case 'boolean':
        return v;
      case 'number':
        return Number.isFinite(v) ? v : null;
      case 'bigint':
        return v.toString();
      case 'function':
        return { type: v.name };
      case 'undefined':
      case 'symbol':
        return undefined;
    }
    if (v === null) return null;
    const o = v as object & { toJSON?: unknown };
    if (typeof o.toJSON === 'function') {
      const j: unknown = (o.toJSON as () => unknown).call(o);
      if (j !== o) return walk(j, depth);
    }
    if (ancestors.includes(o)) return '[Circular]';
    if (depth >= depthLimit) return Array.isArray(o) ? '[Array]' : '[Object]';
    ancestors.push(o);
    try {
      if (Array.isArray(o)) return o.map((x: unknown) => walk(x, depth + 1) ?? null);
      if (o instanceof Set) return [...(o as Set<unknown>)].map((x) => walk(x, depth + 1) ?? null);
      const entries = o instanceof Map ? [...(o as Map<unknown, unknown>)].map(([k, x]) => [String(k), x] as const) : Object.entries(o);
      const out: Record<string, unknown> = {};
      for (const [k, x] of entries) {
        const w = walk(x, depth + 1);
        if (w !== undefined) out[k] = w;
      }
      return out;
    } finally {
      ancestors.pop();
    }
  };
  return walk(value, 0);
}
