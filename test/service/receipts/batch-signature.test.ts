import { expect } from "chai";
import { TypedDataEncoder } from "ethers";
import hre from "hardhat";
import {
  type Address,
  createPublicClient,
  createWalletClient,
  custom,
  getAddress,
  type Hex,
  type PublicClient,
  recoverAddress,
} from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { hardhat } from "viem/chains";
import {
  type Batch,
  batchTypedData,
  hashBatch,
  InvalidBatchSignatureError,
  MalleableBatchSignatureError,
  MissingBatchSignerError,
  randomClickId,
  recoverBatchSigner,
  signBatch,
  verifyBatchSignature,
} from "../../../src/receipts";

const CHAIN_ID = 31337;
const SECP256K1_ORDER = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

describe("receipts: EIP-712 batch co-signature", () => {
  const recipient = privateKeyToAccount(generatePrivateKey());
  const stranger = privateKeyToAccount(generatePrivateKey());
  const settlement = getAddress("0x5fbdb2315678afecb367f032d93f642f64180aa3");
  const batch: Batch = {
    recipient: getAddress("0x70997970c51812dc3a010c7d01b50e0d17dc79c8"),
    agreementId: 12n,
    flow: 1,
    epoch: 40n,
    count: 1_000_000n,
    root: randomClickId(),
  };
  let publicClient: PublicClient;

  before(() => {
    publicClient = createPublicClient({ chain: hardhat, transport: custom(hre.network.provider) });
  });

  it("builds the protocol's domain and Batch type, with the digest ethers computes", () => {
    const typedData = batchTypedData({ chainId: CHAIN_ID, settlement, batch });
    expect(typedData.domain).to.deep.equal({
      name: "FlowPact Settlement",
      version: "2",
      chainId: CHAIN_ID,
      verifyingContract: settlement,
    });
    const ethersDigest = TypedDataEncoder.hash(
      typedData.domain,
      { Acknowledgement: [...typedData.types.Acknowledgement] },
      typedData.message,
    );
    expect(hashBatch({ chainId: CHAIN_ID, settlement, batch })).to.equal(ethersDigest);
    expect(
      TypedDataEncoder.from({ Acknowledgement: [...typedData.types.Acknowledgement] }).encodeType(
        "Acknowledgement",
      ),
    ).to.equal(
      "Acknowledgement(address recipient,uint256 agreementId,uint256 flow,uint64 epoch,uint64 count,bytes32 root)",
    );
  });

  it("hashes a batch exactly as the deployed Settlement contract does", async () => {
    // Only the EIP-712 digest is exercised: the collaborators are never called, any address will do.
    const someone = stranger.address;
    const contract = await hre.ethers.deployContract("Settlement", [
      someone,
      someone,
      someone,
      3600,
      86400,
      0,
    ]);
    const deployed = getAddress(await contract.getAddress());
    const onChain = await contract.acknowledgementDigest(
      batch.recipient,
      batch.agreementId,
      batch.flow,
      batch.epoch,
      batch.count,
      batch.root,
    );
    expect(onChain).to.equal(hashBatch({ chainId: CHAIN_ID, settlement: deployed, batch }));
    const [, name, version, chainId, verifyingContract] = await contract.eip712Domain();
    expect({ name, version, chainId: Number(chainId), verifyingContract }).to.deep.equal(
      batchTypedData({ chainId: CHAIN_ID, settlement: deployed, batch }).domain,
    );
  });

  it("signs with a local account or a node-held account, and the signature verifies for its signer", async () => {
    const local = await signBatch(recipient, { chainId: CHAIN_ID, settlement, batch });
    expect(await recoverBatchSigner({ chainId: CHAIN_ID, settlement, batch, signature: local })).to.equal(
      recipient.address,
    );
    expect(
      await verifyBatchSignature(publicClient, {
        signer: recipient.address,
        chainId: CHAIN_ID,
        settlement,
        batch,
        signature: local,
      }),
    ).to.be.true;

    // A key held by the node (eth_signTypedData_v4 through the provider, as a custodian would sign).
    const [nodeAccount] = (await hre.network.provider.request({ method: "eth_accounts" })) as Address[];
    const walletClient = createWalletClient({ transport: custom(hre.network.provider) });
    const remote = await signBatch(walletClient, {
      account: nodeAccount,
      chainId: CHAIN_ID,
      settlement,
      batch,
    });
    expect(
      await verifyBatchSignature(publicClient, {
        signer: getAddress(nodeAccount),
        chainId: CHAIN_ID,
        settlement,
        batch,
        signature: remote,
      }),
    ).to.be.true;
    await expectRejection(
      signBatch(walletClient, { chainId: CHAIN_ID, settlement, batch }),
      MissingBatchSignerError,
    );
  });

  it("refuses the signature for another chain, contract, agreement, flow, epoch, count or root", async () => {
    const signature = await signBatch(recipient, { chainId: CHAIN_ID, settlement, batch });
    const replays: [string, { chainId: number; settlement: Address; batch: Batch }][] = [
      ["chainId", { chainId: 1, settlement, batch }],
      ["settlement", { chainId: CHAIN_ID, settlement: stranger.address, batch }],
      ["agreementId", { chainId: CHAIN_ID, settlement, batch: { ...batch, agreementId: 13n } }],
      ["flow", { chainId: CHAIN_ID, settlement, batch: { ...batch, flow: 0 } }],
      ["epoch", { chainId: CHAIN_ID, settlement, batch: { ...batch, epoch: 41n } }],
      ["count", { chainId: CHAIN_ID, settlement, batch: { ...batch, count: 1_000_001n } }],
      ["root", { chainId: CHAIN_ID, settlement, batch: { ...batch, root: randomClickId() } }],
    ];
    for (const [changed, domainAndBatch] of replays) {
      const parameters = { ...domainAndBatch, signature };
      expect(await recoverBatchSigner(parameters), changed).to.not.equal(recipient.address);
      expect(await verifyBatchSignature(publicClient, { ...parameters, signer: recipient.address }), changed)
        .to.be.false;
    }
  });

  it("refuses a signature by another party", async () => {
    const signature = await signBatch(stranger, { chainId: CHAIN_ID, settlement, batch });
    expect(
      await verifyBatchSignature(publicClient, {
        signer: recipient.address,
        chainId: CHAIN_ID,
        settlement,
        batch,
        signature,
      }),
    ).to.be.false;
  });

  it("refuses the malleable high-s twin of a valid signature, as OpenZeppelin's ECDSA does", async () => {
    const signature = await signBatch(recipient, { chainId: CHAIN_ID, settlement, batch });
    const twin = highSTwin(signature);
    // The twin is a mathematically valid signature: plain ecrecover accepts it.
    expect(
      await recoverAddress({ hash: hashBatch({ chainId: CHAIN_ID, settlement, batch }), signature: twin }),
    ).to.equal(recipient.address);
    await expectRejection(
      recoverBatchSigner({ chainId: CHAIN_ID, settlement, batch, signature: twin }),
      MalleableBatchSignatureError,
    );
    const verdict = await verifyBatchSignature(publicClient, {
      signer: recipient.address,
      chainId: CHAIN_ID,
      settlement,
      batch,
      signature: twin,
    });
    expect(verdict).to.be.false;
  });

  it("refuses bytes that cannot be an EOA signature", async () => {
    const signature = await signBatch(recipient, { chainId: CHAIN_ID, settlement, batch });
    const wrongV = `${signature.slice(0, 130)}01` as Hex;
    for (const bad of [signature.slice(0, 130) as Hex, wrongV, "0x" as Hex]) {
      await expectRejection(
        recoverBatchSigner({ chainId: CHAIN_ID, settlement, batch, signature: bad }),
        InvalidBatchSignatureError,
      );
      const parameters = { signer: recipient.address, chainId: CHAIN_ID, settlement, batch, signature: bad };
      expect(await verifyBatchSignature(publicClient, parameters)).to.be.false;
    }
  });

  it("verifies an ERC-1271 wallet's co-signature on chain, and refuses it elsewhere or by a non-owner", async () => {
    const owner = privateKeyToAccount(generatePrivateKey());
    const wallet = await hre.ethers.deployContract("ERC1271WalletMock", [owner.address]);
    const walletAddress = getAddress(await wallet.getAddress());
    const signature = await signBatch(owner, { chainId: CHAIN_ID, settlement, batch });
    const check = (overrides: Partial<{ chainId: number; signature: Hex; batch: Batch }>) =>
      verifyBatchSignature(publicClient, {
        signer: walletAddress,
        chainId: CHAIN_ID,
        settlement,
        batch,
        signature,
        ...overrides,
      });
    expect(await check({})).to.be.true;
    expect(await check({ chainId: 1 })).to.be.false;
    expect(await check({ batch: { ...batch, epoch: batch.epoch + 1n } })).to.be.false;
    expect(await check({ signature: await signBatch(stranger, { chainId: CHAIN_ID, settlement, batch }) })).to
      .be.false;
  });
});

/** The same signature with s' = n - s and the other recovery id: valid for ecrecover, malleable. */
function highSTwin(signature: Hex): Hex {
  const s = BigInt(`0x${signature.slice(66, 130)}`);
  const v = Number.parseInt(signature.slice(130, 132), 16);
  const twinS = (SECP256K1_ORDER - s).toString(16).padStart(64, "0");
  return `${signature.slice(0, 66)}${twinS}${(v === 27 ? 28 : 27).toString(16)}` as Hex;
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
