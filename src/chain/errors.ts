import {
  type Abi,
  BaseError,
  ContractFunctionRevertedError,
  decodeErrorResult,
  type Hex,
  keccak256,
  toHex,
} from "viem";
import { FLOWPACT_ERRORS_ABI } from "./contracts";

type AbiError = Extract<Abi[number], { type: "error" }>;

/** Names of the Solidity enums that appear in FlowPact errors, by value. */
const ENUMS: Record<string, readonly string[]> = {
  AgreementStatus: ["None", "Proposed", "Active", "Rejected", "Expired", "Terminated"],
  MemberStatus: ["None", "Applied", "Admitted", "Suspended", "Exited"],
  OfferSide: ["Supply", "Demand"],
  BatchStatus: ["None", "Committed", "Claimed", "Disputed", "Finalised", "Resolved"],
  AuditVerdict: ["None", "Clean", "Anomalies", "Fraud"],
};

/** Roles by hash, so `ConsortiumUnauthorizedAccount(…, neededRole)` names the role. */
const ROLES: Record<string, string> = Object.fromEntries(
  ["GOVERNOR_ROLE", "MATCHER_ROLE", "AUDITOR_ROLE"].map((r) => [keccak256(toHex(r)), r]),
);
ROLES[`0x${"0".repeat(64)}`] = "DEFAULT_ADMIN_ROLE";

const COMPONENTS = [
  "AgreementBook",
  "Agreement",
  "OfferBook",
  "CreditLedger",
  "Settlement",
  "Consortium",
  "AccessControl",
];

export interface DecodedRevert {
  /** Custom error name, e.g. `OfferBookNotOfferOwner`. */
  errorName: string;
  /** Arguments by name (positional names `arg0`… when unnamed). */
  args: Record<string, unknown>;
  /** One readable sentence: `OfferBook: not offer owner (offerId 3, account 0x…, owner 0x…)`. */
  sentence: string;
}

/**
 * A FlowPact contract refused a call (or a call failed on its way to the chain). `shortMessage`
 * is one readable line for people; `errorName` and `args` are for programs; `cause` is the
 * original viem error.
 */
export class FlowPactContractError extends Error {
  override name = "FlowPactContractError";
  readonly shortMessage: string;
  readonly details?: string;
  readonly errorName?: string;
  readonly args?: Record<string, unknown>;
  readonly contract?: string;
  readonly functionName?: string;

  constructor(
    shortMessage: string,
    options: {
      cause?: unknown;
      details?: string;
      errorName?: string;
      args?: Record<string, unknown>;
      contract?: string;
      functionName?: string;
    } = {},
  ) {
    super(
      [shortMessage, options.details ? `Details: ${options.details}` : undefined].filter(Boolean).join("\n"),
      {
        cause: options.cause,
      },
    );
    this.shortMessage = shortMessage;
    this.details = options.details;
    this.errorName = options.errorName;
    this.args = options.args;
    this.contract = options.contract;
    this.functionName = options.functionName;
  }
}

function words(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1 $2")
    .toLowerCase();
}

function formatValue(value: unknown, internalType: string | undefined): string {
  const enumName = internalType?.startsWith("enum ") ? internalType.slice(5).split(".").pop()! : undefined;
  if (enumName && ENUMS[enumName] && typeof value === "number")
    return ENUMS[enumName][value] ?? String(value);
  if (typeof value === "string" && ROLES[value]) return ROLES[value];
  if (typeof value === "bigint") return value.toString();
  if (Array.isArray(value)) return `[${value.map((v) => formatValue(v, undefined)).join(", ")}]`;
  return String(value);
}

/** Turns a decoded custom error into the readable sentence. */
export function describeCustomError(abiItem: AbiError, args: readonly unknown[] | undefined): DecodedRevert {
  const component = COMPONENTS.find((c) => abiItem.name.startsWith(c) && abiItem.name.length > c.length);
  const rest = component ? abiItem.name.slice(component.length) : abiItem.name;
  const named: Record<string, unknown> = {};
  const shown = abiItem.inputs.map((input, i) => {
    const key = input.name || `arg${i}`;
    named[key] = args?.[i];
    return `${key} ${formatValue(args?.[i], input.internalType)}`;
  });
  const head = component
    ? `${component === "Agreement" ? "AgreementBook" : component}: ${words(rest)}`
    : words(rest);
  return {
    errorName: abiItem.name,
    args: named,
    sentence: shown.length > 0 ? `${head} (${shown.join(", ")})` : head,
  };
}

/** Decodes revert data (`0x` + selector + args) with every FlowPact error; undefined if unknown. */
export function decodeRevertData(data: Hex, extraAbi: Abi = []): DecodedRevert | undefined {
  try {
    const decoded = decodeErrorResult({ abi: [...FLOWPACT_ERRORS_ABI, ...extraAbi], data });
    if (decoded.abiItem.type !== "error") return undefined;
    if (decoded.errorName === "Error")
      return { errorName: "Error", args: { reason: decoded.args?.[0] }, sentence: String(decoded.args?.[0]) };
    return describeCustomError(decoded.abiItem as AbiError, decoded.args as readonly unknown[] | undefined);
  } catch {
    return undefined;
  }
}

function findRevertData(error: unknown): Hex | undefined {
  let current: unknown = error;
  for (let depth = 0; current && depth < 10; depth++) {
    const data = (current as { data?: unknown }).data;
    if (typeof data === "string" && /^0x[0-9a-fA-F]{8,}$/.test(data)) return data as Hex;
    if (data && typeof data === "object" && typeof (data as { data?: unknown }).data === "string")
      return (data as { data: Hex }).data;
    const raw = (current as { raw?: unknown }).raw;
    if (typeof raw === "string" && raw.length >= 10) return raw as Hex;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * Wraps whatever a contract call threw into a `FlowPactContractError` whose `shortMessage` is
 * the decoded custom error as one sentence, e.g. "OfferBook: not offer owner (offerId 3, …)".
 * Errors that are not reverts (no connection, nonce too low) keep viem's short message.
 */
export function toFlowPactError(
  error: unknown,
  context: { contract?: string; functionName?: string } = {},
): FlowPactContractError {
  if (error instanceof FlowPactContractError) return error;
  const where =
    context.contract && context.functionName ? `${context.contract}.${context.functionName}` : undefined;
  if (error instanceof BaseError) {
    const reverted = error.walk(
      (e) => e instanceof ContractFunctionRevertedError,
    ) as ContractFunctionRevertedError | null;
    let decoded: DecodedRevert | undefined;
    if (reverted?.data && reverted.data.abiItem.type === "error" && reverted.data.errorName !== "Error")
      decoded = describeCustomError(
        reverted.data.abiItem as AbiError,
        reverted.data.args as readonly unknown[],
      );
    if (!decoded) {
      const data = findRevertData(error);
      if (data) decoded = decodeRevertData(data);
    }
    if (decoded)
      return new FlowPactContractError(`${decoded.sentence}${where ? ` [${where}]` : ""}`, {
        cause: error,
        details: error.details,
        errorName: decoded.errorName,
        args: decoded.args,
        ...context,
      });
    if (reverted?.reason)
      return new FlowPactContractError(`${where ?? "call"} reverted: ${reverted.reason}`, {
        cause: error,
        ...context,
      });
    return new FlowPactContractError(`${where ? `${where} failed: ` : ""}${error.shortMessage}`, {
      cause: error,
      details: error.details,
      ...context,
    });
  }
  return new FlowPactContractError(
    `${where ? `${where} failed: ` : ""}${(error as Error)?.message ?? String(error)}`,
    {
      cause: error,
      ...context,
    },
  );
}
