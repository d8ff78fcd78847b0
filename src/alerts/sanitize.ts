/**
 * Attacker-controlled values (paths, command lines, host and user names come straight from the
 * logged machine) made safe for the two human renderings. Email: no raw control characters, no
 * forged lines, no bidi tricks that make `evil.exe` read `exe.live`. Slack: additionally no
 * mentions (`<!channel>`, `@here`), no links (`<http://x|y>`), and no way out of a code span.
 * The JSON renderings keep the raw values; this module is only for what people read.
 */

/** Longest value shown in full in email/Slack; longer ones are cut with a marker. */
export const DEFAULT_MAX_CHARS = 1000;

// C0 controls, DEL and C1 controls; the Unicode format characters that reorder or hide text
// (bidi embeddings/overrides/isolates, marks, zero-width characters, BOM), the line and paragraph
// separators some clients treat as line breaks, and lone surrogates (invalid UTF-16).
const UNSAFE =
  /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u2069\ufeff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

const NAMED: Readonly<Record<string, string>> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };

/** Replaces every unsafe character with a visible escape (`\n`, `\x1b`, `\u202e`). */
export function escapeControls(s: string): string {
  return s.replace(UNSAFE, (c) => {
    const named = NAMED[c];
    if (named !== undefined) return named;
    const code = c.charCodeAt(0);
    return code <= 0xff
      ? `\\x${code.toString(16).padStart(2, "0")}`
      : `\\u${code.toString(16).padStart(4, "0")}`;
  });
}

/** Cuts to `max` UTF-16 units (never inside a surrogate pair) and says how much was left out. */
export function truncate(s: string, max: number): string {
  if (s.length <= max) return s;
  let end = max;
  const last = s.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  return `${s.slice(0, end)}…[+${s.length - end} chars]`;
}

/** A value from a log, for plain-text email: truncated, then control characters escaped. */
export function plainText(value: unknown, max = DEFAULT_MAX_CHARS): string {
  return escapeControls(truncate(stringify(value), max));
}

/** Escapes the three characters Slack's mrkdwn gives meaning to (`<!channel>`, `<@U1>`, `<url|text>`). */
export function escapeSlackEntities(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/**
 * A value from a log for Slack, rendered as an inline code span: inside one, `*`, `_`, `~` and URLs
 * are inert. A backtick would close the span, so it becomes the look-alike U+02CB; `@channel`,
 * `@here` and `@everyone` get a full-width at sign so no client turns them into a mention.
 */
export function slackCode(value: unknown, max = DEFAULT_MAX_CHARS): string {
  const text = plainText(value, max);
  if (text === "") return "(empty)";
  const safe = escapeSlackEntities(text)
    .replace(/`/g, "\u02cb")
    .replace(/@(channel|here|everyone)\b/gi, "\uff20$1");
  return `\`${safe}\``;
}

/**
 * For the email subject and message attributes: printable ASCII only (SNS rejects anything else
 * in a Subject); every other character becomes `?`, and long values end in `...`.
 */
export function printableAscii(value: unknown, max = 64): string {
  const s = stringify(value).replace(/[^\x20-\x7e]/g, "?");
  return (s.length > max ? `${s.slice(0, Math.max(0, max - 3))}...` : s).trim();
}

/**
 * For a Slack title, where no code span is possible: printable ASCII, entities escaped, and the
 * markup characters replaced by their full-width look-alikes so they stay readable but inert.
 */
export function slackTitleText(value: unknown, max = 64): string {
  return escapeSlackEntities(printableAscii(value, max))
    .replace(/\*/g, "\uff0a")
    .replace(/_/g, "\uff3f")
    .replace(/~/g, "\uff5e")
    .replace(/`/g, "\u02cb")
    .replace(/@(channel|here|everyone)\b/gi, "\uff20$1");
}

function stringify(value: unknown): string {
  if (value === undefined || value === null) return "";
  if (typeof value === "string") return value;
  if (Array.isArray(value)) return value.map(stringify).join(", ");
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}
