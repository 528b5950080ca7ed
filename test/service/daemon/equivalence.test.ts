import { expect } from "chai";
import { areEquivalent, equivalenceKey } from "../../../src/daemon/equivalence";

const A = "0x00000000000000000000000000000000000000aA";
const B = "0x00000000000000000000000000000000000000bB";
const C = "0x00000000000000000000000000000000000000cC";
const flow = (from: string, to: string, segments: bigint, capPerEpoch = 10n, rate = 3n) => ({
  from,
  to,
  segments,
  capPerEpoch,
  rate,
});

describe("daemon: agreement equivalence", () => {
  const cycle = { parties: [A, B, C], flows: [flow(A, B, 1n), flow(B, C, 2n), flow(C, A, 4n)] };

  it("ignores the order of parties and flows and the case of addresses", () => {
    const shuffled = {
      parties: [C, A.toLowerCase(), B.toUpperCase().replace("0X", "0x")],
      flows: [flow(C, A, 4n), flow(A.toLowerCase(), B, 1n), flow(B, C, 2n)],
    };
    expect(areEquivalent(cycle, shuffled)).to.equal(true);
    expect(equivalenceKey(cycle)).to.equal(equivalenceKey(shuffled));
  });

  it("ignores caps and rates: the same audience between the same members is the same deal", () => {
    const repriced = {
      parties: cycle.parties,
      flows: cycle.flows.map((f) => ({ ...f, capPerEpoch: 99n, rate: 7n })),
    };
    expect(areEquivalent(cycle, repriced)).to.equal(true);
  });

  it("tells apart other segments, a reversed flow, a missing flow and other parties", () => {
    expect(
      areEquivalent(cycle, { ...cycle, flows: [flow(A, B, 3n), flow(B, C, 2n), flow(C, A, 4n)] }),
    ).to.equal(false);
    expect(
      areEquivalent(cycle, { ...cycle, flows: [flow(B, A, 1n), flow(B, C, 2n), flow(C, A, 4n)] }),
    ).to.equal(false);
    expect(areEquivalent(cycle, { ...cycle, flows: cycle.flows.slice(0, 2) })).to.equal(false);
    const pair = { parties: [A, B], flows: [flow(A, B, 1n), flow(B, A, 1n)] };
    expect(areEquivalent(pair, { parties: [A, C], flows: [flow(A, C, 1n), flow(C, A, 1n)] })).to.equal(false);
  });
});
