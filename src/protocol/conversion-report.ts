import { z } from "zod";
import { address, uint64String, uintString } from "./wire";

/**
 * `GET <recipient node>/v1/reports/conversions?recipient=<member>[&agreementId=N]&nonce=…`, signed
 * by a MATCHER (src/member/peer-auth.ts): counts per (agreement, flow, epoch) the member received.
 */
export const CONVERSION_REPORT_PATH = "/v1/reports/conversions";

/** Rows one report may carry; a node with more answers for one agreement at a time (`agreementId`). */
export const MAX_CONVERSION_REPORT_ROWS = 10_000;

const count = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

/** Arrivals and conversions the member recorded as recipient for one (agreement, flow, epoch). */
export const conversionReportRowSchema = z.object({
  agreementId: uintString,
  flow: z.number().int().min(0).max(0xffffffff),
  epoch: uint64String,
  arrivals: count,
  conversions: count,
});
export type ConversionReportRow = z.infer<typeof conversionReportRowSchema>;

/** The report as served. */
export const conversionReportSchema = z.object({
  /** The recipient that recorded these counts. */
  member: address,
  rows: z.array(conversionReportRowSchema).max(MAX_CONVERSION_REPORT_ROWS),
});
export type ConversionReport = z.infer<typeof conversionReportSchema>;

/**
 * The report as a reader parses it first: the envelope strictly, the rows one by one (with
 * `conversionReportRowSchema`), so one malformed row is dropped alone.
 */
export const conversionReportEnvelopeSchema = z.object({
  member: address,
  rows: z.array(z.unknown()).max(MAX_CONVERSION_REPORT_ROWS),
});
