import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { Contract } from "../../contracts/settlement/fixture";

/**
 * Publishes `url` as the member's node URL: the `uri` of its on-chain profile (what other nodes,
 * the daemon's conversion feed and the auditor resolve), keeping the rest of the profile.
 */
export async function setNodeUri(
  consortium: Contract,
  member: HardhatEthersSigner,
  url: string,
): Promise<void> {
  const p = await consortium.profileOf(member.address);
  await (consortium.connect(member) as Contract).updateProfile({
    industry: p.industry,
    segments: p.segments,
    uri: url,
    contentHash: p.contentHash,
    signer: p.signer,
  });
}
