// Entry point of `npx cdk synth|deploy` (cdk.json "app"). Parameters come from context: see
// docs/deploy.md. A bad parameter stops here with a message naming the context key.
import { ContextError } from "./context.ts";
import { createScannerApp } from "./scanner-app.ts";

try {
  const { app } = createScannerApp();
  app.synth();
} catch (error) {
  if (error instanceof ContextError) {
    console.error(error.message);
    process.exit(1);
  }
  throw error;
}
