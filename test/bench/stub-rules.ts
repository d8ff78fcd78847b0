/**
 * Stand-in for the seed rule while src/rules is not committed: a hand-written predicate with
 * the same verdicts on the bench's data, so the harness can be built and checked. Removed once
 * loadBuiltinRules() lands.
 */
import type { Rule } from "../../src/rules/rule.ts";
import { fieldValues } from "../../src/sources/fields.ts";

const EXCLUDED = new Set([
  "/usr/bin/dpkg",
  "/bin/dpkg",
  "/usr/bin/rpm",
  "/usr/sbin/sshd",
  "/usr/lib/systemd/systemd",
]);

function matches(e: unknown): boolean {
  const has = (f: string, pred: (v: string) => boolean) => fieldValues(e, f).some(pred);
  return (
    has("event.category", (v) => v === "file") &&
    has("host.os.type", (v) => v === "linux") &&
    has("event.type", (v) => v === "creation") &&
    has("file.path", (v) => v.toLowerCase().startsWith("/etc/networkmanager/dispatcher.d/")) &&
    !has("process.executable", (v) => EXCLUDED.has(v)) &&
    !has("file.extension", (v) => ["swp", "swpx", "swx", "dpkg-remove"].includes(v))
  );
}

export const STUB_RULE: Rule = {
  id: "86aa8579-1526-4dff-97cd-3635eb0e0545",
  name: "NetworkManager Dispatcher Script Creation (bench stub)",
  description: "stub",
  severity: "low",
  riskScore: 21,
  threat: [],
  tags: [],
  indices: [],
  references: [],
  falsePositives: [],
  query: "stub",
  file: "test/bench/stub-rules.ts",
  compiled: {
    matches,
    fields: ["host.os.type", "event.type", "file.path", "process.executable", "file.extension"],
    prefilter: [{ text: "/etc/NetworkManager/dispatcher.d/", caseInsensitive: true }],
  },
};
