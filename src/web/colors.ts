/** One calm, distinguishable colour per catalogue industry (by name). */
export const INDUSTRY_COLORS: Record<string, string> = {
  banking: "#2f5f98",
  insurance: "#6f9fd8",
  ecommerce: "#e07b39",
  "local-services": "#c9a227",
  content: "#b5497a",
  search: "#7a5cc9",
  travel: "#2a9d8f",
  education: "#57a55a",
  gaming: "#d1495b",
  automotive: "#7d8590",
  telecom: "#3aa7c9",
  healthcare: "#94b86f",
};

export const industryColor = (name: string) => INDUSTRY_COLORS[name] ?? "#9aa4ae";

/** Colours for chart series (distinct even when two members share an industry). */
export const SERIES_COLORS = [
  "#2f5f98",
  "#e07b39",
  "#2a9d8f",
  "#b5497a",
  "#c9a227",
  "#7a5cc9",
  "#d1495b",
  "#57a55a",
];

export const CYCLE_COLOR = "#e0892b";
