/**
 * Plain-text layout for phone screens: word wrapping with a hanging indent, whole sentences up to
 * a length, and ordinal lists that say how many were left out.
 */

/** Line width of the email rendering. */
export const LINE = 72;

/** Whole sentences up to about `max` characters (at least one, cut if it alone is longer). */
export function firstSentences(text: string, max: number): string {
  const flat = text.replace(/\s+/g, " ").trim();
  let out = "";
  for (const sentence of flat.split(/(?<=[.!?])\s+/)) {
    if (out !== "" && out.length + 1 + sentence.length > max) break;
    out = out === "" ? sentence : `${out} ${sentence}`;
  }
  return out;
}

export function listOrdinals(ordinals: readonly number[], max: number): string {
  const shown = ordinals.slice(0, max).join(", ");
  return ordinals.length > max ? `${shown}, … (${ordinals.length - max} more)` : shown;
}

/**
 * Wraps once with a hanging indent: the first line is LINE wide, the others LINE minus the
 * indent. (Wrapping at LINE and then re-wrapping the continuation lines left a stray word or two
 * on a line of their own in the triage steps.)
 */
export function hanging(text: string, indent: string, width = LINE): string[] {
  const lines = wrap(text, width, width - indent.length);
  return lines.map((l, i) => (i === 0 ? l : indent + l));
}

/** Word-wraps plain text to short lines for phone screens; a word longer than a line is kept whole. */
export function wrap(text: string, width: number, nextWidth = width): string[] {
  const lines: string[] = [];
  let line = "";
  let limit = width;
  for (const word of text.split(" ")) {
    if (line === "") line = word;
    else if (line.length + 1 + word.length <= limit) line += ` ${word}`;
    else {
      lines.push(line);
      line = word;
      limit = nextWidth;
    }
  }
  if (line !== "") lines.push(line);
  return lines;
}
