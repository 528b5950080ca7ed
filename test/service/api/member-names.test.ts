import { expect } from "chai";
import type { FastifyInstance } from "fastify";
import { createApiServer } from "../../../src/api/server";
import { createStore, type Store } from "../../../src/store/store";
import { type ConsortiumState, fillConsortiumState } from "./consortium-state";

const NOW = 1_800_000_000;

/**
 * Member names are free text chosen by each member: a second member can call itself what the
 * first one is called. The API flags every member whose display name another member also shows
 * (`duplicateName`), on every route that names members, so the dashboard can mark them.
 */
describe("dashboard API: duplicate member names", function () {
  this.timeout(120_000);
  let store: Store;
  let app: FastifyInstance;
  let state: ConsortiumState;
  let original: { address: string; name: string };
  let impostor: { address: string; name: string };

  before(async () => {
    store = await createStore({ memory: true });
    state = await fillConsortiumState(store.driver, { now: NOW, epochLength: 60 });
    original = state.members[0];
    impostor = state.members[1];
    // The impostor's profile names it like the original, with a zero-width space and other case.
    const lookalike = `${original.name.toUpperCase().slice(0, 1)}\u200b${original.name.slice(1)}`;
    await store.driver.query("UPDATE members SET uri = $2 WHERE address = $1", [
      impostor.address,
      `data:application/json,${encodeURIComponent(JSON.stringify({ name: lookalike }))}`,
    ]);
    app = await createApiServer({ store, now: () => NOW, dashboardDir: false });
  });

  after(async () => {
    await app?.close();
    await store?.close();
  });

  const get = async (url: string) => (await app.inject({ url })).json();

  it("flags both members in /api/members, /api/members/:address, /api/network and /api/balances/history", async () => {
    const members = (await get("/api/members")).items as Array<{ address: string; duplicateName: boolean }>;
    const flagged = members.filter((m) => m.duplicateName).map((m) => m.address);
    expect(flagged).to.have.members([original.address, impostor.address]);
    expect((await get(`/api/members/${impostor.address}`)).member.duplicateName).to.equal(true);
    expect((await get(`/api/members/${state.members[2].address}`)).member.duplicateName).to.equal(false);
    const nodes = (await get("/api/network")).nodes as Array<{ id: string; duplicateName: boolean }>;
    expect(nodes.filter((n) => n.duplicateName).map((n) => n.id)).to.have.members([
      original.address,
      impostor.address,
    ]);
    const series = (await get("/api/balances/history?top=30")).series as Array<{
      member: string;
      duplicateName: boolean;
    }>;
    for (const s of series)
      expect(s.duplicateName, s.member).to.equal(
        s.member === original.address || s.member === impostor.address,
      );
  });
});
