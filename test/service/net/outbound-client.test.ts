import { expect } from "chai";
import { z } from "zod";
import {
  createOutboundClient,
  type OutboundClient,
  OutboundError,
  type OutboundErrorKind,
  parseAnswer,
} from "../../../src/net";
import { CANARY_TEXT, type HostileServer, hitsOn, startHostileServer } from "./hostile-server";

async function failure(promise: Promise<unknown>): Promise<OutboundError> {
  try {
    await promise;
  } catch (error) {
    expect(error).to.be.instanceOf(OutboundError);
    return error as OutboundError;
  }
  expect.fail("the request succeeded");
}

async function kindOf(promise: Promise<unknown>): Promise<OutboundErrorKind> {
  return (await failure(promise)).kind;
}

describe("outbound client: the one way to reach a member-published URL", function () {
  this.timeout(60_000);
  let server: HostileServer;
  const strict: OutboundClient = createOutboundClient();
  let local: OutboundClient;

  before(async () => {
    server = await startHostileServer();
    local = createOutboundClient({ allowPrivateNetworks: true, timeoutMs: 2_000, idleTimeoutMs: 1_000 });
  });
  after(async () => server?.close());

  it("refuses loopback, private, CGNAT, link-local and metadata addresses before connecting", async () => {
    const port = new URL(server.url).port;
    for (const url of [
      `${server.url}/canary`,
      `http://[::1]:${port}/canary`,
      `http://[::ffff:127.0.0.1]:${port}/canary`,
      `http://2130706433:${port}/canary`, // 127.0.0.1 as one number
      `http://0x7f.1:${port}/canary`,
      "http://169.254.169.254/latest/meta-data/",
      "http://[fd00:ec2::254]/latest/meta-data/",
      "http://10.0.0.1/",
      "http://100.64.0.1/",
      "http://[fe80::1]/",
      "http://0.0.0.0/",
    ])
      expect(await kindOf(strict.request(url)), url).to.equal("address-refused");
    expect(hitsOn(server, "/canary")).to.equal(0);
  });

  it("refuses a host name that resolves to an internal address, and connects only to the address it checked", async () => {
    const rebinding = (answers: string[][]) => {
      let call = 0;
      return async () =>
        (answers[call++] ?? answers[answers.length - 1]).map((address) => ({ address, family: 4 }));
    };
    const client = createOutboundClient({ resolve: rebinding([["127.0.0.1"]]) });
    const refused = await failure(client.request(`http://node.example:${new URL(server.url).port}/canary`));
    expect(refused.kind).to.equal("address-refused");
    expect(refused.shortMessage).to.include("resolved to 127.0.0.1");
    // One public and one internal address: refused whole.
    const mixed = createOutboundClient({ resolve: rebinding([["8.8.8.8", "10.0.0.5"]]) });
    expect(await kindOf(mixed.request("http://node.example/"))).to.equal("address-refused");
    // Allowed: the socket goes to the checked address; the Host header still names the host.
    const before = hitsOn(server, "/canary");
    const pinned = createOutboundClient({
      allowPrivateNetworks: true,
      resolve: rebinding([["127.0.0.1"], ["169.254.169.254"]]),
    });
    const answer = await pinned.request(`http://node.example:${new URL(server.url).port}/canary`);
    expect(answer.status).to.equal(200);
    expect(hitsOn(server, "/canary")).to.equal(before + 1);
    expect(server.log.at(-1)?.host).to.equal(`node.example:${new URL(server.url).port}`);
  });

  it("allows loopback only when told to, and still never metadata or unspecified addresses", async () => {
    const answer = await local.request(`${server.url}/canary`);
    expect(answer).to.deep.equal({ status: 200, body: { secret: CANARY_TEXT, root: CANARY_TEXT } });
    expect(await kindOf(local.request("http://169.254.169.254/latest/meta-data/"))).to.equal(
      "address-refused",
    );
    expect(await kindOf(local.request("http://0.0.0.0/"))).to.equal("address-refused");
    const listed = createOutboundClient({ allowedNetworks: ["127.0.0.0/8"] });
    expect((await listed.request(`${server.url}/canary`)).status).to.equal(200);
  });

  it("never follows a redirect", async () => {
    const before = hitsOn(server, "/canary");
    const error = await failure(local.request(`${server.url}/redirect`));
    expect(error.kind).to.equal("redirect-refused");
    expect(error.shortMessage).to.equal("the node answered 302: redirect refused");
    expect(hitsOn(server, "/canary")).to.equal(before);
  });

  it("stops reading a 600 MB answer at the 1 MiB cap, without holding it in memory", async () => {
    const rssBefore = process.memoryUsage().rss;
    expect(await kindOf(local.request(`${server.url}/huge`))).to.equal("too-large");
    const rssAfter = process.memoryUsage().rss;
    // The server could push only what the socket buffers took before the client hung up.
    expect(server.hugeBytesSent).to.be.below(64 * 1024 * 1024);
    expect(rssAfter - rssBefore).to.be.below(64 * 1024 * 1024);
  });

  it("gives up on a body that stops coming, and on a node that never answers", async () => {
    const quick = createOutboundClient({ allowPrivateNetworks: true, timeoutMs: 1_000, idleTimeoutMs: 300 });
    expect(await kindOf(quick.request(`${server.url}/slow-body`))).to.equal("timeout");
    expect(await kindOf(quick.request(`${server.url}/silent`))).to.equal("timeout");
  });

  it("refuses URLs that are not plain http(s)", async () => {
    for (const url of [
      "file:///etc/passwd",
      "ftp://node.example/",
      "http://user:pw@node.example/",
      "not a url",
    ])
      expect(await kindOf(strict.request(url)), url).to.equal("invalid-url");
  });

  it("parses answers against the protocol schema without echoing the peer's values", () => {
    const schema = z.object({ root: z.string().regex(/^0x[0-9a-f]{64}$/) });
    expect(parseAnswer(schema, { root: `0x${"ab".repeat(32)}` })).to.deep.equal({
      root: `0x${"ab".repeat(32)}`,
    });
    let error: unknown;
    try {
      parseAnswer(schema, { root: `${CANARY_TEXT}${"x".repeat(2_000_000)}` }, "proof answer");
    } catch (e) {
      error = e;
    }
    expect(error).to.be.instanceOf(OutboundError);
    expect((error as OutboundError).kind).to.equal("invalid-answer");
    expect((error as OutboundError).message).to.not.include(CANARY_TEXT);
    expect((error as OutboundError).message.length).to.be.below(200);
  });
});
