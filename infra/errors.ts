import type { IConstruct } from "constructs";

/**
 * A construct's props cannot be deployed: the message starts with the construct's path (e.g.
 * `EdrArchiveScanner/Scanner: ...`) so the user knows which one to fix, as aws-cdk-lib's own
 * validation errors do.
 */
export class ConstructValidationError extends Error {
  override readonly name = "ConstructValidationError";
  readonly constructPath: string;

  constructor(scope: IConstruct, message: string) {
    super(`${scope.node.path}: ${message}`);
    this.constructPath = scope.node.path;
  }
}
