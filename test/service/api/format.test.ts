import { expect } from "chai";
import { memberName, segmentNames } from "../../../src/api/format";

describe("API formatting", () => {
  const address = "0xa087eaf300b349c98706c4ebfb2627fdf7e79d2b";

  it("names a member from its profile URI, else by its short address", () => {
    expect(memberName("https://northbank.example/flowpact.json", address)).to.equal("Northbank");
    expect(memberName("https://www.harbor-savings.example/p", address)).to.equal("Harbor Savings");
    expect(
      memberName(`data:application/json,${encodeURIComponent('{"name":"Civic Credit Union"}')}`, address),
    ).to.equal("Civic Credit Union");
    const b64 = Buffer.from('{"name":"Skyhop"}').toString("base64");
    expect(memberName(`data:application/json;base64,${b64}`, address)).to.equal("Skyhop");
    for (const uri of [
      "",
      "not a uri",
      "http://127.0.0.1:8080/x",
      "http://localhost/x",
      "data:application/json,{oops",
    ])
      expect(memberName(uri, address), uri).to.equal("0xa087…9d2b");
  });

  it("lists the catalogue names of a segment bitmap", () => {
    expect(segmentNames(0n)).to.deep.equal([]);
    expect(segmentNames(0b101n)).to.deep.equal(["young-adults", "students"]);
    expect(segmentNames(1n << 200n)).to.deep.equal(["bit-200"]);
  });
});

describe("member names: bidi controls and look-alikes", () => {
  const address = "0xa087eaf300b349c98706c4ebfb2627fdf7e79d2b";
  const profile = (name: string) => `data:application/json,${encodeURIComponent(JSON.stringify({ name }))}`;

  it("never passes a bidi control character through; each one becomes a visible marker", () => {
    const controls = [
      "\u202a",
      "\u202b",
      "\u202c",
      "\u202d",
      "\u202e",
      "\u2066",
      "\u2067",
      "\u2068",
      "\u2069",
      "\u200e",
      "\u200f",
      "\u061c",
    ];
    for (const c of controls) {
      const name = memberName(profile(`North${c}knab`), address);
      expect(name, c.codePointAt(0)?.toString(16)).to.not.match(
        /[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]/,
      );
      expect(name).to.contain("\ufffd");
    }
    // A name made only of controls is no name at all.
    expect(memberName(profile("\u202e\u202e"), address)).to.match(/0xa087…9d2b/);
  });
});
