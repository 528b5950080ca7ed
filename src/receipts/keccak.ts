import { readFileSync } from "node:fs";
import { createKeccak, type IHasher } from "hash-wasm";

/**
 * One keccak-256 hasher that writes digests into caller-owned buffers. Building a tree of a million
 * receipts takes three million hashes; going through hex strings (as `@openzeppelin/merkle-tree`
 * does) costs more than the hashing itself, so everything here stays in Uint8Array.
 */
export type Keccak256Hasher = {
  /** Hashes `input` and writes the 32-byte digest into `output` at `outputOffset`. */
  hashInto(input: Uint8Array, output: Uint8Array, outputOffset: number): void;
  /** keccak256(keccak256(input)) into `output` at `outputOffset`: a StandardMerkleTree leaf. */
  doubleHashInto(input: Uint8Array, output: Uint8Array, outputOffset: number): void;
  /**
   * Fills the inner nodes of a tree laid out as in MerkleTree (node i has children 2i+1 and 2i+2,
   * the `leafCount` leaves already in place at the end of `nodes`): each inner node becomes the
   * keccak256 of its two children sorted. Calls `onProgress` now and then.
   */
  hashInnerNodes(
    nodes: Uint8Array,
    leafCount: number,
    onProgress?: (hashed: number, total: number) => void,
  ): void;
  /** "wasm-direct" (hash-wasm's module called without its wrapper) or "hash-wasm" (public API). */
  readonly engine: "wasm-direct" | "hash-wasm";
};

let shared: Promise<Keccak256Hasher> | undefined;

/**
 * The process-wide keccak-256 hasher, built on hash-wasm's WASM keccak (measured ~10x faster than
 * the pure-JS keccak of ethereum-cryptography that OpenZeppelin's tree uses). Synchronous once
 * created; JavaScript is single-threaded, so sharing one instance is safe.
 *
 * @example
 * const keccak = await keccak256Hasher();
 * const out = new Uint8Array(32);
 * keccak.hashInto(new Uint8Array(0), out, 0); // out = c5d2460186f7233c…
 */
export function keccak256Hasher(): Promise<Keccak256Hasher> {
  shared ??= createKeccak256Hasher().catch(() => createKeccak256Hasher({ engine: "hash-wasm" }));
  return shared;
}

/**
 * A new hasher on the given engine (default "wasm-direct"). Most callers want the shared
 * keccak256Hasher(); this exists so both engines can be tested and benchmarked.
 *
 * @example
 * const portable = await createKeccak256Hasher({ engine: "hash-wasm" });
 */
export async function createKeccak256Hasher({
  engine = "wasm-direct",
}: {
  engine?: Keccak256Hasher["engine"];
} = {}): Promise<Keccak256Hasher> {
  return engine === "wasm-direct" ? directHasher() : wrapperHasher(await createKeccak(256));
}

/** keccak256("") — the self-test every engine must pass before it is used. */
const EMPTY_DIGEST = "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470";

/** Inner nodes hashed between two progress reports. */
const PROGRESS_STEP = 1 << 16;

type Sha3Exports = {
  memory: WebAssembly.Memory;
  Hash_GetBuffer(): number;
  Hash_Init(bits: number): void;
  Hash_Update(length: number): void;
  Hash_Final(padding: number): void;
  Hash_Calculate(length: number, bits: number, padding: number): void;
};

/**
 * hash-wasm's own WASM module, instantiated here and called directly: its JavaScript wrapper
 * (type checks, a copied digest per call) costs as much as the permutation, so skipping it
 * measured 1.8x faster. The module is read from hash-wasm's published bundle; if a future version
 * packages it differently, or the self-test fails, keccak256Hasher falls back to the public API.
 */
