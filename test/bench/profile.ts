/**
 * Summarises a V8 .cpuprofile (from `node --cpu-prof`) as self time per function, with the
 * source file each function came from: the measured code is an esbuild bundle, whose
 * `// src/...` section comments map a bundle line back to its module.
 */
import { readFileSync } from "node:fs";

interface CallFrame {
  readonly functionName: string;
  readonly url: string;
  readonly lineNumber: number;
}
interface ProfileNode {
  readonly id: number;
  readonly callFrame: CallFrame;
}
interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

export interface SelfTime {
  readonly name: string;
  readonly where: string;
  readonly ms: number;
  readonly share: number;
}

/** Bundle line (0-based) -> the module esbuild emitted it from. */
function moduleMap(bundle: string): (line: number) => string {
  const marks: { line: number; mod: string }[] = [];
  const lines = bundle.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const m = /^\/\/ ((?:src|test|node_modules)\/\S+)$/.exec(lines[i]!);
    if (m) marks.push({ line: i, mod: m[1]! });
  }
  return (line) => {
    let lo = 0;
    let hi = marks.length - 1;
    let found = "";
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (marks[mid]!.line <= line) {
        found = marks[mid]!.mod;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  };
}

export function summariseProfile(profileFile: string, bundleFile: string, top = 15): SelfTime[] {
  const prof = JSON.parse(readFileSync(profileFile, "utf8")) as CpuProfile;
  const modOf = moduleMap(readFileSync(bundleFile, "utf8"));
  const byId = new Map<number, ProfileNode>();
  for (const n of prof.nodes) byId.set(n.id, n);
  const selfUs = new Map<string, { name: string; where: string; us: number }>();
  let total = 0;
  for (let i = 0; i < prof.samples.length; i++) {
    const node = byId.get(prof.samples[i]!);
    const dt = prof.timeDeltas[i] ?? 0;
    if (node === undefined) continue;
    total += dt;
    const cf = node.callFrame;
    const name = cf.functionName || "(anonymous)";
    let where: string;
    if (cf.url === "") where = "(native/VM)";
    else if (cf.url.endsWith(".mjs") && cf.url.includes("measure")) where = `${modOf(cf.lineNumber)}`;
    else where = cf.url.replace(/^node:/, "node:");
    const key = `${name}\u0000${where}\u0000${cf.lineNumber}`;
    const e = selfUs.get(key) ?? { name, where, us: 0 };
    e.us += dt;
    selfUs.set(key, e);
  }
  return [...selfUs.values()]
    .sort((a, b) => b.us - a.us)
    .slice(0, top)
    .map((e) => ({ name: e.name, where: e.where, ms: e.us / 1000, share: total > 0 ? e.us / total : 0 }));
}
