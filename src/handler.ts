/**
 * The Lambda entry point: wiring only (middy, Powertools). The logic is processEvent in
 * src/lambda (process.ts), shared with scripts/invoke.ts and the tests.
 *
 * Configuration is read, and rules compiled, once per container as the module loads (a bad
 * environment fails every invocation with a message naming the variable).
 */
import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { logMetrics } from "@aws-lambda-powertools/metrics/middleware";
import middy from "@middy/core";
import type { Context } from "aws-lambda";
import {
  createLogger,
  createMetrics,
  createRuntime,
  type ProcessResult,
  processEvent,
  type Runtime,
} from "./lambda/index.ts";

const logger = createLogger();
const metrics = createMetrics();

let runtime: Promise<Runtime> | undefined;
function ready(): Promise<Runtime> {
  if (runtime === undefined) {
    runtime = createRuntime({ logger, metrics });
    // Observed by every invocation; without this a failed cold start is an unhandled rejection.
    runtime.catch((err: unknown) => logger.error("cold start failed", err as Error));
  }
  return runtime;
}
ready();

async function lambdaHandler(event: unknown, context: Context): Promise<ProcessResult> {
  const { deps, idempotencyConfig } = await ready();
  idempotencyConfig?.registerLambdaContext(context);
  return processEvent(event, deps, { signal: deadline(context) });
}

/** Stop scanning with time left to report which messages failed (10 s, or half of a short budget). */
function deadline(context: Context): AbortSignal | undefined {
  const remaining =
    typeof context.getRemainingTimeInMillis === "function" ? context.getRemainingTimeInMillis() : 0;
  if (!(remaining > 0)) return undefined;
  return AbortSignal.timeout(remaining > 20_000 ? remaining - 10_000 : Math.floor(remaining / 2));
}

export const handler = middy(lambdaHandler)
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics, { throwOnEmptyMetrics: false }));
