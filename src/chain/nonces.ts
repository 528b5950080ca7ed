import {
  type Address,
  type Client,
  getAddress,
  type Hash,
  keccak256,
  type LocalAccount,
  type NonceManager,
  type TransactionReceipt,
} from "viem";
import { getTransaction, getTransactionCount } from "viem/actions";

/**
 * Nonces of the keys this process signs with. Every writer of a process (the member node's
 * auto-accept and its epoch close, a CLI command, the daemon, the demo) sends through accounts
 * that share one of these, so two sends with one key never take the same nonce.
 *
 * - Taking a nonce is serialised per key and never goes below the node's pending count (another
 *   process may use the key too): two writers asking at once get `n` and `n + 1`.
 * - A send that fails before it reaches the node gives its nonce back (viem calls `reset` with
 *   it); the next send takes the lowest given-back nonce the node has not seen used.
 * - A transaction the node no longer knows (dropped from its pool: a restart, an eviction) a while
 *   after it was signed leaves a gap nothing behind it can be mined past: the next send notices,
 *   forgets what it counted and starts again from the node's pending count, which fills the gap.
 */
export interface AccountNonces extends NonceManager {
  /**
   * Forget everything counted for `address`: the next nonce is the node's pending count (after a
   * receipt that never came, or "nonce too low" from a send made elsewhere with the key).
   */
  forget(address: Address): void;
  /** Forget every key's counts (the node refused a nonce as too high: it is not the node counted against). */
  forgetAll(): void;
  /** The node accepted the transaction `hash` (its send returned): it counts as sent. */
  sent(hash: Hash): void;
  /** `account` with these nonces, so every client it signs with shares them. */
  attach<A extends LocalAccount>(account: A): A;
}

export interface CreateAccountNoncesOptions {
  /**
   * How long after signing a transaction whose send was not reported (`sent`) it must be known to
   * the node before its absence counts as a drop (a send in flight is not yet known). Default 10 s:
   * far above one JSON-RPC round trip.
   */
  droppedAfterMs?: number;
}

interface KeyNonces {
  /** Next nonce to hand out, when known. */
  next: number | undefined;
  /** Nonces handed out whose send failed before reaching the node. */
  released: Set<number>;
  /** Nonces handed out at or above the node's pending count (signed or about to be). */
  taken: Set<number>;
  /** Transactions signed with a nonce ≥ the last pending count seen: hash, signing time, sent. */
  signed: Map<number, { hash: Hash; at: number; sent: boolean }>;
  /** The consume in progress: takes are serialised per key. */
  queue: Promise<unknown>;
}

/**
 * Creates a nonce store (viem `NonceManager` compatible). Use `accountNonces`, the one of this
 * process, unless a test needs its own.
 *
 * @example
 * const account = accountNonces.attach(privateKeyToAccount(key));
 */
