// Plots written by the apps: self-contained SVG via Vega-Lite.
export * from './line-chart.js'
export * from './training-plot.js'
