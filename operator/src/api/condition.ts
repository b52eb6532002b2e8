import { type Infer, integer, object, string, stringEnum } from './schema.js';

/** The shape of metav1.Condition, shared by every ecom.dev resource's status. */
export const conditionSchema = object(
  {
    type: string({
      description:
        'Type of the condition, in CamelCase. `Ready` says whether the resource is in the state its spec asks for.',
      maxLength: 316,
    }),
    status: stringEnum(['True', 'False', 'Unknown'] as const, {
      description: 'Status of the condition: True, False or Unknown.',
    }),
    reason: string({
      description: 'Machine-readable CamelCase reason for the last transition, e.g. PartitionDecreaseRefused.',
      maxLength: 1024,
    }),
    message: string({ description: 'Human-readable explanation of the condition.', maxLength: 32768 }),
    lastTransitionTime: string({
      description: 'When the condition last changed status (RFC 3339); a new reason or message alone does not move it.',
      format: 'date-time',
    }),
    observedGeneration: integer({
      description: 'The metadata.generation of the resource this condition was computed from.',
      minimum: 0,
    }),
  },
  {
    description: 'One observation of the resource state, in the style of metav1.Condition.',
    required: ['type', 'status', 'reason', 'message', 'lastTransitionTime'],
  },
);

export type Condition = Infer<typeof conditionSchema>;
export type ConditionStatus = Condition['status'];
