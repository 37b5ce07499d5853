/** Validation limits shared by the service and the SDKs. */
export const LIMITS = {
  msgLogIdMaxLength: 128,
  topicPattern: /^[%a-zA-Z0-9_-]{1,127}$/,
  tagMaxLength: 128,
  keysMaxCount: 32,
  keyMaxLength: 128,
  propertiesMaxCount: 64,
  propertyNameMaxLength: 64,
  propertyValueMaxLength: 1024,
  messageGroupMaxLength: 128,
  msgLogUrlMaxLength: 2048,
  /** Messages in one `POST /v1/messages/batch`. */
  batchMaxMessages: 100,
  /** Property names starting with this prefix are set by the service and refused from producers. */
  reservedPropertyPrefix: 'rms-',
} as const;
