import { expect } from "chai";
import {
  agreementEpochs,
  currentEpoch,
  epochCount,
  flowEpochState,
  type StoredBatch,
} from "../../../src/api/epochs";

describe("agreement epochs", () => {
  const schedule = {
    startTime: 1_000,
    endTime: 1_000 + 10 * 60,
    epochLength: 60,
    terminationEffectiveAt: null,
  };
  const batch = (flowIndex: number, epoch: number, status: string): StoredBatch => ({
    flowIndex,
    epoch,
    status,
    count: 10,
    settledCount: status === "claimed" ? null : 10,
    amount: status === "claimed" ? null : "30",
    cosigned: status === "committed",
  });

  it("counts epochs of the term, cut at a termination", () => {
    expect(epochCount(schedule)).to.equal(10);
    expect(epochCount({ ...schedule, endTime: 1_000 + 601 })).to.equal(11);
    expect(epochCount({ ...schedule, terminationEffectiveAt: 1_000 + 180 })).to.equal(3);
    expect(epochCount({ ...schedule, epochLength: 0 })).to.equal(0);
  });

  it("knows the running epoch, and none before the start or after the end", () => {
    expect(currentEpoch(schedule, 999)).to.equal(null);
    expect(currentEpoch(schedule, 1_000)).to.equal(0);
    expect(currentEpoch(schedule, 1_059)).to.equal(0);
    expect(currentEpoch(schedule, 1_060)).to.equal(1);
    expect(currentEpoch(schedule, 1_600)).to.equal(null);
  });

  it("maps batch statuses and the submission window to settled, pending, disputed, missing, open", () => {
    for (const s of ["committed", "finalised", "resolved"])
      expect(flowEpochState(batch(0, 0, s), 60, 100, 30)).to.equal("settled");
    expect(flowEpochState(batch(0, 0, "claimed"), 60, 100, 30)).to.equal("pending");
    expect(flowEpochState(batch(0, 0, "disputed"), 60, 100, 30)).to.equal("disputed");
    expect(flowEpochState(undefined, 60, 59, 30)).to.equal("open");
    expect(flowEpochState(undefined, 60, 89, 30)).to.equal("pending");
    expect(flowEpochState(undefined, 60, 90, 30)).to.equal("missing");
  });

  it("lists started epochs newest first, each as its worst flow", () => {
    const now = 1_000 + 4 * 60 + 10; // epoch 4 running
    const epochs = agreementEpochs(
      schedule,
      2,
      [
        batch(0, 0, "committed"),
        batch(1, 0, "committed"),
        batch(0, 1, "disputed"),
        batch(1, 1, "committed"),
        batch(0, 3, "claimed"),
      ],
      now,
      60,
      10,
    );
    expect(epochs.map((e) => [e.epoch, e.state])).to.deep.equal([
      [4, "open"],
      [3, "pending"],
      [2, "missing"],
      [1, "disputed"],
      [0, "settled"],
    ]);
    expect(epochs[1].flows.map((f) => f.state)).to.deep.equal(["pending", "pending"]);
    expect(agreementEpochs(schedule, 2, [], now, 90, 2).map((e) => e.epoch)).to.deep.equal([4, 3]);
    expect(agreementEpochs(schedule, 2, [], 900, 90, 10)).to.deep.equal([]);
  });
});
