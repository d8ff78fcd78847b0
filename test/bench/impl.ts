/**
 * The implementations under test, in one place so the rest of the bench does not change when
 * they are swapped (the harness was first built against stand-ins).
 */

export { loadBuiltinRules } from "../../src/rules/index.ts";
export { scanObject } from "../../src/scan/index.ts";

export const IMPL_NOTE = "src/ingest scanObject, src/rules loadBuiltinRules";
