import type { Agreement, AgreementDetail, Audits, Batch } from "./api";
import { badge, compact, h, shortAddress } from "./dom";

export type Names = ReadonlyMap<string, string>;
const nameOf = (names: Names, address: string) => names.get(address) ?? shortAddress(address);

const STATUS_TONE: Record<string, string> = {
  active: "good",
  proposed: "info",
  terminated: "muted",
  rejected: "bad",
  expired: "muted",
};

const KIND_LABEL: Record<string, string> = {
  pair: "pair",
  cycle: "cycle",
  "one-way": "one-way",
  other: "multi",
};

export function renderAgreements(
  table: HTMLTableElement,
  items: readonly Agreement[],
  names: Names,
  selected: string | undefined,
  onSelect: (id: string) => void,
) {
  const head = h(
    "thead",
    {},
    h(
      "tr",
      {},
      h("th", {}, "#"),
      h("th", {}, "Parties"),
      h("th", {}, "Kind"),
      h("th", {}, "Status"),
      h("th", { class: "num" }, "Epoch"),
      h("th", { class: "num" }, "Referrals"),
      h("th", { class: "num" }, "Credits"),
    ),
  );
  const body = h("tbody");
  for (const a of items) {
    const parties = a.parties.map((p) => nameOf(names, p)).join(a.kind === "cycle" ? " → " : " · ");
    body.append(
      h(
        "tr",
        {
          class: `clickable${a.id === selected ? " selected" : ""}`,
          "data-agreement": a.id,
          onclick: () => onSelect(a.id),
        },
        h("td", { class: "mono" }, a.id),
        h("td", { class: "parties", title: parties }, parties),
        h(
          "td",
          {},
          a.kind === "cycle" ? badge(`${a.parties.length}-cycle`, "cycle") : (KIND_LABEL[a.kind] ?? a.kind),
        ),
        h("td", {}, badge(a.status, STATUS_TONE[a.status] ?? "muted")),
        h("td", { class: "num" }, a.currentEpoch === null ? "—" : `${a.currentEpoch + 1} / ${a.epochCount}`),
        h("td", { class: "num" }, compact(a.settledReferrals)),
        h("td", { class: "num" }, compact(a.settledCredits)),
      ),
    );
  }
  if (items.length === 0)
    body.append(h("tr", {}, h("td", { colspan: 7, class: "empty" }, "No agreements yet")));
  table.replaceChildren(head, body);
}

const EPOCH_TONE: Record<string, string> = {
  settled: "good",
  pending: "info",
  disputed: "bad",
  missing: "warn",
  open: "muted",
};

export function renderAgreementDetail(
  container: HTMLElement,
  detail: AgreementDetail | undefined,
  names: Names,
) {
  if (!detail) {
    container.replaceChildren(
      h("p", { class: "hint pad" }, "Select an agreement to see its flows and epochs."),
    );
    return;
  }
  const a = detail.agreement;
  const flows = h(
    "ul",
    { class: "flows" },
    ...a.flows.map((f) =>
      h(
        "li",
        {},
        h("b", {}, `${nameOf(names, f.from)} → ${nameOf(names, f.to)}`),
        ` · ${f.segmentNames.join(", ")} · cap ${compact(f.capPerEpoch)}/epoch · rate ${f.rate} · `,
        h("span", { class: "muted" }, `${compact(f.settledReferrals)} settled`),
      ),
    ),
  );
  const totals = h(
    "div",
    { class: "chips" },
    ...Object.entries(detail.epochTotals)
      .filter(([, n]) => n > 0)
      .map(([state, n]) => badge(`${n} ${state}`, EPOCH_TONE[state] ?? "muted")),
  );
  const strip = h(
    "div",
    { class: "epoch-strip", "aria-label": "Recent epochs, oldest left" },
    ...[...detail.epochs].reverse().map((e) =>
      h("span", {
        class: `epoch ${EPOCH_TONE[e.state] ?? "muted"}`,
        title: `epoch ${e.epoch}: ${e.state}${e.flows.map((f) => `\nflow ${f.flow}: ${f.state}${f.settledCount !== null ? ` (${f.settledCount})` : ""}`).join("")}`,
        "data-state": e.state,
      }),
    ),
  );
  container.replaceChildren(
    h(
      "div",
      { class: "detail" },
      h("div", { class: "detail-head" }, h("b", {}, `Agreement #${a.id}`), totals),
      flows,
      strip,
    ),
  );
}

