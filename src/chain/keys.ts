import { existsSync, readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { Writable } from "node:stream";
import type { Hex, LocalAccount } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import type { FlowPactConfig } from "../config";
import { decryptKeystore } from "./keystore";

/** No key is configured but the command must sign. */
export class MissingKeyError extends Error {
  override name = "MissingKeyError";
  constructor() {
    super(
      "no signing key: set FLOWPACT_PRIVATE_KEY, or FLOWPACT_KEYSTORE with its password (CLI: --key or --keystore)",
    );
  }
}

export class KeystoreNotFoundError extends Error {
  override name = "KeystoreNotFoundError";
  constructor(readonly file: string) {
    super(`keystore file ${file} not found: check FLOWPACT_KEYSTORE or --keystore`);
  }
}

/** A keystore is configured, no password is set and there is no terminal to ask on. */
export class KeystorePasswordRequiredError extends Error {
  override name = "KeystorePasswordRequiredError";
  constructor(readonly file: string) {
    super(`keystore ${file} needs a password: set FLOWPACT_KEYSTORE_PASSWORD (no terminal to prompt on)`);
  }
}

export interface LoadAccountOptions {
  /** Asks for the keystore password; default: a hidden prompt on the terminal, if there is one. */
  promptPassword?: (question: string) => Promise<string>;
}

/**
 * The account that signs for this process: `privateKey` if set, else the keystore decrypted
 * with `keystorePassword` or a prompt. The key stays inside the returned viem account; nothing
 * here prints or logs it.
 *
 * @example
 * const account = await loadAccount(config); // throws MissingKeyError when none is configured
 */
export async function loadAccount(
  config: Pick<FlowPactConfig, "privateKey" | "keystore" | "keystorePassword">,
  options: LoadAccountOptions = {},
): Promise<LocalAccount> {
  if (config.privateKey) return privateKeyToAccount(config.privateKey as Hex);
  if (!config.keystore) throw new MissingKeyError();
  if (!existsSync(config.keystore)) throw new KeystoreNotFoundError(config.keystore);
  const json = readFileSync(config.keystore, "utf8");
  let password = config.keystorePassword;
  if (password === undefined) {
    const prompt = options.promptPassword ?? (process.stdin.isTTY ? promptHidden : undefined);
    if (!prompt) throw new KeystorePasswordRequiredError(config.keystore);
    password = await prompt(`Password for keystore ${config.keystore}: `);
  }
  return privateKeyToAccount(decryptKeystore(json, password));
}

/** Reads a line from the terminal without echoing it. */
export function promptHidden(question: string): Promise<string> {
  let muted = false;
  const output = new Writable({
    write(chunk, _encoding, callback) {
      if (!muted) process.stderr.write(chunk);
      callback();
    },
  });
  const rl = createInterface({ input: process.stdin, output, terminal: true });
  return new Promise((resolve) => {
    rl.question(question, (answer) => {
      rl.close();
      process.stderr.write("\n");
      resolve(answer);
    });
    muted = true;
  });
}
