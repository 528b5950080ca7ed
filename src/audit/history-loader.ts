import {
  type Abi,
  type AbiEvent,
  type Address,
  createPublicClient,
  decodeEventLog,
  decodeFunctionData,
  getAddress,
  type Hash,
  type Hex,
  http,
  type PublicClient,
  toEventSelector,
  toHex,
} from "viem";
import { FLOWPACT_ABIS, FLOWPACT_CONTRACT_NAMES, type FlowPactContractName } from "../chain/contracts";
import { AuditRpcError } from "./errors";
import type { AuditCall, AuditEvent, AuditHistory, BalanceSnapshot } from "./history";
import { contractSignatureKey } from "./history";
import type { AuditProgress } from "./progress";
import { recoverEcdsaSigner, relayedSignatures } from "./signatures";

export interface LoadHistoryParameters {
  /** JSON-RPC endpoint of any node of the chain (http or https). */
  rpcUrl: string;
  /** The FlowPact contracts (from `deployments/<chainId>.json` or given by hand). */
  contracts: Record<FlowPactContractName, Address>;
  /** First block to read (default 0; pass the deployment's `startBlock`). */
  fromBlock?: bigint;
  /** Last block to read (default: the latest). */
  toBlock?: bigint;
  /** Blocks per `eth_getLogs` request; halved automatically when a node refuses a range. */
  blockRange?: bigint;
  /** Read each changed member's balance after every block where balances changed (default true). */
  balanceSnapshots?: boolean;
  onProgress?: (progress: AuditProgress) => void;
  /** A client to reuse instead of one built on `rpcUrl`. */
  publicClient?: PublicClient;
}

const ERC1271_ABI = [
  {
    type: "function",
    name: "isValidSignature",
    stateMutability: "view",
    inputs: [
      { name: "hash", type: "bytes32" },
      { name: "signature", type: "bytes" },
    ],
    outputs: [{ name: "", type: "bytes4" }],
  },
] as const;
const ERC1271_MAGIC = "0x1626ba7e";

/** Requests sent at once; the transport packs them into JSON-RPC batches. */
const PARALLEL = 1_000;

type RawTransaction = { hash: Hash; from: Address; to: Address | null; input: Hex };
type RawBlock = { timestamp: Hex; transactions: RawTransaction[] | Hash[] };

type RawLog = {
  address: Address;
  topics: [Hex, ...Hex[]];
  data: Hex;
  blockNumber: Hex;
  logIndex: Hex;
  transactionHash: Hash;
};

/**
 * Rebuilds the whole FlowPact history of a block range from raw JSON-RPC: every event of the five
 * contracts (`eth_getLogs`, decoded with the typed ABIs), block timestamps, the calldata of the
 * transactions that relay signatures, the ERC-1271 answers of contract-wallet signers, and the
 * on-chain balances after every block in which balances changed. Nothing is read from the
 * consortium's store: the auditor trusts only the chain.
 *
 * @example
 * const history = await loadHistory({ rpcUrl: "http://127.0.0.1:8545", contracts: deployment.contracts,
 *   fromBlock: BigInt(deployment.startBlock) });
 */