export function createAccountNonces(options: CreateAccountNoncesOptions = {}): AccountNonces {
  const droppedAfterMs = options.droppedAfterMs ?? 10_000;
  const keys = new Map<string, KeyNonces>();
  const keyOf = (address: Address, chainId: number) => `${chainId}:${getAddress(address)}`;
  const stateOf = (key: string) => {
    let state = keys.get(key);
    if (!state) {
      state = {
        next: undefined,
        released: new Set(),
        taken: new Set(),
        signed: new Map(),
        queue: Promise.resolve(),
      };
      keys.set(key, state);
    }
    return state;
  };

  /** True when a transaction counted as sent is gone from the node: start again from `pending`. */
  async function lostOne(client: Client, state: KeyNonces, pending: number): Promise<boolean> {
    for (const [nonce, { hash, at, sent }] of state.signed) {
      if (nonce < pending) {
        state.signed.delete(nonce);
        continue;
      }
      if (!sent && Date.now() - at < droppedAfterMs) continue;
      const known = await getTransaction(client, { hash }).then(
        () => true,
        () => false,
      );
      if (!known) return true;
    }
    return false;
  }

  /**
   * True when a nonce between the node's pending count and the next one counted was neither signed
   * here nor given back: the node is not the one counted against (a new chain with the same id, a
   * node restarted without its pool), so the count starts again from the node's.
   */
  function unexplained(state: KeyNonces, pending: number): boolean {
    for (let nonce = pending; nonce < (state.next ?? pending); nonce++)
      if (!state.taken.has(nonce) && !state.released.has(nonce)) return true;
    return false;
  }

  async function take(client: Client, state: KeyNonces, address: Address): Promise<number> {
    const pending = await getTransactionCount(client, { address, blockTag: "pending" });
    for (const nonce of state.released) if (nonce < pending) state.released.delete(nonce);
    for (const nonce of state.taken) if (nonce < pending) state.taken.delete(nonce);
    if (
      state.next !== undefined &&
      state.next > pending &&
      (unexplained(state, pending) || (await lostOne(client, state, pending)))
    ) {
      state.next = undefined;
      state.released.clear();
      state.taken.clear();
      state.signed.clear();
    }
    if (state.released.size > 0) {
      const nonce = Math.min(...state.released);
      state.released.delete(nonce);
      return nonce;
    }
    const nonce = state.next !== undefined && state.next > pending ? state.next : pending;
    state.next = nonce + 1;
    state.taken.add(nonce);
    return nonce;
  }

  const nonces: AccountNonces = {
    consume({ address, chainId, client }) {
      const state = stateOf(keyOf(address, chainId));
      const taken = state.queue.then(() => take(client, state, address));
      state.queue = taken.catch(() => {});
      return taken;
    },
    increment({ address, chainId }) {
      const state = stateOf(keyOf(address, chainId));
      if (state.next !== undefined) state.next++;
    },
    async get({ address, chainId, client }) {
      const state = stateOf(keyOf(address, chainId));
      const pending = await getTransactionCount(client, { address, blockTag: "pending" });
      return state.next !== undefined && state.next > pending ? state.next : pending;
    },
    reset({ address, chainId, nonce }) {
      const state = stateOf(keyOf(address, chainId));
      if (nonce === undefined) return;
      state.signed.delete(nonce);
      if (state.next === nonce + 1) state.next = nonce;
      else state.released.add(nonce);
    },
    forgetAll() {
      keys.clear();
    },
    forget(address) {
      for (const [key, state] of keys)
        if (key.endsWith(`:${getAddress(address)}`)) {
          state.next = undefined;
          state.released.clear();
          state.signed.clear();
        }
    },
    sent(hash) {
      for (const state of keys.values())
        for (const entry of state.signed.values()) if (entry.hash === hash) entry.sent = true;
    },
    attach(account) {
      if (account.nonceManager === nonces) return account;
      const signTransaction: LocalAccount["signTransaction"] = async (transaction, options) => {
        const serialized = await account.signTransaction(transaction, options as never);
        const { nonce, chainId } = transaction;
        if (nonce !== undefined && chainId !== undefined)
          stateOf(keyOf(account.address, chainId)).signed.set(nonce, {
            hash: keccak256(serialized),
            at: Date.now(),
            sent: false,
          });
        return serialized;
      };
      return { ...account, nonceManager: nonces, signTransaction } as typeof account;
    },
  };
  return nonces;
}

/** The nonces of every key this process signs with. */
export const accountNonces: AccountNonces = createAccountNonces();

/**
 * Sends with `send` (a `writeContract` or `sendTransaction` of an account attached to
 * `accountNonces`), again with a fresh nonce when the node refused the nonce as taken (another
 * process sent with the key meanwhile); the refused send gave its nonce back already.
 */
export async function sendWithFreshNonce(send: () => Promise<Hash>, attempts = 3): Promise<Hash> {
  for (let attempt = 1; ; attempt++) {
    try {
      const hash = await send();
      accountNonces.sent(hash);
      return hash;
    } catch (error) {
      if (attempt >= attempts) throw error;
      // Too high: the counts are not this node's (a new chain with the same id, a node restarted
      // without its pool): start again from its pending count.
      if (isNonceTooHigh(error)) accountNonces.forgetAll();
      else if (!isNonceConflict(error)) throw error;
    }
  }
}

/** The node refused the nonce as beyond its next one: what this process counted is not its. */
export function isNonceTooHigh(error: unknown): boolean {
  const text = errorText(error).toLowerCase();
  return text.includes("higher than the next one expected") || text.includes("nonce too high");
}

/**
 * Waits for the receipt of a transaction `from` sent; when none comes (dropped, timed out), the
 * counted nonces of `from` are forgotten so the next send starts from the node's pending count.
 */
export async function waitForReceiptOf(
  publicClient: { waitForTransactionReceipt(args: { hash: Hash }): Promise<TransactionReceipt> },
  from: Address,
  hash: Hash,
): Promise<TransactionReceipt> {
  try {
    return await publicClient.waitForTransactionReceipt({ hash });
  } catch (error) {
    accountNonces.forget(from);
    throw error;
  }
}

/** A send that failed because its nonce was taken: safe to send again with a fresh one. */
export function isNonceConflict(error: unknown): boolean {
  const text = errorText(error).toLowerCase();
  return (
    text.includes("nonce too low") ||
    text.includes("lower than the current nonce") ||
    text.includes("replacement transaction underpriced") ||
    text.includes("replacement fee too low")
  );
}

function errorText(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current && depth < 8; depth++) {
    const e = current as { message?: string; details?: string; shortMessage?: string; cause?: unknown };
    parts.push(e.shortMessage ?? "", e.details ?? "", e.message ?? "");
    current = e.cause;
  }
  return parts.join(" ");
}
