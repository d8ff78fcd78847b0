import { App, Validations } from "aws-cdk-lib";
import { AwsSolutionsChecks } from "cdk-nag";
import { ScannerStack } from "./scanner-stack.ts";

/** Options of {@link createScannerApp}. */
export interface ScannerAppOptions {
  /**
   * Context values (as `-c key=value` would give them); the CLI's own context still applies.
   * @default {}
   */
  readonly context?: Record<string, unknown>;
  /**
   * Handler module to bundle.
   * @default `<project>/src/handler.ts`
   */
  readonly entry?: string;
  /**
   * Rule directory to bundle.
   * @default `<project>/src/rules`
   */
  readonly rulesDir?: string;
  /**
   * Run cdk-nag's AwsSolutions checks at synthesis (an unacknowledged finding fails it).
   * @default true
   */
  readonly nag?: boolean;
  /**
   * Cloud assembly directory.
   * @default - the CLI's (cdk.out) or a temporary directory
   */
  readonly outdir?: string;
}

export const STACK_ID = "EdrArchiveScanner";

/**
 * The app `cdk synth` runs (infra/app.ts) and the tests build. The stack is environment-agnostic so
 * synthesis needs neither credentials nor network: account and region resolve at deployment.
 */
export function createScannerApp(options: ScannerAppOptions = {}): { app: App; stack: ScannerStack } {
  const app = new App({
    ...(options.context ? { context: options.context } : {}),
    ...(options.outdir ? { outdir: options.outdir } : {}),
  });
  if (options.nag ?? true) Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  const stack = new ScannerStack(app, STACK_ID, {
    ...(options.entry !== undefined ? { entry: options.entry } : {}),
    ...(options.rulesDir !== undefined ? { rulesDir: options.rulesDir } : {}),
  });
  return { app, stack };
}
