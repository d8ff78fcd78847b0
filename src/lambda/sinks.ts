/** Log and metric sinks for local runs (scripts/invoke.ts, scripts/demo.ts): JSON lines on stderr, so stdout carries only results. */
import type { LogSink, MetricSink } from "./process.ts";

const LEVELS = ["DEBUG", "INFO", "WARN", "ERROR", "SILENT"];

export function stderrLogger(level = "INFO"): LogSink {
  const min = Math.max(0, LEVELS.indexOf(level.toUpperCase()));
  const line = (lvl: string, message: string, extra: Record<string, unknown>[]) => {
    if (LEVELS.indexOf(lvl) < min) return;
    process.stderr.write(`${JSON.stringify(Object.assign({ level: lvl, message }, ...extra))}\n`);
  };
  return {
    info: (m, ...x) => line("INFO", m, x),
    warn: (m, ...x) => line("WARN", m, x),
    error: (m, ...x) => line("ERROR", m, x),
  };
}

export function stderrMetrics(quiet = false): MetricSink & { flush(): void; values: Record<string, number> } {
  const values: Record<string, number> = {};
  return {
    values,
    addMetric(name, _unit, value) {
      values[name] = (values[name] ?? 0) + value;
    },
    flush() {
      if (!quiet && Object.keys(values).length > 0)
        process.stderr.write(`${JSON.stringify({ metrics: values })}\n`);
    },
  };
}
