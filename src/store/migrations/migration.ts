/** One schema step. Ids are consecutive; a migration never changes once released. */
export interface Migration {
  id: number;
  name: string;
  sql: string;
}
