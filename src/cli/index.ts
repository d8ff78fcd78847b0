/** The CLI's public API: what src/cli.ts wires to the process. */
export { type CliDeps, type CliIo, runCli } from "./main.ts";
export { isRulesCommand, runRulesCommand } from "./rules-command.ts";
