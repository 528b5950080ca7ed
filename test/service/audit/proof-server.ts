import Fastify, { type FastifyInstance } from "fastify";
import type { Address, Hex } from "viem";
import { verifyProofRequest } from "../../../src/audit/proof-request";
import type { ReceiptTree } from "../../../src/receipts/receipt-tree";

/**
 * A minimal member-node proof API for the auditor's tests, speaking the documented protocol of
 * src/audit/proof-request.ts and serving real proofs from the referrers' receipt trees. One
 * server hosts every member under `/m/<member>`; `tamper` makes a member's node lie.
 */
export interface ProofServer {
  url: string;
  nodeUrls(members: Address[]): Record<Address, string>;
  /** Members whose node serves a corrupted proof. */
  tamper: Set<string>;
  requests: number;
  close(): Promise<void>;
}

export async function startProofServer(options: {
  chainId: number;
  settlement: Address;
  auditors: Address[];
  trees: Map<string, ReceiptTree>;
}): Promise<ProofServer> {
  const app: FastifyInstance = Fastify({ logger: false });
  const auditors = new Set(options.auditors.map((a) => a.toLowerCase()));
  const state = { tamper: new Set<string>(), requests: 0 };
  app.post<{ Params: { member: string } }>("/m/:member/audit/proofs", async (request, reply) => {
    state.requests++;
    const checked = await verifyProofRequest(request.body, {
      chainId: options.chainId,
      settlement: options.settlement,
      now: BigInt(Math.floor(Date.now() / 1000)),
      isAuditor: async (account) => auditors.has(account.toLowerCase()),
    });
    if (!checked.ok)
      return reply.code(checked.reason === "not-auditor" ? 403 : 401).send({ error: checked.reason });
    const { agreementId, flow, epoch, indices } = checked.request;
    const tree = options.trees.get(`${agreementId}/${flow}/${epoch}`);
    if (!tree) return reply.code(404).send({ error: "no such batch" });
    const lying = state.tamper.has(request.params.member.toLowerCase());
    return {
      agreementId: agreementId.toString(),
      flow: flow.toString(),
      epoch: epoch.toString(),
      count: tree.count,
      root: tree.root,
      proofs: indices
        .filter((i) => i < tree.count)
        .map((index) => {
          const proof = tree.getProof(index);
          // A lying node swaps the first sibling for garbage: the proof no longer reaches the root.
          if (lying) proof[0] = `0x${"ab".repeat(32)}` as Hex;
          return { index, clickId: tree.receipts[index].clickId, proof };
        }),
    };
  });
  const url = await app.listen({ host: "127.0.0.1", port: 0 });
  return {
    url,
    nodeUrls: (members) => Object.fromEntries(members.map((m) => [m, `${url}/m/${m.toLowerCase()}`])),
    tamper: state.tamper,
    get requests() {
      return state.requests;
    },
    close: () => app.close(),
  };
}
