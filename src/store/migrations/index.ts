import { migration0001 } from "./0001_indexer";
import { migration0002 } from "./0002_domain";
import { migration0010 } from "./0010_member";
import { migration0020 } from "./0020_daemon";
import { migration0030 } from "./0030_uint64";
import { migration0031 } from "./0031_quarantine";
import { migration0040 } from "./0040_acknowledgements";
import type { Migration } from "./migration";

/** Every migration, in order. Append new ones; never edit a released one. */
export const MIGRATIONS: readonly Migration[] = [
  migration0001,
  migration0002,
  migration0010,
  migration0020,
  migration0030,
  migration0031,
  migration0040,
];
export type { Migration };