export async function loadHistory(parameters: LoadHistoryParameters): Promise<AuditHistory> {
  const client =
    parameters.publicClient ??
    createPublicClient({
      // Small JSON-RPC batches: full blocks weigh megabytes and viem refuses answers over 10 MB.
      transport: http(parameters.rpcUrl, {
        batch: { batchSize: 20, wait: 0 },
        retryCount: 3,
        timeout: 60_000,
      }),
    });
  const progress = parameters.onProgress ?? (() => {});
  const rpc = async <T>(what: string, run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (cause) {
      throw new AuditRpcError(parameters.rpcUrl, what, cause);
    }
  };
  const chainId = await rpc("eth_chainId", () => client.getChainId());
  const latest = await rpc("eth_blockNumber", () => client.getBlockNumber());
  const fromBlock = parameters.fromBlock ?? 0n;
  const toBlock = parameters.toBlock ?? latest;
  const contracts = Object.fromEntries(
    FLOWPACT_CONTRACT_NAMES.map((name) => [name, getAddress(parameters.contracts[name])]),
  ) as Record<FlowPactContractName, Address>;
  const byAddress = new Map<string, FlowPactContractName>(
    FLOWPACT_CONTRACT_NAMES.map((name) => [contracts[name].toLowerCase(), name]),
  );

  // 1. Logs, range by range.
  progress({ phase: "logs", done: 0, total: Number(toBlock - fromBlock + 1n) });
  const raw: RawLog[] = [];
  const maxRange = parameters.blockRange ?? 5_000n;
  let range = maxRange;
  for (let start = fromBlock; start <= toBlock; ) {
    // Never ask past the end: a refused range must shrink to something smaller than what is left.
    if (range > toBlock - start + 1n) range = toBlock - start + 1n;
    const end = start + range - 1n;
    let logs: RawLog[];
    try {
      logs = (await client.request({
        method: "eth_getLogs",
        params: [{ address: Object.values(contracts), fromBlock: toHex(start), toBlock: toHex(end) }],
      } as never)) as RawLog[];
    } catch (cause) {
      // Providers cap a range's size or result count: retry smaller before giving up.
      if (range > 1n) {
        range = range / 2n;
        continue;
      }
      throw new AuditRpcError(parameters.rpcUrl, `eth_getLogs ${start}..${end}`, cause);
    }
    raw.push(...logs);
    // Busy blocks: keep answers small (a node builds them in memory, clients cap their size).
    if (logs.length > 5_000 && range > 1n) range /= 2n;
    else if (logs.length < 1_000 && range < maxRange) range *= 2n;
    progress({ phase: "logs", done: Number(end - fromBlock + 1n), total: Number(toBlock - fromBlock + 1n) });
    start = end + 1n;
  }

  // 2. Decode, each log against its one ABI item (looked up by topic, not searched for).
  const eventsByTopic = new Map<string, AbiEvent>();
  for (const name of FLOWPACT_CONTRACT_NAMES)
    for (const item of FLOWPACT_ABIS[name] as Abi)
      if (item.type === "event") eventsByTopic.set(`${name}:${toEventSelector(item)}`, item);
  progress({ phase: "transactions", done: 0, total: raw.length });
  const events: AuditEvent[] = [];
  for (const log of raw) {
    const contract = byAddress.get(log.address.toLowerCase());
    if (!contract) continue;
    let decoded: { eventName: string; args: unknown };
    try {
      const item = eventsByTopic.get(`${contract}:${log.topics[0]}`);
      if (!item) continue;
      decoded = decodeEventLog({ abi: [item], data: log.data, topics: log.topics });
    } catch {
      continue; // not a FlowPact event (none today): the verifier has nothing to check in it
    }
    events.push({
      contract,
      eventName: decoded.eventName,
      args: (decoded.args ?? {}) as Record<string, unknown>,
      blockNumber: BigInt(log.blockNumber),
      blockTimestamp: 0n, // filled in from the block below
      logIndex: Number(log.logIndex),
      transactionHash: log.transactionHash,
    });
  }
  events.sort((a, b) =>
    a.blockNumber === b.blockNumber ? a.logIndex - b.logIndex : a.blockNumber < b.blockNumber ? -1 : 1,
  );

  // 3. Every block with an event (and the last one): its time, and, where a transaction relays
  // signatures (commits, relayed acceptances), its transactions' calldata in the same request.
  const wanted = new Set<string>();
  const blocksWithCalls = new Set<bigint>();
  for (const e of events) {
    if (
      e.eventName === "BatchCommitted" ||
      (e.eventName === "AgreementAccepted" && e.args.bySignature === true)
    ) {
      wanted.add(e.transactionHash.toLowerCase());
      blocksWithCalls.add(e.blockNumber);
    }
  }
  const blockNumbers = [...new Set([...events.map((e) => e.blockNumber), toBlock])];
  progress({ phase: "blocks", done: 0, total: blockNumbers.length });
  const timestamps = new Map<bigint, bigint>();
  const calls: Record<Hash, AuditCall> = {};
  await inParallel(
    blockNumbers,
    async (number) => {
      const full = blocksWithCalls.has(number);
      const block = (await rpc(`eth_getBlockByNumber ${number}`, () =>
        client.request({ method: "eth_getBlockByNumber", params: [toHex(number), full] } as never),
      )) as RawBlock | null;
      if (!block)
        throw new AuditRpcError(parameters.rpcUrl, `eth_getBlockByNumber ${number}`, "no such block");
      timestamps.set(number, BigInt(block.timestamp));
      if (!full) return;
      for (const tx of block.transactions as RawTransaction[]) {
        if (!wanted.has(tx.hash.toLowerCase())) continue;
        const call: AuditCall = {
          hash: tx.hash,
          from: getAddress(tx.from),
          to: tx.to ? getAddress(tx.to) : null,
        };
        const contract = tx.to ? byAddress.get(tx.to.toLowerCase()) : undefined;
        if (contract) {
          try {
            const decoded = decodeFunctionData({ abi: FLOWPACT_ABIS[contract] as Abi, data: tx.input });
            call.functionName = decoded.functionName;
            call.args = decoded.args;
          } catch {
            // calldata that is no FlowPact function: the verifier reports it as unverifiable
          }
        }
        calls[tx.hash] = call;
      }
    },
    (done) => progress({ phase: "blocks", done, total: blockNumbers.length }),
  );
  for (const e of events) e.blockTimestamp = timestamps.get(e.blockNumber) ?? 0n;

  const history: AuditHistory = {
    chainId,
    contracts,
    fromBlock,
    toBlock,
    toBlockTimestamp: timestamps.get(toBlock) ?? 0n,
    events,
    calls,
    contractSignatures: {},
    balanceSnapshots: [],
  };

  progress({ phase: "balances", done: 0, total: events.length });
  // 5. Signatures ECDSA cannot settle: ask the signer (ERC-1271) at the block of the call, as
  // SignatureChecker did; an EOA signer's answer is "invalid".
  const unresolved = [];
  for (const relayed of relayedSignatures(history)) {
    if (!relayed.signer) continue;
    const recovered = await recoverEcdsaSigner(relayed.digest, relayed.signature);
    if (recovered && recovered.toLowerCase() === relayed.signer.toLowerCase()) continue;
    unresolved.push({ ...relayed, signer: relayed.signer });
  }
  const codes = new Map<string, boolean>();
  await inParallel(unresolved, async (relayed) => {
    const key = relayed.signer.toLowerCase();
    if (!codes.has(key)) {
      const code = await rpc(`eth_getCode ${relayed.signer}`, () =>
        client.getCode({ address: relayed.signer, blockNumber: relayed.blockNumber }),
      );
      codes.set(key, !!code && code !== "0x");
    }
    let valid = false;
    if (codes.get(key)) {
      try {
        const magic = await client.readContract({
          address: relayed.signer,
          abi: ERC1271_ABI,
          functionName: "isValidSignature",
          args: [relayed.digest, relayed.signature],
          blockNumber: relayed.blockNumber,
        });
        valid = magic.toLowerCase() === ERC1271_MAGIC;
      } catch {
        valid = false; // a reverting wallet rejects, as SignatureChecker treats it
      }
    }
    history.contractSignatures[contractSignatureKey(relayed.signer, relayed.digest, relayed.signature)] =
      valid;
  });

  // 6. On-chain balances after each block in which balances changed, for the members that moved.
  if (parameters.balanceSnapshots !== false) {
    const touched = new Map<bigint, Set<Address>>();
    for (const event of events) {
      if (event.eventName !== "CreditsMoved") continue;
      let set = touched.get(event.blockNumber);
      if (!set) {
        set = new Set();
        touched.set(event.blockNumber, set);
      }
      set.add(event.args.from as Address);
      set.add(event.args.to as Address);
    }
    const reads = [...touched].flatMap(([blockNumber, members]) =>
      [...members].map((member) => ({ blockNumber, member })),
    );
    const snapshots = new Map<bigint, BalanceSnapshot>();
    await inParallel(
      reads,
      async ({ blockNumber, member }) => {
        const balance = await rpc(`CreditLedger.balanceOf(${member}) at ${blockNumber}`, () =>
          client.readContract({
            address: contracts.CreditLedger,
            abi: FLOWPACT_ABIS.CreditLedger,
            functionName: "balanceOf",
            args: [member],
            blockNumber,
          }),
        );
        let snapshot = snapshots.get(blockNumber);
        if (!snapshot) {
          snapshot = { blockNumber, balances: {} };
          snapshots.set(blockNumber, snapshot);
        }
        snapshot.balances[member] = balance;
      },
      (done) => progress({ phase: "balances", done, total: reads.length }),
    );
    history.balanceSnapshots = [...snapshots.values()].sort((a, b) =>
      a.blockNumber < b.blockNumber ? -1 : a.blockNumber > b.blockNumber ? 1 : 0,
    );
  }
  return history;
}

/** Runs `task` over `items`, PARALLEL at a time (the transport batches what is in flight). */
async function inParallel<T>(
  items: readonly T[],
  task: (item: T) => Promise<void>,
  onDone?: (done: number) => void,
): Promise<void> {
  for (let i = 0; i < items.length; i += PARALLEL) {
    await Promise.all(items.slice(i, i + PARALLEL).map(task));
    onDone?.(Math.min(items.length, i + PARALLEL));
  }
}
