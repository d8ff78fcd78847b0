/**
 * The Lambda's public API: what src/handler.ts and scripts wire together. (infra/ imports
 * ./env.ts alone, so synthesis does not load the AWS SDK.)
 */
export { type Deps, type ProcessOptions, type ProcessResult, processEvent } from "./process.ts";
export { createLogger, createMetrics, createRuntime, type Runtime, type RuntimeOptions } from "./runtime.ts";
