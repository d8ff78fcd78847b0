/** Alerts: the model, its renderings (JSON, email, Slack, CLI text) and the one sanitiser. No AWS SDK. */
export * from "./alert.ts";
export * from "./digest.ts";
export * from "./messages.ts";
export * from "./mitre.ts";
export * from "./render.ts";
export * from "./sanitize.ts";
export * from "./sequence-alert.ts";
export * from "./suppression-digest.ts";
export * from "./text.ts";
