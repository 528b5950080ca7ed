/**
 * JSON Schema fragments shared by the routes. Fastify validates requests against them (so bad
 * input is a 400 before any query runs), serialises responses with them, and the OpenAPI document
 * is generated from them. Amounts and uint256 ids travel as decimal strings (they do not fit a
 * JSON number); block numbers as integers; uint64 values (counts, epochs, chain times) as exact
 * integers (`exactIntegerSchema`: a number up to 2^53−1, a decimal string beyond).
 */

export const addressSchema = {
  type: "string",
  pattern: "^0x[0-9a-fA-F]{40}$",
  description: "Member account address (0x + 40 hex digits; any case)",
} as const;

/** Path parameters of the routes under `/api/members/:address`. */
export const memberAddressParams = {
  type: "object",
  required: ["address"],
  additionalProperties: false,
  properties: { address: addressSchema },
} as const;

/** A uint256 in decimal: at most 78 digits, no sign, no leading zeros. */
export const uintStringSchema = {
  type: "string",
  pattern: "^(0|[1-9][0-9]{0,77})$",
  description: "Unsigned integer in decimal (uint256)",
} as const;

/** A signed amount of credits in decimal. */
export const amountSchema = {
  type: "string",
  pattern: "^-?[0-9]+$",
  description: "Signed integer amount of credits, in decimal",
} as const;

/** A uint64 (or a sum of them) exactly: a JSON number up to 2^53−1, a decimal string beyond. */
export const exactIntegerSchema = {
  type: ["integer", "string"],
  pattern: "^-?[0-9]+$",
  description:
    "Integer, exact: a JSON number up to 2^53−1, a decimal string beyond (uint64 values reach 2^64−1)",
} as const;

export const nullableExactIntegerSchema = {
  type: ["integer", "string", "null"],
  pattern: "^-?[0-9]+$",
  description: exactIntegerSchema.description,
} as const;

export const nullableAmountSchema = { type: ["string", "null"], pattern: "^-?[0-9]+$" } as const;
export const nullableString = { type: ["string", "null"] } as const;
export const nullableInteger = { type: ["integer", "null"] } as const;

export const errorSchema = {
  type: "object",
  required: ["error", "message"],
  properties: {
    error: { type: "string", description: "Error name, e.g. BadRequest or NotFound" },
    message: { type: "string", description: "What went wrong and what to do" },
  },
} as const;

/** Standard error responses every route can return. */
export const errorResponses = {
  400: errorSchema,
  404: errorSchema,
} as const;

export const pagingQuery = {
  limit: { type: "integer", minimum: 1, maximum: 500, default: 50, description: "Page size" },
  offset: { type: "integer", minimum: 0, maximum: 1_000_000_000, default: 0, description: "Rows to skip" },
} as const;

export const pageMeta = {
  total: { type: "integer", description: "Rows matching the filter, over all pages" },
  limit: { type: "integer" },
  offset: { type: "integer" },
} as const;

export const industrySchema = {
  type: "object",
  required: ["code", "name", "label"],
  properties: {
    code: { type: "integer" },
    name: { type: "string" },
    label: { type: "string" },
  },
} as const;

export const flowSchema = {
  type: "object",
  required: ["index", "from", "to", "segments", "segmentNames", "capPerEpoch", "rate"],
  properties: {
    index: { type: "integer" },
    from: { type: "string" },
    to: { type: "string" },
    segments: uintStringSchema,
    segmentNames: { type: "array", items: { type: "string" } },
    capPerEpoch: { type: "string" },
    rate: { type: "string" },
    settledReferrals: { ...exactIntegerSchema, description: "Referrals settled on this flow so far" },
    settledCredits: { type: "string", description: "Credits settled on this flow so far" },
  },
} as const;

export const agreementSummarySchema = {
  type: "object",
  required: ["id", "status", "proposer", "parties", "acceptedBy", "startTime", "endTime", "epochLength"],
  properties: {
    id: uintStringSchema,
    status: { type: "string" },
    proposer: { type: "string" },
    termsHash: { type: "string" },
    parties: { type: "array", items: { type: "string" } },
    acceptedBy: { type: "array", items: { type: "string" } },
    kind: { type: "string", enum: ["one-way", "pair", "cycle", "other"] },
    startTime: exactIntegerSchema,
    endTime: exactIntegerSchema,
    epochLength: exactIntegerSchema,
    noticeEpochs: exactIntegerSchema,
    proposalExpiry: exactIntegerSchema,
    epochCount: { ...exactIntegerSchema, description: "Epochs between start and end" },
    currentEpoch: { type: ["integer", "null"], description: "Running epoch, null outside the term" },
    flowCount: { type: "integer" },
    settledReferrals: exactIntegerSchema,
    settledCredits: { type: "string" },
    rejectedBy: nullableString,
    terminatedBy: nullableString,
    terminationEffectiveAt: nullableExactIntegerSchema,
    proposedBlock: { type: "integer" },
    updatedBlock: { type: "integer" },
  },
} as const;
