import { readdirSync, readFileSync } from "node:fs";

/**
 * CPU seconds (user + system) used so far by the direct child processes of this process (the
 * Hardhat node), read from /proc; undefined where there is no /proc.
 */
export function childrenCpuSeconds(): number | undefined {
  let entries: string[];
  try {
    entries = readdirSync("/proc").filter((e) => /^\d+$/.test(e));
  } catch {
    return undefined;
  }
  // Clock ticks per second: 100 on every Linux this runs on (sysconf(_SC_CLK_TCK)).
  const ticks = 100;
  let total = 0;
  for (const pid of entries) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    } catch {
      continue; // the process ended meanwhile
    }
    // Fields after the command name (which may hold spaces) start at field 3 (state).
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (Number(fields[1]) !== process.pid) continue;
    total += (Number(fields[11]) + Number(fields[12])) / ticks;
  }
  return total;
}
