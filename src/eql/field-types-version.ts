/**
 * The `version` field type's order (x-pack/plugin/mapper-version VersionEncoder): values are
 * compared through an encoding whose unsigned byte order is software-version precedence.
 * - A legal version is `main[-prerelease][+build]`: main is dot-separated numbers without leading
 *   zeros (any count: "1.2" and "1.2.3.4" are legal), prerelease dot-separated identifiers
 *   (numbers without leading zeros, or alphanumerics with `-`), build dot-separated alphanumerics.
 *   Numbers compare numerically, a prerelease sorts before the same version without one,
 *   prerelease identifiers left to right (numeric before alphanumeric), the build suffix last, as text.
 * - Anything else (and more than 32 identifiers in a part) is kept as its UTF-8 bytes and sorts
 *   after every legal version (legal encodings start with byte 0x01), in byte order.
 */

const NUMERIC_MARKER = 0x01;
const PRERELEASE_SEPARATOR = 0x02;
const NO_PRERELEASE_SEPARATOR = 0x03;
const MAX_IDENTIFIERS = 32;
const UTF8 = new TextEncoder();

const isNumber = (s: string): boolean => /^(?:0|[1-9][0-9]*)$/.test(s);
const isAlnum = (s: string): boolean => /^[0-9A-Za-z-]+$/.test(s);

function legal(main: string, pre: string | null, build: string | null): boolean {
  for (const part of [main, pre, build]) {
    if (part !== null && part.split(".").length > MAX_IDENTIFIERS) return false;
  }
  if (!main.split(".").every(isNumber)) return false;
  // A prerelease identifier: a number without leading zeros, or digits then a letter or hyphen.
  if (
    pre !== null &&
    !pre
      .slice(1)
      .split(".")
      .every((p) => isNumber(p) || /^[0-9]*[A-Za-z-][0-9A-Za-z-]*$/.test(p))
  ) {
    return false;
  }
  if (build !== null && !build.slice(1).split(".").every(isAlnum)) return false;
  return true;
}

/** Digit runs become marker, length | 0x80, digits; other characters stay (ASCII here). */
function pushDigitGroups(text: string, out: number[]): boolean {
  for (let i = 0; i < text.length; ) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      let j = i;
      while (j < text.length && text.charCodeAt(j) >= 48 && text.charCodeAt(j) <= 57) j++;
      if (j - i >= 128) return false; // ES throws: "Groups of digits cannot be longer than 127"
      out.push(NUMERIC_MARKER, (j - i) | 0x80);
      for (let k = i; k < j; k++) out.push(text.charCodeAt(k));
      i = j;
    } else {
      out.push(c);
      i++;
    }
  }
  return true;
}

/** The sortable encoding of a version string; undefined when Elasticsearch refuses the value. */
export function encodeVersion(version: string): Uint8Array | undefined {
  const plus = version.indexOf("+");
  const build = plus > 0 ? version.slice(plus) : null;
  const rest = build === null ? version : version.slice(0, plus);
  const dash = rest.indexOf("-");
  const pre = dash > 0 ? rest.slice(dash) : null;
  const main = pre === null ? rest : rest.slice(0, dash);
  if (!legal(main, pre, build))
    return version.length === 0 ? Uint8Array.of(NO_PRERELEASE_SEPARATOR) : UTF8.encode(version);
  const out: number[] = [];
  if (!pushDigitGroups(main, out)) return undefined;
  if (pre !== null) {
    out.push(PRERELEASE_SEPARATOR, 0x2d);
    const parts = pre.slice(1).split(".");
    for (let i = 0; i < parts.length; i++) {
      if (i > 0) out.push(0x2e);
      const p = parts[i]!;
      if (/^[0-9]+$/.test(p)) {
        if (!pushDigitGroups(p, out)) return undefined;
      } else for (let k = 0; k < p.length; k++) out.push(p.charCodeAt(k));
    }
  } else {
    out.push(NO_PRERELEASE_SEPARATOR);
  }
  if (build !== null) for (let k = 0; k < build.length; k++) out.push(build.charCodeAt(k));
  return Uint8Array.from(out);
}

/** Order of two `version` values as Elasticsearch sorts and range-queries them (-1, 0, 1). */
export function compareVersion(a: string, b: string): number {
  const x = encodeVersion(a) ?? UTF8.encode(a);
  const y = encodeVersion(b) ?? UTF8.encode(b);
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) {
    if (x[i] !== y[i]) return x[i]! < y[i]! ? -1 : 1;
  }
  return x.length === y.length ? 0 : x.length < y.length ? -1 : 1;
}
