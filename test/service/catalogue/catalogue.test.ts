import { expect } from "chai";
import { parseIndustry, UnknownIndustryError } from "../../../src/catalogue/industries";
import { parseSegments, segmentNames, UnknownSegmentError } from "../../../src/catalogue/segments";

describe("catalogue", () => {
  it("parses segment names and bit numbers into one bitmap and back", () => {
    const bitmap = parseSegments("families, 2,young-adults");
    expect(bitmap).to.equal(0b111n);
    expect(segmentNames(bitmap)).to.deep.equal(["young-adults", "families", "students"]);
  });

  it("refuses unknown or empty segments with a message naming the input", () => {
    expect(() => parseSegments("families,astronauts")).to.throw(UnknownSegmentError, '"astronauts"');
    expect(() => parseSegments(" , ")).to.throw(UnknownSegmentError);
    expect(() => parseSegments("256")).to.throw(UnknownSegmentError);
  });

  it("resolves industries by name or code and refuses unknown ones", () => {
    expect(parseIndustry("Banking").code).to.equal(1);
    expect(parseIndustry("3").name).to.equal("ecommerce");
    expect(() => parseIndustry("piracy")).to.throw(UnknownIndustryError, "banking");
  });
});
