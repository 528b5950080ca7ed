import { type AgreementDetail, api, type Member, type Network, type Proposal } from "./api";
import { renderBalanceChart } from "./chart";
import { INDUSTRY_COLORS } from "./colors";
import { byId, compact, h } from "./dom";
import { createNetworkGraph } from "./graph";
import { memberLabel } from "./member-label";
import { renderMemberView } from "./member-view";
import { takeOperatorToken } from "./operator-token";
import { renderAgreementDetail, renderAgreements, renderAudits, renderBatches } from "./tables";

/** Live updates: the whole page re-reads the API this often. */
const POLL_MS = 2000;

/** Taken from the `#token=` of the URL printed at start, before anything reads the fragment. */
const operatorToken = takeOperatorToken();

const state = {
  members: [] as Member[],
  names: new Map<string, string>(),
  network: undefined as Network | undefined,
  selectedMember: new URLSearchParams(location.hash.slice(1)).get("member") ?? undefined,
  selectedAgreement: undefined as string | undefined,
  agreementFilter: undefined as string | undefined,
  busy: new Set<string>(),
  polling: false,
};

const graph = createNetworkGraph(byId<SVGSVGElement>("graph"), (member) => selectMember(member));
const select = byId<HTMLSelectElement>("member-select");
select.addEventListener("change", () => selectMember(select.value));

function selectMember(address: string) {
  state.selectedMember = address;
  history.replaceState(null, "", `#member=${address}`);
  if (select.value !== address) select.value = address;
  if (state.network) graph.render(state.network, state.selectedMember);
  void refreshMember();
}

function toast(message: string, tone: "good" | "bad" = "good") {
  const el = byId("toast");
  el.textContent = message;
  el.className = `toast show ${tone}`;
  window.setTimeout(() => el.classList.remove("show"), 3500);
}

function renderStats(summary: Awaited<ReturnType<typeof api.summary>>) {
  const stat = (label: string, value: string, id: string) =>
    h(
      "div",
      { class: "stat", "data-stat": id },
      h("div", { class: "value" }, value),
      h("div", { class: "label" }, label),
    );
  byId("stats").replaceChildren(
    stat("members", compact(summary.members.byStatus.admitted ?? summary.members.total), "members"),
    stat("active agreements", compact(summary.agreements.byStatus.active ?? 0), "agreements"),
    stat("referrals settled", compact(summary.batches.settledReferrals), "referrals"),
    stat("credits settled", compact(summary.batches.settledCredits), "credits"),
    stat("open disputes", compact(summary.audits.openDisputes), "disputes"),
  );
  const block = summary.indexer.indexedBlock;
  byId("live-text").textContent =
    `live · ${block !== null ? `block ${block.toLocaleString("en-US")} · ` : ""}${new Date().toLocaleTimeString("en-GB")}`;
  byId("live").classList.remove("offline");
}

function renderLegend(network: Network) {
  const used = new Set(network.nodes.map((n) => n.industry));
  const labels = new Map(network.nodes.map((n) => [n.industry, n.industryLabel]));
  byId("legend").replaceChildren(
    ...Object.entries(INDUSTRY_COLORS)
      .filter(([name]) => used.has(name))
      .map(([name, color]) =>
        h("span", { class: "key" }, h("i", { style: `background:${color}` }), labels.get(name) ?? name),
      ),
    h("span", { class: "key note" }, h("i", { class: "ring" }), "in debit"),
    h("span", { class: "key note" }, h("i", { class: "line cycle" }), "cycle"),
    h("span", { class: "key note" }, h("i", { class: "line dashed" }), "proposed"),
  );
  const running = network.edges.filter((e) => e.state === "running");
  byId("network-hint").textContent =
    `${network.nodes.length} members · ${running.length} flows · ${network.cycles.length} cycles · size = |balance|, width = settled referrals`;
}

async function refreshMember() {
  const address = state.selectedMember;
  const view = byId("member-view");
  if (!address) {
    view.replaceChildren(h("p", { class: "muted" }, "Pick a member."));
    return;
  }
  try {
    const [detail, proposals] = await Promise.all([api.member(address), api.proposals(address)]);
    if (address !== state.selectedMember) return;
    renderMemberView(view, { ...detail, proposals: proposals.items }, state.names, state.busy, act);
  } catch (error) {
    view.replaceChildren(h("p", { class: "muted" }, `Cannot load this member: ${(error as Error).message}`));
  }
}

