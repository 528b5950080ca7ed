import { type Hex, keccak256, toHex } from "viem";
import { type PrivateKeyAccount, privateKeyToAccount } from "viem/accounts";

/**
 * Hardhat's development key #0 (mnemonic "test test … junk"): funded on every `hardhat node`.
 * The demo deploys and governs with it; it is public, so it is only ever used on a local chain.
 */
export const DEV_GOVERNOR_KEY: Hex = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

/**
 * The demo members' keys, derived from a fixed label so that every `npm start` (and a re-bootstrap
 * after the local chain was restarted) gives the same institutions the same accounts.
 */
export function demoMemberAccounts(count: number): PrivateKeyAccount[] {
  return Array.from({ length: count }, (_, i) =>
    privateKeyToAccount(keccak256(toHex(`flowpact demo member ${i}`))),
  );
}

/**
 * Hardhat's development key #1: the demo's matching daemon proposes with it (the bootstrap makes
 * it the MATCHER), so its nonces never race the governor's.
 */
export const DEV_MATCHER_KEY: Hex = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";

/**
 * Hardhat's development key #2: the demo's auditor (the bootstrap makes it the AUDITOR). It is no
 * member, so it may resolve any dispute, and its nonces race nobody's.
 */
export const DEV_AUDITOR_KEY: Hex = "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a";
