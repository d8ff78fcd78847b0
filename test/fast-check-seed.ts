/**
 * Preloaded into every test process (scripts/test.mjs). Property tests explore new random inputs
 * on each developer run, but CI runs a fixed seed so that whether a submission lands does not
 * depend on the draw. FC_SEED=<n> replays a failure that fast-check reported (it prints the seed);
 * FC_SEED=random forces fresh draws in CI too.
 */
import fc from "fast-check";

const chosen = process.env.FC_SEED ?? (process.env.CI ? "20261128" : undefined);
if (chosen !== undefined && chosen !== "random") {
  const seed = Number(chosen);
  if (!Number.isSafeInteger(seed)) throw new Error(`FC_SEED must be an integer or "random", got "${chosen}"`);
  fc.configureGlobal({ ...fc.readConfigureGlobal(), seed });
}
