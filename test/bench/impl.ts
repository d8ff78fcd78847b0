/**
 * The implementations under test, in one place so the rest of the bench does not change when
 * they land. INTERIM: src/ingest/index.ts and src/rules/index.ts are not committed yet, so
 * `scanObject` is the bench's reference scanner and the rule is a hand-written stand-in.
 */
import type { Rule } from "../../src/rules/rule.ts";
import { referenceScan } from "./reference-scan.ts";
import { STUB_RULE } from "./stub-rules.ts";

export const IMPL_NOTE = "STUB: scanObject = bench reference scanner, rule = hand-written stand-in";
export const scanObject = referenceScan;
export async function loadBuiltinRules(): Promise<Rule[]> {
  return [STUB_RULE];
}
