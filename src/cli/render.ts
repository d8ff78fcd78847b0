/**
 * Alert output. ndjson: the alert contract, one JSON object per line (a machine interface that
 * later work extends and never breaks). text: the alerts' text rendering, for people.
 */
import { type Alert, renderText } from "../alerts/index.ts";
import type { OutputFormat } from "./options.ts";

export function renderNdjson(alert: Alert): string {
  return `${JSON.stringify(alert)}\n`;
}

export function renderAlert(alert: Alert, format: OutputFormat): string {
  return format === "ndjson" ? renderNdjson(alert) : renderText(alert);
}
