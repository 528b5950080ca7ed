import {
  createCipheriv,
  createDecipheriv,
  pbkdf2Sync,
  randomBytes,
  randomUUID,
  scryptSync,
  timingSafeEqual,
} from "node:crypto";
import { bytesToHex, type Hex, hexToBytes, keccak256 } from "viem";
import { privateKeyToAddress } from "viem/accounts";

/**
 * Ethereum keystore v3 (the Web3 Secret Storage format geth, ethers and MetaMask read and
 * write): scrypt or PBKDF2 stretches the password, AES-128-CTR encrypts the key, and
 * keccak256(derivedKey[16..32] ‖ ciphertext) authenticates it.
 */
export interface KeystoreV3 {
  version: 3;
  id: string;
  address: string;
  crypto: {
    cipher: "aes-128-ctr";
    cipherparams: { iv: string };
    ciphertext: string;
    kdf: "scrypt" | "pbkdf2";
    kdfparams: Record<string, unknown>;
    mac: string;
  };
}

export class KeystoreFormatError extends Error {
  override name = "KeystoreFormatError";
  constructor(detail: string) {
    super(`not a usable Ethereum keystore v3 file: ${detail}`);
  }
}

export class KeystorePasswordError extends Error {
  override name = "KeystorePasswordError";
  constructor() {
    super("wrong keystore password: check FLOWPACT_KEYSTORE_PASSWORD or retype it");
  }
}

const strip0x = (s: string) => (s.startsWith("0x") ? s.slice(2) : s);

function deriveKey(password: string, kdf: string, params: Record<string, unknown>): Buffer {
  const salt = Buffer.from(strip0x(String(params.salt ?? "")), "hex");
  const dklen = Number(params.dklen ?? 32);
  if (dklen < 32) throw new KeystoreFormatError("kdfparams.dklen must be at least 32");
  if (kdf === "scrypt") {
    const N = Number(params.n);
    const r = Number(params.r);
    const p = Number(params.p);
    if (!Number.isInteger(N) || !Number.isInteger(r) || !Number.isInteger(p))
      throw new KeystoreFormatError("scrypt kdfparams need integer n, r and p");
    return scryptSync(password.normalize("NFKC"), salt, dklen, {
      N,
      r,
      p,
      maxmem: 256 * N * r + 1024 * 1024,
    });
  }
  if (kdf === "pbkdf2") {
    if (params.prf !== "hmac-sha256")
      throw new KeystoreFormatError(`unsupported pbkdf2 prf ${String(params.prf)}`);
    return pbkdf2Sync(password.normalize("NFKC"), salt, Number(params.c), dklen, "sha256");
  }
  throw new KeystoreFormatError(`unsupported kdf ${kdf}`);
}

function mac(derivedKey: Buffer, ciphertext: Buffer): Buffer {
  return Buffer.from(hexToBytes(keccak256(Buffer.concat([derivedKey.subarray(16, 32), ciphertext]))));
}

/** Decrypts a keystore v3 JSON (text or parsed) into its private key. */
export function decryptKeystore(json: string | KeystoreV3, password: string): Hex {
  let keystore: KeystoreV3;
  try {
    keystore = typeof json === "string" ? JSON.parse(json) : json;
  } catch {
    throw new KeystoreFormatError("the file is not JSON");
  }
  // Some tools write "Crypto" (capital C).
  const crypto = keystore?.crypto ?? (keystore as unknown as { Crypto?: KeystoreV3["crypto"] })?.Crypto;
  if (keystore?.version !== 3 || !crypto)
    throw new KeystoreFormatError("version must be 3 with a crypto section");
  if (crypto.cipher !== "aes-128-ctr") throw new KeystoreFormatError(`unsupported cipher ${crypto.cipher}`);
  const derivedKey = deriveKey(password, crypto.kdf, crypto.kdfparams);
  const ciphertext = Buffer.from(strip0x(crypto.ciphertext), "hex");
  const expected = Buffer.from(strip0x(crypto.mac), "hex");
  const actual = mac(derivedKey, ciphertext);
  if (expected.length !== actual.length || !timingSafeEqual(expected, actual))
    throw new KeystorePasswordError();
  const decipher = createDecipheriv(
    "aes-128-ctr",
    derivedKey.subarray(0, 16),
    Buffer.from(strip0x(crypto.cipherparams.iv), "hex"),
  );
  const privateKey = bytesToHex(Buffer.concat([decipher.update(ciphertext), decipher.final()]));
  if (
    keystore.address &&
    privateKeyToAddress(privateKey).slice(2).toLowerCase() !== strip0x(keystore.address).toLowerCase()
  )
    throw new KeystoreFormatError("the decrypted key does not match the file's address");
  return privateKey;
}

/**
 * Encrypts a private key into keystore v3 JSON with scrypt. `n` defaults to 2^17 (ethers'
 * default); tests may lower it.
 */
export function encryptKeystore(privateKey: Hex, password: string, options: { n?: number } = {}): KeystoreV3 {
  const n = options.n ?? 131_072;
  const salt = randomBytes(32);
  const iv = randomBytes(16);
  const kdfparams = { dklen: 32, n, r: 8, p: 1, salt: salt.toString("hex") };
  const derivedKey = deriveKey(password, "scrypt", kdfparams);
  const cipher = createCipheriv("aes-128-ctr", derivedKey.subarray(0, 16), iv);
  const ciphertext = Buffer.concat([cipher.update(Buffer.from(hexToBytes(privateKey))), cipher.final()]);
  return {
    version: 3,
    id: randomUUID(),
    address: privateKeyToAddress(privateKey).slice(2).toLowerCase(),
    crypto: {
      cipher: "aes-128-ctr",
      cipherparams: { iv: iv.toString("hex") },
      ciphertext: ciphertext.toString("hex"),
      kdf: "scrypt",
      kdfparams,
      mac: mac(derivedKey, ciphertext).toString("hex"),
    },
  };
}
