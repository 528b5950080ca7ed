import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "chai";
import { ethers } from "hardhat";
import { deployFlowPact } from "../../../scripts/deploy";
import { AUDITOR_ROLE, type Deployed, GOVERNOR_ROLE, MATCHER_ROLE } from "../fixtures";

describe("scripts/deploy.ts", () => {
  let outDir: string;
  beforeEach(() => {
    outDir = mkdtempSync(path.join(tmpdir(), "flowpact-deploy-"));
  });
  afterEach(() => rmSync(outDir, { recursive: true, force: true }));

  it("deploys, wires the roles, hands GOVERNOR over and writes deployments/<chainId>.json", async () => {
    const [deployer, governor, matcher, auditor] = await ethers.getSigners();
    const deployment = await deployFlowPact({
      governor: governor.address,
      matcher: matcher.address,
      auditor: auditor.address,
      outDir,
    });
    const file = JSON.parse(readFileSync(path.join(outDir, "31337.json"), "utf8"));
    expect(file).to.deep.equal(deployment);
    expect(file.chainId).to.equal(31337);
    expect(file.startBlock)
      .to.be.a("number")
      .and.to.be.lte(await ethers.provider.getBlockNumber());

    const consortium = await ethers.getContractAt("Consortium", deployment.contracts.Consortium);
    expect(await consortium.hasRole(GOVERNOR_ROLE, governor.address)).to.equal(true);
    expect(await consortium.hasRole(GOVERNOR_ROLE, deployer.address)).to.equal(false);
    expect(await consortium.hasRole(MATCHER_ROLE, matcher.address)).to.equal(true);
    expect(await consortium.hasRole(AUDITOR_ROLE, auditor.address)).to.equal(true);
    for (const name of ["OfferBook", "AgreementBook"] as const) {
      const code = await ethers.provider.getCode(deployment.contracts[name]);
      expect(code).to.not.equal("0x");
    }
    // Every contract answers to the deployed consortium.
    const agreementBook = (await ethers.getContractAt(
      "AgreementBook",
      deployment.contracts.AgreementBook,
    )) as Deployed;
    await expect((agreementBook.connect(matcher) as Deployed).markExpired(1n))
      .to.be.revertedWithCustomError(agreementBook, "AgreementBookUnknownAgreement")
      .withArgs(1n);
  });

  it("keeps every role with the deployer by default", async () => {
    const [deployer] = await ethers.getSigners();
    const deployment = await deployFlowPact({ outDir });
    const consortium = await ethers.getContractAt("Consortium", deployment.contracts.Consortium);
    for (const role of [GOVERNOR_ROLE, MATCHER_ROLE, AUDITOR_ROLE]) {
      expect(await consortium.hasRole(role, deployer.address)).to.equal(true);
    }
  });
});
