/**
 * Test helpers: JSON text for a value with randomly chosen (valid) escapings, so prefilter tests
 * see every spelling a producer may use (`\uXXXX` in either hex case, `\/`, short escapes, other
 * number spellings).
 */

/** A tiny deterministic PRNG so one fast-check integer drives every escaping choice. */
export function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const hex4 = (u: number, rnd: () => number): string => {
  const h = u.toString(16).padStart(4, "0");
  return `\\u${rnd() < 0.5 ? h : h.toUpperCase()}`;
};

/** JSON text for a string with randomly chosen (valid) escapings of its characters. */
export function escapeString(s: string, rnd: () => number, p: number): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const u = s.charCodeAt(i);
    const next = s.charCodeAt(i + 1);
    if (u >= 0xd800 && u <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
      // A pair is written raw (4 UTF-8 bytes) or as two escapes; half of each is not valid UTF-8.
      out += rnd() < p ? hex4(u, rnd) + hex4(next, rnd) : s[i]! + s[i + 1]!;
      i++;
      continue;
    }
    if (u >= 0xd800 && u <= 0xdfff) {
      out += hex4(u, rnd); // a lone surrogate can only be written as an escape
      continue;
    }
    const ch = s[i]!;
    const esc = rnd() < p;
    if (ch === '"') out += esc ? hex4(u, rnd) : '\\"';
    else if (ch === "\\") out += esc ? hex4(u, rnd) : "\\\\";
    else if (ch === "/") out += esc ? (rnd() < 0.5 ? "\\/" : hex4(u, rnd)) : "/";
    else if (u < 0x20) {
      const short: Record<string, string> = {
        "\n": "\\n",
        "\r": "\\r",
        "\t": "\\t",
        "\b": "\\b",
        "\f": "\\f",
      };
      out += !esc && short[ch] !== undefined ? short[ch] : hex4(u, rnd);
    } else out += esc ? hex4(u, rnd) : ch;
  }
  return `${out}"`;
}

/** JSON.stringify with random escapings in keys and string values (same parsed value). */
export function serialise(v: unknown, rnd: () => number, p: number): string {
  if (typeof v === "string") return escapeString(v, rnd, p);
  if (Array.isArray(v)) return `[${v.map((x) => serialise(x, rnd, p)).join(",")}]`;
  if (v !== null && typeof v === "object") {
    return `{${Object.entries(v)
      .map(([k, x]) => `${escapeString(k, rnd, p)}:${serialise(x, rnd, p)}`)
      .join(",")}}`;
  }
  if (typeof v === "number" && Number.isFinite(v) && rnd() < p) {
    // Other spellings of the same number: the event holds String(n), the raw text may not.
    const t = String(v);
    if (Number.isInteger(v) && !t.includes("e")) return rnd() < 0.5 ? `${t}.0` : `${t}E0`;
    if (t.includes(".") && !t.includes("e")) return `${t}0`;
  }
  return JSON.stringify(v);
}

/** Random ASCII case changes (for case-insensitive clauses). */
export const flipCase = (s: string, rnd: () => number): string =>
  Array.from(s, (c) => (rnd() < 0.5 ? c.toUpperCase() : c)).join("");
