/** The prefilter stage: which rules a raw record can match, decided from its bytes before parsing. */
export { canonicalJsonBytes, createRawPrefilter, type RawPrefilter } from "./raw.ts";
