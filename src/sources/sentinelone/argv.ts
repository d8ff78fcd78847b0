/**
 * `process.args` as Elastic's SentinelOne pipeline computes it: the command line split by the
 * Windows convention (CommandLineToArgvW, with the "prior to 2008" rule for doubled quotes), for
 * every operating system alike, since the pipeline applies the same script to all records.
 *
 * Rules, per argument: spaces and tabs outside quotes separate arguments; `"` toggles quoting;
 * inside quotes `""` gives a literal `"`; a run of n backslashes followed by `"` gives n/2
 * backslashes and, when n is odd, a literal `"` instead of a toggle; backslashes not followed by
 * `"` are literal.
 */
export function windowsArgv(cmd: string): string[] {
  const args: string[] = [];
  let i = 0;
  const n = cmd.length;
  while (i < n) {
    const c0 = cmd.charCodeAt(i);
    if (c0 === 0x20 || c0 === 0x09) {
      i++;
      continue;
    }
    let arg = "";
    let inQuote = false;
    let slashes = 0;
    let ended = false;
    for (; i < n; i++) {
      const c = cmd[i]!;
      if ((c === " " || c === "\t") && !inQuote) {
        arg += "\\".repeat(slashes);
        slashes = 0;
        i++;
        ended = true;
        break;
      }
      if (c === '"') {
        arg += "\\".repeat(slashes >> 1);
        if (slashes % 2 === 0) {
          if (inQuote && i + 1 < n && cmd[i + 1] === '"') {
            arg += '"';
            i++;
          }
          inQuote = !inQuote;
        } else {
          arg += '"';
        }
        slashes = 0;
        continue;
      }
      if (c === "\\") {
        slashes++;
        continue;
      }
      arg += "\\".repeat(slashes);
      slashes = 0;
      arg += c;
    }
    if (!ended) arg += "\\".repeat(slashes);
    args.push(arg);
  }
  return args;
}
