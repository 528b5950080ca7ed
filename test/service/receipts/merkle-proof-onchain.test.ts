import { expect } from "chai";
import fc from "fast-check";
import hre from "hardhat";
import { buildReceiptTree, createReceipt, type Receipt, receiptLeafHash } from "../../../src/receipts";
import { batchReceiptsArbitrary, propertyOptions } from "./arbitraries";

/**
 * The library's proofs against OpenZeppelin's MerkleProof itself, on the Hardhat network: the
 * Settlement contract and any auditing contract will run exactly this verifier.
 */
describe("receipts: proofs on chain (OpenZeppelin MerkleProof)", () => {
  // biome-ignore lint/suspicious/noExplicitAny: untyped ethers contract in tests
  let harness: any;

  before(async () => {
    harness = await hre.ethers.deployContract("MerkleProofHarness");
  });

  it("computes the same leaf as Solidity's double keccak of abi.encode", async () => {
    const receipt = createReceipt({ agreementId: (1n << 255n) + 3n, flow: 2, epoch: (1n << 64n) - 1n });
    const { agreementId, flow, epoch, clickId } = receipt;
    expect(await harness.receiptLeaf(agreementId, flow, epoch, clickId)).to.equal(receiptLeafHash(receipt));
  });

  it("property: every proof and multiproof verifies on chain; a tampered one does not", async () => {
    await fc.assert(
      fc.asyncProperty(batchReceiptsArbitrary(33), fc.infiniteStream(fc.nat()), async (receipts, picks) => {
        const tree = await buildReceiptTree({ receipts });
        const index = picks.next().value % receipts.length;
        const proof = tree.getProof(index);
        const { agreementId, flow, epoch, clickId } = receipts[index];
        expect(await harness.verifyReceipt(proof, tree.root, agreementId, flow, epoch, clickId)).to.be.true;
        expect(await harness.verify(proof, tree.root, tree.tree.leafAt(index))).to.be.true;

        const sample = [...new Set(Array.from({ length: 4 }, () => picks.next().value % receipts.length))];
        const multi = tree.getMultiProof(sample);
        expect(await harness.multiProofVerify(multi.proof, multi.proofFlags, tree.root, multi.leaves)).to.be
          .true;

        const other: Receipt = { ...receipts[index], epoch: receipts[index].epoch ^ 1n };
        expect(await harness.verify(proof, tree.root, receiptLeafHash(other))).to.be.false;
        const forged = [receiptLeafHash(other), ...multi.leaves.slice(1)];
        expect(await harness.multiProofVerify(multi.proof, multi.proofFlags, tree.root, forged)).to.be.false;
      }),
      { ...propertyOptions, numRuns: Math.min(propertyOptions.numRuns, 25) },
    );
  });

  it("verifies a sampled receipt of a 30,000-receipt batch on chain", async () => {
    const receipts = Array.from({ length: 30_000 }, () =>
      createReceipt({ agreementId: 4n, flow: 1, epoch: 8n }),
    );
    const tree = await buildReceiptTree({ receipts });
    const sample = [0, 17_171, 29_999];
    for (const index of sample) {
      const { agreementId, flow, epoch, clickId } = receipts[index];
      expect(await harness.verifyReceipt(tree.getProof(index), tree.root, agreementId, flow, epoch, clickId))
        .to.be.true;
    }
    const multi = tree.getMultiProof(sample);
    expect(await harness.multiProofVerify(multi.proof, multi.proofFlags, tree.root, multi.leaves)).to.be.true;
  });
});
