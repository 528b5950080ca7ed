/** `scheme://user:password@` (or `scheme://token@`) in any URL inside a text. */
const URL_CREDENTIALS = /\b([a-z][a-z0-9+.-]*:\/\/)([^\s:@/]+)(?::([^\s@/]*))?@/gi;

/** Environment variables whose values are secrets wherever they show up. */
const SECRET_ENV = ["FLOWPACT_PRIVATE_KEY", "FLOWPACT_KEYSTORE_PASSWORD"] as const;

/**
 * The one redaction of secrets in text a user or a log sees: the credentials of every URL
 * (`https://user:<redacted>@host`, `https://<redacted>@host` for a bare token) and every given
 * secret (a private key with or without its 0x, a password), by default those of the environment.
 *
 * @example
 * redactSecrets("cannot reach http://u:hunter2@rpc.example") // "cannot reach http://u:<redacted>@rpc.example"
 */
export function redactSecrets(
  text: string,
  secrets: readonly (string | undefined)[] = SECRET_ENV.map((name) => process.env[name]),
): string {
  let out = text.replace(URL_CREDENTIALS, (_match, scheme: string, user: string, password?: string) =>
    password === undefined ? `${scheme}<redacted>@` : `${scheme}${user}:<redacted>@`,
  );
  for (const secret of secrets) {
    // Short values (an empty or one-letter password) would blank out ordinary words.
    if (!secret || secret.length < 6) continue;
    out = out.split(secret).join("<redacted>");
    if (/^0x[0-9a-fA-F]+$/.test(secret)) out = out.split(secret.slice(2)).join("<redacted>");
  }
  return out;
}
