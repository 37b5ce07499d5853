export * from './message-status';
export * from './error-codes';
export * from './message-view';
export * from './limits';
export * from './check-back-signature';
