import type { Agreement, Member, Offer, Proposal } from "./api";
import { industryColor } from "./colors";
import { badge, compact, h } from "./dom";
import { DUPLICATE_MARK, DUPLICATE_TITLE } from "./member-label";
import type { Names } from "./tables";

export interface MemberViewData {
  member: Member;
  offers: Offer[];
  agreements: Agreement[];
  proposals: Proposal[];
}

/** A member's own page: balance and limit, its offers, and the proposals waiting for it. */
export function renderMemberView(
  container: HTMLElement,
  data: MemberViewData,
  names: Names,
  busy: ReadonlySet<string>,
  act: (proposal: Proposal, action: "accept" | "reject") => void,
) {
  const m = data.member;
  const balance = Number(m.balance);
  const limit = Number(m.creditLimit);
  // The bar spans -limit … +limit; the marker is the balance.
  const ratio = limit > 0 ? Math.max(-1, Math.min(1, balance / limit)) : 0;
  const gauge = h(
    "div",
    {
      class: "gauge",
      title: `balance ${balance.toLocaleString("en-US")}, credit limit ${limit.toLocaleString("en-US")}`,
    },
    h("div", {
      class: `fill ${balance < 0 ? "neg" : "pos"}`,
      style: ratio < 0 ? `left:${50 + ratio * 50}%;width:${-ratio * 50}%` : `left:50%;width:${ratio * 50}%`,
    }),
    h("div", { class: "mid" }),
  );
  const head = h(
    "div",
    { class: "member-head" },
    h("span", { class: "swatch", style: `background:${industryColor(m.industry.name)}` }),
    h(
      "div",
      {},
      h(
        "div",
        { class: "member-name" },
        m.duplicateName
          ? h(
              "span",
              { class: "duplicate-mark", title: DUPLICATE_TITLE, "data-duplicate": true },
              `${DUPLICATE_MARK} `,
            )
          : null,
        m.name,
      ),
      h(
        "div",
        { class: "muted small" },
        `${m.industry.label} · ${m.status} · `,
        h("span", { class: "mono" }, m.address),
      ),
    ),
  );
  const figures = h(
    "div",
    { class: "figures" },
    figure("Balance", compact(m.balance), balance < 0 ? "neg" : "pos", "member-balance"),
    figure("Credit limit", compact(m.creditLimit)),
    figure("Sent", compact(m.referralsSent)),
    figure("Received", compact(m.referralsReceived)),
  );
  const pending = data.proposals.filter((p) => !p.expired);
  const proposals = h("div", { class: "proposals", "data-count": pending.length });
  for (const p of pending) {
    const others = p.parties.filter((x) => x !== m.address);
    const waiting = p.parties.filter((x) => !p.acceptedBy.includes(x));
    const key = `${p.id}`;
    const actions = p.acceptedByMember
      ? h(
          "div",
          { class: "muted small" },
          `Accepted — waiting for ${waiting.map((x) => names.get(x) ?? x).join(", ")}`,
        )
      : h(
          "div",
          { class: "actions" },
          h(
            "button",
            {
              class: "primary",
              "data-action": "accept",
              disabled: busy.has(key),
              onclick: () => act(p, "accept"),
            },
            busy.has(key) ? "Sending…" : "Accept",
          ),
          h(
            "button",
            {
              class: "secondary",
              "data-action": "reject",
              disabled: busy.has(key),
              onclick: () => act(p, "reject"),
            },
            "Reject",
          ),
        );
    proposals.append(
      h(
        "div",
        { class: "proposal", "data-proposal": p.id },
        h(
          "div",
          { class: "proposal-head" },
          h("b", {}, `#${p.id} `),
          p.kind === "cycle" ? badge(`${p.parties.length}-cycle`, "cycle") : badge(p.kind, "muted"),
          h("span", { class: "muted small" }, ` with ${others.map((x) => names.get(x) ?? x).join(", ")}`),
        ),
        h(
          "ul",
          { class: "flows" },
          ...p.flows.map((f) =>
            h(
              "li",
              {},
              `${f.from === m.address ? "You" : (names.get(f.from) ?? f.from)} → ${f.to === m.address ? "you" : (names.get(f.to) ?? f.to)}: `,
              `${f.segmentNames.join(", ")} · ${compact(f.capPerEpoch)}/epoch at ${f.rate}`,
            ),
          ),
        ),
        h(
          "div",
          { class: "proposal-foot" },
          h("span", { class: "muted small" }, `${p.acceptedBy.length}/${p.parties.length} accepted`),
          actions,
        ),
      ),
    );
  }
  if (pending.length === 0)
    proposals.append(h("p", { class: "muted small" }, "No proposals waiting for this member."));
  const offers = h(
    "ul",
    { class: "offers" },
    ...data.offers
      .filter((o) => o.state === "active")
      .slice(0, 4)
      .map((o) =>
        h(
          "li",
          {},
          h("span", { class: "tag supply" }, "sends"),
          ` ${o.supplySegments.join(", ")} · ${compact(o.capacityPerEpoch)}/epoch ≥ ${o.minRate}`,
          o.demandSegments.length > 0
            ? h(
                "div",
                { class: "muted" },
                h("span", { class: "tag demand" }, "wants"),
                ` ${o.demandSegments.join(", ")} · ${compact(o.volumePerEpoch)}/epoch ≤ ${o.maxRate}`,
              )
            : null,
        ),
      ),
  );
  if (offers.childElementCount === 0) offers.append(h("li", { class: "muted" }, "No active offers"));
  const running = data.agreements.filter((a) => a.status === "active").length;
  container.replaceChildren(
    head,
    figures,
    gauge,
    h("h3", {}, `Proposals `, h("span", { class: "count" }, String(pending.length))),
    proposals,
    h("h3", {}, "Offers ", h("span", { class: "muted small" }, `· ${running} active agreements`)),
    offers,
  );
}

function figure(label: string, value: string, tone = "", id?: string) {
  return h(
    "div",
    { class: "figure" },
    h("div", { class: "muted small" }, label),
    h("div", { class: `value ${tone}`, "data-figure": id }, value),
  );
}