async function directHasher(): Promise<Keccak256Hasher> {
  const bundle = readFileSync(require.resolve("hash-wasm/dist/sha3.umd.min.js"), "utf8");
  const match = /name:"sha3",data:"([A-Za-z0-9+/=]+)"/.exec(bundle);
  if (!match) throw new Error("hash-wasm bundle layout changed");
  const { instance } = await WebAssembly.instantiate(Buffer.from(match[1], "base64"));
  const wasm = instance.exports as unknown as Sha3Exports;
  // The module's I/O buffer: input is written at its start, the digest is read back from there.
  const io = new Uint8Array(wasm.memory.buffer, wasm.Hash_GetBuffer(), 16 * 1024);
  const KECCAK_BITS = 256;
  const KECCAK_PADDING = 0x01; // keccak's original padding (SHA3 uses 0x06)
  // Inner nodes are hashed in blocks staged inside the module's 16 KB I/O buffer: bytes [0, 64) are
  // the hash input, then the children of up to BLOCK parents, then those parents' digests. Moving a
  // pair in and a digest out is then a copyWithin, with no JavaScript object per node. (The module's
  // memory has a fixed maximum, so the tree itself cannot live inside it.)
  const BLOCK = 170; // 64 + 170 * (2 + 1) * 32 = 16,384 bytes
  const CHILDREN_AT = 64;
  const PARENTS_AT = CHILDREN_AT + 2 * BLOCK * 32;
  /** Hashes `input`, leaving the digest at the start of the I/O buffer. */
  const absorb = (input: Uint8Array): void => {
    if (input.length <= io.length) {
      io.set(input);
      wasm.Hash_Calculate(input.length, KECCAK_BITS, KECCAK_PADDING);
      return;
    }
    wasm.Hash_Init(KECCAK_BITS); // longer than the buffer (never a tree's input): in chunks
    for (let at = 0; at < input.length; at += io.length) {
      const chunk = input.subarray(at, at + io.length);
      io.set(chunk);
      wasm.Hash_Update(chunk.length);
    }
    wasm.Hash_Final(KECCAK_PADDING);
  };
  const hasher: Keccak256Hasher = {
    engine: "wasm-direct",
    hashInto(input, output, outputOffset) {
      absorb(input);
      output.set(io.subarray(0, 32), outputOffset);
    },
    doubleHashInto(input, output, outputOffset) {
      absorb(input);
      // The first digest is already where the second hash reads its input.
      wasm.Hash_Calculate(32, KECCAK_BITS, KECCAK_PADDING);
      output.set(io.subarray(0, 32), outputOffset);
    },
    hashInnerNodes(nodes, leafCount, onProgress) {
      let reported = leafCount - 1;
      for (let last = leafCount - 2; last >= 0; ) {
        // Parents first..last, whose children (2i+1, 2i+2) all lie past `last`: already final.
        const first = last === 0 ? 0 : Math.max((last >> 1) + 1, last - BLOCK + 1);
        io.set(nodes.subarray((2 * first + 1) * 32, (2 * last + 3) * 32), CHILDREN_AT);
        for (let i = last; i >= first; i--) {
          const left = CHILDREN_AT + 2 * (i - first) * 32;
          if (compareWordsAt(io, left, left + 32) <= 0) io.copyWithin(0, left, left + 64);
          else {
            io.copyWithin(0, left + 32, left + 64);
            io.copyWithin(32, left, left + 32);
          }
          wasm.Hash_Calculate(64, KECCAK_BITS, KECCAK_PADDING);
          io.copyWithin(PARENTS_AT + (i - first) * 32, 0, 32);
        }
        nodes.set(io.subarray(PARENTS_AT, PARENTS_AT + (last - first + 1) * 32), first * 32);
        if (onProgress && (reported - first >= PROGRESS_STEP || first === 0)) {
          reported = first;
          onProgress(leafCount - 1 - first, leafCount - 1);
        }
        last = first - 1;
      }
    },
  };
  selfTest(hasher);
  return hasher;
}

function wrapperHasher(keccak: IHasher): Keccak256Hasher {
  const inner = new Uint8Array(32);
  const hasher: Keccak256Hasher = {
    engine: "hash-wasm",
    hashInto(input, output, outputOffset) {
      keccak.init();
      keccak.update(input);
      output.set(keccak.digest("binary"), outputOffset);
    },
    doubleHashInto(input, output, outputOffset) {
      hasher.hashInto(input, inner, 0);
      hasher.hashInto(inner, output, outputOffset);
    },
    hashInnerNodes(nodes, leafCount, onProgress) {
      const pair = new Uint8Array(64);
      for (let i = leafCount - 2; i >= 0; i--) {
        const left = (2 * i + 1) * 32;
        const ordered = compareWordsAt(nodes, left, left + 32) <= 0;
        pair.set(nodes.subarray(ordered ? left : left + 32, ordered ? left + 32 : left + 64), 0);
        pair.set(nodes.subarray(ordered ? left + 32 : left, ordered ? left + 64 : left + 32), 32);
        hasher.hashInto(pair, nodes, i * 32);
        if (onProgress && i % PROGRESS_STEP === 0) onProgress(leafCount - 1 - i, leafCount - 1);
      }
    },
  };
  selfTest(hasher);
  return hasher;
}

function selfTest(hasher: Keccak256Hasher): void {
  const digest = new Uint8Array(32);
  hasher.hashInto(new Uint8Array(0), digest, 0);
  if (Buffer.from(digest).toString("hex") !== EMPTY_DIGEST) throw new Error("keccak256 self-test failed");
}

/** Compares the 32-byte words at `a` and `b` of `bytes` as big-endian numbers. */
function compareWordsAt(bytes: Uint8Array, a: number, b: number): number {
  for (let j = 0; j < 32; j++) {
    const d = bytes[a + j] - bytes[b + j];
    if (d !== 0) return d;
  }
  return 0;
}
