/**
 * Elastic Defend documents are ECS already: the record is its own view. No copy is made, which
 * matters because Defend is the bulk of most archives.
 */
export function defendToEcs(record: Record<string, unknown>): Record<string, unknown> {
  return record;
}