async function act(proposal: Proposal, action: "accept" | "reject") {
  const member = state.selectedMember;
  if (!member) return;
  state.busy.add(proposal.id);
  await refreshMember();
  try {
    const result = await api.act(member, proposal.id, action, operatorToken);
    toast(
      `${action === "accept" ? "Accepted" : "Rejected"} agreement #${proposal.id}${result.hash ? ` · tx ${result.hash.slice(0, 10)}…` : ""}`,
    );
  } catch (error) {
    toast(`Could not ${action} #${proposal.id}: ${(error as Error).message}`, "bad");
  } finally {
    state.busy.delete(proposal.id);
    await poll();
  }
}

async function refreshAgreements() {
  const page = await api.agreements(state.agreementFilter, 50);
  renderAgreements(
    byId<HTMLTableElement>("agreements-table"),
    page.items,
    state.names,
    state.selectedAgreement,
    (id) => {
      state.selectedAgreement = id;
      void refreshAgreements();
    },
  );
  let detail: AgreementDetail | undefined;
  if (state.selectedAgreement) detail = await api.agreement(state.selectedAgreement).catch(() => undefined);
  renderAgreementDetail(byId("agreement-detail"), detail, state.names);
}

function renderFilters() {
  const options: Array<[string, string | undefined]> = [
    ["All", undefined],
    ["Active", "active"],
    ["Proposed", "proposed"],
    ["Terminated", "terminated"],
  ];
  byId("agreement-filters").replaceChildren(
    ...options.map(([label, status]) =>
      h(
        "button",
        {
          class: `chip-button${state.agreementFilter === status ? " on" : ""}`,
          onclick: () => {
            state.agreementFilter = status;
            renderFilters();
            void refreshAgreements();
          },
        },
        label,
      ),
    ),
  );
}

async function poll() {
  if (state.polling) return;
  state.polling = true;
  try {
    const [summary, members, network] = await Promise.all([api.summary(), api.members(), api.network()]);
    state.members = members.items;
    state.names = new Map(members.items.map((m) => [m.address, memberLabel(m)]));
    state.network = network;
    renderStats(summary);
    if (!state.selectedMember || !state.names.has(state.selectedMember))
      state.selectedMember = await defaultMember();
    syncSelect();
    graph.render(network, state.selectedMember);
    renderLegend(network);
    const [batches, balances, audits] = await Promise.all([api.batches(40), api.balances(), api.audits()]);
    renderBatches(byId<HTMLTableElement>("batches-table"), batches.items, state.names);
    byId("batches-hint").textContent =
      `${batches.total.toLocaleString("en-US")} batches · ${summary.batches.final.toLocaleString("en-US")} final`;
    renderBalanceChart(byId<SVGSVGElement>("balance-chart"), byId("balance-legend"), balances);
    renderAudits(byId("audits"), audits, state.names);
    await Promise.all([refreshAgreements(), refreshMember()]);
    document.body.dataset.loaded = "true";
  } catch (error) {
    byId("live").classList.add("offline");
    byId("live-text").textContent = `offline · ${(error as Error).message}`;
  } finally {
    state.polling = false;
  }
}

/** The first member with a proposal still waiting for it (the interesting view), else the first. */
async function defaultMember(): Promise<string | undefined> {
  const proposed = await api.agreements("proposed", 50).catch(() => undefined);
  for (const a of proposed?.items ?? []) {
    const waiting = a.parties.find((p) => !a.acceptedBy.includes(p) && state.names.has(p));
    if (waiting) return waiting;
  }
  return state.members[0]?.address;
}

function syncSelect() {
  const wanted = state.members.map((m) => `${m.address}:${memberLabel(m)}`).join(",");
  if (select.dataset.members !== wanted) {
    const sorted = [...state.members].sort((a, b) => a.name.localeCompare(b.name));
    select.replaceChildren(
      ...sorted.map((m) => h("option", { value: m.address }, `${memberLabel(m)} — ${m.industry.label}`)),
    );
    select.dataset.members = wanted;
  }
  if (state.selectedMember) select.value = state.selectedMember;
}

renderFilters();
void poll();
window.setInterval(() => void poll(), POLL_MS);
