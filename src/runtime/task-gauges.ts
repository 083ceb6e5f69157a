// A task's figures as streamfit_validation_figure{app, figure}: accuracy, AUC and log loss for a
// binary model, accuracy, macro-F1 and log loss for a multiclass one, RMSE, MAE and R² for a
// regression, under the keys metricFigures gives them (the registry's). A figure that is not a
// number yet (AUC before both classes were seen) is left out rather than exported as NaN.
import { metricFigures, type TaskMetrics } from '../ml/task-metrics.js'
import { metrics } from './metrics.js'

export function setTaskFigures (app: string, m: TaskMetrics): void {
  for (const [figure, value] of Object.entries(metricFigures(m))) {
    if (figure === 'rows') continue
    if (Number.isFinite(value)) metrics.validationFigure.set({ app, figure }, value)
    else metrics.validationFigure.remove({ app, figure })
  }
}
