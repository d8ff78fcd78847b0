/** The sources the scanner knows, and the `--source` / `source` option values. */
export type SourceName = "defend" | "sentinelone" | "endgame";
export type SourceOption = SourceName | "auto";

export const SOURCE_NAMES: readonly SourceName[] = ["defend", "sentinelone", "endgame"];
/** Every accepted value of the source option ("auto": detect per record). */
export const SOURCE_OPTIONS: readonly SourceOption[] = ["auto", ...SOURCE_NAMES];
