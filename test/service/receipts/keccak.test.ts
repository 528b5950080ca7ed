import { expect } from "chai";
import fc from "fast-check";
import { bytesToHex, concat, keccak256 } from "viem";
import { createKeccak256Hasher, keccak256Hasher } from "../../../src/receipts";
import { propertyOptions } from "./arbitraries";

describe("receipts: keccak engines", () => {
  it("uses hash-wasm's module directly when it loads (the fast engine)", async () => {
    expect((await keccak256Hasher()).engine).to.equal("wasm-direct");
  });

  it("hashes inputs longer than the WASM I/O buffer (16 KB) in chunks", async () => {
    const input = Uint8Array.from({ length: 40_000 }, (_, i) => (i * 7) & 255);
    for (const engine of [
      await createKeccak256Hasher(),
      await createKeccak256Hasher({ engine: "hash-wasm" }),
    ]) {
      const out = new Uint8Array(32);
      engine.hashInto(input, out, 0);
      expect(bytesToHex(out), engine.engine).to.equal(keccak256(input));
    }
  });

  it("property: both engines hash, double-hash and build inner nodes exactly as viem's keccak256", async () => {
    const engines = [await createKeccak256Hasher(), await createKeccak256Hasher({ engine: "hash-wasm" })];
    // Up to 600 leaves: several of the direct engine's 170-parent blocks, odd and even sizes.
    const words = fc.uint8Array({ minLength: 32, maxLength: 32 });
    await fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 300 }),
        fc.array(words, { minLength: 1, maxLength: 600 }),
        (input, leaves) => {
          const expectedNodes = innerNodesWithViem(leaves);
          for (const engine of engines) {
            const out = new Uint8Array(40);
            engine.hashInto(input, out, 8);
            expect(bytesToHex(out.subarray(8)), engine.engine).to.equal(keccak256(input));
            engine.doubleHashInto(input, out, 0);
            expect(bytesToHex(out.subarray(0, 32)), engine.engine).to.equal(keccak256(keccak256(input)));

            const nodes = new Uint8Array((2 * leaves.length - 1) * 32);
            leaves.forEach((leaf, k) => {
              nodes.set(leaf, (2 * leaves.length - 2 - k) * 32);
            });
            engine.hashInnerNodes(nodes, leaves.length);
            expect(bytesToHex(nodes.subarray(0, 32)), engine.engine).to.equal(expectedNodes[0]);
            const all = Array.from({ length: 2 * leaves.length - 1 }, (_, i) =>
              bytesToHex(nodes.subarray(i * 32, i * 32 + 32)),
            );
            expect(all, engine.engine).to.deep.equal(expectedNodes);
          }
        },
      ),
      { ...propertyOptions, numRuns: Math.min(propertyOptions.numRuns, 30) },
    );
  });
});

/** The reference: OpenZeppelin's array layout and sorted-pair hashing, written plainly with viem. */
function innerNodesWithViem(leaves: Uint8Array[]): `0x${string}`[] {
  const nodes: `0x${string}`[] = new Array(2 * leaves.length - 1);
  leaves.forEach((leaf, k) => {
    nodes[nodes.length - 1 - k] = bytesToHex(leaf);
  });
  for (let i = nodes.length - 1 - leaves.length; i >= 0; i--) {
    const [a, b] = [nodes[2 * i + 1], nodes[2 * i + 2]].sort((x, y) =>
      BigInt(x) < BigInt(y) ? -1 : BigInt(x) > BigInt(y) ? 1 : 0,
    );
    nodes[i] = keccak256(concat([a, b]));
  }
  return nodes;
}
