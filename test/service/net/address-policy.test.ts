import { expect } from "chai";
import {
  type AddressCategory,
  classifyAddress,
  inNetworkRange,
  parseNetworkRange,
} from "../../../src/net/address-policy";

describe("address policy: which IP addresses a member-published URL may reach", () => {
  const cases: Array<[string, AddressCategory]> = [
    // IPv4
    ["8.8.8.8", "public"],
    ["93.184.215.14", "public"],
    ["127.0.0.1", "loopback"],
    ["127.255.255.254", "loopback"],
    ["10.0.0.1", "private"],
    ["172.16.0.1", "private"],
    ["172.31.255.255", "private"],
    ["172.32.0.1", "public"],
    ["192.168.1.1", "private"],
    ["100.64.0.1", "private"],
    ["100.127.255.255", "private"],
    ["100.128.0.1", "public"],
    ["169.254.169.254", "metadata"],
    ["169.254.1.1", "link-local"],
    ["0.0.0.0", "unspecified"],
    ["0.1.2.3", "unspecified"],
    ["224.0.0.1", "multicast"],
    ["239.255.255.250", "multicast"],
    ["240.0.0.1", "reserved"],
    ["255.255.255.255", "reserved"],
    ["192.0.2.1", "reserved"],
    ["198.18.0.1", "reserved"],
    // IPv6
    ["::", "unspecified"],
    ["::1", "loopback"],
    ["[::1]", "loopback"],
    ["0:0:0:0:0:0:0:1", "loopback"],
    ["2606:4700:4700::1111", "public"],
    ["fe80::1", "link-local"],
    ["fe80::1%eth0", "link-local"],
    ["febf::1", "link-local"],
    ["fec0::1", "reserved"],
    ["fc00::1", "private"],
    ["fd12:3456::1", "private"],
    ["fd00:ec2::254", "metadata"],
    ["ff02::1", "multicast"],
    ["2001:db8::1", "reserved"],
    ["2001:0::1", "reserved"],
    ["100::1", "reserved"],
    // IPv6 forms of IPv4 addresses are judged as the IPv4 address
    ["::ffff:127.0.0.1", "loopback"],
    ["::ffff:7f00:1", "loopback"],
    ["::ffff:169.254.169.254", "metadata"],
    ["::ffff:a9fe:a9fe", "metadata"],
    ["::ffff:10.0.0.1", "private"],
    ["::ffff:8.8.8.8", "public"],
    ["::ffff:0:127.0.0.1", "loopback"],
    ["::127.0.0.1", "loopback"],
    ["64:ff9b::10.0.0.1", "private"],
    ["64:ff9b::8.8.8.8", "public"],
    ["64:ff9b:1::1", "private"],
    ["2002:7f00:1::1", "loopback"],
    ["2002:a9fe:a9fe::1", "metadata"],
    ["2002:808:808::1", "public"],
    // not an address at all
    ["localhost", "reserved"],
    ["", "reserved"],
  ];
  for (const [ip, category] of cases)
    it(`${ip || "(empty)"} is ${category}`, () => expect(classifyAddress(ip)).to.equal(category));

  it("matches CIDR ranges, IPv4-mapped IPv6 as its IPv4 address", () => {
    const v4 = parseNetworkRange("10.20.0.0/16");
    expect(inNetworkRange("10.20.3.4", v4)).to.equal(true);
    expect(inNetworkRange("10.21.0.1", v4)).to.equal(false);
    expect(inNetworkRange("::ffff:10.20.0.9", v4)).to.equal(true);
    const v6 = parseNetworkRange("fd12::/16");
    expect(inNetworkRange("fd12:1::1", v6)).to.equal(true);
    expect(inNetworkRange("fd13::1", v6)).to.equal(false);
    expect(inNetworkRange("10.20.0.1", v6)).to.equal(false);
    expect(inNetworkRange("10.0.0.7", parseNetworkRange("10.0.0.7"))).to.equal(true);
    expect(() => parseNetworkRange("10.0.0.0/33")).to.throw(RangeError);
    expect(() => parseNetworkRange("node.example/8")).to.throw(RangeError);
  });
});