export function batchState(b: Batch): { label: string; tone: string } {
  if (b.status === "committed") return { label: "co-signed", tone: "good" };
  if (b.status === "claimed") return { label: "claimed", tone: "info" };
  if (b.status === "disputed") return { label: "disputed", tone: "bad" };
  if (b.status === "finalised") return { label: "claimed · final", tone: "good-soft" };
  if (b.status === "resolved") return { label: "resolved", tone: "warn" };
  return { label: b.status, tone: "muted" };
}

export function renderBatches(table: HTMLTableElement, items: readonly Batch[], names: Names) {
  const head = h(
    "thead",
    {},
    h(
      "tr",
      {},
      h("th", {}, "Agreement"),
      h("th", { class: "num" }, "Epoch"),
      h("th", {}, "Referrer → recipient"),
      h("th", { class: "num" }, "Count"),
      h("th", { class: "num" }, "Settled"),
      h("th", {}, "State"),
    ),
  );
  const body = h("tbody");
  for (const b of items) {
    const state = batchState(b);
    body.append(
      h(
        "tr",
        { "data-batch": `${b.agreementId}:${b.flow}:${b.epoch}`, "data-status": b.status },
        h("td", { class: "mono" }, `#${b.agreementId}`, h("span", { class: "muted" }, ` flow ${b.flow}`)),
        h("td", { class: "num" }, b.epoch),
        h("td", { class: "parties" }, `${nameOf(names, b.from)} → ${nameOf(names, b.to)}`),
        h("td", { class: "num" }, compact(b.count)),
        h(
          "td",
          { class: "num" },
          b.settledCount === null ? "—" : compact(b.settledCount),
          b.dispute ? h("span", { class: "muted" }, ` (counter ${compact(b.dispute.counterCount)})`) : null,
        ),
        h("td", {}, badge(state.label, state.tone)),
      ),
    );
  }
  if (items.length === 0) body.append(h("tr", {}, h("td", { colspan: 6, class: "empty" }, "No batches yet")));
  table.replaceChildren(head, body);
}

const VERDICT_TONE: Record<string, string> = { clean: "good", anomalies: "warn", fraud: "bad" };

export function renderAudits(container: HTMLElement, audits: Audits, names: Names) {
  const chips = h(
    "div",
    { class: "chips" },
    ...(["clean", "anomalies", "fraud"] as const).map((v) =>
      badge(`${audits.verdicts[v] ?? 0} ${v}`, VERDICT_TONE[v]),
    ),
  );
  const list = h(
    "ul",
    { class: "audit-list" },
    ...audits.attestations.map((a) =>
      h(
        "li",
        { "data-verdict": a.verdict },
        badge(a.verdict, VERDICT_TONE[a.verdict] ?? "muted"),
        h("span", {}, ` blocks ${a.fromBlock.toLocaleString("en-US")}–${a.toBlock.toLocaleString("en-US")}`),
        h("span", { class: "muted", title: a.reportHash }, ` · by ${nameOf(names, a.auditor)}`),
      ),
    ),
  );
  if (audits.attestations.length === 0) list.append(h("li", { class: "empty" }, "No attestations yet"));
  const disputes = audits.disputes
    .slice(0, 4)
    .map((d) =>
      h(
        "li",
        {},
        badge(
          d.status === "resolved" ? (d.disputeUpheld ? "upheld" : "rejected") : "open",
          d.status === "resolved" ? "muted" : "bad",
        ),
        ` #${d.agreementId} flow ${d.flow}, epoch ${d.epoch}: claimed ${d.claimedCount ?? "?"}, counter ${d.counterCount}${d.resolvedCount !== null ? `, resolved ${d.resolvedCount}` : ""}`,
      ),
    );
  const report = audits.reportUrl
    ? h(
        "a",
        { id: "audit-report", href: audits.reportUrl, target: "_blank", rel: "noopener" },
        "Latest audit report ↗",
      )
    : h("span", {});
  container.replaceChildren(
    chips,
    report,
    list,
    h("h3", {}, "Disputes"),
    h(
      "ul",
      { class: "audit-list" },
      ...(disputes.length > 0 ? disputes : [h("li", { class: "empty" }, "None")]),
    ),
  );
}
