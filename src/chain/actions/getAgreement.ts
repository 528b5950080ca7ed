import type { Address, Hex } from "viem";
import type { FlowPactClient } from "../clients";
import { AGREEMENT_STATUSES, type AgreementSchedule, type AgreementStatus, type Flow } from "../types";
import { readFlowPact } from "../write";

export interface GetAgreementParameters {
  agreementId: bigint;
}
export interface GetAgreementReturnType {
  agreementId: bigint;
  status: AgreementStatus;
  proposer: Address;
  termsHash: Hex;
  parties: readonly Address[];
  /** Parties that have accepted, in `parties` order. */
  acceptedBy: readonly Address[];
  flows: readonly Flow[];
  schedule: AgreementSchedule;
  proposalExpiry: bigint;
}

/**
 * An agreement as the AgreementBook holds it now.
 *
 * @example
 * const agreement = await getAgreement(client, { agreementId: 1n });
 */
export async function getAgreement(
  client: FlowPactClient,
  { agreementId }: GetAgreementParameters,
): Promise<GetAgreementReturnType> {
  const read = <T>(functionName: string, args: readonly unknown[] = [agreementId]) =>
    readFlowPact<T>(client, { contract: "AgreementBook", functionName, args });
  const status = AGREEMENT_STATUSES[await read<number>("status")];
  const [proposer, termsHash, parties, flows, [schedule, proposalExpiry]] = await Promise.all([
    read<Address>("proposer"),
    read<Hex>("termsHash"),
    read<readonly Address[]>("parties"),
    read<readonly Flow[]>("flows"),
    read<readonly [AgreementSchedule, bigint]>("schedule"),
  ]);
  const accepted = await Promise.all(parties.map((p) => read<boolean>("hasAccepted", [agreementId, p])));
  return {
    agreementId,
    status,
    proposer,
    termsHash,
    parties,
    acceptedBy: parties.filter((_, i) => accepted[i]),
    flows,
    schedule,
    proposalExpiry,
  };
}
