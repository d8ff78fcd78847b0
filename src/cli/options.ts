/**
 * Command-line values: parsing and validation, once, at start-up. Every error names the option,
 * the value given and what is expected (commander prefixes the option and the value).
 */
import { InvalidArgumentError } from "commander";
import type { SourceOption } from "../sources/index.ts";

export type OutputFormat = "ndjson" | "text";

export interface CliOptions {
  readonly rules?: string;
  /** --query: one EQL query run instead of rules (ad-hoc hunting; its head/tail pipes apply to the run's results). */
  readonly query?: string;
  readonly format: OutputFormat;
  readonly ignoreAbove?: number;
  readonly source: SourceOption;
  readonly maxRecordBytes?: number;
  readonly maxDecompressedBytes?: number;
  readonly concurrency: number;
  /** Exception-list exports (--exceptions). */
  readonly exceptions: readonly string[];
  /** --rule-filter texts, validated. */
  readonly ruleFilters: readonly string[];
  readonly skipUnsupportedRules: boolean;
  /** --index-name: the index every record belongs to (index routing). */
  readonly indexName?: string;
}

export const DEFAULT_CONCURRENCY = 4;
export const MAX_CONCURRENCY = 64;

const UNITS: Readonly<Record<string, number>> = {
  b: 1,
  k: 1024,
  kib: 1024,
  kb: 1000,
  m: 1024 ** 2,
  mib: 1024 ** 2,
  mb: 1000 ** 2,
  g: 1024 ** 3,
  gib: 1024 ** 3,
  gb: 1000 ** 3,
  t: 1024 ** 4,
  tib: 1024 ** 4,
  tb: 1000 ** 4,
};

/**
 * A byte count: a whole number, optionally with a unit (binary KiB/MiB/GiB/TiB or K/M/G/T,
 * decimal KB/MB/GB/TB, B), e.g. `8388608`, `8MiB`, `64GiB`, `1.5GB`. Returns undefined when the
 * text is not one.
 */
export function parseByteSize(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text);
  if (m === null) return undefined;
  const unit = (m[2] ?? "").toLowerCase();
  const mult = unit === "" ? 1 : Object.hasOwn(UNITS, unit) ? UNITS[unit] : undefined;
  if (mult === undefined) return undefined;
  if (unit === "" && m[1]!.includes(".")) return undefined;
  const n = Math.floor(Number(m[1]) * mult);
  return Number.isSafeInteger(n) ? n : undefined;
}

export function bytesOption(text: string): number {
  const n = parseByteSize(text);
  if (n === undefined || n <= 0) {
    throw new InvalidArgumentError(
      "expected a positive number of bytes, e.g. 8388608, 8MiB, 64GiB (units B, KiB, MiB, GiB, TiB, KB, MB, GB, TB).",
    );
  }
  return n;
}

export function intOption(min: number, max: number, what: string): (text: string) => number {
  return (text) => {
    const n = /^\s*\d+\s*$/.test(text) ? Number(text) : Number.NaN;
    if (!Number.isSafeInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(`expected ${what}: a whole number from ${min} to ${max}.`);
    }
    return n;
  };
}

export function choiceOption<T extends string>(choices: readonly T[]): (text: string) => T {
  return (text) => {
    const found = choices.find((c) => c === text);
    if (found === undefined) throw new InvalidArgumentError(`expected one of ${choices.join(", ")}.`);
    return found;
  };
}

/** Human-readable byte count for summaries and progress ("1.5 MB"; decimal units, like MB/s). */
export function formatBytes(n: number): string {
  if (n < 1000) return `${n} B`;
  const units = ["kB", "MB", "GB", "TB", "PB"];
  let v = n;
  let i = -1;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2)} ${units[i]}`;
}
