/** TypeORM answers an UPDATE … RETURNING with [rows, rowCount], an INSERT … RETURNING with rows. */
export type UpdateResult<T> = [T[], number] | T[];

/** The rows an UPDATE or INSERT … RETURNING gave back, whichever of TypeORM's two shapes it came in. */
export function updatedRows<T>(result: UpdateResult<T>): T[] {
  return result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number'
    ? (result[0] as T[])
    : (result as T[]);
}
