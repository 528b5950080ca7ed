import loadHighs, { type Highs, type ModelData } from "highs";

export type { Highs };

/** Loads the HiGHS WebAssembly solver once; pass it to `solveMatching`. */
export function loadMatchingSolver(): Promise<Highs> {
  return loadHighs();
}

export interface HighsRun {
  /** HiGHS model status code (`highs.constants.modelStatus`). */
  readonly status: number;
  readonly hasPrimal: boolean;
  readonly objective: number;
  readonly colValue: Float64Array;
  readonly rowDual: Float64Array;
  /** For a MIP: HiGHS' proven upper bound (maximisation); for an LP: the objective. */
  readonly dualBound: number;
}

export interface HighsRunOptions {
  readonly timeLimitSeconds: number;
  readonly mipRelativeGap: number;
  /** A feasible starting solution for the MIP (dense column values). */
  readonly start?: Float64Array;
}

/** Runs HiGHS on one model and copies out what the engine needs; the native model is disposed. */
export function runHighs(highs: Highs, data: ModelData, options: HighsRunOptions): HighsRun {
  return highs.withModel(data, (model) => {
    model.options.set({
      output_flag: false,
      time_limit: Math.max(0.5, options.timeLimitSeconds),
      mip_rel_gap: options.mipRelativeGap,
      random_seed: 0,
    });
    if (options.start) model.setSolution({ colValue: options.start });
    model.run();
    const status = model.getModelStatus();
    const hasPrimal =
      Number(model.info.get("primal_solution_status")) === highs.constants.solutionStatus.feasible;
    const solution = model.getSolution();
    const objective = hasPrimal ? model.getObjectiveValue() : 0;
    const isMip = data.integrality !== undefined;
    const dualBound = isMip ? Number(model.info.get("mip_dual_bound")) : objective;
    return {
      status,
      hasPrimal,
      objective,
      colValue: solution.colValue,
      rowDual: solution.rowDual,
      dualBound,
    };
  });
}
