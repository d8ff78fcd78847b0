import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export function fixturePath(name: string): string {
  return fileURLToPath(new URL(`../fixtures/sources/${name}`, import.meta.url));
}

export function readRecords(name: string): Record<string, unknown>[] {
  const text = readFileSync(fixturePath(name), "utf8");
  const t = text.trimStart();
  if (t.startsWith("{") && !t.includes("\n{")) return [JSON.parse(text) as Record<string, unknown>];
  return text
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

export function readJson(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(fixturePath(name), "utf8")) as Record<string, unknown>;
}

/** Deep clone through JSON, for "the input is never mutated" checks. */
export function snapshot(x: unknown): string {
  return JSON.stringify(x);
}
