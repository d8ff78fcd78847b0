/**
 * Local invoke: `npm run --silent invoke -- EVENT.json` runs the Lambda's processing on one event
 * (any trigger shape in events/) and prints its JSON result on stdout: batchItemFailures for an
 * SQS batch, the summary for the others. AWS access uses the SDK's default configuration
 * (AWS_REGION, AWS_ENDPOINT_URL, the credential chain) plus the variables of docs/lambda.md.
 * Logs (one JSON line per object) and metrics go to stderr so stdout stays the result alone.
 */
import { readFileSync } from "node:fs";
import { processEvent } from "../src/lambda/process.ts";
import { createRuntime } from "../src/lambda/runtime.ts";
import { stderrLogger, stderrMetrics } from "../src/lambda/sinks.ts";

async function main(argv: string[]): Promise<number> {
  const file = argv[0];
  if (file === undefined || argv.length > 1 || file === "-h" || file === "--help") {
    process.stderr.write(
      "usage: npm run --silent invoke -- EVENT.json   (EVENT.json: any trigger shape, e.g. events/sqs-s3.json; - for stdin)\n",
    );
    return 2;
  }
  let event: unknown;
  try {
    event = JSON.parse(readFileSync(file === "-" ? 0 : file, "utf8"));
  } catch (err) {
    process.stderr.write(`invoke: cannot read ${file} as JSON: ${(err as Error).message}\n`);
    return 2;
  }
  const metrics = stderrMetrics();
  try {
    const { deps } = await createRuntime({
      logger: stderrLogger(process.env["LOG_LEVEL"] ?? "INFO"),
      metrics,
    });
    const result = await processEvent(event, deps);
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return 0;
  } catch (err) {
    const e = err as Error & { summary?: unknown };
    if (e.summary !== undefined) process.stdout.write(`${JSON.stringify(e.summary, null, 2)}\n`);
    process.stderr.write(`invoke: ${e.name}: ${e.message}\n`);
    return 1;
  } finally {
    metrics.flush();
  }
}

process.exitCode = await main(process.argv.slice(2));
