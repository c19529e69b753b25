import type { ReportModel } from './model.js';

/** The JSON form: the model itself, which is what every other form is rendered from. */
export function renderReportJson(model: ReportModel): string {
  return `${JSON.stringify(model, null, 2)}\n`;
}
