import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

const BENCHMARKS = path.join(__dirname, "..", "..", "BENCHMARKS.md");
const HEADER =
  "# Benchmarks\n\nWritten by `npm run bench` (each `bench:*` script rewrites its own section).\nMachine: 2 cores, Node 20.\n";

/**
 * Replaces the section `name` of BENCHMARKS.md (between its markers) with `markdown`, keeping
 * every other benchmark's section as it was.
 */
export function writeBenchmarkSection(name: string, markdown: string): void {
  const begin = `<!-- bench:${name} -->`;
  const end = `<!-- /bench:${name} -->`;
  const section = `${begin}\n${markdown.trim()}\n\n_Measured ${new Date().toISOString()}._\n${end}`;
  const current = existsSync(BENCHMARKS) ? readFileSync(BENCHMARKS, "utf8") : HEADER;
  const pattern = new RegExp(`${begin}[\\s\\S]*?${end}`);
  const next = pattern.test(current)
    ? current.replace(pattern, section)
    : `${current.trimEnd()}\n\n${section}\n`;
  writeFileSync(BENCHMARKS, next);
}
