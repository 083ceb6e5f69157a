// The dataset spec: what a topic's records hold and what to learn from them. One file (YAML or
// JSON, validated against spec.schema.json) drives load, train, evaluate, score and online; the
// SUSY spec (specs/susy.yaml, susySpec below) is the default, so every command without --spec
// behaves as it always has.

/** A Kafka topic the data set uses, with the partitions `load` creates it with. */
export interface TopicSpec {
  name: string
  partitions: number
}

/** The four topics of a data set: train and test rows in, predictions and dead letters out. */
export interface SpecTopics {
  /** Training rows (read by train, online). */
  train: TopicSpec
  /** Rows to score (read by score, evaluate). */
  test: TopicSpec
  /** Where predictions go, one per scored record. */
  predictions: TopicSpec
  /** Where records that cannot be decoded go, with their reason. */
  deadLetters: TopicSpec
}

/** A record's value as one CSV line; `columns` names the fields in order. */
export interface CsvFormat {
  type: 'csv'
  /** One character (default ","). */
  delimiter: string
  /** One character that quotes a field (default '"'; doubled inside a field). */
  quote: string
  /** Column names in order. Features and the label may name a column or give its 0-based index. */
  columns?: string[]
}

/** A record's value as a JSON object; features and the label name a field by a dotted path. */
export interface JsonFormat {
  type: 'json'
}

/** How a record's value is laid out: CSV or JSON. */
export type RecordFormat = CsvFormat | JsonFormat

/**
 * Where a value comes from: the record's key, a CSV column (name or 0-based index) or a JSON
 * field path ("payer.country").
 */
export type FieldSource =
  | { key: true }
  | { column: string | number }
  | { field: string }

/** What a missing or unparsable value does: dead-letter the record (with its reason), or impute. */
export type MissingPolicy = 'dead-letter' | 'impute'

interface FeatureBase {
  /** Name in the model's feature list (defaults to the column or field). */
  name: string
  from: FieldSource
  onMissing: MissingPolicy
}

/** A number, standardised with the mean and standard deviation learnt from the train topic. */
export interface NumericFeature extends FeatureBase {
  type: 'numeric'
  /** The value imputed when onMissing is impute: a number, or "mean" (the train mean). */
  impute?: number | 'mean'
}

/** One of a set of values, encoded one-hot. */
export interface CategoricalFeature extends FeatureBase {
  type: 'categorical'
  /** The known values; learnt from the train topic (train's first pass) when absent. */
  vocabulary?: string[]
  /** What a value outside the vocabulary does: dead-letter, or count as "other" (an all-zero row). */
  onUnknown: 'dead-letter' | 'other'
  /**
   * one-hot (default): a column per category into the MLP. embedding: the category's one-hot
   * columns go through a learnt linear map to `embeddingDim` numbers first (an embedding lookup,
   * written as a matrix product so that every backend can train it); "other" maps to zeros.
   */
  encoding?: 'one-hot' | 'embedding'
  /** Size of an embedding's vectors (default: about the square root of the categories, 2 to 32). */
  embeddingDim?: number
}

/** true/false, 1/0, yes/no (any case), as 1 or 0. */
export interface BooleanFeature extends FeatureBase {
  type: 'boolean'
  /** The value imputed when onMissing is impute (default false). */
  impute?: boolean
}

/** One input feature: numeric, categorical or boolean. */
export type FeatureSpec = NumericFeature | CategoricalFeature | BooleanFeature

/** Two classes: a prediction is the probability of the positive one. */
export interface BinaryTask {
  type: 'binary'
  /** The label texts of class 0 and class 1 (default ["0", "1"]; numbers such as 1.0 match too). */
  classes: [string, string]
}

/** N classes: a prediction is a class and the probability of each. */
export interface MulticlassTask {
  type: 'multiclass'
  /** Label values in class order; learnt from the train topic (sorted) when absent. */
  classes?: string[]
}

/** A number to predict. */
export interface RegressionTask {
  type: 'regression'
}

/** What the model learns: a binary label, one of several classes, or a number. */
export type TaskSpec = BinaryTask | MulticlassTask | RegressionTask

/** An MLP trained by streamfit; absent fields take `train`'s defaults (and its flags win). */
export interface MlpModel {
  type: 'mlp'
  hidden?: number[]
  dropout?: number[]
  learningRate?: number
  l2?: number
  epochs?: number
  batchSize?: number
}

/** A model trained elsewhere and brought in with `streamfit models import`. */
export interface ImportedModel {
  type: 'imported'
}

/**
 * A data set spec (a YAML or JSON file checked against {@link specSchema}): the topics, the record
 * format, where the label and each feature come from, the task and the model.
 */
export interface DatasetSpec {
  /** Registry name of the models trained on it ("susy" by default). */
  name: string
  topics: SpecTopics
  format: RecordFormat
  label: FieldSource
  /** Carried into each prediction as "id" when present. */
  id?: FieldSource
  features: FeatureSpec[]
  task: TaskSpec
  model: MlpModel | ImportedModel
}

/**
 * A spec whose vocabularies and classes are all known: what a model is trained on and stored
 * with, so a scorer decodes exactly as its trainer did.
 */
export type ResolvedSpec = Omit<DatasetSpec, 'features' | 'task'> & {
  features: ResolvedFeature[]
  task: BinaryTask | (MulticlassTask & { classes: string[] }) | RegressionTask
}

/** A feature of a resolved spec: a categorical one has its vocabulary. */
export type ResolvedFeature = NumericFeature | BooleanFeature | (CategoricalFeature & { vocabulary: string[] })

/** Number of encoded input columns: one per numeric or boolean feature, one per category. */
export function inputWidth (spec: ResolvedSpec): number {
  return spec.features.reduce((n, f) => n + (f.type === 'categorical' ? f.vocabulary.length : 1), 0)
}

/** Units of the model's output layer: 1 (binary, regression) or the number of classes. */
export function outputUnits (spec: ResolvedSpec): number {
  return spec.task.type === 'multiclass' ? spec.task.classes.length : 1
}

/** Whether every vocabulary and class list is known (means to impute may still be learnt: imputesMean). */
export function isResolved (spec: DatasetSpec): spec is ResolvedSpec {
  return spec.features.every(f => f.type !== 'categorical' || f.vocabulary !== undefined) &&
    (spec.task.type !== 'multiclass' || spec.task.classes !== undefined)
}

/** A numeric feature that imputes the train mean, not yet learnt. */
export function imputesMean (f: FeatureSpec): boolean {
  return f.type === 'numeric' && f.onMissing === 'impute' && (f.impute === undefined || f.impute === 'mean')
}
