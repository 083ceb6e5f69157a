// The JSON Schema of a dataset spec (draft-07, checked by Ajv). Defaults are filled in by the
// validator, so a spec file says only what differs. specs/dataset-spec.schema.json is this object,
// written out for editors (a unit test keeps the two the same).

const source = {
  description: 'Where the value comes from: {key: true}, {column: NAME or 0-based INDEX} (CSV) or {field: "a.b"} (JSON)',
  oneOf: [
    { type: 'object', required: ['key'], additionalProperties: false, properties: { key: { const: true } } },
    { type: 'object', required: ['column'], additionalProperties: false, properties: { column: { oneOf: [{ type: 'string', minLength: 1 }, { type: 'integer', minimum: 0 }] } } },
    { type: 'object', required: ['field'], additionalProperties: false, properties: { field: { type: 'string', minLength: 1 } } }
  ]
} as const

const topic = {
  type: 'object',
  required: ['name'],
  additionalProperties: false,
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 249, pattern: '^[A-Za-z0-9._-]+$' },
    partitions: { type: 'integer', minimum: 1, default: 1 }
  }
} as const

const featureBase = {
  name: { type: 'string', minLength: 1 },
  from: source,
  onMissing: { enum: ['dead-letter', 'impute'], default: 'dead-letter' }
} as const

/**
 * The JSON Schema (draft-07) a data set spec is checked against; defaults are filled in by the
 * validator. specs/dataset-spec.schema.json is this object, written out for editors.
 */
export const specSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://github.com/streamfit/streamfit/specs/dataset-spec.schema.json',
  title: 'streamfit dataset spec',
  type: 'object',
  required: ['name', 'topics', 'format', 'label', 'features', 'task'],
  additionalProperties: false,
  properties: {
    $schema: { type: 'string' },
    name: { type: 'string', pattern: '^[A-Za-z0-9_.-]+$', description: 'registry name of the models trained on it' },
    topics: {
      type: 'object',
      required: ['train', 'test', 'predictions', 'deadLetters'],
      additionalProperties: false,
      properties: { train: topic, test: topic, predictions: topic, deadLetters: topic }
    },
    format: {
      type: 'object',
      required: ['type'],
      properties: { type: { enum: ['csv', 'json'] } },
      if: { properties: { type: { const: 'csv' } } },
      then: {
        additionalProperties: false,
        properties: {
          type: { const: 'csv' },
          delimiter: { type: 'string', minLength: 1, maxLength: 1, default: ',' },
          quote: { type: 'string', minLength: 1, maxLength: 1, default: '"' },
          columns: { type: 'array', items: { type: 'string', minLength: 1 }, minItems: 1, uniqueItems: true }
        }
      },
      else: { additionalProperties: false, properties: { type: { const: 'json' } } }
    },
    label: source,
    id: source,
    features: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        required: ['type', 'from'],
        properties: { type: { enum: ['numeric', 'categorical', 'boolean'] } },
        allOf: [
          {
            if: { properties: { type: { const: 'numeric' } } },
            then: { additionalProperties: false, properties: { ...featureBase, type: { const: 'numeric' }, impute: { oneOf: [{ type: 'number' }, { const: 'mean' }] } } }
          },
          {
            if: { properties: { type: { const: 'categorical' } } },
            then: {
              additionalProperties: false,
              properties: {
                ...featureBase,
                type: { const: 'categorical' },
                vocabulary: { type: 'array', items: { type: 'string' }, minItems: 1, uniqueItems: true },
                onUnknown: { enum: ['dead-letter', 'other'], default: 'dead-letter' },
                encoding: { enum: ['one-hot', 'embedding'], default: 'one-hot' },
                embeddingDim: { type: 'integer', minimum: 1, maximum: 1024 }
              }
            }
          },
          {
            if: { properties: { type: { const: 'boolean' } } },
            then: { additionalProperties: false, properties: { ...featureBase, type: { const: 'boolean' }, impute: { type: 'boolean' } } }
          }
        ]
      }
    },
    task: {
      type: 'object',
      required: ['type'],
      properties: { type: { enum: ['binary', 'multiclass', 'regression'] } },
      allOf: [
        {
          if: { properties: { type: { const: 'binary' } } },
          then: { additionalProperties: false, properties: { type: { const: 'binary' }, classes: { type: 'array', items: { type: 'string', minLength: 1 }, minItems: 2, maxItems: 2, uniqueItems: true, default: ['0', '1'] } } }
        },
        {
          if: { properties: { type: { const: 'multiclass' } } },
          then: { additionalProperties: false, properties: { type: { const: 'multiclass' }, classes: { type: 'array', items: { type: 'string', minLength: 1 }, minItems: 2, uniqueItems: true } } }
        },
        {
          if: { properties: { type: { const: 'regression' } } },
          then: { additionalProperties: false, properties: { type: { const: 'regression' } } }
        }
      ]
    },
    model: {
      type: 'object',
      required: ['type'],
      default: { type: 'mlp' },
      properties: { type: { enum: ['mlp', 'imported'] } },
      if: { properties: { type: { const: 'mlp' } } },
      then: {
        additionalProperties: false,
        properties: {
          type: { const: 'mlp' },
          hidden: { type: 'array', items: { type: 'integer', minimum: 1 }, minItems: 1 },
          dropout: { type: 'array', items: { type: 'number', minimum: 0, exclusiveMaximum: 1 } },
          learningRate: { type: 'number', exclusiveMinimum: 0 },
          l2: { type: 'number', minimum: 0 },
          epochs: { type: 'integer', minimum: 1 },
          batchSize: { type: 'integer', minimum: 1 }
        }
      },
      else: { additionalProperties: false, properties: { type: { const: 'imported' } } }
    }
  }
} as const
