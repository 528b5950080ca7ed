import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { expect } from "chai";
import fc from "fast-check";
import {
  buildReceiptTree,
  createReceipt,
  DuplicateProofIndexError,
  DuplicateReceiptError,
  EmptyReceiptTreeError,
  InvalidReceiptError,
  MalformedMultiProofError,
  type Receipt,
  ReceiptIndexOutOfRangeError,
  receiptLeafEncoding,
  receiptLeafHash,
  receiptLeafValues,
  verifyReceiptMultiProof,
  verifyReceiptProof,
} from "../../../src/receipts";
import { batchReceiptsArbitrary, mixedReceiptsArbitrary, propertyOptions } from "./arbitraries";

function openZeppelinTree(receipts: readonly Receipt[]) {
  return StandardMerkleTree.of(receipts.map(receiptLeafValues), [...receiptLeafEncoding]);
}

describe("receipts: Merkle tree", () => {
  it("has OpenZeppelin's root and proofs for 1, 2, 3 and 7 receipts", async () => {
    for (const size of [1, 2, 3, 7]) {
      const receipts = Array.from({ length: size }, () =>
        createReceipt({ agreementId: 1n, flow: 0, epoch: 2n }),
      );
      const ours = await buildReceiptTree({ receipts });
      const theirs = openZeppelinTree(receipts);
      expect(ours.root, `root of ${size}`).to.equal(theirs.root);
      expect(ours.count).to.equal(size);
      for (let i = 0; i < size; i++) expect(ours.getProof(i)).to.deep.equal(theirs.getProof(i));
    }
  });

  it("property: same root, proofs and multiproofs as @openzeppelin/merkle-tree, verifying both ways", async () => {
    const cases = fc.oneof(batchReceiptsArbitrary(40), mixedReceiptsArbitrary(20));
    await fc.assert(
      fc.asyncProperty(cases, fc.infiniteStream(fc.nat()), async (receipts, picks) => {
        const ours = await buildReceiptTree({ receipts });
        const theirs = openZeppelinTree(receipts);
        expect(ours.root).to.equal(theirs.root);

        const index = picks.next().value % receipts.length;
        const proof = ours.getProof(index);
        expect(proof).to.deep.equal(theirs.getProof(index));
        expect(
          StandardMerkleTree.verify(
            ours.root,
            [...receiptLeafEncoding],
            receiptLeafValues(receipts[index]),
            proof,
          ),
        ).to.be.true;
        expect(verifyReceiptProof({ root: ours.root, receipt: receipts[index], proof })).to.be.true;

        const sample = [
          ...new Set(Array.from({ length: 1 + (index % 5) }, () => picks.next().value % receipts.length)),
        ];
        const multi = ours.getMultiProof(sample);
        const theirMulti = theirs.getMultiProof(sample);
        expect(multi.proof).to.deep.equal(theirMulti.proof);
        expect(multi.proofFlags).to.deep.equal(theirMulti.proofFlags);
        expect(multi.receipts.map(receiptLeafValues)).to.deep.equal(theirMulti.leaves);
        expect(StandardMerkleTree.verifyMultiProof(ours.root, [...receiptLeafEncoding], theirMulti)).to.be
          .true;
        expect(verifyReceiptMultiProof({ root: ours.root, ...multi })).to.be.true;
      }),
      propertyOptions,
    );
  });

  it("property: a proof does not verify another receipt, another root or once tampered", async () => {
    await fc.assert(
      fc.asyncProperty(batchReceiptsArbitrary(16), fc.nat(), fc.nat(31), async (receipts, pick, byte) => {
        const tree = await buildReceiptTree({ receipts });
        const index = pick % receipts.length;
        const proof = tree.getProof(index);
        const receipt = receipts[index];
        const otherClick = { ...receipt, clickId: flipByte(receipt.clickId, byte) };
        expect(verifyReceiptProof({ root: tree.root, receipt: otherClick, proof })).to.be.false;
        expect(
          verifyReceiptProof({ root: tree.root, receipt: { ...receipt, epoch: receipt.epoch ^ 1n }, proof }),
        ).to.be.false;
        expect(verifyReceiptProof({ root: flipByte(tree.root, byte), receipt, proof })).to.be.false;
        if (proof.length > 0) {
          const tampered = [...proof];
          tampered[pick % proof.length] = flipByte(tampered[pick % proof.length], byte);
          expect(verifyReceiptProof({ root: tree.root, receipt, proof: tampered })).to.be.false;
        }
      }),
      propertyOptions,
    );
  });

  it("property: refuses the same click twice (it would be paid twice), where OpenZeppelin accepts it", async () => {
    await fc.assert(
      fc.asyncProperty(batchReceiptsArbitrary(12), fc.nat(), fc.nat(), async (receipts, from, to) => {
        const copy = receipts[from % receipts.length];
        const withDuplicate = [...receipts];
        withDuplicate.splice(to % (receipts.length + 1), 0, { ...copy });
        expect(() => openZeppelinTree(withDuplicate)).not.to.throw();
        const error = await buildReceiptTree({ receipts: withDuplicate }).catch((e: unknown) => e);
        expect(error).to.be.instanceOf(DuplicateReceiptError);
        const { firstIndex, secondIndex, clickId } = error as DuplicateReceiptError;
        expect(clickId).to.equal(copy.clickId);
        expect(withDuplicate[firstIndex]).to.deep.equal(withDuplicate[secondIndex]);
        expect(firstIndex).to.not.equal(secondIndex);
      }),
      propertyOptions,
    );
  });

  it("keeps the same click id in different flows or epochs as different leaves", async () => {
    const clickId = createReceipt({ agreementId: 1n, flow: 0, epoch: 0n }).clickId;
    const receipts = [
      { agreementId: 1n, flow: 0, epoch: 0n, clickId },
      { agreementId: 1n, flow: 1n, epoch: 0n, clickId },
      { agreementId: 1n, flow: 0, epoch: 1n, clickId },
    ];
    expect((await buildReceiptTree({ receipts })).root).to.equal(openZeppelinTree(receipts).root);
  });

  it("computes OpenZeppelin's leaf for a single receipt (flow as number or bigint alike)", () => {
    const receipt = createReceipt({ agreementId: 9n, flow: 3, epoch: 77n });
    const tree = openZeppelinTree([receipt]);
    expect(receiptLeafHash(receipt)).to.equal(tree.root); // a one-leaf tree's root is its leaf
    expect(receiptLeafHash({ ...receipt, flow: 3n })).to.equal(tree.root);
  });

  it("refuses empty batches and receipts whose fields do not fit their ABI types", async () => {
    await expectRejection(buildReceiptTree({ receipts: [] }), EmptyReceiptTreeError);
    const good = createReceipt({ agreementId: 1n, flow: 0, epoch: 1n });
    const bad: [Partial<Receipt>, string][] = [
      [{ epoch: 1n << 64n }, "epoch"],
      [{ agreementId: -1n }, "agreementId"],
      [{ agreementId: 1n << 256n }, "agreementId"],
      [{ flow: 1.5 }, "flow"],
      [{ flow: -1 }, "flow"],
      [{ clickId: "0x1234" }, "clickId"],
      [{ clickId: `0x${"zz".repeat(32)}` }, "clickId"],
      [{ clickId: `0x${"00".repeat(31)}0g` }, "clickId"],
      [{ clickId: `0X${"00".repeat(32)}` as `0x${string}` }, "clickId"],
      [{ clickId: `1x${"00".repeat(32)}` as `0x${string}` }, "clickId"],
    ];
    for (const [patch, field] of bad) {
      const error = await expectRejection(
        buildReceiptTree({ receipts: [good, { ...good, ...patch } as Receipt] }),
        InvalidReceiptError,
      );
      expect(error.field).to.equal(field);
      expect(error.index).to.equal(1);
      expect(() => receiptLeafHash({ ...good, ...patch } as Receipt)).to.throw(InvalidReceiptError);
    }
  });

  it("refuses proofs of unknown or repeated indices and malformed multiproofs", async () => {
    const receipts = Array.from({ length: 5 }, () => createReceipt({ agreementId: 1n, flow: 0, epoch: 2n }));
    const tree = await buildReceiptTree({ receipts });
    expect(() => tree.getProof(5)).to.throw(ReceiptIndexOutOfRangeError, "0..4");
    expect(() => tree.getProof(-1)).to.throw(ReceiptIndexOutOfRangeError);
    expect(() => tree.getMultiProof([1, 3, 1])).to.throw(DuplicateProofIndexError);
    const multi = tree.getMultiProof([0, 2]);
    expect(() =>
      verifyReceiptMultiProof({ root: tree.root, ...multi, proof: multi.proof.slice(1) }),
    ).to.throw(MalformedMultiProofError);
    expect(() =>
      verifyReceiptMultiProof({ root: tree.root, ...multi, proof: [...multi.proof, tree.root] }),
    ).to.throw(MalformedMultiProofError);
  });

  it("proves the root alone with an empty multiproof, as OpenZeppelin does", async () => {
    const receipts = Array.from({ length: 3 }, () => createReceipt({ agreementId: 1n, flow: 0, epoch: 2n }));
    const tree = await buildReceiptTree({ receipts });
    const multi = tree.getMultiProof([]);
    expect(multi.proof).to.deep.equal([tree.root]);
    expect(verifyReceiptMultiProof({ root: tree.root, ...multi })).to.be.true;
  });

  it("reports progress of a large build through to the end", async () => {
    const receipts = Array.from({ length: 70_000 }, (_, i) => ({
      agreementId: 1n,
      flow: 0,
      epoch: 2n,
      clickId: `0x${i.toString(16).padStart(64, "0")}` as const,
    }));
    const phases = new Map<string, number>();
    const tree = await buildReceiptTree({
      receipts,
      onProgress: ({ phase, done }) => phases.set(phase, Math.max(phases.get(phase) ?? 0, done)),
    });
    expect(phases.get("leaves")).to.equal(65_536);
    expect(phases.get("nodes")).to.be.greaterThan(0);
    expect(verifyReceiptProof({ root: tree.root, receipt: receipts[69_999], proof: tree.getProof(69_999) }))
      .to.be.true;
  });
});

function flipByte(hex: `0x${string}`, byte: number): `0x${string}` {
  const at = 2 + 2 * byte;
  const flipped = (Number.parseInt(hex.slice(at, at + 2), 16) ^ 0xff).toString(16).padStart(2, "0");
  return `${hex.slice(0, at)}${flipped}${hex.slice(at + 2)}` as `0x${string}`;
}

async function expectRejection<T extends Error>(
  promise: Promise<unknown>,
  type: new (...args: never[]) => T,
): Promise<T> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).to.be.instanceOf(type);
  return error as T;
}
