import { expect } from "chai";
import { agreementKind } from "../../../src/api/cycles";

describe("agreement kinds", () => {
  const f = (from: string, to: string) => ({ from, to });

  it("tells one-way flows, reciprocal pairs and cycles apart", () => {
    expect(agreementKind([f("a", "b")])).to.equal("one-way");
    expect(agreementKind([f("a", "b"), f("a", "b")])).to.equal("one-way");
    expect(agreementKind([f("a", "b"), f("b", "a")])).to.equal("pair");
    expect(agreementKind([f("a", "b"), f("b", "c"), f("c", "a")])).to.equal("cycle");
    expect(agreementKind([f("b", "c"), f("a", "b"), f("d", "a"), f("c", "d")])).to.equal("cycle");
  });

  it("does not call a chain, a star or two separate loops a cycle", () => {
    expect(agreementKind([f("a", "b"), f("b", "c")])).to.equal("other");
    expect(agreementKind([f("a", "b"), f("a", "c"), f("b", "a"), f("c", "a")])).to.equal("other");
    expect(agreementKind([f("a", "b"), f("b", "a"), f("c", "d"), f("d", "c")])).to.equal("other");
    expect(agreementKind([])).to.equal("other");
  });
});
